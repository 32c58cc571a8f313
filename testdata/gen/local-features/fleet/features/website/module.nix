# The virtual host needs the domain as an attribute name, which typed
# option values cannot say.
{ config, lib, ... }:
let
  cfg = config.shoal.features.website;
in
{
  services.nginx.virtualHosts.${cfg.domain} = {
    root = lib.mkIf (cfg.root != null) cfg.root;
  };
}
