# shoal catalog: nix
# Options set (checked against the NixOS options index by catalog_test.go):
#   nix.gc.options
# The garbage collector's flag is built from the gc_keep setting, which a
# typed option value cannot do: it only takes a setting's value whole.
{ config, ... }:
{
  nix.gc.options = "--delete-older-than ${config.shoal.features.nix.gc_keep}";
}
