package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/deploy"
)

func newStatusCommand(g *globals) *cobra.Command {
	var o transportOptions
	cmd := &cobra.Command{
		Use:   "status [FLEET/] [SELECTOR...]",
		Short: "Show what runs where, and what drifted from the deploy records",
		Long: `Status asks each selected machine over ssh what it runs
(/run/current-system) and boots (the system profile and its generation),
and compares that with the machine's last successful deploy in
.shoal/deployments.jsonl: in-sync, drift (the host runs or boots something
else, e.g. after a manual nixos-rebuild or a rollback by hand),
not-recorded (never deployed by shoal) or unreachable.

Exit status: 0 every host is in sync, 1 failure, 2 usage, 3 the fleet has
errors, 5 some hosts drifted, are unreachable or were never deployed.`,
		Example: "  shoal status\n  shoal status --json @web",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStatus(cmd.Context(), g, o, args)
		},
	}
	o.addFlags(cmd)
	return cmd
}

func runStatus(ctx context.Context, g *globals, o transportOptions, args []string) error {
	res, dir, machines, _, err := selectMachines(g, o.fleet, args, "ask for status")
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
	opts := deploy.Options{Commander: cmdr, SSH: deploy.SSH{AcceptNewHostKeys: o.acceptNew, ConnectTimeout: o.connectTimeout}}
	sts := deploy.Status(ctx, opts, targetsFor(res, machines, nil, false), deploy.Latest(recs))
	if o.json {
		if err := writeJSON(g.stdout, sts); err != nil {
			return err
		}
	} else {
		for _, s := range sts {
			fmt.Fprintf(g.stdout, "%-12s %-12s", s.Machine, s.State)
			switch s.State {
			case "unreachable":
				fmt.Fprintf(g.stdout, " %s\n", firstLine(s.Error))
			default:
				fmt.Fprintf(g.stdout, " runs %s, boots %s (generation %d)\n", orDash(s.Running), orDash(s.Profile), s.Generation)
				if s.State == "drift" {
					fmt.Fprintf(g.stdout, "%-12s %-12s last deployed %s\n", "", "", s.Recorded)
				}
			}
		}
	}
	bad := 0
	for _, s := range sts {
		if s.State != "in-sync" {
			bad++
		}
	}
	if bad > 0 {
		return &exitError{code: ExitPartial, err: fmt.Errorf("%d of %d hosts are not in sync with the records", bad, len(sts))}
	}
	return nil
}
