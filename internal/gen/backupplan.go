package gen

import (
	"fmt"
	"slices"
	"time"

	"github.com/shoal-nix/shoal/internal/resolve"
)

// BackupMetricsFile is the Prometheus textfile the backup unit of a client
// writes after every run (the backup-client feature's module), with
// shoal_backup_last_success_timestamp_seconds in it.
const BackupMetricsFile = "/var/lib/shoal/metrics/shoal_backup.prom"

// BackupPlan is what the backup unit of one client machine does, as data:
// the same repository, credentials, paths, excludes and retention that the
// generated NixOS configuration gives services.restic.backups.shoal. Tools
// that run restic against a client's repository (shoal backup, the backup
// round-trip test) read it instead of deriving their own.
type BackupPlan struct {
	Machine string `json:"machine"`
	// Repository is the restic repository with the machine's host name
	// appended, as the wiring appends networking.hostName; "" when the
	// machine is no client of [services.backup].
	Repository string `json:"repository"`
	// PasswordFile and EnvironmentFile are the secret files the unit
	// reads: restic's --password-file, and systemd's EnvironmentFile
	// (KEY=VALUE lines).
	PasswordFile    string   `json:"password_file"`
	EnvironmentFile string   `json:"environment_file"`
	Paths           []string `json:"paths"`
	Exclude         []string `json:"exclude"`
	// Forget holds the options of restic forget --prune after each
	// backup (pruneOpts); empty means no snapshot is ever removed.
	Forget   []string `json:"forget"`
	Schedule string   `json:"schedule"`
	// MaxAgeSeconds is how old the last good backup may be before the
	// BackupTooOld alert fires.
	MaxAgeSeconds int64 `json:"max_age_seconds"`
	// MetricsFile is where the unit writes its result.
	MetricsFile string `json:"metrics_file"`
}

// MaxAge returns MaxAgeSeconds as a duration.
func (p BackupPlan) MaxAge() time.Duration { return time.Duration(p.MaxAgeSeconds) * time.Second }

// BackupPlans returns the plan of every machine with the backup-client
// feature, in the fleet's machine order. The fleet must have checked
// without errors.
func BackupPlans(rf *resolve.Fleet) []BackupPlan {
	g := &generator{rf: rf, cat: rf.Catalog, files: map[string]File{}}
	g.index()
	s := g.service("backup")
	clients := map[string]bool{}
	if s != nil {
		for _, m := range s.Members("clients") {
			clients[m.Name] = true
		}
	}
	var plans []BackupPlan
	for _, m := range rf.Machines {
		if !m.Has("backup-client") {
			continue
		}
		schedule, _ := featureSetting(m, "backup-client", "schedule").(string)
		p := BackupPlan{
			Machine:       m.Name(),
			Paths:         slices.Clone(stringList(featureSetting(m, "backup-client", "paths"))),
			Exclude:       slices.Clone(stringList(featureSetting(m, "backup-client", "exclude"))),
			Schedule:      schedule,
			MaxAgeSeconds: int64(maxBackupAge(schedule) / time.Second),
			MetricsFile:   BackupMetricsFile,
		}
		// The order of the module's pruneOpts: daily, weekly, monthly.
		for _, rule := range []string{"daily", "weekly", "monthly"} {
			if n, ok := featureSetting(m, "backup-client", "keep_"+rule).(int64); ok {
				p.Forget = append(p.Forget, "--keep-"+rule, fmt.Sprint(n))
			}
		}
		if s != nil && clients[m.Name()] {
			if x := s.Def.Secret("restic-password"); x != nil {
				p.PasswordFile = x.File()
			}
			if x := s.Def.Secret("restic-environment"); x != nil {
				p.EnvironmentFile = x.File()
			}
			repo, _ := s.Values["repository"].(string)
			if repo == "" {
				if server, ok := g.endpoint(s, "server", m.Spec); ok {
					repo = "rest:http://" + server + "/"
				}
			}
			if repo != "" {
				p.Repository = repo + m.Spec.Hostname
			}
		}
		plans = append(plans, p)
	}
	return plans
}
