package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/deploy"
	"github.com/shoal-nix/shoal/internal/fleet"
	"github.com/shoal-nix/shoal/internal/lab"
	"github.com/shoal-nix/shoal/internal/runner"
	"github.com/shoal-nix/shoal/internal/secrets"
	"github.com/shoal-nix/shoal/internal/selector"
)

// Exit codes of deploy and rollback, documented in their help.
const (
	ExitPartial         = 5 // some hosts failed or rolled back
	ExitNothingDeployed = 6 // no host ended on its closure
)

// transportOptions are the flags deploy, rollback and status share.
type transportOptions struct {
	fleet          string
	lab            string
	acceptNew      bool
	connectTimeout time.Duration
	json           bool
}

func (o *transportOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&o.fleet, "fleet", "f", "", "the fleet: a directory holding shoal.toml, or the file (default: the current directory)")
	f.StringVar(&o.lab, "lab", "", "run ssh and nix on the deployer side of the lab in `DIR` (see shoal lab)")
	f.BoolVar(&o.acceptNew, "accept-new-host-keys", false, "accept and record the key of a host not yet in known_hosts (a changed key is refused either way)")
	f.DurationVar(&o.connectTimeout, "connect-timeout", deploy.DefaultConnectTimeout, "ssh connect timeout")
	f.BoolVar(&o.json, "json", false, "print JSON: deploy and rollback print one event per line (each host's done event has its outcome), status and --dry-run the hosts")
}

// commander returns how commands run: locally, or in the lab.
func (o *transportOptions) commander(g *globals) (deploy.Commander, error) {
	c := deploy.RunnerCommander{Runner: &runner.Runner{Trace: g.traceWriter()}}
	if o.lab != "" {
		l, err := lab.Load(o.lab)
		if err != nil {
			return nil, err
		}
		c.Runner.Env = l.DeployerEnv()
		c.Wrap = func(argv []string) []string { return l.DeployerArgv(argv...) }
	}
	return c, nil
}

type deployOptions struct {
	transportOptions
	closures       []string
	closureFiles   []string
	parallel       int
	batch          string
	maxFailures    int
	confirmTimeout time.Duration
	substitute     bool
	noChecks       bool
	dryRun         bool
	identity       string
	// Building first, when no closure is given.
	noBuild    bool
	fastSSH    bool
	gen        bool
	builders   string
	signKey    string
	overrides  []string
	nixOptions []string
}

