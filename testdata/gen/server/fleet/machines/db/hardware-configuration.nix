# Written by nixos-generate-config on db.
{ modulesPath, ... }:
{
  imports = [ (modulesPath + "/installer/scan/not-detected.nix") ];
  boot.initrd.availableKernelModules = [ "ahci" "xhci_pci" "sd_mod" ];
  boot.kernelModules = [ "kvm-intel" ];
  fileSystems."/" = { device = "/dev/disk/by-uuid/0b7e5d1c-0000-4000-8000-000000000000"; fsType = "ext4"; };
  swapDevices = [ ];
}
