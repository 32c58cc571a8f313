package deploy

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-nix/shoal/internal/lab"
	"github.com/shoal-nix/shoal/internal/runner"
)

// needLab skips the test unless a lab can run here; under CI=true it fails
// instead, since CI runs as root with everything installed.
func needLab(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("lab tests bring up namespaces; skipped with -short")
	}
	if _, err := lab.Preflight(lab.SystemEnv(), false); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must run the lab tests: %v", err)
		}
		t.Skipf("no lab here: %v", err)
	}
}

// testLab is a lab brought up for one test, torn down when it ends.
type testLab struct {
	*lab.Lab
	t    *testing.T
	cmd  RunnerCommander
	home string
}

func upLab(t *testing.T, hosts int) *testLab {
	t.Helper()
	return upLabWith(t, lab.Options{Hosts: hosts})
}

// upLabWith brings up a lab with opts; the name and directory are the
// test's own.
func upLabWith(t *testing.T, opts lab.Options) *testLab {
	t.Helper()
	suffix := make([]byte, 3)
	rand.Read(suffix)
	name := "d" + hex.EncodeToString(suffix)
	dir := filepath.Join(t.TempDir(), "lab")
	var progress bytes.Buffer
	t.Cleanup(func() {
		if err := lab.Down(context.Background(), dir, name, &runner.Runner{}, &progress); err != nil {
			t.Errorf("lab down: %v", err)
		}
	})
	opts.Dir, opts.Name = dir, name
	l, err := lab.Up(context.Background(), opts, &runner.Runner{}, &progress)
	if err != nil {
		t.Fatalf("lab up: %v\n%s", err, progress.String())
	}
	home := t.TempDir()
	return &testLab{Lab: l, t: t, home: home, cmd: RunnerCommander{
		Runner: &runner.Runner{Env: append(l.DeployerEnv(), "HOME="+home)},
		Wrap:   func(argv []string) []string { return l.DeployerArgv(argv...) },
	}}
}

// build builds the toy system on the deployer side and returns its path.
func (l *testLab) build(args ...string) string {
	l.t.Helper()
	src, err := filepath.Abs("testdata/system.nix")
	if err != nil {
		l.t.Fatal(err)
	}
	argv := append([]string{"nix-build", "--no-out-link", "--quiet", src}, args...)
	out, err := l.cmd.Output(context.Background(), nil, argv)
	if err != nil {
		l.t.Fatalf("nix-build %v: %v", args, err)
	}
	return strings.TrimSpace(string(out))
}

// deploy runs a deploy of closures (machine -> store path) to the lab's
// hosts of the same names.
func (l *testLab) deploy(ctx context.Context, opts Options, closures map[string]string, checks ...Check) (Result, string) {
	l.t.Helper()
	var targets []Target
	for _, h := range l.Hosts {
		if c, ok := closures[h.Name]; ok {
			targets = append(targets, Target{Machine: h.Name, Host: h.Name, Closure: c, Checks: checks})
		}
	}
	var log bytes.Buffer
	opts.Commander = l.cmd
	opts.Progress = &PlainProgress{W: &log}
	// As shoal deploy does by default.
	opts.SSH.Fast = true
	opts.MetricsFile = "/run/shoal/metrics/shoal_deploy.prom"
	if opts.ConfirmTimeout == 0 {
		opts.ConfirmTimeout = 10 * time.Second
	}
	t0 := time.Now()
	res, err := Run(ctx, opts, targets)
	l.t.Logf("deploy took %s", time.Since(t0))
	if err != nil {
		l.t.Fatalf("Run: %v", err)
	}
	return res, log.String()
}

// current returns what host name runs and what its system profile is.
func (l *testLab) current(name string) (running, profile string) {
	h, _ := l.Host(name)
	running, _ = os.Readlink(filepath.Join(h.Dir, "run", "current-system"))
	gen, _ := os.Readlink(filepath.Join(h.Store(), "var/nix/profiles/system"))
	if gen != "" {
		profile, _ = os.Readlink(filepath.Join(h.Store(), "var/nix/profiles", gen))
	}
	return running, profile
}