func newDeployCommand(g *globals) *cobra.Command {
	var o deployOptions
	cmd := &cobra.Command{
		Use:   "deploy [FLEET/] [SELECTOR...]",
		Short: "Copy built systems to the machines and activate them, with rollback",
		Long: `Deploy puts each selected machine's built system (its toplevel store
path) on the machine over OpenSSH and Nix:

  connect   one ssh ControlMaster per host, strict host key checking,
            BatchMode (never a prompt); login failures show here
  probe     (the same command as connect) a host already running and
            booting the closure is skipped: nothing is copied or activated
  copy      nix copy --to ssh://USER@HOST (the same ssh options through
            NIX_SSHOPTS; --substitute-on-destination lets the host fetch
            from its substituters, e.g. the fleet's cache)
  activate  switch-to-configuration test, under a watchdog on the host that
            switches back unless a NEW ssh connection confirms within
            --confirm-timeout
  health    systemd's failed units (where systemd runs), the features'
            checks from the catalog (unit active, TCP port, HTTP 2xx), and
            the fleet file's: a machine's health = [...] and [health] by
            feature (unit, tcp, http or command; timeout, retries,
            interval); side by side with the confirmation
  finish    a new system profile generation (as nix-env --set makes it),
            switch-to-configuration boot
            (in the confirmation's own command when there is nothing to
            check in between)

A failed activation, health check or finish switches the host back to what
it ran before at once, profile included. Prebuilt systems come from
--closure MACHINE=/nix/store/... or --closures FILE (shoal build --json
writes one: a JSON object per line with machine and store_path). Without
either, deploy first builds the selected machines as shoal build does
(--gen, --builders, --override-input and --nix-option as there) and
deploys nothing if a build fails; --no-build refuses to build instead.

A fleet binary cache, deploy = { cache = "URL" } in [fleet] (any Nix store
URL: ssh://, s3://, https://, file://), receives what deploy builds, and
the hosts substitute from it (as with --substitute-on-destination), so the
deployer sends them only what the cache lacks. With cache_key (the public
half of the key its paths are signed with) beside it, shoal gen lists the
cache in every machine's nix.settings.substituters and trusts the key in
nix.settings.trusted-public-keys; --sign-key FILE signs what deploy builds
before it is pushed.

Selectors, as in colmena: a machine name, a glob (web-*), or @TAG; no
selector deploys every machine given a closure. An argument with a slash
(homelab/), or --fleet, names the fleet; the default is the current
directory. The machine's address (or
deploy.host, else its host name) is the ssh host; deploy = { user, become,
port } in [fleet] or a machine's table sets the deploy user (root by
default) and sudo, doas or run0 for a non-root one.

ssh's cost in CPU: unless your ssh_config (or the system's) sets Ciphers,
deploy puts aes128-gcm@openssh.com first when this machine has AES
instructions (cheaper than the default chacha20-poly1305 where the host
has them too); unless it sets KexAlgorithms, the connections that carry
no secret put curve25519-sha256 first when ssh's default is
sntrup761x25519 (about 0.1 s of CPU per connection): the confirmation's,
and the first connection of a host that gets no secrets (store paths,
readable by any user of a Nix store, and deploy's commands). A host that
gets secrets keeps ssh's post-quantum default on the connection that
carries them. -x shows the options. --fast-ssh=false leaves both to ssh,
e.g. for hosts without AES instructions (a Raspberry Pi 4).

Hosts deploy --parallel at once, in waves of --batch N or N%; after a wave,
--max-failures failed hosts stop the later waves. --dry-run asks each host
what it runs and which store paths it lacks, and changes nothing.

Every result is appended to .shoal/deployments.jsonl in the fleet directory
(see shoal status, shoal rollback); each deployed host gets a Prometheus
textfile at ` + deploy.MetricsFile + `. A lock (.shoal/deploy.lock) keeps a second
deploy of the fleet out and names the one running. Ctrl-C starts no new
host; hosts already activating finish or switch back.

Exit status: 0 every host deployed (or already on its closure), 1 failure
before any host started, 2 usage, 3 the fleet has errors, 5 some hosts
failed or rolled back, 6 no host deployed, 130 interrupted.`,
		Example: `  shoal deploy @web
  shoal build --json > closures.json && shoal deploy --closures closures.json
  shoal deploy --closure web1=/nix/store/...-nixos-system-web1 web1
  shoal deploy --closures closures.json --batch 25% --max-failures 1 @web
  shoal deploy --closures closures.json --dry-run`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDeploy(cmd.Context(), g, o, args)
		},
	}
	o.addFlags(cmd)
	f := cmd.Flags()
	f.StringArrayVar(&o.closures, "closure", nil, "a prebuilt system: `MACHINE=/nix/store/...` (repeatable)")
	f.StringArrayVar(&o.closureFiles, "closures", nil, "a JSON `FILE` of prebuilt systems, as shoal build --json writes")
	f.IntVar(&o.parallel, "parallel", 0, "hosts at once (default: a whole wave)")
	f.StringVar(&o.batch, "batch", "", "wave size: `N` hosts or N% (default: one wave)")
	f.IntVar(&o.maxFailures, "max-failures", 0, "stop later waves after this many failed hosts (0: never)")
	f.DurationVar(&o.confirmTimeout, "confirm-timeout", deploy.DefaultConfirmTimeout, "how long a host waits for the confirmation before switching back")
	f.BoolVar(&o.substitute, "substitute-on-destination", false, "let hosts fetch paths from their substituters (binary caches) instead of from here")
	f.BoolVar(&o.noChecks, "no-checks", false, "skip the catalog's health checks of the features (systemd's failed units and the fleet file's checks still run)")
	f.BoolVar(&o.dryRun, "dry-run", false, "print what would be copied and activated; change nothing")
	f.BoolVar(&o.fastSSH, "fast-ssh", true, "let ssh use cheaper algorithms where ssh_config chooses none (AES-GCM first; a classical key exchange where no secret travels)")
	f.BoolVar(&o.noBuild, "no-build", false, "never build: deploy only the systems --closure and --closures give")
	f.BoolVar(&o.gen, "gen", false, "when building, write the flake first if it is out of date, as shoal gen does")
	f.StringVar(&o.builders, "builders", "", "when building, Nix remote builders specification (Nix's builders setting)")
	f.StringVar(&o.signKey, "sign-key", "", "when building, sign each closure with this Nix secret key file before it goes to the fleet's cache")
	f.StringArrayVar(&o.overrides, "override-input", nil, "when building, replace a flake input: INPUT=REF (a path is taken as path:ABSOLUTE)")
	f.StringArrayVar(&o.nixOptions, "nix-option", nil, "when building, a Nix setting for every nix command: NAME=VALUE")
	f.StringVar(&o.identity, "identity", "", "the admin's identity file that decrypts the fleet's secrets (default: $SHOAL_AGE_IDENTITY, else ~/.ssh/id_ed25519)")
	return cmd
}

