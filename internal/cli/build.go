package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/build"
	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/genfs"
	"github.com/shoal-nix/shoal/internal/layout"
	"github.com/shoal-nix/shoal/internal/runner"
	"github.com/shoal-nix/shoal/internal/selector"
)

type buildOptions struct {
	fleet      string
	out        string
	gen        bool
	evalJobs   int
	builders   string
	cache      string
	signKey    string
	overrides  []string
	store      string
	nixOptions []string
	json       bool
	// quiet leaves the fleet's warnings out: deploy has shown them.
	quiet bool
}

func newBuildCommand(g *globals) *cobra.Command {
	var o buildOptions
	cmd := &cobra.Command{
		Use:   "build [FLEET/] [SELECTOR...]",
		Short: "Build the selected machines' NixOS systems with nix build",
		Long: `Build runs nix build of each selected machine's
nixosConfigurations.NAME.config.system.build.toplevel in the fleet's
generated flake, and prints a line per machine as it finishes: its name,
its system's store path, the size of its closure and how long it took.

Selectors, as in colmena: a machine name, a glob (web-*), or @TAG (the
machines with that tag); several select the union, as separate arguments
or comma-separated. No selector builds every machine. An argument with a
slash (homelab/, ./fleet, /srv/fleet/shoal.toml), or --fleet, names the
fleet; the default is the current directory.

The flake is the one on disk (in the fleet's directory, or -o DIR), as Nix
reads it (path:DIR). Build first generates the flake in memory as shoal gen
would: when the flake on disk differs, it builds nothing and says so (exit
4), unless --gen writes the flake first.

Several machines build at once. A real NixOS evaluation takes 1 to 5 GB of
memory, so the number at once is the available memory (MemAvailable in
/proc/meminfo) divided by 2 GiB, at least 1; --eval-jobs N sets it.

Nix does the distributed work: --builders passes Nix's remote builders
specification (the builders setting, e.g. 'ssh://big x86_64-linux - 8'),
and --cache URL copies each built closure to a Nix store (file://,
ssh://, s3://, an HTTP binary cache that takes uploads) with nix copy, so
deploys can substitute it from there; --sign-key FILE first signs each
closure with a Nix secret key (nix key generate-secret makes one; the
fleet's deploy.cache_key is its public half), which a cache reached over
ssh:// needs (s3:// and file:// caches can sign themselves with
?secret-key=FILE in their URL). --override-input INPUT=REF replaces a
flake input for this build (a path is taken as path:ABSOLUTE); the lab's
stand-in for nixpkgs is testdata/lab-nixpkgs. --store and --nix-option
NAME=VALUE go to every nix command.

--json prints one JSON object per machine and line as each finishes
(machine, store_path, drv_path, closure_size in bytes, cache, seconds,
error): the file shoal deploy takes for prebuilt closures. -x prints each
nix command as a line a shell can run. On a terminal, a live line on stderr
names the machines building. Ctrl-C stops the nix processes and starts no
new machine.

Exit status: 0 every machine built (and reached the cache), 1 a machine
failed or nix is missing, 2 usage (a selector that selects nothing), 3 the
fleet has errors, 4 the flake on disk is out of date, 130 interrupted.`,
		Example: `  shoal build
  shoal build homelab/ @workstation
  shoal build web-* db --eval-jobs 2
  shoal build --cache 's3://fleet-cache?region=eu-central-1' --json > closures.json
  shoal build ./homelab --override-input nixpkgs=testdata/lab-nixpkgs`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBuild(cmd.Context(), g, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.fleet, "fleet", "f", "", "the fleet: a directory holding shoal.toml, or the file (default: the current directory)")
	f.StringVarP(&o.out, "out", "o", "", "directory of the generated flake (default: the fleet's directory)")
	f.BoolVar(&o.gen, "gen", false, "write the flake first when it is out of date, as shoal gen does")
	f.IntVar(&o.evalJobs, "eval-jobs", 0, "machines to build at once (default: available memory / 2 GiB)")
	f.StringVar(&o.builders, "builders", "", "Nix remote builders specification (Nix's builders setting)")
	f.StringVar(&o.cache, "cache", "", "copy each built closure to this Nix store URL (file://, ssh://, s3://, https://)")
	f.StringVar(&o.signKey, "sign-key", "", "sign each closure with this Nix secret key file before it goes to --cache")
	f.StringArrayVar(&o.overrides, "override-input", nil, "replace a flake input: INPUT=REF (a path is taken as path:ABSOLUTE)")
	f.StringVar(&o.store, "store", "", "the Nix store to build in (Nix's --store)")
	f.StringArrayVar(&o.nixOptions, "nix-option", nil, "a Nix setting for every nix command: NAME=VALUE")
	f.BoolVar(&o.json, "json", false, "print one JSON object per machine and line")
	return cmd
}

// splitFleetArg takes the fleet out of the arguments: the one that looks
// like a path (it has a slash, or is . or ..; machine names cannot),
// unless --fleet gave it.
func splitFleetArg(flag string, args []string) (string, []string, error) {
	fleetArg := flag
	var sels []string
	for _, a := range args {
		if strings.Contains(a, "/") || a == "." || a == ".." {
			if fleetArg != "" {
				return "", nil, usageError("two fleets given (%s and %s): build one fleet at a time", fleetArg, a)
			}
			fleetArg = a
			continue
		}
		sels = append(sels, a)
	}
	return fleetArg, sels, nil
}

// nixOptionFlags turns NAME=VALUE settings into --option NAME VALUE.
func nixOptionFlags(store string, options []string) ([]string, error) {
	var flags []string
	if store != "" {
		flags = append(flags, "--store", store)
	}
	for _, kv := range options {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return nil, usageError("--nix-option %q: want NAME=VALUE, e.g. substituters= or max-jobs=4", kv)
		}
		flags = append(flags, "--option", name, value)
	}
	return flags, nil
}

