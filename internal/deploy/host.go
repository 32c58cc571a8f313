package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shoal-nix/shoal/internal/runner"
)

// Commander runs one external command (ssh, nix) and returns its standard
// output. env is added to the environment.
type Commander interface {
	Output(ctx context.Context, env []string, argv []string) ([]byte, error)
}

// RunnerCommander runs commands through a runner, so that -x shows them.
// Wrap, if set, rewrites each argv first (the lab runs commands in its
// deployer namespace this way).
type RunnerCommander struct {
	Runner *runner.Runner
	Wrap   func(argv []string) []string
}

// Output runs argv with env added.
func (c RunnerCommander) Output(ctx context.Context, env []string, argv []string) ([]byte, error) {
	if c.Wrap != nil {
		argv = c.Wrap(argv)
	}
	r := &runner.Runner{Trace: c.Runner.Trace, Dir: c.Runner.Dir, Env: append(append([]string(nil), c.Runner.Env...), env...)}
	return r.Output(ctx, argv[0], argv[1:]...)
}

// Input runs argv with env added and stdin as its standard input, which
// the trace leaves out.
func (c RunnerCommander) Input(ctx context.Context, env []string, argv []string, stdin []byte) ([]byte, error) {
	if c.Wrap != nil {
		argv = c.Wrap(argv)
	}
	if stdin == nil {
		stdin = []byte{}
	}
	r := &runner.Runner{Trace: c.Runner.Trace, Dir: c.Runner.Dir, Env: append(append([]string(nil), c.Runner.Env...), env...), Stdin: stdin}
	return r.Output(ctx, argv[0], argv[1:]...)
}

// Outcome is how one host's deploy ended.
type Outcome string

// The outcomes of a host.
const (
	// Deployed: the host runs the closure and boots it.
	Deployed Outcome = "deployed"
	// Unchanged: the host already ran and booted the closure.
	Unchanged Outcome = "unchanged"
	// Failed: the host was not changed (connect or copy failed).
	Failed Outcome = "failed"
	// RolledBack: activation, a health check or finish failed and the
	// host went back to the system it ran before.
	RolledBack Outcome = "rolled-back"
	// NotConfirmed: no new connection could confirm; the host's
	// watchdog switches it back by itself.
	NotConfirmed Outcome = "not-confirmed"
	// Unknown: going back failed; look at the host.
	Unknown Outcome = "unknown"
	// Cancelled: the host was not started (Ctrl-C, or --max-failures
	// stopped its wave).
	Cancelled Outcome = "cancelled"
	// Activating is recorded as a host starts activating; a record of it
	// with no later one for the host means the deployer died meanwhile:
	// the host is on its old system or a confirmed new one (shoal status
	// says which).
	Activating Outcome = "activating"
)

// ok reports whether the host ends on the closure.
func (o Outcome) ok() bool { return o == Deployed || o == Unchanged }

// HostResult is what happened on one host.
type HostResult struct {
	Target Target
	Outcome
	// Previous is the system the host ran before ("" if none or unknown).
	Previous string
	// Generation is the system profile generation after a deploy.
	Generation int
	Err        error
	Started    time.Time
	Duration   time.Duration
	// Steps holds each step's duration.
	Steps map[string]time.Duration
	// Commands counts the remote commands run on the host (each ssh
	// command, and nix copy), Connections the TCP connections they made:
	// the master's and each confirmation attempt's.
	Commands, Connections int
	// Secrets says which of the host's secrets were installed, by name,
	// destination and hash only.
	Secrets []SecretChange
}

// hostState is what probe finds on a host.
type hostState struct {
	Current    string
	Profile    string
	Generation int
	Systemd    bool
	Failed     []string
	// Have says whether the host's store has the closure asked about.
	Have bool
}

func parseProbe(out string) (hostState, error) {
	var s hostState
	seen := 0
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		seen++
		switch k {
		case "current":
			s.Current = v
		case "profile":
			s.Profile = v
		case "generation":
			s.Generation, _ = strconv.Atoi(v)
		case "systemd":
			s.Systemd = v == "yes"
		case "failed":
			s.Failed = strings.Fields(v)
		case "have":
			s.Have = v == "yes"
		}
	}
	if seen < 4 {
		return s, fmt.Errorf("unexpected answer from the host: %q", out)
	}
	return s, nil
}