// parseClosures reads --closure and --closures into machine -> path.
func parseClosures(flags, files []string) (map[string]string, error) {
	m := map[string]string{}
	add := func(machine, p, where string) error {
		if old, ok := m[machine]; ok && old != p {
			return usageError("%s: machine %s is given two closures (%s and %s)", where, machine, old, p)
		}
		if !strings.HasPrefix(p, "/nix/store/") {
			return usageError("%s: %q is not a store path (/nix/store/...)", where, p)
		}
		m[machine] = p
		return nil
	}
	for _, c := range flags {
		machine, p, ok := strings.Cut(c, "=")
		if !ok || machine == "" {
			return nil, usageError("--closure %q: want MACHINE=/nix/store/...", c)
		}
		if err := add(machine, p, "--closure"); err != nil {
			return nil, err
		}
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("--closures: %w", err)
		}
		got, err := decodeClosures(data)
		if err != nil {
			return nil, usageError("--closures %s: %v", file, err)
		}
		for _, c := range got {
			if err := add(c.Machine, c.StorePath, file); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// builtClosure is one line of shoal build --json.
type builtClosure struct {
	Machine   string `json:"machine"`
	StorePath string `json:"store_path"`
	Error     string `json:"error"`
}

// decodeClosures reads JSON objects (one per line, or an array of them)
// with machine and store_path; a machine whose build failed is refused.
func decodeClosures(data []byte) ([]builtClosure, error) {
	var out []builtClosure
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(t, &out); err != nil {
			return nil, err
		}
	} else {
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for n := 1; sc.Scan(); n++ {
			if len(bytes.TrimSpace(sc.Bytes())) == 0 {
				continue
			}
			var c builtClosure
			if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			out = append(out, c)
		}
	}
	for _, c := range out {
		switch {
		case c.Machine == "":
			return nil, errors.New("an entry has no machine")
		case c.Error != "":
			return nil, fmt.Errorf("the build of %s failed: %s", c.Machine, c.Error)
		case c.StorePath == "":
			return nil, fmt.Errorf("%s has no store_path", c.Machine)
		}
	}
	return out, nil
}

// selectMachines splits the fleet off the arguments (an argument with a
// slash, or --fleet, as shoal build takes it), loads the fleet and returns
// the machines the selectors select.
func selectMachines(g *globals, fleetFlag string, args []string, what string) (*check.Result, string, []string, []string, error) {
	fleetArg, sels, err := splitFleetArg(fleetFlag, args)
	if err != nil {
		return nil, "", nil, nil, err
	}
	if fleetArg == "" {
		if err := fleetNamedAsSelector(sels); err != nil {
			return nil, "", nil, nil, err
		}
	}
	res, dir, err := loadCleanFleet(g, fleetArg, what)
	if err != nil {
		return nil, "", nil, nil, err
	}
	g.diagRenderer(g.stderr, res.Docs).render(res.Diags) // warnings
	machines, err := selector.Match(res.Fleet, sels)
	if err != nil {
		return nil, "", nil, nil, selectorError(err, sels)
	}
	return res, dir, machines, sels, nil
}

// targetsFor builds the targets of the machines given closures.
func targetsFor(res *check.Result, machines []string, closures map[string]string, checks bool) []deploy.Target {
	var targets []deploy.Target
	for _, name := range machines {
		m := res.Fleet.Machine(name)
		d := res.Fleet.DeployOf(m)
		t := deploy.Target{Machine: name, Host: d.Host, User: d.User, Port: int(d.Port), Become: deploy.Become(d.Become), Closure: closures[name]}
		if checks {
			t.Checks = catalogChecks(res, name)
		}
		t.Checks = append(t.Checks, fleetChecks(res, name)...)
		targets = append(targets, t)
	}
	return targets
}

// fleetChecks are the health checks the fleet file gives the machine: its
// own (health = [...]), then those of [health] for its features.
func fleetChecks(res *check.Result, machine string) []deploy.Check {
	var checks []deploy.Check
	if m := res.Fleet.Machine(machine); m != nil {
		for _, c := range m.Health {
			checks = append(checks, deployCheck(c, ""))
		}
	}
	rm := res.Resolved.Machine(machine)
	if rm == nil {
		return checks
	}
	for _, h := range res.Fleet.Health {
		if rm.Feature(h.Feature.Value) == nil {
			continue
		}
		for _, c := range h.Checks {
			checks = append(checks, deployCheck(c, h.Feature.Value))
		}
	}
	return checks
}

// deployCheck turns a fleet file's check into deploy's, with deploy's
// defaults where the file gives none; feature names the [health] entry.
func deployCheck(c fleet.HealthCheck, feature string) deploy.Check {
	d := deploy.Check{Name: c.Name, Unit: c.Unit, TCP: int(c.TCP), HTTP: c.HTTP, Command: c.Command,
		Timeout: c.Timeout, Retries: int(c.Retries), Interval: c.Interval}
	if c.Retries < 0 {
		d.Retries = deploy.DefaultCheckRetries
	}
	if feature != "" {
		d.Name = feature + ": " + d.String()
	}
	return d
}

// catalogChecks are the health checks of the machine's features.
func catalogChecks(res *check.Result, machine string) []deploy.Check {
	m := res.Resolved.Machine(machine)
	if m == nil {
		return nil
	}
	var checks []deploy.Check
	for _, f := range m.Features {
		for _, h := range f.Def.Health {
			c := deploy.Check{Name: f.Name() + ": " + h.Name, Unit: h.Unit, HTTP: h.HTTP, TCP: int(h.TCP), Retries: deploy.DefaultCheckRetries}
			if h.Setting != "" {
				if v := f.Value(h.Setting); v != nil {
					if n, ok := v.Value.(int64); ok {
						c.TCP = int(n)
					}
				}
			}
			if c.Unit != "" || c.TCP != 0 || c.HTTP != "" {
				checks = append(checks, c)
			}
		}
	}
	return checks
}

// fleetCommit is git rev-parse HEAD of the fleet directory, or "".
func fleetCommit(ctx context.Context, dir string) string {
	out, err := (&runner.Runner{Dir: dir}).Output(ctx, "git", "rev-parse", "--verify", "-q", "HEAD")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func runDeploy(ctx context.Context, g *globals, o deployOptions, args []string) error {
	closures, err := parseClosures(o.closures, o.closureFiles)
	if err != nil {
		return err
	}
	res, dir, machines, sels, err := selectMachines(g, o.fleet, args, "deploy")
	if err != nil {
		return err
	}
	cache := res.Fleet.Deploy.Cache
	if o.signKey != "" && (cache == "" || len(closures) > 0 || o.noBuild) {
		return usageError("--sign-key signs what deploy builds before it goes to the fleet's cache: it needs deploy = { cache = \"URL\" } in [fleet] and a build (no --closure, no --no-build)")
	}
	if len(closures) == 0 && !o.noBuild {
		if closures, err = buildForDeploy(ctx, g, o, dir, machines, cache); err != nil {
			return err
		}
	}
	o.substitute = o.substitute || cache != ""
	for name := range closures {
		if res.Fleet.Machine(name) == nil {
			return usageError("a closure is given for %s, which is not a machine of the fleet", name)
		}
	}
	if len(sels) == 0 {
		machines = slices.DeleteFunc(machines, func(n string) bool { _, ok := closures[n]; return !ok })
	}
	if len(machines) == 0 {
		return usageError("nothing to deploy: give each machine's built system with --closure MACHINE=/nix/store/... or --closures FILE (shoal build --json > FILE writes one)")
	}
	for _, n := range machines {
		if _, ok := closures[n]; !ok {
			return usageError("no built system for %s: give --closure %s=/nix/store/... or --closures FILE (shoal build --json > FILE)", n, n)
		}
	}
	targets := targetsFor(res, machines, closures, !o.noChecks)
	if _, err := deploy.Waves(len(targets), o.batch); err != nil {
		return usageError("--%v", err)
	}
	if err := attachSecrets(ctx, g, o, res, dir, targets); err != nil {
		return err
	}
	return deployTargets(ctx, g, o, dir, targets, false)
}

// attachSecrets gives each target the secrets its machine receives, with
// their values: decrypted with the admin's identity, or the output of
// their command. Identities are loaded only when some target receives a
// secret.
func attachSecrets(ctx context.Context, g *globals, o deployOptions, res *check.Result, dir string, targets []deploy.Target) error {
	receives := false
	for _, t := range targets {
		for _, s := range res.Fleet.Secrets {
			if s.Source != fleet.SourceExternal && secrets.Receives(res.Resolved, s, t.Machine) {
				receives = true
			}
		}
	}
	if !receives {
		return nil
	}
	ids, err := secrets.LoadIdentities(o.identity, os.Getenv, nil)
	if err != nil {
		return fmt.Errorf("decrypt the fleet's secrets: %w", err)
	}
	if dir == "" {
		dir = "."
	}
	src := secrets.Source{FS: os.DirFS(dir), Dir: ".", Identities: ids,
		Command: func(ctx context.Context, command, machine string) ([]byte, error) {
			// The command line may be traced; its output is the secret.
			return (&runner.Runner{Trace: g.traceWriter(), Dir: dir, Env: []string{"SHOAL_MACHINE=" + machine}}).Output(ctx, "sh", "-c", command)
		}}
	for i := range targets {
		ups, err := src.Plan(ctx, res.Resolved, targets[i].Machine)
		if err != nil {
			return err
		}
		targets[i].Secrets = ups
	}
	return nil
}

// buildForDeploy builds the machines as shoal build does, pushing them to
// the fleet's cache when it has one, and returns their systems.
func buildForDeploy(ctx context.Context, g *globals, o deployOptions, dir string, machines []string, cache string) (map[string]string, error) {
	if o.lab != "" {
		return nil, usageError("deploy --lab does not build (nix would build outside the lab): give --closures FILE or --closure MACHINE=PATH, or run the deploy in the lab without --lab: shoal lab exec --dir %s -- shoal deploy ...", o.lab)
	}
	bo := buildOptions{quiet: true, gen: o.gen, builders: o.builders, cache: cache, signKey: o.signKey, overrides: o.overrides, nixOptions: o.nixOptions}
	fmt.Fprintf(g.stderr, "no --closure given: building first (--no-build deploys prebuilt systems only)\n")
	results, err := buildMachines(ctx, g, bo, dir, machines, g.stderr)
	if err != nil {
		return nil, err // nothing deployed: build's own message and exit status
	}
	closures := map[string]string{}
	for _, r := range results {
		closures[r.Machine] = r.StorePath
	}
	return closures, nil
}

// deployTargets runs (or plans) a deploy under the fleet's lock and
// records it; rollback uses it too.
func deployTargets(ctx context.Context, g *globals, o deployOptions, dir string, targets []deploy.Target, rollback bool) error {
	cmdr, err := o.commander(g)
	if err != nil {
		return err
	}
	opts := deploy.Options{
		Commander: cmdr,
		SSH:       deploy.SSH{AcceptNewHostKeys: o.acceptNew, ConnectTimeout: o.connectTimeout, Fast: o.fastSSH},
		Parallel:  o.parallel, Batch: o.batch, MaxFailures: o.maxFailures,
		ConfirmTimeout: o.confirmTimeout, SubstituteOnDestination: o.substitute,
	}
	if _, err := deploy.Waves(len(targets), o.batch); err != nil {
		return usageError("--%v", err)
	}
	if o.dryRun {
		plan, err := deploy.Plan(ctx, opts, targets)
		if err != nil {
			return err
		}
		if o.json {
			return writeJSON(g.stdout, plan)
		}
		writePlan(g.stdout, plan)
		return nil
	}
	lock, err := deploy.Acquire(dir, "shoal deploy")
	if err != nil {
		return err
	}
	defer lock.Release()
	opts.FleetCommit = fleetCommit(ctx, dir)
	var machines []string
	for _, t := range targets {
		machines = append(machines, t.Machine)
	}
	switch {
	case o.json:
		opts.Progress = &deploy.JSONProgress{W: g.stdout}
	case isTerminal(g.stderr) && !g.trace:
		opts.Progress = &deploy.LiveProgress{W: g.stderr, Machines: machines}
	default:
		opts.Progress = &deploy.PlainProgress{W: g.stderr}
	}
	// Each host's record is written as it starts activating and as it
	// ends, so that a deployer that dies leaves records saying where.
	var mu sync.Mutex
	opts.Record = func(h deploy.HostResult) {
		mu.Lock()
		defer mu.Unlock()
		if err := deploy.AppendRecords(dir, []deploy.Record{deploy.RecordOf(h, opts.FleetCommit, rollback)}); err != nil {
			fmt.Fprintf(g.stderr, "shoal: %v\n", err)
		}
	}
	result, err := deploy.Run(ctx, opts, targets)
	if err != nil {
		return usageError("%v", err)
	}
	if !o.json {
		writeResult(g.stdout, result)
	}
	ok, failed := result.Counts()
	switch {
	case failed == 0:
		return nil
	case ok == 0:
		return &exitError{code: ExitNothingDeployed, err: fmt.Errorf("no host deployed (%d failed or rolled back)", failed)}
	}
	return &exitError{code: ExitPartial, err: fmt.Errorf("%d of %d hosts deployed; %d failed or rolled back", ok, ok+failed, failed)}
}

func writePlan(w io.Writer, plan []deploy.PlannedHost) {
	for _, p := range plan {
		switch p.Action {
		case "unchanged":
			fmt.Fprintf(w, "%s (%s): already on %s; nothing to copy or activate\n", p.Machine, p.Dest, p.Closure)
		case "activate":
			fmt.Fprintf(w, "%s (%s): runs %s\n  copy %d store paths (%s), then activate %s\n", p.Machine, p.Dest, orDash(p.Running), len(p.Missing), sizeText(p.MissingBytes), p.Closure)
			for _, m := range p.Missing {
				fmt.Fprintf(w, "    %s\n", m)
			}
		default:
			fmt.Fprintf(w, "%s (%s): unreachable: %s\n", p.Machine, p.Dest, p.Error)
			continue
		}
		for _, c := range p.Secrets {
			line := fmt.Sprintf("  secret %s (%s): %s", c.Name, c.Dest, c.Change)
			if c.Change == "changed" && len(c.Readers) > 0 {
				line += "; restart " + strings.Join(c.Readers, " ")
			}
			fmt.Fprintln(w, line)
		}
	}
}

func writeResult(w io.Writer, r deploy.Result) {
	for _, h := range r.Hosts {
		line := fmt.Sprintf("%-12s %-13s", h.Target.Machine, h.Outcome)
		switch {
		case h.Err != nil:
			line += " " + firstLine(h.Err.Error())
		case h.Generation > 0:
			line += " generation " + strconv.Itoa(h.Generation) + " " + h.Target.Closure
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
