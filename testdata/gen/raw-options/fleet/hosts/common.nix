# Hand-written: shared by every host that names it in modules.
{ pkgs, ... }:
{
  environment.systemPackages = [ pkgs.tmux ];
}