// parseOverrides turns INPUT=REF into overrides; a REF without a scheme
// is a path, made absolute and given as path:, so that Nix takes the
// directory as it is (not as git+file, which sees only files git tracks).
func parseOverrides(args []string) ([]build.Override, error) {
	var out []build.Override
	for _, kv := range args {
		input, ref, ok := strings.Cut(kv, "=")
		if !ok || input == "" || ref == "" {
			return nil, usageError("--override-input %q: want INPUT=REF, e.g. nixpkgs=path:/src/nixpkgs", kv)
		}
		if !strings.Contains(ref, ":") {
			if _, err := os.Stat(ref); err != nil {
				return nil, usageError("--override-input %s: %s is not a flake reference or an existing directory", input, ref)
			}
			p, err := build.FlakeRef(ref)
			if err != nil {
				return nil, err
			}
			ref = p
		}
		out = append(out, build.Override{Input: input, Ref: ref})
	}
	return out, nil
}

// staleFlake is the error for a flake on disk that is not what the fleet
// generates.
func staleFlake(x *generated) error {
	p := x.plan
	if len(p.Refused) > 0 {
		return &exitError{code: ExitOutOfDate, err: fmt.Errorf("the flake in %s cannot be brought up to date: %s %s; move it away, then run shoal gen", x.out, p.Refused[0].Path, p.Refused[0].Reason)}
	}
	var changed []string
	changed = append(changed, p.Creates...)
	changed = append(changed, p.Updates...)
	changed = append(changed, p.Removes...)
	if len(p.Unchanged) == 0 || slices.Contains(p.Creates, layout.Flake) {
		return &exitError{code: ExitOutOfDate, err: fmt.Errorf("%s has no generated flake; run shoal gen first (or shoal build --gen)", x.out)}
	}
	list := strings.Join(changed[:min(3, len(changed))], ", ")
	if len(changed) > 3 {
		list += fmt.Sprintf(" and %d more", len(changed)-3)
	}
	return &exitError{code: ExitOutOfDate, err: fmt.Errorf("the flake in %s is out of date (%s); run shoal gen first (or shoal build --gen)", x.out, list)}
}

func runBuild(ctx context.Context, g *globals, o buildOptions, args []string) error {
	if o.signKey != "" && o.cache == "" {
		return usageError("--sign-key signs what goes to a binary cache: give --cache URL too")
	}
	fleetArg, sels, err := splitFleetArg(o.fleet, args)
	if err != nil {
		return err
	}
	if fleetArg == "" {
		if err := fleetNamedAsSelector(sels); err != nil {
			return err
		}
	}
	_, err = buildMachines(ctx, g, o, fleetArg, sels, g.stdout)
	return err
}

