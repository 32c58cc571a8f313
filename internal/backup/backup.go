package backup

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shoal-nix/shoal/internal/deploy"
	"github.com/shoal-nix/shoal/internal/gen"
)

// Host is a backup client and how to reach it.
type Host struct {
	Target deploy.Target
	Plan   gen.BackupPlan
}

// resticPrelude sets restic's environment the way the backup unit gets
// it, from $1 the repository, $2 the password file and $3 the environment
// file (systemd's KEY=VALUE lines: blank and comment lines skipped, one
// pair of surrounding quotes taken off), and shifts them off. Exit 65: a
// credentials file is missing or unreadable; 66: no restic.
const resticPrelude = `
repo=$1 pw=$2 envf=$3; shift 3
if [ -n "$envf" ]; then
  [ -r "$envf" ] || { echo "shoal: $envf is missing on the host; the backup unit cannot start without it either" >&2; exit 65; }
  n=0
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n+1))
    case $line in ''|'#'*|';'*) continue ;; esac
    k=${line%%=*} v=${line#*=}
    case $k in ''|[0-9]*|*[!A-Za-z0-9_]*) echo "shoal: $envf:$n: not a KEY=VALUE line" >&2; exit 65 ;; esac
    case $v in \"*\") v=${v#\"}; v=${v%\"} ;; \'*\') v=${v#\'}; v=${v%\'} ;; esac
    export "$k=$v"
  done <"$envf"
fi
[ -z "$pw" ] || [ -r "$pw" ] || { echo "shoal: $pw is missing on the host; no backup can be read without the repository's password" >&2; exit 65; }
command -v restic >/dev/null 2>&1 || { echo "shoal: restic is not installed on the host" >&2; exit 66; }
export RESTIC_REPOSITORY="$repo"
[ -z "$pw" ] || export RESTIC_PASSWORD_FILE="$pw"
`

// restic runs script (after the prelude) for h with args.
func restic(ctx context.Context, s *deploy.Session, h Host, script string, args ...string) (string, error) {
	if h.Plan.Repository == "" {
		return "", fmt.Errorf("%s has no repository: it is no client of [services.backup]", h.Plan.Machine)
	}
	all := append([]string{h.Plan.Repository, h.Plan.PasswordFile, h.Plan.EnvironmentFile}, args...)
	return s.Run(ctx, true, resticPrelude+script, all...)
}

// Problem returns what a failed remote command said: deploy.Problem.
func Problem(err error) string { return deploy.Problem(err) }

// Snapshot is one restic snapshot, as restic snapshots --json gives it.
type Snapshot struct {
	ID       string    `json:"id"`
	ShortID  string    `json:"short_id"`
	Time     time.Time `json:"time"`
	Hostname string    `json:"hostname"`
	Paths    []string  `json:"paths"`
	Tags     []string  `json:"tags,omitempty"`
}

// HostStatus is a client's snapshots.
type HostStatus struct {
	Machine    string `json:"machine"`
	Repository string `json:"repository"`
	// Snapshots are oldest first.
	Snapshots []Snapshot `json:"snapshots"`
	// AgeSeconds is the newest snapshot's age; MaxAgeSeconds what the
	// schedule allows.
	AgeSeconds    int64  `json:"age_seconds,omitempty"`
	MaxAgeSeconds int64  `json:"max_age_seconds"`
	OK            bool   `json:"ok"`
	Error         string `json:"error,omitempty"`
}

// Newest returns the newest snapshot, or nil.
func (s HostStatus) Newest() *Snapshot {
	if len(s.Snapshots) == 0 {
		return nil
	}
	return &s.Snapshots[len(s.Snapshots)-1]
}

