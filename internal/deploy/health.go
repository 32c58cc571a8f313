package deploy

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shoal-nix/shoal/internal/runner"
)

// HealthTarget is a host to check and what it should look like.
type HealthTarget struct {
	Target
	// Recorded is the machine's last successful deploy record; a zero
	// Closure means shoal never deployed it.
	Recorded Record
	// BackupMetricsFile is the textfile the machine's backup unit writes;
	// "" when the machine does not back up.
	BackupMetricsFile string
	// MaxBackupAge is how old its last good backup may be.
	MaxBackupAge time.Duration
}

// HealthOptions are the thresholds of Health.
type HealthOptions struct {
	// DiskPercent is the use of a file system, in percent, from which
	// it counts as full; 0 is DefaultDiskPercent.
	DiskPercent int
}

// DefaultDiskPercent is the disk use from which a host is unhealthy.
const DefaultDiskPercent = 90

// DiskUse is one file system's use on a host.
type DiskUse struct {
	Mount       string `json:"mount"`
	UsedPercent int    `json:"used_percent"`
	AvailableKB int64  `json:"available_kb"`
}

// BackupAge is what the backup unit's textfile says.
type BackupAge struct {
	// LastSuccess is when the last backup succeeded; zero if never.
	LastSuccess   time.Time `json:"last_success,omitzero"`
	AgeSeconds    int64     `json:"age_seconds,omitempty"`
	MaxAgeSeconds int64     `json:"max_age_seconds"`
	// LastRunFailed is set when the unit's last run failed.
	LastRunFailed bool `json:"last_run_failed,omitempty"`
}

// CheckResult is one feature health check's outcome.
type CheckResult struct {
	Name string `json:"name"`
	// State is ok, failed or skipped (a unit check on a host without
	// systemd).
	State string `json:"state"`
	Error string `json:"error,omitempty"`
}

// HostHealth is one host's health.
type HostHealth struct {
	Machine   string `json:"machine"`
	Dest      string `json:"dest"`
	Healthy   bool   `json:"healthy"`
	Reachable bool   `json:"reachable"`
	// Generation is in-sync, drift or not-recorded, as shoal status says.
	Generation string `json:"generation,omitempty"`
	Running    string `json:"running,omitempty"`
	Profile    string `json:"profile,omitempty"`
	ProfileGen int    `json:"profile_generation,omitempty"`
	Recorded   string `json:"recorded,omitempty"`
	Systemd    bool   `json:"systemd"`
	// FailedUnits are systemd's failed units; nil without systemd.
	FailedUnits []string      `json:"failed_units"`
	Disks       []DiskUse     `json:"disks,omitempty"`
	Backup      *BackupAge    `json:"backup,omitempty"`
	Checks      []CheckResult `json:"checks,omitempty"`
	// Problems says, one line each, why the host is unhealthy.
	Problems []string `json:"problems,omitempty"`
	Error    string   `json:"error,omitempty"`
}

// healthScript prints what health reads on a host as key=value lines:
// the probe's, the time, the use of the file systems holding /, /boot,
// /home, /nix, /var and /var/lib (df -P; Health keeps each mount point
// once), and the backup textfile's last success and result ($2, if
// given; $1 is the probe's store path, none here).
const healthScript = probeScript + `
printf 'now=%s\n' "$(date +%s)"
for d in / /boot /home /nix /var /var/lib; do
  [ -e "$d" ] || continue
  df -P -k "$d" 2>/dev/null | sed -n '2p' | while read -r _ _ _ avail pct mnt; do printf 'disk=%s %s %s\n' "${pct%\%}" "$avail" "$mnt"; done
done
if [ -n "$2" ]; then
  if [ -r "$2" ]; then
    printf 'backup_file=yes\n'
    printf 'backup_last=%s\n' "$(sed -n 's/^shoal_backup_last_success_timestamp_seconds //p' "$2")"
    printf 'backup_ok=%s\n' "$(sed -n 's/^shoal_backup_success //p' "$2")"
  else
    printf 'backup_file=no\n'
  fi
fi
`

// Health checks every target at once: reachable, running and booting
// its last recorded deploy, no failed systemd units (where systemd runs),
// file systems below the threshold, a backup younger than allowed (for
// backup clients), and the target's checks, each tried once.
func Health(ctx context.Context, opts Options, ho HealthOptions, targets []HealthTarget) ([]HostHealth, error) {
	if ho.DiskPercent <= 0 {
		ho.DiskPercent = DefaultDiskPercent
	}
	plain := make([]Target, len(targets))
	for i, t := range targets {
		plain[i] = t.Target
	}
	out := make([]HostHealth, len(targets))
	err := EachHost(ctx, opts, plain, func(ctx context.Context, i int, s *Session) {
		out[i] = hostHealth(ctx, s, ho, targets[i])
	})
	return out, err
}

