package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/backup"
	"github.com/shoal-nix/shoal/internal/deploy"
	"github.com/shoal-nix/shoal/internal/gen"
)

const backupLong = `Backup reads, checks and test-restores the restic repositories of the
fleet's backup clients ([services.backup] clients). restic runs on each
client over ssh (deploy's connection), as its backup unit runs it: the
repository of the generated configuration (the server's or the repository
option's, plus the machine's host name), the password file and the
environment file the unit reads from ` + "/var/lib/shoal/secrets" + `. No
credential leaves the host or appears on a command line.

  status        the snapshots and the newest one's age, against what the
                schedule allows
  verify        restic check: by default the structure only (index,
                snapshots, trees; every pack they name is there), which
                reads no data back; --read-data-subset 5% reads a part of
                the packs, --read-data every one. Reading data downloads it
                from the repository to every selected client at once; the
                clients' scheduled check (check_schedule) reads
                check_read_data_subset, and the monitoring server alerts
                when it fails or stops running
  restore-test  restores the newest snapshot into a fresh directory under
                --scratch on the host and compares every restored file
                with the live one (content by SHA-256, links by target);
                a file that differs or is
                gone fails the test unless it (or its directory) changed
                after the snapshot was taken

With no selector, every client; selected machines that are no clients are
refused.

Exit status: 0 every client passed, 1 failure, 2 usage, 3 the fleet has
errors, 5 some clients failed (no recent snapshot, check failed, restore
differs, unreachable).`

func newBackupCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Show, check and test-restore the backup clients' restic snapshots",
		Long:  backupLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usageError("backup needs a command: status, verify or restore-test")
		},
	}
	cmd.AddCommand(newBackupStatusCommand(g), newBackupVerifyCommand(g), newBackupRestoreTestCommand(g))
	return cmd
}

func newBackupStatusCommand(g *globals) *cobra.Command {
	var o transportOptions
	cmd := &cobra.Command{
		Use:     "status [FLEET/] [SELECTOR...]",
		Short:   "List each client's snapshots and the newest one's age",
		Long:    backupLong,
		Example: "  shoal backup status\n  shoal backup status --json vps",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBackupStatus(cmd.Context(), g, o, args)
		},
	}
	o.addFlags(cmd)
	return cmd
}

type verifyOptions struct {
	transportOptions
	backup.VerifyOptions
}

func newBackupVerifyCommand(g *globals) *cobra.Command {
	var o verifyOptions
	cmd := &cobra.Command{
		Use:     "verify [FLEET/] [SELECTOR...]",
		Short:   "Run restic check against each client's repository",
		Long:    backupLong,
		Example: "  shoal backup verify\n  shoal backup verify --read-data-subset 10% @workstation",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBackupVerify(cmd.Context(), g, o, args)
		},
	}
	o.addFlags(cmd)
	f := cmd.Flags()
	f.BoolVar(&o.ReadData, "read-data", false, "read every pack of the repository")
	f.StringVar(&o.ReadDataSubset, "read-data-subset", "", "read a part of the packs: `N/T`, a percentage or a size, as restic takes it")
	return cmd
}

type restoreTestOptions struct {
	transportOptions
	backup.RestoreOptions
}

func newBackupRestoreTestCommand(g *globals) *cobra.Command {
	var o restoreTestOptions
	cmd := &cobra.Command{
		Use:     "restore-test [FLEET/] [SELECTOR...]",
		Short:   "Restore each client's newest snapshot on it and compare with the live files",
		Long:    backupLong,
		Example: "  shoal backup restore-test vps\n  shoal backup restore-test --scratch /srv/scratch --keep nas",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBackupRestoreTest(cmd.Context(), g, o, args)
		},
	}
	o.addFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&o.ScratchDir, "scratch", backup.DefaultScratchDir, "restore under this `DIR` on the host (a fresh directory in it)")
	f.BoolVar(&o.Keep, "keep", false, "leave the restored files on the host")
	return cmd
}

// backupHosts returns the selected backup clients and the transport.
func backupHosts(g *globals, o transportOptions, args []string, what string) ([]backup.Host, deploy.Options, error) {
	res, _, machines, sels, err := selectMachines(g, o.fleet, args, what)
	if err != nil {
		return nil, deploy.Options{}, err
	}
	plans := map[string]gen.BackupPlan{}
	var clients []string
	for _, p := range gen.BackupPlans(res.Resolved) {
		if p.Repository != "" {
			plans[p.Machine] = p
			clients = append(clients, p.Machine)
		}
	}
	if len(clients) == 0 {
		return nil, deploy.Options{}, usageError("the fleet has no backup client: [services.backup] names no clients with a server or a repository")
	}
	var hosts []backup.Host
	for _, t := range targetsFor(res, machines, nil, false) {
		p, ok := plans[t.Machine]
		if !ok {
			if len(sels) > 0 {
				return nil, deploy.Options{}, usageError("%s is no backup client (the clients: %s)", t.Machine, strings.Join(clients, ", "))
			}
			continue
		}
		hosts = append(hosts, backup.Host{Target: t, Plan: p})
	}
	cmdr, err := o.commander(g)
	if err != nil {
		return nil, deploy.Options{}, err
	}
	return hosts, deploy.Options{Commander: cmdr, SSH: deploy.SSH{AcceptNewHostKeys: o.acceptNew, ConnectTimeout: o.connectTimeout}}, nil
}

