# shoal catalog: monitoring-agent
# Options set (checked against the NixOS options index by catalog_test.go):
#   system.activationScripts
# Each activation writes the system profile generation it activates for
# node exporter's textfile collector: the monitoring server compares it with
# the generation shoal deploy recorded (DeployGenerationDrift), so a manual
# switch or rollback on the machine shows. A module because it is a script.
{ ... }:
{
  system.activationScripts.shoal-generation-metric = ''
    dir=/var/lib/shoal/metrics
    mkdir -p "$dir"
    gen=$(readlink /nix/var/nix/profiles/system | sed -n 's/^system-\([0-9]*\)-link$/\1/p')
    if [ -n "$gen" ]; then
      {
        echo "# HELP shoal_system_generation System profile generation of the last activation."
        echo "# TYPE shoal_system_generation gauge"
        echo "shoal_system_generation $gen"
      } > "$dir/.shoal_system.prom.tmp"
      mv "$dir/.shoal_system.prom.tmp" "$dir/shoal_system.prom"
    fi
  '';
}
