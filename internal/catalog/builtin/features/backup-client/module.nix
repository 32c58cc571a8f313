# shoal catalog: backup-client
# Options set (checked against the NixOS options index by catalog_test.go):
#   services.restic.backups.shoal.pruneOpts
# restic forget --prune runs after each backup when pruneOpts is not empty,
# so the retention rules are left out when no keep_* setting is set: then
# every snapshot is kept. A module because the options are made from the
# integer settings.
{ config, lib, ... }:
let
  cfg = config.shoal.features.backup-client;
  keep = rule: n: lib.optional (n != null) "--keep-${rule} ${toString n}";
in
{
  services.restic.backups.shoal.pruneOpts =
    keep "daily" cfg.keep_daily ++ keep "weekly" cfg.keep_weekly ++ keep "monthly" cfg.keep_monthly;
}
