# shoal catalog: backup-client
# Options set (checked against the NixOS options index by catalog_test.go):
#   services.restic.backups.shoal.pruneOpts
#   services.restic.backups.shoal.backupCleanupCommand
# restic forget --prune runs after each backup when pruneOpts is not empty,
# so the retention rules are left out when no keep_* setting is set: then
# every snapshot is kept. A module because the options are made from the
# integer settings. After every run, successful or not (the command runs
# as the unit's ExecStopPost, with systemd's SERVICE_RESULT), the unit writes
# its result for node exporter's textfile collector; the monitoring server
# alerts on it (BackupFailed, BackupTooOld).
{ config, lib, ... }:
let
  cfg = config.shoal.features.backup-client;
  keep = rule: n: lib.optional (n != null) "--keep-${rule} ${toString n}";
in
{
  services.restic.backups.shoal.pruneOpts =
    keep "daily" cfg.keep_daily ++ keep "weekly" cfg.keep_weekly ++ keep "monthly" cfg.keep_monthly;
  services.restic.backups.shoal.backupCleanupCommand = ''
    dir=/var/lib/shoal/metrics
    mkdir -p "$dir"
    now=$(date +%s)
    last=$(sed -n 's/^shoal_backup_last_success_timestamp_seconds //p' "$dir/shoal_backup.prom" 2>/dev/null)
    ok=0
    if [ "$SERVICE_RESULT" = success ]; then
      ok=1
      last=$now
    fi
    {
      echo "# HELP shoal_backup_success Whether the last run of the restic backup unit succeeded."
      echo "# TYPE shoal_backup_success gauge"
      echo "shoal_backup_success $ok"
      echo "# HELP shoal_backup_last_run_timestamp_seconds When the restic backup unit last ran."
      echo "# TYPE shoal_backup_last_run_timestamp_seconds gauge"
      echo "shoal_backup_last_run_timestamp_seconds $now"
      if [ -n "$last" ]; then
        echo "# HELP shoal_backup_last_success_timestamp_seconds When the restic backup unit last succeeded."
        echo "# TYPE shoal_backup_last_success_timestamp_seconds gauge"
        echo "shoal_backup_last_success_timestamp_seconds $last"
      fi
    } > "$dir/.shoal_backup.prom.tmp"
    mv "$dir/.shoal_backup.prom.tmp" "$dir/shoal_backup.prom"
  '';
}
