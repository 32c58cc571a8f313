# LAB STAND-IN FOR NIXPKGS: not nixpkgs. For shoal's fleet lab only, where no
# nixpkgs is reachable: give it to a flake shoal generated with
#
#   nix build path:FLEET#nixosConfigurations.MACHINE.config.system.build.toplevel \
#     --override-input nixpkgs path:.../testdata/lab-nixpkgs \
#     --override-input disko path:.../testdata/lab-nixpkgs
#
# and each machine becomes a small "system" closure with
# bin/switch-to-configuration, built from the Nix files the machine's module
# reaches (see lib.nix). No NixOS option is evaluated.
{
  description = "shoal lab stand-in for nixpkgs (not nixpkgs)";
  outputs = _: {
    lib = import ./lib.nix;
    # It stands in for disko too (--override-input disko): a machine with a
    # disk layout imports disko's NixOS module, here an empty one.
    nixosModules.disko = { };
    shoalLabStandIn = true;
  };
}
