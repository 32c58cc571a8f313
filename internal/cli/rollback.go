package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/deploy"
)

func newRollbackCommand(g *globals) *cobra.Command {
	var o deployOptions
	cmd := &cobra.Command{
		Use:   "rollback [FLEET/] [SELECTOR...]",
		Short: "Put machines back on the system they ran before their last deploy",
		Long: `Rollback takes, for each selected machine, the closure of its previous
successful deploy in .shoal/deployments.jsonl (the last one before the
latest with another closure) and deploys it the way deploy does: copy (skipped,
as the host still has it in its store), activate under the watchdog,
health checks, a new system profile generation, boot default. The records
get the rollback as a deployment of its own, so a second rollback goes
forward again.

No selector rolls back every machine that has a previous deploy. See
docs/recovery.md for a host that does not boot or cannot be reached.

Exit status: 0 every host rolled back, 1 failure, 2 usage (no previous
deploy for a selected machine), 3 the fleet has errors, 5 some hosts
failed, 6 none rolled back, 130 interrupted.`,
		Example: "  shoal rollback web1\n  shoal rollback --dry-run @web",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRollback(cmd.Context(), g, o, args)
		},
	}
	o.addFlags(cmd)
	f := cmd.Flags()
	f.IntVar(&o.parallel, "parallel", 0, "hosts at once (default: all)")
	f.DurationVar(&o.confirmTimeout, "confirm-timeout", deploy.DefaultConfirmTimeout, "how long a host waits for the confirmation before switching back")
	f.BoolVar(&o.noChecks, "no-checks", false, "skip the catalog's health checks of the features (the fleet file's checks still run)")
	f.BoolVar(&o.dryRun, "dry-run", false, "print what would be activated; change nothing")
	f.BoolVar(&o.fastSSH, "fast-ssh", true, "let ssh use cheaper algorithms where ssh_config chooses none, as deploy does")
	return cmd
}

func runRollback(ctx context.Context, g *globals, o deployOptions, args []string) error {
	res, dir, machines, sels, err := selectMachines(g, o.fleet, args, "roll back")
	if err != nil {
		return err
	}
	recs, err := deploy.ReadRecords(dir)
	if err != nil {
		return err
	}
	prev := deploy.Previous(recs)
	closures := map[string]string{}
	var missing, chosen []string
	for _, m := range machines {
		if r, ok := prev[m]; ok {
			closures[m] = r.Closure
			chosen = append(chosen, m)
		} else {
			missing = append(missing, m)
		}
	}
	if len(sels) > 0 && len(missing) > 0 {
		return usageError("no earlier deploy to go back to for %s in %s", strings.Join(missing, ", "), deploy.StateDir+"/"+deploy.RecordFile)
	}
	if len(chosen) == 0 {
		return usageError("no machine has an earlier deploy to go back to in %s", deploy.StateDir+"/"+deploy.RecordFile)
	}
	for _, m := range chosen {
		r := prev[m]
		fmt.Fprintf(g.stderr, "%s: back to %s (deployed %s, generation %d)\n", m, r.Closure, r.Time.Format(time.RFC3339), r.Generation)
	}
	return deployTargets(ctx, g, o, dir, targetsFor(res, chosen, closures, !o.noChecks), true)
}
