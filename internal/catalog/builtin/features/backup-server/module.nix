# shoal catalog: backup-server
# Options set (checked against the NixOS options index by catalog_test.go):
#   services.restic.server.listenAddress
# The listen address is a string made from the port setting. It is the port
# alone: the server is socket-activated and NixOS refuses ":8000"
# (restic-rest-server.nix asserts the address does not start with ":").
{ config, lib, ... }:
{
  services.restic.server.listenAddress = toString config.shoal.features.backup-server.port;
}
