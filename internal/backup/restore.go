package backup

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/shoal-nix/shoal/internal/deploy"
)

// RestoreOptions say where restore-test restores.
type RestoreOptions struct {
	// ScratchDir is the directory on the host under which a fresh
	// directory takes the restored files; "" is DefaultScratchDir.
	ScratchDir string
	// Keep leaves the restored files on the host.
	Keep bool
}

// DefaultScratchDir is where restore-test restores on a host: on disk,
// not in memory (/tmp may be a tmpfs), and kept apart from every path a
// backup plan names by default.
const DefaultScratchDir = "/var/tmp"

// HostRestore is the outcome of one client's restore test.
type HostRestore struct {
	Machine  string    `json:"machine"`
	Snapshot *Snapshot `json:"snapshot,omitempty"`
	// Scratch is the directory the snapshot was restored into.
	Scratch string `json:"scratch,omitempty"`
	Kept    bool   `json:"kept,omitempty"`
	// Compared counts the restored files and symbolic links; Same those
	// whose content is the live one's (the same SHA-256; links: the same
	// target).
	Compared int `json:"compared"`
	Same     int `json:"same"`
	// Differ and Missing are live files that differ from the restored
	// ones, or are gone, though they were not changed since the snapshot:
	// the backup does not hold what the host has. They fail the test.
	Differ  []string `json:"differ"`
	Missing []string `json:"missing"`
	// ChangedSince are live files that differ or are gone and were
	// changed (or their directory was) after the snapshot was taken.
	ChangedSince []string `json:"changed_since"`
	OK           bool     `json:"ok"`
	Error        string   `json:"error,omitempty"`
}

// restoreScript restores snapshot $1 (taken at Unix time $2) into a new
// directory under $3, removed at the end unless $4 is "keep", and
// compares each restored file and link with the live path of the same
// name: files by the SHA-256 of their content on both sides, links by
// their target (a few processes over all files: forking one per file
// takes minutes on a busy host). It prints scratch=DIR, then a line per
// file: "same", or "differs PATH" / "missing PATH", prefixed with
// "changed " when the live file (or, for a missing one, its directory)
// was modified after the snapshot. The scratch directory is made by
// mktemp (mode 0700): the restored files include the secrets.
const restoreScript = `
id=$1 at=$2 base=$3 keep=$4
mkdir -p "$base" || exit 67
work=$(mktemp -d "$base/shoal-restore-work-XXXXXX") || exit 67
dir=$(mktemp -d "$base/shoal-restore-XXXXXX") || exit 67
if [ "$keep" = keep ]; then trap 'cd / && rm -rf "$work"' EXIT; else trap 'cd / && rm -rf "$work" "$dir"' EXIT; fi
restic restore "$id" --target "$dir" >&2 || { echo "shoal: restic restore $id failed" >&2; exit 68; }
printf 'scratch=%s\n' "$dir"
classify() {
  live=${1#.}
  if [ -e "$live" ] || [ -L "$live" ]; then
    kind=differs m=$(stat -c %Y "$live" 2>/dev/null)
  else
    kind=missing m=$(stat -c %Y "$(dirname "$live")" 2>/dev/null)
  fi
  if [ "${m:-0}" -gt "$at" ]; then printf 'changed %s %s\n' "$kind" "$live"; else printf '%s %s\n' "$kind" "$live"; fi
}
cd "$dir" || exit 67
find . -type f -print0 >"$work/files"
xargs -0r sha256sum -- <"$work/files" >"$work/restored" || { echo "shoal: cannot read the restored files" >&2; exit 69; }
(cd / && xargs -0r sha256sum -- <"$work/files" >"$work/live" 2>/dev/null)
awk 'NR == FNR { live[substr($0, 67)] = substr($0, 1, 64); next }
     { k = substr($0, 67); if (live[k] == substr($0, 1, 64)) print "same"; else print "check " k }' "$work/live" "$work/restored" |
while IFS= read -r line; do
  case $line in same) echo same ;; *) classify "${line#check }" ;; esac
done
find . -type l -printf '%p\t%l\n' >"$work/links.restored"
find . -type l -print0 >"$work/links"
(cd / && xargs -0r sh -c 'exec find "$@" -maxdepth 0 -printf "%p\t%y\t%l\n"' sh <"$work/links" >"$work/links.live" 2>/dev/null)
awk -F '\t' 'NR == FNR { if ($2 == "l") live[$1] = $3; next }
     { if (($1 in live) && live[$1] == $2) print "same"; else print "check " $1 }' "$work/links.live" "$work/links.restored" |
while IFS= read -r line; do
  case $line in same) echo same ;; *) classify "${line#check }" ;; esac
done
`

// RestoreTest restores each host's newest snapshot on the host and
// compares it with the live files, all hosts at once.
func RestoreTest(ctx context.Context, opts deploy.Options, ro RestoreOptions, hosts []Host) ([]HostRestore, error) {
	base := ro.ScratchDir
	if base == "" {
		base = DefaultScratchDir
	}
	if !strings.HasPrefix(base, "/") {
		return nil, fmt.Errorf("scratch directory %q: want an absolute path on the host", base)
	}
	keep := ""
	if ro.Keep {
		keep = "keep"
	}
	out := make([]HostRestore, len(hosts))
	err := deploy.EachHost(ctx, opts, targets(hosts), func(ctx context.Context, i int, s *deploy.Session) {
		h := hosts[i]
		r := HostRestore{Machine: h.Plan.Machine, Kept: ro.Keep, Differ: []string{}, Missing: []string{}, ChangedSince: []string{}}
		defer func() { out[i] = r }()
		snaps, _, err := snapshots(ctx, s, h)
		if err != nil {
			r.Error = err.Error()
			return
		}
		if len(snaps) == 0 {
			r.Error = "the repository has no snapshot to restore"
			return
		}
		newest := snaps[len(snaps)-1]
		r.Snapshot = &newest
		o, err := restic(ctx, s, h, restoreScript, newest.ID, strconv.FormatInt(newest.Time.Unix(), 10), base, keep)
		parseRestore(o, &r)
		if err != nil {
			r.Error = fmt.Sprintf("restore %s on %s: %s", newest.ShortID, h.Plan.Machine, Problem(err))
			return
		}
		switch {
		case r.Compared == 0:
			r.Error = "the snapshot restored no file"
		case len(r.Differ) > 0 || len(r.Missing) > 0:
			r.Error = fmt.Sprintf("%d restored files differ from the live ones and %d are gone, none changed since the snapshot", len(r.Differ), len(r.Missing))
		default:
			r.OK = true
		}
	})
	return out, err
}

func parseRestore(out string, r *HostRestore) {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "scratch="); ok {
			r.Scratch = v
			continue
		}
		changed := false
		if rest, ok := strings.CutPrefix(line, "changed "); ok {
			changed, line = true, rest
		}
		kind, path, _ := strings.Cut(line, " ")
		switch {
		case kind == "same":
			r.Compared++
			r.Same++
		case kind != "differs" && kind != "missing":
			continue
		case changed:
			r.Compared++
			r.ChangedSince = append(r.ChangedSince, path)
		case kind == "differs":
			r.Compared++
			r.Differ = append(r.Differ, path)
		default:
			r.Compared++
			r.Missing = append(r.Missing, path)
		}
	}
}
