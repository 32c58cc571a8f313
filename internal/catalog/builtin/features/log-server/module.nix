# shoal catalog: log-server
# Options set (checked against the NixOS options index by catalog_test.go):
#   services.restic.backups.shoal.exclude
# When the log server is a backup client (its /var/lib is among the default
# paths), Loki's stored logs are left out unless backup_logs is on: each
# machine's journal keeps its own logs, and Loki's chunks churn with its
# compactor. docs/recovery.md says why.
{ config, lib, ... }:
let
  features = config.shoal.features;
  backsUp = features ? backup-client && features.backup-client.enable;
in
lib.mkIf (backsUp && !features.log-server.backup_logs) {
  services.restic.backups.shoal.exclude = [ config.services.loki.dataDir ];
}