// host runs one host's pipeline.
type host struct {
	t       Target
	opts    *Options
	ssh     SSH
	started time.Time
	res     *HostResult
	mu      sync.Mutex // guards res.Steps and the counts: confirm and health run at once
	master  bool       // a command has gone over the master connection
	// sh is the shell on the master's own session, where the deploy's
	// scripts run (see shell.go); nil when the Commander cannot start
	// one.
	sh *shell
	// ownMaster: a command over the master ran as an ssh command of
	// its own, which starts a master that outlives it (ControlPersist)
	// when the shell's is gone: end it with ssh -O exit.
	ownMaster bool
}

// count counts a remote command over connection c, for a deploy's host
// (plans, status and sessions keep no result).
func (h *host) count(c connection) {
	if h.res == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.res.Commands++
	if c == fresh || !h.master {
		h.res.Connections++
	}
	if c == shared {
		h.master = true
	}
}

func (h *host) emit(step, status, msg string) {
	h.opts.Progress.Event(Event{Time: time.Now().UTC(), Machine: h.t.Machine, Step: step, Status: status, Message: msg})
}

// remote runs script on the host over c: in the host's shell when it has
// one that works and c is the master connection, else as an ssh command.
func (h *host) remote(ctx context.Context, c connection, privileged bool, body string, args ...string) (string, error) {
	h.count(c)
	cmdline := script(h.t, privileged, body, args...)
	if c == shared && h.sh != nil {
		out, err := h.sh.run(ctx, cmdline)
		if !errors.Is(err, errShellBroken) {
			return out, err
		}
	}
	if c == shared {
		h.mu.Lock()
		h.ownMaster = true
		h.mu.Unlock()
	}
	out, err := h.opts.Commander.Output(ctx, nil, h.ssh.Argv(h.t, c, cmdline))
	return string(out), err
}

// end ends the host's connections: its shell, and a master an ssh
// command started.
func (h *host) end(ctx context.Context) {
	if h.sh != nil {
		h.sh.close()
	}
	if h.ownMaster || h.sh == nil {
		// A failed exit only means there is no master.
		_, _ = h.opts.Commander.Output(context.WithoutCancel(ctx), nil, h.ssh.ExitArgv(h.t))
	}
}

// step runs f as the named step, timing it and reporting start and end.
func (h *host) step(name string, f func() (string, error)) error {
	h.emit(name, "start", "")
	t0 := time.Now()
	msg, err := f()
	h.mu.Lock()
	h.res.Steps[name] = time.Since(t0)
	h.mu.Unlock()
	if err != nil {
		h.emit(name, "fail", err.Error())
		return err
	}
	h.emit(name, "ok", msg)
	return nil
}

// exitCode returns the exit status of a failed command, or -1.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	var se *shellExit
	if errors.As(err, &se) {
		return se.code
	}
	return -1
}

func newToken() string {
	b := make([]byte, 8)
	rand.Read(b)
	return time.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b)
}

