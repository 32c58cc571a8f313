# shoal catalog: monitoring-server
# Options set (checked against the NixOS options index by catalog_test.go):
#   services.restic.backups.shoal.exclude
# What the monitoring server's own backups keep, when it is a backup client
# (its /var/lib is among the default paths): Grafana's database, keys and
# admin password (/var/lib/grafana) and Alertmanager's silences are kept;
# Prometheus's samples are left out unless backup_samples is on: they are
# large, every compaction rewrites them (restic deduplicates them poorly),
# and the scrapes refill them. docs/recovery.md says why.
{ config, lib, ... }:
let
  features = config.shoal.features;
  backsUp = features ? backup-client && features.backup-client.enable;
in
lib.mkIf (backsUp && !features.monitoring-server.backup_samples) {
  services.restic.backups.shoal.exclude = [ "/var/lib/${config.services.prometheus.stateDir}" ];
}
