# shoal catalog: fonts
# Options set (checked against the NixOS options index by catalog_test.go):
#   fonts.packages
# fonts.packages takes packages, which typed option values spell only as
# strings; the packages setting names nixpkgs attributes.
{ config, pkgs, ... }:
{
  fonts.packages = map (name: pkgs.${name}) config.shoal.features.fonts.packages;
}
