# shoal catalog: backup-client
# Options set (checked against the NixOS options index by catalog_test.go):
#   services.restic.backups.shoal.pruneOpts
#   services.restic.backups.shoal.backupCleanupCommand
#   systemd.services.shoal-backup-check.description
#   systemd.services.shoal-backup-check.after
#   systemd.services.shoal-backup-check.wants
#   systemd.services.shoal-backup-check.environment
#   systemd.services.shoal-backup-check.serviceConfig
#   systemd.services.shoal-backup-check.postStop
#   systemd.timers.shoal-backup-check.wantedBy
#   systemd.timers.shoal-backup-check.timerConfig
#   systemd.services.restic-backups-shoal.serviceConfig.ReadWritePaths
#   systemd.services.shoal-backup-check.serviceConfig.ReadWritePaths
# restic forget --prune runs after each backup when pruneOpts is not empty,
# so the retention rules are left out when no keep_* setting is set: then
# every snapshot is kept. A module because the options are made from the
# integer settings. After every run, successful or not (the command runs
# as the unit's ExecStopPost, with systemd's SERVICE_RESULT), the unit writes
# its result for node exporter's textfile collector; the monitoring server
# alerts on it (BackupFailed, BackupTooOld).
#
# shoal-backup-check runs restic check on check_schedule against the same
# repository, password and credentials as the backup, reading back
# check_read_data_subset of the data, and writes shoal_backup_check_success
# and its times the same way (BackupCheckFailed). It
# waits up to two hours for a running backup's lock.
#
# A repository on a local path (path or local:path, e.g. a mounted disk)
# stays writable when hardening makes the file system read-only for the
# unit (ProtectSystem = "strict", from hardening.level = "standard"); the
# leading "-" lets the unit start while the disk is not mounted, and
# restic then says so itself.
{ config, lib, pkgs, ... }:
let
  cfg = config.shoal.features.backup-client;
  backup = config.services.restic.backups.shoal;
  keep = rule: n: lib.optional (n != null) "--keep-${rule} ${toString n}";
  repo = config.services.restic.backups.shoal.repository;
  localRepo =
    if repo == null then
      null
    else if lib.hasPrefix "/" repo then
      repo
    else if lib.hasPrefix "local:/" repo then
      lib.removePrefix "local:" repo
    else
      null;
in
{
  systemd.services.restic-backups-shoal.serviceConfig.ReadWritePaths = lib.mkIf (localRepo != null) [
    "-${localRepo}"
  ];
  # restic check locks the repository: it writes there too.
  systemd.services.shoal-backup-check.serviceConfig.ReadWritePaths = lib.mkIf (localRepo != null) [
    "-${localRepo}"
  ];
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
  systemd.services.shoal-backup-check.description = "restic check of the shoal backup repository";
  systemd.services.shoal-backup-check.after = [ "network-online.target" ];
  systemd.services.shoal-backup-check.wants = [ "network-online.target" ];
  systemd.services.shoal-backup-check.environment = {
    RESTIC_REPOSITORY = backup.repository;
    RESTIC_PASSWORD_FILE = backup.passwordFile;
    RESTIC_CACHE_DIR = "/var/cache/shoal-backup-check";
  };
  systemd.services.shoal-backup-check.serviceConfig = {
    Type = "oneshot";
    EnvironmentFile = lib.optional (backup.environmentFile != null) backup.environmentFile;
    CacheDirectory = "shoal-backup-check";
    ExecStart = "${pkgs.restic}/bin/restic check --retry-lock 2h --read-data-subset ${lib.escapeShellArg cfg.check_read_data_subset}";
  };
  systemd.services.shoal-backup-check.postStop = ''
    dir=/var/lib/shoal/metrics
    mkdir -p "$dir"
    now=$(date +%s)
    last=$(sed -n 's/^shoal_backup_check_last_success_timestamp_seconds //p' "$dir/shoal_backup_check.prom" 2>/dev/null)
    ok=0
    if [ "$SERVICE_RESULT" = success ]; then
      ok=1
      last=$now
    fi
    {
      echo "# HELP shoal_backup_check_success Whether the last restic check of the backup repository succeeded."
      echo "# TYPE shoal_backup_check_success gauge"
      echo "shoal_backup_check_success $ok"
      echo "# HELP shoal_backup_check_last_run_timestamp_seconds When restic check of the backup repository last ran."
      echo "# TYPE shoal_backup_check_last_run_timestamp_seconds gauge"
      echo "shoal_backup_check_last_run_timestamp_seconds $now"
      if [ -n "$last" ]; then
        echo "# HELP shoal_backup_check_last_success_timestamp_seconds When restic check of the backup repository last succeeded."
        echo "# TYPE shoal_backup_check_last_success_timestamp_seconds gauge"
        echo "shoal_backup_check_last_success_timestamp_seconds $last"
      fi
    } > "$dir/.shoal_backup_check.prom.tmp"
    mv "$dir/.shoal_backup_check.prom.tmp" "$dir/shoal_backup_check.prom"
  '';
  systemd.timers.shoal-backup-check.wantedBy = [ "timers.target" ];
  systemd.timers.shoal-backup-check.timerConfig = {
    OnCalendar = cfg.check_schedule;
    Persistent = true;
    RandomizedDelaySec = "1h";
  };
}
