package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/deploy"
	"github.com/shoal-nix/shoal/internal/gen"
)

type healthOptions struct {
	transportOptions
	noChecks    bool
	diskPercent int
}

func newHealthCommand(g *globals) *cobra.Command {
	var o healthOptions
	cmd := &cobra.Command{
		Use:   "health [FLEET/] [SELECTOR...]",
		Short: "Check the machines: reachable, on their deployed generation, no failed units, disk, backups",
		Long: `Health asks each selected machine over ssh (deploy's connection: strict
host keys, BatchMode, one connection per host) whether it is healthy:

  reachable    ssh logs in and runs a command as root
  generation   it runs and boots the closure of its last successful deploy
               in .shoal/deployments.jsonl (drift is unhealthy; a machine
               shoal never deployed is "not-recorded", which is not)
  units        systemd's failed units, where systemd runs ("no systemd"
               otherwise)
  disk         the file systems holding /, /boot, /home, /nix, /var and
               /var/lib are below --disk-threshold percent full
  backup       a backup client's last good backup, from the textfile its
               backup unit writes, is younger than its schedule allows
  checks       the features' health checks from the catalog, each tried
               once (unit active, TCP port, HTTP 2xx); a unit check on a
               host without systemd is skipped; --no-checks skips them all

It prints a summary line per host, and under an unhealthy one a line per
problem; --json prints the hosts as data.

Exit status: 0 every host is healthy, 1 failure, 2 usage, 3 the fleet has
errors, 5 some hosts are unhealthy or unreachable.`,
		Example: "  shoal health\n  shoal health @web --json\n  shoal health --disk-threshold 80 nas",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runHealth(cmd.Context(), g, o, args)
		},
	}
	o.addFlags(cmd)
	f := cmd.Flags()
	f.BoolVar(&o.noChecks, "no-checks", false, "skip the features' health checks")
	f.IntVar(&o.diskPercent, "disk-threshold", deploy.DefaultDiskPercent, "a file system this `PERCENT` full or more is unhealthy")
	return cmd
}

func runHealth(ctx context.Context, g *globals, o healthOptions, args []string) error {
	if o.diskPercent < 1 || o.diskPercent > 100 {
		return usageError("--disk-threshold %d: want a percentage from 1 to 100", o.diskPercent)
	}
	res, dir, machines, _, err := selectMachines(g, o.fleet, args, "check health")
	if err != nil {
		return err
	}
	recs, err := deploy.ReadRecords(dir)
	if err != nil {
		return err
	}
	cmdr, err := o.commander(g)
	if err != nil {
		return err
	}
	latest := deploy.Latest(recs)
	plans := map[string]gen.BackupPlan{}
	for _, p := range gen.BackupPlans(res.Resolved) {
		plans[p.Machine] = p
	}
	var targets []deploy.HealthTarget
	for _, t := range targetsFor(res, machines, nil, !o.noChecks) {
		ht := deploy.HealthTarget{Target: t, Recorded: latest[t.Machine]}
		if p, ok := plans[t.Machine]; ok {
			ht.BackupMetricsFile, ht.MaxBackupAge = p.MetricsFile, p.MaxAge()
		}
		targets = append(targets, ht)
	}
	opts := deploy.Options{Commander: cmdr, SSH: deploy.SSH{AcceptNewHostKeys: o.acceptNew, ConnectTimeout: o.connectTimeout}}
	hosts, err := deploy.Health(ctx, opts, deploy.HealthOptions{DiskPercent: o.diskPercent}, targets)
	if err != nil {
		return err
	}
	if o.json {
		if err := writeJSON(g.stdout, hosts); err != nil {
			return err
		}
	} else {
		writeHealth(g.stdout, hosts)
	}
	bad := 0
	for _, h := range hosts {
		if !h.Healthy {
			bad++
		}
	}
	if bad > 0 {
		return &exitError{code: ExitPartial, err: fmt.Errorf("%d of %d hosts are unhealthy", bad, len(hosts))}
	}
	return nil
}

// writeHealth prints a line per host, and a line per problem under an
// unhealthy one.
func writeHealth(w io.Writer, hosts []deploy.HostHealth) {
	for _, h := range hosts {
		state := "healthy"
		if !h.Healthy {
			state = "unhealthy"
		}
		fmt.Fprintf(w, "%-12s %-10s %s\n", h.Machine, state, healthSummary(h))
		for _, p := range h.Problems {
			fmt.Fprintf(w, "%-12s %-10s - %s\n", "", "", p)
		}
	}
}

func healthSummary(h deploy.HostHealth) string {
	if !h.Reachable {
		return "unreachable"
	}
	var parts []string
	switch h.Generation {
	case "not-recorded":
		parts = append(parts, "never deployed by shoal")
	default:
		parts = append(parts, "generation "+strconv.Itoa(h.ProfileGen)+" "+h.Generation)
	}
	if h.Systemd {
		parts = append(parts, strconv.Itoa(len(h.FailedUnits))+" failed units")
	} else {
		parts = append(parts, "no systemd")
	}
	if len(h.Disks) > 0 {
		var ds []string
		for _, d := range h.Disks {
			ds = append(ds, d.Mount+" "+strconv.Itoa(d.UsedPercent)+"%")
		}
		parts = append(parts, "disk "+strings.Join(ds, ", "))
	}
	if b := h.Backup; b != nil {
		if b.LastSuccess.IsZero() {
			parts = append(parts, "no good backup")
		} else {
			parts = append(parts, "backup "+deploy.AgeText(b.AgeSeconds)+" ago")
		}
	}
	if len(h.Checks) > 0 {
		n := map[string]int{}
		for _, c := range h.Checks {
			n[c.State]++
		}
		s := fmt.Sprintf("checks %d ok", n["ok"])
		if n["failed"] > 0 {
			s += fmt.Sprintf(", %d failed", n["failed"])
		}
		if n["skipped"] > 0 {
			s += fmt.Sprintf(", %d skipped (no systemd)", n["skipped"])
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}
