# shoal catalog: core
# Options set (checked against the NixOS options index by catalog_test.go):
#   boot.kernelPackages
# The kernel setting needs a package set, which typed settings cannot name.
{ config, lib, pkgs, ... }:
{
  boot.kernelPackages = lib.mkIf (config.shoal.features.core.kernel == "latest") pkgs.linuxPackages_latest;
}