// buildMachines builds the machines sels select in the fleet fleetArg and
// returns their results; each machine's line (or JSON object) goes to out
// as it finishes. It fails when a machine did.
func buildMachines(ctx context.Context, g *globals, o buildOptions, fleetArg string, sels []string, out io.Writer) ([]build.Result, error) {
	nixFlags, err := nixOptionFlags(o.store, o.nixOptions)
	if err != nil {
		return nil, err
	}
	overrides, err := parseOverrides(o.overrides)
	if err != nil {
		return nil, err
	}
	if o.evalJobs < 0 {
		return nil, usageError("--eval-jobs %d: want a number of machines, 1 or more", o.evalJobs)
	}
	x, err := generate(g, genOptions{out: o.out}, fleetArg)
	if err != nil {
		return nil, err
	}
	if !o.quiet {
		g.diagRenderer(g.stderr, x.res.Docs).render(x.res.Diags) // warnings
	}
	machines, err := selector.Match(x.res.Fleet, sels)
	if err != nil {
		return nil, selectorError(err, sels)
	}
	if x.plan.Changes() > 0 || len(x.plan.Refused) > 0 {
		if !o.gen || len(x.plan.Refused) > 0 {
			return nil, staleFlake(x)
		}
		res, err := genfs.Apply(x.out, x.files, x.plan)
		if err != nil {
			return nil, fmt.Errorf("write the flake to %s: %w", x.out, err)
		}
		fmt.Fprintf(g.stderr, "%s: the flake was out of date: %d written, %d removed\n", x.out, res.Written, res.Removed)
	}

	jobs, why := o.evalJobs, "--eval-jobs"
	if jobs == 0 {
		avail, err := build.MemAvailable()
		if err != nil {
			fmt.Fprintf(g.stderr, "shoal: warning: %v; building one machine at a time (--eval-jobs sets how many)\n", err)
		}
		jobs = build.Jobs(avail, build.DefaultEvalMemory, len(machines))
		why = fmt.Sprintf("%s available, %s per evaluation; --eval-jobs sets it", build.Size(int64(avail)), build.Size(build.DefaultEvalMemory))
	}
	jobs = min(jobs, len(machines))
	fmt.Fprintf(g.stderr, "building %d %s from %s, %d at once (%s)\n", len(machines), plural(len(machines), "machine"), x.out, jobs, why)

	width := 0
	for _, m := range machines {
		width = max(width, len(m))
	}
	var failed []string
	progress := &buildProgress{w: g.stderr, live: isTerminal(g.stderr), total: len(machines)}
	defer progress.end()
	start := time.Now()
	results, err := build.Run(ctx, build.Options{
		Flake:     x.out,
		Machines:  machines,
		Jobs:      jobs,
		Builders:  o.builders,
		Cache:     o.cache,
		SignKey:   o.signKey,
		Overrides: overrides,
		NixFlags:  nixFlags,
		Runner:    &runner.Runner{Trace: g.traceWriter()},
		OnStart:   progress.start,
		OnResult: func(r build.Result) {
			if !r.OK() {
				failed = append(failed, r.Machine)
			}
			progress.finish(r.Machine, func() {
				switch {
				case o.json:
					_ = build.WriteResult(out, r)
				case r.StorePath != "":
					fmt.Fprintf(out, "%-*s  %s  %s  %s\n", width, r.Machine, r.StorePath, build.Size(r.ClosureSize), r.Duration.Round(100*time.Millisecond))
				}
			}, func() {
				if r.Err != nil {
					fmt.Fprintf(g.stderr, "shoal: %v\n", r.Err)
				}
			})
		},
	})
	progress.end()
	var missing *runner.NotFoundError
	if errors.As(err, &missing) || errors.Is(err, exec.ErrNotFound) {
		return nil, fmt.Errorf("%w; shoal build needs nix (Debian: apt-get install nix-bin)", err)
	}
	if err != nil {
		return nil, err
	}
	elapsed := time.Since(start).Round(100 * time.Millisecond)
	built := len(results) - len(failed)
	cached := ""
	if o.cache != "" {
		cached = ", copied to " + o.cache
	}
	if len(failed) > 0 {
		return results, fmt.Errorf("%d of %d %s failed (%s); built %d in %s", len(failed), len(results), plural(len(results), "machine"), strings.Join(failed, ", "), built, elapsed)
	}
	fmt.Fprintf(g.stderr, "built %d %s in %s%s\n", built, plural(built, "machine"), elapsed, cached)
	return results, nil
}

// fleetNamedAsSelector catches `shoal build homelab` run where there is
// no fleet: homelab is a selector, but the user meant the fleet directory.
func fleetNamedAsSelector(sels []string) error {
	if _, err := os.Stat(check.FleetFile); err == nil {
		return nil
	}
	for _, s := range sels {
		if _, err := os.Stat(filepath.Join(s, check.FleetFile)); err == nil {
			return usageError("no %s here, and %q is taken as a selector of machines; to build the fleet in %s, name it with a slash (%s/) or with --fleet %s", check.FleetFile, s, s, s, s)
		}
	}
	return nil
}

// selectorError is a usage error for selectors that select nothing, with
// a hint when a selector names a fleet directory rather than machines.
func selectorError(err error, sels []string) error {
	if errors.Is(err, selector.ErrNoMachines) {
		return err
	}
	for _, s := range sels {
		if _, statErr := os.Stat(filepath.Join(s, check.FleetFile)); statErr == nil {
			return usageError("%v\n(%s is a fleet directory: name it with a slash, %s/, or with --fleet %s)", err, s, s, s)
		}
	}
	return &exitError{code: ExitUsage, err: err}
}