func hostHealth(ctx context.Context, s *Session, ho HealthOptions, t HealthTarget) HostHealth {
	hh := HostHealth{Machine: t.Machine, Dest: t.dest(), Recorded: t.Recorded.Closure}
	raw, err := s.Run(ctx, true, healthScript, "", t.BackupMetricsFile)
	if err != nil {
		hh.Error = fmt.Sprintf("connect to %s: %s", t.dest(), Problem(err))
		hh.Problems = append(hh.Problems, "unreachable: "+firstLineOf(hh.Error))
		return hh
	}
	st, err := parseProbe(raw)
	if err != nil {
		hh.Error = err.Error()
		hh.Problems = append(hh.Problems, "unexpected answer from the host")
		return hh
	}
	hh.Reachable = true
	hh.Running, hh.Profile, hh.ProfileGen, hh.Systemd = st.Current, st.Profile, st.Generation, st.Systemd
	r := parseHealth(raw)

	switch {
	case hh.Recorded == "":
		hh.Generation = "not-recorded"
	case st.Current == hh.Recorded && st.Profile == hh.Recorded:
		hh.Generation = "in-sync"
	default:
		hh.Generation = "drift"
		hh.Problems = append(hh.Problems, fmt.Sprintf("generation drift: runs %s, boots %s (generation %d); last deployed %s (generation %d)",
			orNone(st.Current), orNone(st.Profile), st.Generation, hh.Recorded, t.Recorded.Generation))
	}

	if st.Systemd {
		hh.FailedUnits = append([]string{}, st.Failed...)
		if len(st.Failed) > 0 {
			hh.Problems = append(hh.Problems, "failed units: "+strings.Join(st.Failed, " "))
		}
	}

	hh.Disks = r.disks
	for _, d := range r.disks {
		if d.UsedPercent >= ho.DiskPercent {
			hh.Problems = append(hh.Problems, fmt.Sprintf("disk %s is %d%% full (%s free; the limit is %d%%)", d.Mount, d.UsedPercent, sizeKB(d.AvailableKB), ho.DiskPercent))
		}
	}

	if t.BackupMetricsFile != "" {
		b := &BackupAge{MaxAgeSeconds: int64(t.MaxBackupAge / time.Second), LastRunFailed: r.backupOK == "0"}
		hh.Backup = b
		switch {
		case !r.backupFile:
			hh.Problems = append(hh.Problems, "no backup has run: "+t.BackupMetricsFile+" is missing")
		case r.backupLast == 0:
			hh.Problems = append(hh.Problems, "no backup has succeeded ("+t.BackupMetricsFile+")")
		default:
			b.LastSuccess = time.Unix(r.backupLast, 0).UTC()
			b.AgeSeconds = max(0, r.now-r.backupLast)
			if b.AgeSeconds > b.MaxAgeSeconds {
				hh.Problems = append(hh.Problems, fmt.Sprintf("last good backup %s ago, more than the %s its schedule allows",
					ageText(b.AgeSeconds), ageText(b.MaxAgeSeconds)))
			}
		}
		if b.LastRunFailed {
			hh.Problems = append(hh.Problems, "the last backup run failed")
		}
	}

	for _, c := range t.Checks {
		cr := CheckResult{Name: c.String(), State: "ok"}
		body, err := c.script()
		switch {
		case err != nil:
			cr.State, cr.Error = "failed", err.Error()
		case c.Unit != "" && !st.Systemd:
			cr.State, cr.Error = "skipped", "no systemd"
		default:
			if _, err := s.Run(ctx, true, body); err != nil {
				cr.State, cr.Error = "failed", firstLineOf(Problem(err))
			}
		}
		if cr.State == "failed" {
			hh.Problems = append(hh.Problems, "check "+cr.Name+" failed: "+cr.Error)
		}
		hh.Checks = append(hh.Checks, cr)
	}
	hh.Healthy = len(hh.Problems) == 0
	return hh
}

// healthRead is what healthScript prints beyond the probe.
type healthRead struct {
	now        int64
	disks      []DiskUse
	backupFile bool
	backupLast int64
	backupOK   string
}

func parseHealth(out string) healthRead {
	var r healthRead
	seen := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch k {
		case "now":
			r.now, _ = strconv.ParseInt(v, 10, 64)
		case "disk":
			f := strings.SplitN(v, " ", 3)
			if len(f) != 3 || seen[f[2]] {
				continue
			}
			seen[f[2]] = true
			pct, err1 := strconv.Atoi(f[0])
			avail, err2 := strconv.ParseInt(f[1], 10, 64)
			if err1 == nil && err2 == nil {
				r.disks = append(r.disks, DiskUse{Mount: f[2], UsedPercent: pct, AvailableKB: avail})
			}
		case "backup_file":
			r.backupFile = v == "yes"
		case "backup_last":
			r.backupLast, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		case "backup_ok":
			r.backupOK = strings.TrimSpace(v)
		}
	}
	return r
}

// ageText renders seconds as the largest whole unit or two.
func ageText(s int64) string {
	d := time.Duration(s) * time.Second
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd%dh", d/(24*time.Hour), (d%(24*time.Hour))/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%dh%dm", d/time.Hour, (d%time.Hour)/time.Minute)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", s)
}

// AgeText renders an age in seconds for people: 3d4h, 5h12m, 7m, 40s.
func AgeText(s int64) string { return ageText(s) }

func sizeKB(kb int64) string {
	switch {
	case kb >= 1<<20:
		return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
	case kb >= 1<<10:
		return fmt.Sprintf("%.1f MiB", float64(kb)/(1<<10))
	}
	return fmt.Sprintf("%d KiB", kb)
}

// Problem returns what a failed remote command said, for people: the tail
// of its standard error (prefixed with "ssh: " when ssh itself failed),
// else its exit status; not the whole ssh command line.
func Problem(err error) string {
	var re *runner.Error
	if !errors.As(err, &re) {
		return err.Error()
	}
	msg := strings.TrimSpace(re.Stderr)
	code := exitCode(err)
	switch {
	case code == 255 && msg != "":
		return "ssh: " + msg
	case msg != "":
		return msg
	}
	return re.Err.Error()
}

func firstLineOf(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}
