# What NixOS's test framework adds to every node of a pkgs.testers.runNixOSTest
# test, for the module check of the nodes of tests/*.nix (the checker evaluates
# the node's own modules only):
#   - virtualisation/qemu-vm.nix mounts the VM's disk as / and points GRUB at it,
#     both with mkVMOverride (priority 10);
#   - testing/test-instrumentation.nix gives root an empty password file
#     (mkOverride 150), so a node with users.mutableUsers = false is not locked out.
{ lib, ... }:
{
  fileSystems = lib.mkOverride 10 {
    "/" = {
      device = "/dev/vda";
      fsType = "ext4";
    };
  };
  boot.loader.grub.device = lib.mkOverride 10 "/dev/vda";
  users.users.root.hashedPasswordFile = lib.mkOverride 150 "/nix/store/00000000000000000000000000000000-hashed-password.root";
}
