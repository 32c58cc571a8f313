// Package backup reads, checks and test-restores the restic repositories
// of a fleet's backup clients, on the clients themselves over deploy's ssh
// sessions.
//
// It runs restic as the generated backup unit does: against the
// repository of the machine's gen.BackupPlan, with the password file and
// the environment file (systemd's KEY=VALUE lines) the unit reads, so that
// a command that works here works for the unit, and credentials never
// leave the host or appear on a command line. Status lists the snapshots
// and the newest one's age; Verify runs restic check; RestoreTest restores
// the newest snapshot into a scratch directory on the host and compares
// every restored file with the live one by content (SHA-256).
package backup