// run deploys h.t. ctx cancelled before activation starts leaves the host
// untouched; once activation has started the host finishes or rolls back
// whatever ctx says.
func (h *host) run(ctx context.Context) {
	h.res.Started = time.Now()
	defer func() {
		h.res.Duration = time.Since(h.res.Started)
		msg := ""
		if h.res.Err != nil {
			msg = h.res.Err.Error()
		} else if h.res.Generation > 0 {
			msg = "generation " + strconv.Itoa(h.res.Generation)
		}
		h.emit("done", string(h.res.Outcome), msg)
	}()
	fail := func(o Outcome, err error) {
		h.res.Outcome, h.res.Err = o, err
	}
	t := h.t

	h.tune(ctx)
	t = h.t
	// One command logs in and asks what the host runs and whether it has
	// the closure: the connect and probe steps share its round trip.
	var before hostState
	var probed error
	if err := h.step("connect", func() (string, error) {
		h.sh = h.startShell(ctx)
		out, err := h.remote(ctx, shared, false, probeScript, t.Closure)
		if err != nil {
			return "", fmt.Errorf("connect to %s: %w", t.dest(), err)
		}
		before, probed = parseProbe(out)
		return t.dest(), nil
	}); err != nil {
		fail(Failed, err)
		return
	}
	if err := h.step("probe", func() (string, error) {
		if probed != nil {
			return "", fmt.Errorf("ask %s what it runs: %w", t.Machine, probed)
		}
		return "runs " + orNone(before.Current), nil
	}); err != nil {
		fail(Failed, err)
		return
	}
	h.res.Previous = before.Current
	if ctx.Err() != nil {
		fail(Cancelled, fmt.Errorf("not started: %w", context.Cause(ctx)))
		return
	}
	// Secrets go first, before the closure is copied or activated, so
	// that the new system finds its files; the closure never holds them.
	if len(t.Secrets) > 0 {
		if err := h.step("secrets", func() (string, error) {
			changes, msg, err := h.uploadSecrets(ctx)
			h.res.Secrets = changes
			return msg, err
		}); err != nil {
			fail(Failed, err)
			return
		}
	}
	if before.Current == t.Closure && before.Profile == t.Closure {
		if err := h.fixOwners(ctx, h.res.Secrets); err != nil {
			fail(Failed, err)
			return
		}
		if err := h.restartReaders(ctx, before.Systemd, h.res.Secrets); err != nil {
			fail(Failed, err)
			return
		}
		h.res.Outcome, h.res.Generation = Unchanged, before.Generation
		return
	}
	if ctx.Err() != nil {
		fail(Cancelled, fmt.Errorf("not started: %w", context.Cause(ctx)))
		return
	}
	if err := h.step("copy", func() (string, error) {
		// A closure the host has (a rollback, an earlier failed deploy)
		// is not copied again; a valid path's closure is valid too.
		if before.Have {
			return "already in the host's store", nil
		}
		return "", h.copy(ctx)
	}); err != nil {
		fail(Failed, err)
		return
	}
	if ctx.Err() != nil {
		fail(Cancelled, fmt.Errorf("copied, not activated: %w", context.Cause(ctx)))
		return
	}
	// From here on the host is changing: finish or roll back, whatever
	// happens to ctx. The watchdog covers a deployer that dies.
	ctx = context.WithoutCancel(ctx)

	token := newToken()
	if h.opts.Record != nil {
		r := *h.res
		r.Outcome, r.Duration = Activating, time.Since(h.res.Started)
		h.opts.Record(r)
	}
	err := h.step("activate", func() (string, error) {
		_, err := h.remote(ctx, shared, true, activateScript, t.Closure, token, seconds(h.opts.ConfirmTimeout), watchdogScript)
		if err != nil {
			return "", err
		}
		return "switch-to-configuration test; watchdog armed for " + seconds(h.opts.ConfirmTimeout) + " s", nil
	})
	if err != nil {
		switch exitCode(err) {
		case 11:
			fail(RolledBack, fmt.Errorf("activate on %s failed; switched back to %s: %w", t.Machine, orNone(before.Current), err))
		case 10:
			fail(Failed, fmt.Errorf("activate on %s: %w", t.Machine, err))
		default:
			// 12, or the connection dropped: the watchdog may or may not
			// be armed; say what the host runs if we can.
			fail(Unknown, fmt.Errorf("activate on %s: %w", t.Machine, err))
			h.verify(ctx, before.Current, time.Now().Add(h.opts.ConfirmTimeout))
		}
		return
	}

	// The watchdog counts from the activation's end; leave a second's
	// margin for the clocks of two processes. The confirmation's new
	// connection and the health checks over the master one are
	// independent: they run side by side, and finish waits for both.
	confirmBy := time.Now().Add(h.opts.ConfirmTimeout - time.Second)
	if !h.masterWork(before) {
		// Nothing runs over the master between the confirmation and
		// finish: the confirmation's command finishes too.
		h.confirmAndFinish(ctx, token, confirmBy, before)
		return
	}
	confirmed := make(chan error, 1)
	go func() {
		confirmed <- h.step("confirm", func() (string, error) {
			return "", h.confirm(ctx, token, confirmBy)
		})
	}()
	// Secrets whose owner the new system made get it, and the units that
	// read a changed secret restart, before the health checks look.
	sideErr := h.fixOwners(ctx, h.res.Secrets)
	if sideErr == nil {
		sideErr = h.restartReaders(ctx, before.Systemd, h.res.Secrets)
	}
	healthErr := sideErr
	if sideErr == nil {
		if err := h.step("health", func() (string, error) {
			return h.health(ctx, before)
		}); err != nil {
			healthErr = fmt.Errorf("health check on %s: %w", t.Machine, err)
		}
	}
	if err := <-confirmed; err != nil {
		fail(NotConfirmed, err)
		h.verify(ctx, before.Current, confirmBy)
		return
	}
	if healthErr != nil {
		h.rollback(ctx, before, healthErr)
		return
	}

	if err := h.step("finish", func() (string, error) {
		out, err := h.remote(ctx, shared, true, finishScript, h.finishArgs()...)
		if err != nil {
			return "", err
		}
		return h.finished(out), nil
	}); err != nil {
		h.rollback(ctx, before, fmt.Errorf("make %s the boot default on %s: %w", t.Closure, t.Machine, err))
		return
	}
	h.res.Outcome = Deployed
}