// snapshots lists h's snapshots, oldest first, and the host's clock.
func snapshots(ctx context.Context, s *deploy.Session, h Host) ([]Snapshot, time.Time, error) {
	out, err := restic(ctx, s, h, `date +%s && restic --no-lock snapshots --json`)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("restic snapshots on %s: %s", h.Plan.Machine, Problem(err))
	}
	clock, rest, _ := strings.Cut(out, "\n")
	sec, err := strconv.ParseInt(strings.TrimSpace(clock), 10, 64)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("restic snapshots on %s: the host's clock: %q", h.Plan.Machine, clock)
	}
	var snaps []Snapshot
	if err := json.Unmarshal([]byte(rest), &snaps); err != nil {
		return nil, time.Time{}, fmt.Errorf("restic snapshots --json on %s: %w", h.Plan.Machine, err)
	}
	slices.SortStableFunc(snaps, func(a, b Snapshot) int { return a.Time.Compare(b.Time) })
	return snaps, time.Unix(sec, 0), nil
}

// Status lists every host's snapshots at once. A host is OK when it has a
// snapshot younger than its plan allows.
func Status(ctx context.Context, opts deploy.Options, hosts []Host) ([]HostStatus, error) {
	out := make([]HostStatus, len(hosts))
	err := deploy.EachHost(ctx, opts, targets(hosts), func(ctx context.Context, i int, s *deploy.Session) {
		h := hosts[i]
		st := HostStatus{Machine: h.Plan.Machine, Repository: h.Plan.Repository, MaxAgeSeconds: h.Plan.MaxAgeSeconds, Snapshots: []Snapshot{}}
		snaps, now, err := snapshots(ctx, s, h)
		switch {
		case err != nil:
			st.Error = err.Error()
		case len(snaps) == 0:
			st.Error = "the repository has no snapshot"
		default:
			st.Snapshots = snaps
			st.AgeSeconds = max(0, int64(now.Sub(snaps[len(snaps)-1].Time)/time.Second))
			st.OK = st.AgeSeconds <= st.MaxAgeSeconds
			if !st.OK {
				st.Error = fmt.Sprintf("the newest snapshot is %s old, more than the %s the schedule allows",
					deploy.AgeText(st.AgeSeconds), deploy.AgeText(st.MaxAgeSeconds))
			}
		}
		out[i] = st
	})
	return out, err
}

func targets(hosts []Host) []deploy.Target {
	ts := make([]deploy.Target, len(hosts))
	for i, h := range hosts {
		ts[i] = h.Target
	}
	return ts
}

// VerifyOptions say how much of the data restic check reads.
type VerifyOptions struct {
	// ReadData reads every pack; ReadDataSubset (restic's n/t, x% or a
	// size) reads a part. Neither checks the structure only: index,
	// packs' presence and sizes, snapshots, trees.
	ReadData       bool
	ReadDataSubset string
}

// HostCheck is restic check's verdict on a client's repository.
type HostCheck struct {
	Machine    string `json:"machine"`
	Repository string `json:"repository"`
	OK         bool   `json:"ok"`
	// Output is restic check's output (its tail when it failed).
	Output string `json:"output"`
	Error  string `json:"error,omitempty"`
}

// Verify runs restic check against every host's repository at once.
func Verify(ctx context.Context, opts deploy.Options, vo VerifyOptions, hosts []Host) ([]HostCheck, error) {
	var args []string
	switch {
	case vo.ReadData:
		args = append(args, "--read-data")
	case vo.ReadDataSubset != "":
		args = append(args, "--read-data-subset="+vo.ReadDataSubset)
	}
	out := make([]HostCheck, len(hosts))
	err := deploy.EachHost(ctx, opts, targets(hosts), func(ctx context.Context, i int, s *deploy.Session) {
		h := hosts[i]
		c := HostCheck{Machine: h.Plan.Machine, Repository: h.Plan.Repository}
		// restic check writes its findings to both streams; keep them
		// together and in order.
		o, err := restic(ctx, s, h, `restic check "$@" 2>&1 || { s=$?; echo "shoal: restic check exited $s" >&2; exit $s; }`, args...)
		c.Output = strings.TrimSpace(o)
		if err != nil {
			c.Error = fmt.Sprintf("restic check on %s: %s", h.Plan.Machine, Problem(err))
		} else {
			c.OK = true
		}
		out[i] = c
	})
	return out, err
}