// clientsFailed is the exit error when n of total clients failed.
func clientsFailed(n, total int, what string) error {
	if n == 0 {
		return nil
	}
	return &exitError{code: ExitPartial, err: fmt.Errorf("%d of %d clients %s", n, total, what)}
}

func runBackupStatus(ctx context.Context, g *globals, o transportOptions, args []string) error {
	hosts, opts, err := backupHosts(g, o, args, "show backups")
	if err != nil {
		return err
	}
	sts, err := backup.Status(ctx, opts, hosts)
	if err != nil {
		return err
	}
	if o.json {
		if err := writeJSON(g.stdout, sts); err != nil {
			return err
		}
	}
	bad := 0
	for _, s := range sts {
		if !s.OK {
			bad++
		}
		if o.json {
			continue
		}
		state := "ok"
		if !s.OK {
			state = "failed"
		}
		line := fmt.Sprintf("%-12s %-7s %d snapshots", s.Machine, state, len(s.Snapshots))
		if n := s.Newest(); n != nil {
			line += fmt.Sprintf(", newest %s %s ago (%s)", n.ShortID, deploy.AgeText(s.AgeSeconds), n.Time.UTC().Format("2006-01-02 15:04 MST"))
		}
		fmt.Fprintf(g.stdout, "%s  %s\n", line, s.Repository)
		if s.Error != "" {
			fmt.Fprintf(g.stdout, "%-12s %-7s - %s\n", "", "", firstLine(s.Error))
		}
	}
	return clientsFailed(bad, len(sts), "have no recent snapshot")
}

func runBackupVerify(ctx context.Context, g *globals, o verifyOptions, args []string) error {
	if o.ReadData && o.ReadDataSubset != "" {
		return usageError("--read-data reads every pack; --read-data-subset a part: give one of them")
	}
	hosts, opts, err := backupHosts(g, o.transportOptions, args, "verify backups")
	if err != nil {
		return err
	}
	checks, err := backup.Verify(ctx, opts, o.VerifyOptions, hosts)
	if err != nil {
		return err
	}
	if o.json {
		if err := writeJSON(g.stdout, checks); err != nil {
			return err
		}
	}
	read := "structure only, no data read"
	switch {
	case o.ReadData:
		read = "every pack read"
	case o.ReadDataSubset != "":
		read = o.ReadDataSubset + " of the packs read"
	}
	bad := 0
	for _, c := range checks {
		if !c.OK {
			bad++
		}
		if o.json {
			continue
		}
		if c.OK {
			fmt.Fprintf(g.stdout, "%-12s ok      restic check found no errors (%s)  %s\n", c.Machine, read, c.Repository)
			continue
		}
		fmt.Fprintf(g.stdout, "%-12s failed  %s\n", c.Machine, c.Repository)
		writeIndented(g.stdout, tailLines(c.Output, 15))
		if c.Error != "" && !strings.Contains(c.Output, "restic check exited") {
			writeIndented(g.stdout, firstLine(c.Error))
		}
	}
	return clientsFailed(bad, len(checks), "failed restic check")
}

func runBackupRestoreTest(ctx context.Context, g *globals, o restoreTestOptions, args []string) error {
	hosts, opts, err := backupHosts(g, o.transportOptions, args, "test a restore")
	if err != nil {
		return err
	}
	rs, err := backup.RestoreTest(ctx, opts, o.RestoreOptions, hosts)
	if err != nil {
		return usageError("%v", err)
	}
	if o.json {
		if err := writeJSON(g.stdout, rs); err != nil {
			return err
		}
	}
	bad := 0
	for _, r := range rs {
		if !r.OK {
			bad++
		}
		if o.json {
			continue
		}
		state := "ok"
		if !r.OK {
			state = "failed"
		}
		line := fmt.Sprintf("%-12s %-7s", r.Machine, state)
		if r.Snapshot != nil {
			line += fmt.Sprintf(" snapshot %s: %d files compared, %d the same, %d differ, %d gone, %d changed since",
				r.Snapshot.ShortID, r.Compared, r.Same, len(r.Differ), len(r.Missing), len(r.ChangedSince))
		}
		fmt.Fprintln(g.stdout, line)
		if r.Kept && r.Scratch != "" {
			writeIndented(g.stdout, "restored into "+r.Scratch)
		}
		if r.Error != "" {
			writeIndented(g.stdout, firstLine(r.Error))
		}
		for _, l := range []struct {
			what  string
			paths []string
		}{{"differs", r.Differ}, {"gone", r.Missing}, {"changed since the snapshot", r.ChangedSince}} {
			for i, p := range l.paths {
				if i == 10 {
					writeIndented(g.stdout, fmt.Sprintf("... and %d more (--json lists them all)", len(l.paths)-i))
					break
				}
				writeIndented(g.stdout, l.what+": "+p)
			}
		}
	}
	return clientsFailed(bad, len(rs), "failed the restore test")
}

func writeIndented(w io.Writer, text string) {
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		fmt.Fprintf(w, "%-12s %-7s %s\n", "", "", l)
	}
}

// tailLines returns the last n lines of s.
func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = slices.Concat([]string{"..."}, lines[len(lines)-n:])
	}
	return strings.Join(lines, "\n")
}