// masterWork reports whether anything runs over the master connection
// between activation and finish: health checks (systemd's state counts),
// secrets' owners or the restart of their readers.
func (h *host) masterWork(before hostState) bool {
	if before.Systemd || len(h.t.Checks) > 0 || len(readersToRestart(h.res.Secrets)) > 0 {
		return true
	}
	for _, c := range h.res.Secrets {
		if c.Owner == "pending" {
			return true
		}
	}
	return false
}

// finishArgs are finishScript's arguments.
func (h *host) finishArgs() []string {
	return []string{h.t.Closure, h.opts.FleetCommit, strconv.FormatInt(h.started.Unix(), 10),
		strconv.FormatFloat(time.Since(h.res.Started).Seconds(), 'f', 3, 64), h.opts.MetricsFile}
}

// finished takes the generation from finishScript's output and says what
// finish did.
func (h *host) finished(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "generation="); ok {
			h.res.Generation, _ = strconv.Atoi(v)
		}
	}
	return "system profile generation " + strconv.Itoa(h.res.Generation) + "; switch-to-configuration boot"
}

// confirmAndFinish confirms over a new connection, as confirm does, and
// finishes in the same command: one remote command and its round trips
// fewer when nothing else runs in between. Exit 1 is the watchdog's claim;
// finish's own failures (exit 20 and up) roll the host back as finish's
// do.
func (h *host) confirmAndFinish(ctx context.Context, token string, by time.Time, before hostState) {
	t := h.t
	h.emit("confirm", "start", "")
	t0 := time.Now()
	out, err := h.confirmCommand(ctx, by, confirmFinishScript, append([]string{token}, h.finishArgs()...)...)
	took := time.Since(t0)
	h.mu.Lock()
	h.res.Steps["confirm"] = took
	h.mu.Unlock()
	if err != nil && !afterClaim(err) {
		h.emit("confirm", "fail", err.Error())
		h.res.Outcome, h.res.Err = NotConfirmed, err
		h.verify(ctx, before.Current, by)
		return
	}
	h.emit("confirm", "ok", "")
	h.emit("finish", "start", "")
	if err != nil {
		h.emit("finish", "fail", err.Error())
		h.rollback(ctx, before, fmt.Errorf("make %s the boot default on %s: %w", t.Closure, t.Machine, err))
		return
	}
	h.emit("finish", "ok", h.finished(out)+" (in the confirmation's command)")
	h.res.Outcome = Deployed
}

func orNone(s string) string {
	if s == "" {
		return "no system"
	}
	return s
}

func (h *host) copy(ctx context.Context) error {
	opts, err := h.ssh.NixSSHOpts(h.t)
	if err != nil {
		return err
	}
	argv := []string{"nix", "--extra-experimental-features", "nix-command", "copy"}
	if h.opts.SubstituteOnDestination {
		argv = append(argv, "--substitute-on-destination")
	}
	argv = append(argv, "--to", "ssh://"+h.t.dest(), h.t.Closure)
	h.count(shared)
	if _, err := h.opts.Commander.Output(ctx, []string{"NIX_SSHOPTS=" + opts}, argv); err != nil {
		return fmt.Errorf("copy %s to %s: %w", h.t.Closure, h.t.Machine, err)
	}
	return nil
}

// confirm claims the watchdog's token over a new connection, trying again
// while connections fail (sshd may be restarting) until shortly before the
// watchdog acts.
func (h *host) confirm(ctx context.Context, token string, by time.Time) error {
	_, err := h.confirmCommand(ctx, by, confirmScript, token)
	return err
}

// afterClaim reports whether err is a confirmation command's failure
// after its claim: an exit status from 20 up that is not ssh's 255.
func afterClaim(err error) bool {
	c := exitCode(err)
	return c >= 20 && c != 255
}