// generations lists the host's system profile generations as nix-env
// --list-generations sees them: their numbers, the current one marked *.
func (l *testLab) generations(name string) string {
	out, err := l.cmd.Output(context.Background(), nil, []string{"ssh", name, "nix-env -p /nix/var/nix/profiles/system --list-generations"})
	if err != nil {
		l.t.Fatalf("nix-env --list-generations on %s: %v", name, err)
	}
	var gens []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if strings.Contains(line, "(current)") {
			f[0] += "*"
		}
		gens = append(gens, f[0])
	}
	return strings.Join(gens, " ")
}

// activations returns the host's activation log.
func (l *testLab) activations(name string) string {
	h, _ := l.Host(name)
	data, _ := os.ReadFile(filepath.Join(h.Dir, "run", "shoal-test", "activations"))
	return string(data)
}

func outcomes(res Result) map[string]Outcome {
	m := map[string]Outcome{}
	for _, h := range res.Hosts {
		m[h.Target.Machine] = h.Outcome
	}
	return m
}

func TestLabDeployRedeployAndFaults(t *testing.T) {
	needLab(t)
	t.Parallel()
	l := upLab(t, 3)
	ctx := context.Background()
	v1, v2 := l.build("--argstr", "version", "1"), l.build("--argstr", "version", "2")
	all := func(p string) map[string]string { return map[string]string{"h1": p, "h2": p, "h3": p} }

	// A clean lab: every host gets v1, running and as its profile.
	res, log := l.deploy(ctx, Options{}, all(v1))
	for _, h := range res.Hosts {
		if h.Outcome != Deployed || h.Generation != 1 {
			t.Errorf("%s: %s generation %d, %v; want deployed generation 1\n%s", h.Target.Machine, h.Outcome, h.Generation, h.Err, log)
		}
		if run, prof := l.current(h.Target.Machine); run != v1 || prof != v1 {
			t.Errorf("%s runs %q with profile %q, want %s", h.Target.Machine, run, prof, v1)
		}
		if got := l.activations(h.Target.Machine); got != "test 1\nboot 1\n" {
			t.Errorf("%s activations = %q, want test then boot", h.Target.Machine, got)
		}
		// Login and probe, copy, activate, confirm and finish: two TCP
		// connections, the master's and the confirmation's.
		if h.Commands != 4 || h.Connections != 2 {
			t.Errorf("%s: %d remote commands over %d connections, want 4 over 2", h.Target.Machine, h.Commands, h.Connections)
		}
	}
	// The metrics textfile is there and valid for node exporter.
	h1, _ := l.Host("h1")
	metrics := filepath.Join(h1.Dir, "run/shoal/metrics/shoal_deploy.prom")
	data, err := os.ReadFile(metrics)
	if err != nil || !strings.Contains(string(data), `shoal_deploy_info{closure="`+v1+`"`) || !strings.Contains(string(data), "shoal_deploy_generation 1\n") {
		t.Errorf("metrics textfile: %v\n%s", err, data)
	}
	if promtool, err := exec.LookPath("promtool"); err == nil {
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = bytes.NewReader(data)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	}

	// A redeploy with no change copies and activates nothing.
	res, log = l.deploy(ctx, Options{}, all(v1))
	for _, h := range res.Hosts {
		if h.Outcome != Unchanged {
			t.Errorf("redeploy %s: %s, want unchanged\n%s", h.Target.Machine, h.Outcome, log)
		}
		if _, copied := h.Steps["copy"]; copied {
			t.Errorf("redeploy %s copied", h.Target.Machine)
		}
		if h.Commands != 1 || h.Connections != 1 {
			t.Errorf("redeploy %s: %d remote commands over %d connections, want the probe's 1", h.Target.Machine, h.Commands, h.Connections)
		}
		if got := l.activations(h.Target.Machine); got != "test 1\nboot 1\n" {
			t.Errorf("redeploy %s activated: %q", h.Target.Machine, got)
		}
	}

	// A change to one machine redeploys that machine only.
	res, log = l.deploy(ctx, Options{}, map[string]string{"h1": v2, "h2": v1, "h3": v1})
	if got := outcomes(res); got["h1"] != Deployed || got["h2"] != Unchanged || got["h3"] != Unchanged {
		t.Errorf("one machine changed: %v\n%s", got, log)
	}
	if run, prof := l.current("h1"); run != v2 || prof != v2 {
		t.Errorf("h1 runs %q, profile %q; want v2", run, prof)
	}

	// The generations shoal made are the ones nix-env sees: after a
	// rollback by hand to generation 1, a deploy of v2 again reuses
	// generation 2, which links to it, as nix-env --set does.
	if _, err := l.cmd.Output(ctx, nil, []string{"ssh", "h1", "nix-env -p /nix/var/nix/profiles/system --rollback"}); err != nil {
		t.Fatalf("nix-env --rollback on h1: %v", err)
	}
	if res, log := l.deploy(ctx, Options{}, map[string]string{"h1": v2}); res.Hosts[0].Outcome != Deployed || res.Hosts[0].Generation != 2 {
		t.Errorf("v2 again after a rollback by hand: %s generation %d, %v; want deployed generation 2\n%s", res.Hosts[0].Outcome, res.Hosts[0].Generation, res.Hosts[0].Err, log)
	}
	if got := l.generations("h1"); got != "1 2*" {
		t.Errorf("h1 generations (nix-env --list-generations) = %q, want 1, then 2 current", got)
	}

	// A failed activation: h1 goes back to v2, its profile too.
	bad := l.build("--argstr", "version", "3", "--arg", "fail", "true")
	res, log = l.deploy(ctx, Options{}, map[string]string{"h1": bad})
	if h := res.Hosts[0]; h.Outcome != RolledBack || h.Err == nil {
		t.Errorf("failed activation: %s, %v; want rolled-back\n%s", h.Outcome, h.Err, log)
	}
	if run, prof := l.current("h1"); run != v2 || prof != v2 {
		t.Errorf("after a failed activation h1 runs %q, profile %q; want v2", run, prof)
	}

	// A failed health check: h2 goes back to v1 at once.
	sick := l.build("--argstr", "version", "4", "--arg", "healthy", "false")
	check := Check{Name: "healthy", Command: "grep -qx yes /run/current-system/healthy", Retries: 1, Interval: 100 * time.Millisecond}
	res, log = l.deploy(ctx, Options{}, map[string]string{"h2": sick}, check)
	if h := res.Hosts[0]; h.Outcome != RolledBack || h.Err == nil || !strings.Contains(h.Err.Error(), "healthy") {
		t.Errorf("failed health check: %s, %v; want rolled-back naming the check\n%s", h.Outcome, h.Err, log)
	}
	if run, prof := l.current("h2"); run != v1 || prof != v1 {
		t.Errorf("after a failed health check h2 runs %q, profile %q; want v1", run, prof)
	}
	if !strings.HasSuffix(l.activations("h2"), "test 4\ntest 1\n") {
		t.Errorf("h2 activations = %q, want v4 tested then v1 again", l.activations("h2"))
	}

	// A closure that stops sshd: no new connection confirms, the host's
	// watchdog switches it back by itself, and sshd is back.
	cut := l.build("--argstr", "version", "5", "--arg", "breakSsh", "true")
	res, log = l.deploy(ctx, Options{ConfirmTimeout: 5 * time.Second}, map[string]string{"h3": cut})
	if h := res.Hosts[0]; h.Outcome != NotConfirmed {
		t.Errorf("closure stopping sshd: %s, %v; want not-confirmed\n%s", h.Outcome, h.Err, log)
	}
	if !strings.Contains(log, "[h3] rollback: ok: the host switched back to "+v1) {
		t.Errorf("shoal did not report the watchdog's rollback:\n%s", log)
	}
	if run, prof := l.current("h3"); run != v1 || prof != v1 {
		t.Errorf("after the watchdog h3 runs %q, profile %q; want v1", run, prof)
	}
	if res, log := l.deploy(ctx, Options{}, map[string]string{"h3": v2}); res.Hosts[0].Outcome != Deployed {
		t.Errorf("deploy to h3 after the watchdog: %s, %v\n%s", res.Hosts[0].Outcome, res.Hosts[0].Err, log)
	}

	// A host down: the others deploy, the result says partial.
	if err := l.SetLinkUp(ctx, &runner.Runner{}, "h2", false); err != nil {
		t.Fatal(err)
	}
	res, log = l.deploy(ctx, Options{SSH: SSH{ConnectTimeout: 2 * time.Second}}, all(v2))
	if got := outcomes(res); got["h1"] != Unchanged || got["h2"] != Failed || got["h3"] != Unchanged {
		t.Errorf("h2 down: %v\n%s", got, log)
	}
	if ok, failed := res.Counts(); ok != 2 || failed != 1 {
		t.Errorf("h2 down: counts %d ok, %d failed", ok, failed)
	}
	if err := l.SetLinkUp(ctx, &runner.Runner{}, "h2", true); err != nil {
		t.Fatal(err)
	}
	res, log = l.deploy(ctx, Options{}, all(v2))
	if got := outcomes(res); got["h2"] != Deployed {
		t.Errorf("h2 back up: %v\n%s", got, log)
	}
	if _, prof := l.current("h2"); prof != v2 {
		t.Errorf("h2 profile %q, want v2", prof)
	}

}

