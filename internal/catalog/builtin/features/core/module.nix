# The kernel setting needs a package set, which typed settings cannot name.
{ config, lib, pkgs, ... }:
{
  boot.kernelPackages = lib.mkIf (config.shoal.features.core.kernel == "latest") pkgs.linuxPackages_latest;
}