// confirmCommand runs body (which starts with confirmScript) with args
// over new connections until one reaches the host. A command that
// reached it and failed with an exit status from 20 up is returned as it
// is (the body's own failure after the claim).
func (h *host) confirmCommand(ctx context.Context, by time.Time, body string, args ...string) (string, error) {
	var last error
	for {
		attempt, cancel := context.WithDeadline(ctx, by)
		out, err := h.remote(attempt, fresh, true, body, args...)
		cancel()
		if err == nil || afterClaim(err) {
			return out, err
		}
		last = err
		if exitCode(err) != 255 {
			// The host answered: the token is gone (the watchdog won).
			return "", fmt.Errorf("confirm on %s refused; the watchdog is switching it back: %w", h.t.Machine, err)
		}
		if time.Until(by) < 2*time.Second {
			return "", fmt.Errorf("no new connection to %s confirmed within %s; the host switches back by itself: %w", h.t.Machine, h.opts.ConfirmTimeout, last)
		}
		time.Sleep(time.Second)
	}
}

// verify waits until after the watchdog's deadline (if any) and reports
// what the host runs, over the master connection, which outlives sshd.
func (h *host) verify(ctx context.Context, prev string, deadline time.Time) {
	if !deadline.IsZero() {
		wait := time.Until(deadline) + 3*time.Second
		h.emit("rollback", "info", "waiting "+wait.Round(time.Second).String()+" for the host's watchdog")
		time.Sleep(wait)
	}
	// The watchdog's switch back takes as long as an activation: ask
	// until the host is back, for a while.
	var s hostState
	var err error
	for i := 0; i < 20; i++ {
		var out string
		out, err = h.remote(ctx, shared, true, probeScript)
		if err == nil {
			s, err = parseProbe(out)
		}
		if err == nil && s.Current == prev {
			break
		}
		time.Sleep(time.Second)
	}
	switch {
	case err != nil:
		h.emit("rollback", "fail", "cannot tell what the host runs: "+err.Error())
	case s.Current == prev:
		h.emit("rollback", "ok", "the host switched back to "+orNone(prev))
		if h.res.Outcome == Unknown {
			h.res.Outcome = RolledBack
		}
	default:
		h.emit("rollback", "fail", "the host runs "+orNone(s.Current)+", not "+orNone(prev))
		h.res.Outcome = Unknown
	}
}

// rollback switches the host back to before.Current at once (the profile
// is not changed before finish succeeds, and finish puts it back itself).
func (h *host) rollback(ctx context.Context, before hostState, cause error) {
	err := h.step("rollback", func() (string, error) {
		if _, err := h.remote(ctx, shared, true, switchBackScript, before.Current); err != nil {
			return "", err
		}
		return "switched back to " + orNone(before.Current), nil
	})
	if err != nil {
		h.res.Outcome, h.res.Err = Unknown, fmt.Errorf("%w; switching back failed too: %w", cause, err)
		return
	}
	h.res.Outcome, h.res.Err = RolledBack, cause
}

// health runs the systemd check (where systemd runs) and t's checks.
func (h *host) health(ctx context.Context, before hostState) (string, error) {
	var checks []Check
	if before.Systemd {
		checks = append(checks, Check{Name: "no newly failed systemd units", Command: failedUnitsCheck(before.Failed)})
	}
	checks = append(checks, h.t.Checks...)
	if len(checks) == 0 {
		return "no checks", nil
	}
	for _, c := range checks {
		body, err := c.script()
		if err != nil {
			return "", err
		}
		retries, interval := c.Retries, c.Interval
		if retries < 0 {
			retries = 0
		}
		if interval <= 0 {
			interval = DefaultCheckInterval
		}
		for i := 0; ; i++ {
			_, err = h.remote(ctx, shared, true, body)
			if err == nil {
				break
			}
			if exitCode(err) == 255 || i >= retries {
				return "", fmt.Errorf("%s: %w", c, err)
			}
			time.Sleep(interval)
		}
	}
	return strconv.Itoa(len(checks)) + " passed", nil
}

// failedUnitsCheck fails when a unit has failed that had not failed
// before the deploy.
func failedUnitsCheck(before []string) string {
	return Quote(append([]string{"sh", "-c", `
new=
for u in $(systemctl list-units --failed --no-legend --plain | while read -r u _; do echo "$u"; done); do
  case " $* " in *" $u "*) ;; *) new="$new $u" ;; esac
done
[ -z "$new" ] || { echo "failed units:$new" >&2; exit 1; }`, "sh"}, before...)...)
}