// childEnv makes the test binary run one deploy (see TestMain), so that a
// test can kill a real deployer process.
const childEnv = "SHOAL_DEPLOY_TEST_CHILD"

type childSpec struct {
	LabDir, Home   string
	RecordDir      string
	Targets        []Target
	ConfirmTimeout time.Duration
}

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(childDeploy(spec))
	}
	os.Exit(m.Run())
}

func childDeploy(spec string) int {
	var s childSpec
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	l, err := lab.Load(s.LabDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	// The fleet's lock, as shoal deploy takes it.
	lock, err := Acquire(s.RecordDir, "shoal deploy (test child)")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer lock.Release()
	cmd := RunnerCommander{Runner: &runner.Runner{Env: append(l.DeployerEnv(), "HOME="+s.Home)}, Wrap: func(argv []string) []string { return l.DeployerArgv(argv...) }}
	record := func(h HostResult) {
		if err := AppendRecords(s.RecordDir, []Record{RecordOf(h, "", false)}); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	_, err = Run(context.Background(), Options{Commander: cmd, Progress: &PlainProgress{W: os.Stderr}, ConfirmTimeout: s.ConfirmTimeout,
		MetricsFile: "/run/shoal/metrics/shoal_deploy.prom", Record: record}, s.Targets)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// waitFor polls cond every 100 ms for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// cancelAt cancels when an event matches, and passes every event on.
type cancelAt struct {
	Progress
	machine, step, status string
	cancel                func()
}

func (c cancelAt) Event(e Event) {
	c.Progress.Event(e)
	if e.Machine == c.machine && e.Step == c.step && e.Status == c.status {
		c.cancel()
	}
}

func TestLabInterruptAndKilledDeployer(t *testing.T) {
	needLab(t)
	t.Parallel()
	l := upLab(t, 3)
	v1 := l.build("--argstr", "version", "1")
	res, log := l.deploy(context.Background(), Options{}, map[string]string{"h1": v1, "h2": v1, "h3": v1})
	if ok, _ := res.Counts(); ok != 3 {
		t.Fatalf("first deploy: %v\n%s", outcomes(res), log)
	}

	// Ctrl-C while h1 activates, one host at a time: h1 finishes, h2 and
	// h3 are not started and keep v1.
	v2 := l.build("--argstr", "version", "2")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var targets []Target
	for _, h := range []string{"h1", "h2", "h3"} {
		targets = append(targets, Target{Machine: h, Host: h, Closure: v2})
	}
	var buf bytes.Buffer
	res, err := Run(ctx, Options{Commander: l.cmd, Parallel: 1, ConfirmTimeout: 10 * time.Second, MetricsFile: "/run/shoal/metrics/shoal_deploy.prom",
		Progress: cancelAt{Progress: &PlainProgress{W: &buf}, machine: "h1", step: "activate", status: "start", cancel: cancel}}, targets)
	if err != nil {
		t.Fatal(err)
	}
	if got := outcomes(res); got["h1"] != Deployed || got["h2"] != Cancelled || got["h3"] != Cancelled {
		t.Errorf("Ctrl-C during h1's activation: %v, want h1 deployed, h2 and h3 cancelled\n%s", got, buf.String())
	}
	for _, h := range []string{"h2", "h3"} {
		if run, prof := l.current(h); run != v1 || prof != v1 {
			t.Errorf("%s after Ctrl-C runs %q, profile %q; want v1 untouched", h, run, prof)
		}
	}

	// The deployer killed (SIGKILL) while h2 activates a slow closure: the
	// host's watchdog, armed before the activation, switches it back.
	slow := l.build("--argstr", "version", "3", "--arg", "slow", "3")
	records := t.TempDir()
	spec, _ := json.Marshal(childSpec{LabDir: l.Dir, Home: l.home, RecordDir: records, ConfirmTimeout: 4 * time.Second,
		Targets: []Target{{Machine: "h2", Host: "h2", Closure: slow}}})
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childEnv+"="+string(spec))
	var childLog bytes.Buffer
	child.Stderr = &childLog
	child.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	if !waitFor(60*time.Second, func() bool { return strings.Contains(l.activations("h2"), "test 3\n") }) {
		syscall.Kill(-child.Process.Pid, syscall.SIGKILL)
		child.Wait()
		t.Fatalf("h2 never activated v3:\n%s", childLog.String())
	}
	// A second deploy of the fleet meanwhile is refused, naming the
	// running deployer.
	_, err = Acquire(records, "shoal deploy")
	var locked *LockedError
	if !errors.As(err, &locked) || locked.Holder.PID != child.Process.Pid || !strings.Contains(err.Error(), fmt.Sprintf("pid %d", child.Process.Pid)) {
		t.Errorf("a second deploy while the first runs: %v; want refused naming pid %d", err, child.Process.Pid)
	}
	syscall.Kill(-child.Process.Pid, syscall.SIGKILL)
	child.Wait()
	// The kernel released the dead deployer's lock: the next deploy may run.
	if lock, err := Acquire(records, "shoal deploy"); err != nil {
		t.Errorf("the lock after the deployer was killed: %v", err)
	} else {
		lock.Release()
	}
	// The stand-in switch points /run/current-system first and logs the
	// activation after: wait for both.
	back := func() bool {
		run, _ := l.current("h2")
		return run == v1 && strings.HasSuffix(l.activations("h2"), "test 1\n")
	}
	if !waitFor(30*time.Second, back) {
		h2, _ := l.Host("h2")
		logs, _ := filepath.Glob(filepath.Join(h2.Dir, "run/shoal/watchdog-*.log"))
		var wd []byte
		if len(logs) > 0 {
			wd, _ = os.ReadFile(logs[len(logs)-1])
		}
		run, _ := l.current("h2")
		t.Fatalf("h2 runs %s after the deployer was killed, want v1 back\ndeployer:\n%s\nwatchdog:\n%s", run, childLog.String(), wd)
	}
	if _, prof := l.current("h2"); prof != v1 {
		t.Errorf("h2's profile is %q after the deployer was killed, want v1", prof)
	}
	if got := l.activations("h2"); !strings.HasSuffix(got, "test 3\ntest 1\n") {
		t.Errorf("h2 activations = %q, want v3 then v1 again", got)
	}
	// The records say h2 was activating when the deployer died.
	recs, err := ReadRecords(records)
	if err != nil || len(recs) != 1 || recs[0].Machine != "h2" || recs[0].Result != Activating || recs[0].Closure != slow || recs[0].Previous != v1 {
		t.Errorf("records after the deployer was killed: %+v, %v; want one, h2 activating %s from %s", recs, err, slow, v1)
	}
}

func TestLabLinkDropsMidCopy(t *testing.T) {
	needLab(t)
	t.Parallel()
	l := upLab(t, 1)
	ctx := context.Background()
	v1 := l.build("--argstr", "version", "1")
	if res, log := l.deploy(ctx, Options{}, map[string]string{"h1": v1}); res.Hosts[0].Outcome != Deployed {
		t.Fatalf("first deploy: %s\n%s", res.Hosts[0].Outcome, log)
	}
	big := l.build("--argstr", "version", "2", "--arg", "payloadMiB", "24")
	// 24 MiB at 8 Mbit/s takes about 25 s; the link goes 1 s into the copy.
	if err := l.SetRate(ctx, &runner.Runner{}, "h1", 8_000_000); err != nil {
		t.Fatal(err)
	}
	pulled := make(chan error, 1)
	pull := func() { pulled <- l.SetLinkUp(ctx, &runner.Runner{}, "h1", false) }
	var buf bytes.Buffer
	res, err := Run(ctx, Options{Commander: l.cmd, ConfirmTimeout: 10 * time.Second, MetricsFile: "/run/shoal/metrics/shoal_deploy.prom",
		SSH:      SSH{ConnectTimeout: 2 * time.Second, ServerAliveInterval: time.Second},
		Progress: cancelAt{Progress: &PlainProgress{W: &buf}, machine: "h1", step: "copy", status: "start", cancel: func() { time.AfterFunc(time.Second, pull) }}},
		[]Target{{Machine: "h1", Host: "h1", Closure: big}})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-pulled; err != nil {
		t.Fatal(err)
	}
	h := res.Hosts[0]
	if h.Outcome != Failed || h.Err == nil || !strings.Contains(h.Err.Error(), "copy "+big+" to h1") {
		t.Errorf("link dropped mid-copy: %s, %v; want failed with the copy named\n%s", h.Outcome, h.Err, buf.String())
	}
	if run, prof := l.current("h1"); run != v1 || prof != v1 {
		t.Errorf("after a failed copy h1 runs %q, profile %q; want v1", run, prof)
	}
	if err := l.SetLinkUp(ctx, &runner.Runner{}, "h1", true); err != nil {
		t.Fatal(err)
	}
	if err := l.SetRate(ctx, &runner.Runner{}, "h1", 0); err != nil {
		t.Fatal(err)
	}
	res, log := l.deploy(ctx, Options{}, map[string]string{"h1": big})
	if res.Hosts[0].Outcome != Deployed {
		t.Errorf("deploy after the link is back: %s, %v\n%s", res.Hosts[0].Outcome, res.Hosts[0].Err, log)
	}
	if run, _ := l.current("h1"); run != big {
		t.Errorf("h1 runs %q, want the big closure", run)
	}
}

// sentBytes is how many bytes the lab's deployer side has sent to the
// hosts: the transmit counter of its bridge, which counts only what the
// deployer namespace itself sends, not what the bridge forwards from one
// host to another.
func (l *testLab) sentBytes() int64 {
	l.t.Helper()
	out, err := exec.Command("ip", "netns", "exec", l.Deployer.Namespace, "cat", "/sys/class/net/br0/statistics/tx_bytes").Output()
	if err != nil {
		l.t.Fatalf("the deployer's transmit counter: %v", err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		l.t.Fatalf("the deployer's transmit counter: %v", err)
	}
	return n
}

// TestLabDeploySubstitutesFromCache: h3 is the binary cache (an ssh://
// store); the closure is signed and pushed there as shoal build --cache
// --sign-key does, h1 and h2 list it as a substituter and trust its key
// (and nothing else: an unsigned path would come from the deployer), and a deploy with SubstituteOnDestination
// puts the closure on them while the deployer sends almost nothing: its
// bridge counter grows by far less than the closure's size. A closure the
// cache lacks is copied from the deployer, and the counter sees it.
func TestLabDeploySubstitutesFromCache(t *testing.T) {
	needLab(t)
	t.Parallel()
	l := upLab(t, 3)
	ctx := context.Background()
	const payload = 8 << 20
	cached := l.build("--argstr", "version", "cached", "--arg", "payloadMiB", "8")
	// The cache's key pair: the closure is signed before it is pushed, as
	// shoal build --sign-key does, and the hosts trust the public half, as
	// the fleet's deploy.cache_key makes gen write.
	nixKey := func(stdin string, args ...string) string {
		cmd := exec.Command("nix", append([]string{"--extra-experimental-features", "nix-command", "key"}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("nix key %s: %v", args[0], err)
		}
		return string(out)
	}
	secret := nixKey("", "generate-secret", "--key-name", "lab-cache-1")
	public := nixKey(secret, "convert-secret-to-public")
	keyFile := filepath.Join(t.TempDir(), "cache.sec")
	if err := os.WriteFile(keyFile, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := l.cmd.Output(ctx, nil, []string{"nix", "--extra-experimental-features", "nix-command", "store", "sign", "--key-file", keyFile, "--recursive", cached}); err != nil {
		t.Fatalf("sign the closure: %v", err)
	}
	if _, err := l.cmd.Output(ctx, nil, []string{"nix", "--extra-experimental-features", "nix-command", "copy", "--to", "ssh://root@h3", cached}); err != nil {
		t.Fatalf("push to the cache on h3: %v", err)
	}
	// What a NixOS host's nix.conf gets from nix.settings.substituters and
	// trusted-public-keys, and the key that lets it reach the cache.
	cfg, err := os.ReadFile(l.SSHConfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"h1", "h2"} {
		h, _ := l.Host(name)
		conf := filepath.Join(h.Dir, "etc-ssh", "nix", "nix.conf")
		f, err := os.OpenFile(conf, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(f, "substituters = ssh://root@h3\ntrusted-public-keys = %s\n", strings.TrimSpace(public))
		f.Close()
		if err := os.WriteFile(filepath.Join(h.Dir, "etc-ssh", "ssh_config"), cfg, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	before := l.sentBytes()
	res, log := l.deploy(ctx, Options{SubstituteOnDestination: true}, map[string]string{"h1": cached, "h2": cached})
	sent := l.sentBytes() - before
	for _, h := range res.Hosts {
		if h.Outcome != Deployed {
			t.Errorf("%s: %s, %v; want deployed\n%s", h.Target.Machine, h.Outcome, h.Err, log)
		}
		if run, _ := l.current(h.Target.Machine); run != cached {
			t.Errorf("%s runs %q, want %s", h.Target.Machine, run, cached)
		}
	}
	t.Logf("deployer sent %d bytes to deploy a closure of over %d bytes to 2 hosts from the cache", sent, payload)
	if sent > payload/8 {
		t.Errorf("the deployer sent %d bytes for 2 hosts substituting a %d-byte payload from the cache; want far less than one copy", sent, payload)
	}

	// Control: a closure the cache does not have comes from the deployer,
	// and the counter shows it.
	uncached := l.build("--argstr", "version", "uncached", "--arg", "payloadMiB", "8")
	before = l.sentBytes()
	res, log = l.deploy(ctx, Options{SubstituteOnDestination: true}, map[string]string{"h1": uncached})
	sent = l.sentBytes() - before
	if res.Hosts[0].Outcome != Deployed {
		t.Errorf("h1 with a closure the cache lacks: %s, %v\n%s", res.Hosts[0].Outcome, res.Hosts[0].Err, log)
	}
	if sent < payload {
		t.Errorf("the deployer sent %d bytes for a %d-byte payload the cache lacks; the counter misses the copy", sent, payload)
	}
}

// TestLabDeployAsUserWithSudo deploys as a non-root user that becomes root
// with sudo: root may not log in to h1 at all (its key is gone), the
// closure goes into h1's store through h1's nix-daemon, which trusts the
// user, and activation, confirmation, finish and a rollback after a failed
// activation all run through sudo -n.
func TestLabDeployAsUserWithSudo(t *testing.T) {
	needLab(t)
	if _, err := exec.LookPath("sudo"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must run the deploy-user lab test: %v", err)
		}
		t.Skipf("no sudo here: %v", err)
	}
	t.Parallel()
	l := upLabWith(t, lab.Options{Hosts: 1, DeployUser: "deploy"})
	ctx := context.Background()
	h1, _ := l.Host("h1")
	if err := os.Remove(filepath.Join(h1.Dir, "etc-ssh", "authorized_keys", "root")); err != nil {
		t.Fatal(err)
	}
	v1, v2 := l.build("--argstr", "version", "1"), l.build("--argstr", "version", "2")
	deploy := func(closure string, user string, become Become) (HostResult, string) {
		var log bytes.Buffer
		res, err := Run(ctx, Options{Commander: l.cmd, Progress: &PlainProgress{W: &log}, ConfirmTimeout: 10 * time.Second,
			MetricsFile: "/run/shoal/metrics/shoal_deploy.prom", SSH: SSH{ConnectTimeout: 5 * time.Second}},
			[]Target{{Machine: "h1", Host: "h1", User: user, Become: become, Closure: closure}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Hosts[0], log.String()
	}

	// Root cannot log in: connect fails, nothing changes.
	if h, log := deploy(v1, "", BecomeNone); h.Outcome != Failed || !strings.Contains(log, "connect: fail") {
		t.Errorf("deploy as root to a host that refuses root: %s, %v\n%s", h.Outcome, h.Err, log)
	}
	// As deploy with sudo: deployed, running and booting v1.
	h, log := deploy(v1, "deploy", BecomeSudo)
	if h.Outcome != Deployed || h.Generation != 1 {
		t.Fatalf("deploy as deploy with sudo: %s generation %d, %v\n%s", h.Outcome, h.Generation, h.Err, log)
	}
	if run, prof := l.current("h1"); run != v1 || prof != v1 {
		t.Errorf("h1 runs %q with profile %q, want %s", run, prof, v1)
	}
	// The user logged in (sshd says so), and the copy went through the
	// daemon (the store paths it added are in the daemon's log as the
	// user's work, or at least the daemon accepted a connection).
	sshdLog, _ := os.ReadFile(filepath.Join(h1.Dir, "run", "sshd.log"))
	if !strings.Contains(string(sshdLog), "Accepted publickey for deploy") || strings.Contains(string(sshdLog), "Accepted publickey for root") {
		t.Errorf("sshd log does not show deploy (and only deploy) logging in:\n%s", sshdLog)
	}
	daemonLog, _ := os.ReadFile(filepath.Join(h1.Dir, "run", "nix-daemon.log"))
	if !strings.Contains(string(daemonLog), "accepted connection from pid") || !strings.Contains(string(daemonLog), "user deploy") {
		t.Errorf("the host's nix-daemon log shows no connection from deploy:\n%s", daemonLog)
	}
	// A failed activation is switched back through sudo too.
	bad := l.build("--argstr", "version", "3", "--arg", "fail", "true")
	if h, log := deploy(bad, "deploy", BecomeSudo); h.Outcome != RolledBack {
		t.Errorf("failed activation as deploy: %s, %v\n%s", h.Outcome, h.Err, log)
	}
	if run, prof := l.current("h1"); run != v1 || prof != v1 {
		t.Errorf("after a failed activation h1 runs %q with profile %q, want v1", run, prof)
	}
	if h, log := deploy(v2, "deploy", BecomeSudo); h.Outcome != Deployed || h.Generation != 2 {
		t.Errorf("second deploy as deploy: %s generation %d, %v\n%s", h.Outcome, h.Generation, h.Err, log)
	}
}
