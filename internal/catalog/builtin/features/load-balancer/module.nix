# shoal catalog: load-balancer
# Options set (checked against the NixOS options index by catalog_test.go):
#   services.haproxy.config
# NixOS refuses haproxy without a configuration (haproxy.nix asserts
# services.haproxy.config != null). This module writes the global and
# defaults sections and the statistics frontend; services.haproxy.config is
# lines, so the generator's frontend and backend sections are appended.
{ config, lib, ... }:
let
  cfg = config.shoal.features.load-balancer;
in
{
  services.haproxy.config = lib.mkBefore ''
    global
      log /dev/log local0
      maxconn 4096

    defaults
      log global
      mode http
      option httplog
      option dontlognull
      timeout connect 5s
      timeout client ${cfg.timeout}
      timeout server ${cfg.timeout}

    frontend stats
      bind :${toString cfg.stats_port}
      http-request use-service prometheus-exporter if { path /metrics }
      stats enable
      stats uri /
      stats refresh 10s
  '';
}
