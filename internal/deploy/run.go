package deploy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure one deploy run.
type Options struct {
	Commander Commander
	Progress  Progress
	SSH       SSH
	// Parallel is how many hosts deploy at once; 0 means all of a wave.
	Parallel int
	// Batch is the wave size: "N" hosts or "N%" of them; "" is one wave.
	Batch string
	// MaxFailures failed hosts stop the later waves; 0 never stops.
	MaxFailures int
	// ConfirmTimeout is the watchdog's wait for the confirmation.
	ConfirmTimeout          time.Duration
	SubstituteOnDestination bool
	// FleetCommit is recorded and put in the hosts' metrics.
	FleetCommit string
	// MetricsFile is the Prometheus textfile on each host; "" is
	// MetricsFile.
	MetricsFile string
	// Record, if set, is called as each host starts activating and as
	// it ends, so that records survive a deployer that dies mid-run. It
	// must be safe for concurrent use.
	Record func(HostResult)
}

// Defaults for Options.
const (
	DefaultConfirmTimeout = 30 * time.Second
	DefaultConnectTimeout = 10 * time.Second
	DefaultAliveInterval  = 5 * time.Second
)

// Waves splits n hosts into waves of batch ("N" or "N%"; "" is one wave).
func Waves(n int, batch string) ([][2]int, error) {
	size := n
	if batch != "" {
		var err error
		size, err = waveSize(n, batch)
		if err != nil {
			return nil, err
		}
	}
	var waves [][2]int
	for i := 0; i < n; i += size {
		waves = append(waves, [2]int{i, min(i+size, n)})
	}
	return waves, nil
}

func waveSize(n int, batch string) (int, error) {
	if p, ok := strings.CutSuffix(batch, "%"); ok {
		v, err := strconv.Atoi(p)
		if err != nil || v < 1 || v > 100 {
			return 0, fmt.Errorf("batch %q: want a percentage from 1%% to 100%%", batch)
		}
		// Round up, so that 10% of 5 hosts is a wave of 1, not 0.
		return max(1, (n*v+99)/100), nil
	}
	v, err := strconv.Atoi(batch)
	if err != nil || v < 1 {
		return 0, fmt.Errorf("batch %q: want a number of hosts (at least 1) or a percentage like 25%%", batch)
	}
	return v, nil
}

// Result is a run's outcome, one HostResult per target in order.
type Result struct {
	Hosts []HostResult
}

// Counts returns how many hosts ended on their closure and how many did
// not.
func (r Result) Counts() (ok, failed int) {
	for _, h := range r.Hosts {
		if h.Outcome.ok() {
			ok++
		} else {
			failed++
		}
	}
	return ok, failed
}

// Run deploys the targets. It returns an error only when it could not
// start; each host's failure is in its HostResult.
func Run(ctx context.Context, opts Options, targets []Target) (Result, error) {
	waves, err := Waves(len(targets), opts.Batch)
	if err != nil {
		return Result{}, err
	}
	if err := checkTargets(targets); err != nil {
		return Result{}, err
	}
	if opts.MetricsFile == "" {
		opts.MetricsFile = MetricsFile
	}
	if opts.ConfirmTimeout <= 0 {
		opts.ConfirmTimeout = DefaultConfirmTimeout
	}
	if opts.SSH.ConnectTimeout <= 0 {
		opts.SSH.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.SSH.ServerAliveInterval <= 0 {
		opts.SSH.ServerAliveInterval = DefaultAliveInterval
	}
	if opts.SSH.ControlPersist <= 0 {
		opts.SSH.ControlPersist = 10 * time.Minute
	}
	if opts.SSH.ControlDir == "" {
		// A short private directory: socket paths are limited to ~100
		// bytes, and NIX_SSHOPTS cannot carry white space.
		dir, err := os.MkdirTemp("/tmp", "shoal-ssh-")
		if err != nil {
			return Result{}, fmt.Errorf("ssh control directory: %w", err)
		}
		defer os.RemoveAll(dir)
		opts.SSH.ControlDir = dir
	}
	if opts.SSH.Fast {
		opts.SSH.defaults = &sshDefaults{}
	}
	res := Result{Hosts: make([]HostResult, len(targets))}
	for i, t := range targets {
		res.Hosts[i] = HostResult{Target: t, Outcome: Cancelled, Steps: map[string]time.Duration{}}
	}
	started := time.Now()
	failures := 0
	for _, w := range waves {
		if ctx.Err() != nil || (opts.MaxFailures > 0 && failures >= opts.MaxFailures) {
			reason := "not started: interrupted"
			if ctx.Err() == nil {
				reason = fmt.Sprintf("not started: %d hosts failed in earlier waves (--max-failures %d)", failures, opts.MaxFailures)
			}
			for i := w[0]; i < len(targets); i++ {
				res.Hosts[i].Err = errors.New(reason)
				if opts.Record != nil {
					opts.Record(res.Hosts[i])
				}
				opts.Progress.Event(Event{Time: time.Now().UTC(), Machine: targets[i].Machine, Step: "done", Status: string(Cancelled), Message: reason})
			}
			break
		}
		parallel := opts.Parallel
		if parallel <= 0 {
			parallel = w[1] - w[0]
		}
		sem := make(chan struct{}, parallel)
		var wg sync.WaitGroup
		for i := w[0]; i < w[1]; i++ {
			sem <- struct{}{}
			if ctx.Err() != nil {
				<-sem
				res.Hosts[i].Err = errors.New("not started: interrupted")
				if opts.Record != nil {
					opts.Record(res.Hosts[i])
				}
				opts.Progress.Event(Event{Time: time.Now().UTC(), Machine: targets[i].Machine, Step: "done", Status: string(Cancelled), Message: "not started: interrupted"})
				continue
			}
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				defer func() { <-sem }()
				h := &host{t: targets[i], opts: &opts, ssh: opts.SSH, started: started, res: &res.Hosts[i]}
				h.run(ctx)
				if opts.Record != nil {
					opts.Record(res.Hosts[i])
				}
				h.end(ctx)
			}(i)
		}
		wg.Wait()
		for i := w[0]; i < w[1]; i++ {
			if !res.Hosts[i].Outcome.ok() && res.Hosts[i].Outcome != Cancelled {
				failures++
			}
		}
	}
	return res, nil
}

// checkTargets rejects targets deploy cannot reach safely.
func checkTargets(targets []Target) error {
	seen := map[string]bool{}
	for _, t := range targets {
		switch {
		case seen[t.Machine]:
			return fmt.Errorf("machine %s is given twice", t.Machine)
		case t.Host == "" || strings.HasPrefix(t.Host, "-") || strings.ContainsAny(t.Host, " \t\n@/"):
			return fmt.Errorf("machine %s: %q is not a host ssh can reach", t.Machine, t.Host)
		case !strings.HasPrefix(t.Closure, "/nix/store/") || strings.ContainsAny(t.Closure, " \t\n'\"\\"):
			return fmt.Errorf("machine %s: %q is not a store path", t.Machine, t.Closure)
		case t.User != "" && t.User != "root" && t.Become == BecomeNone:
			return fmt.Errorf("machine %s: deploy user %s is not root; say how it becomes root (become = \"sudo\", \"doas\" or \"run0\")", t.Machine, t.User)
		case strings.HasPrefix(t.User, "-") || strings.ContainsAny(t.User, " \t\n@"):
			return fmt.Errorf("machine %s: %q is not a user name", t.Machine, t.User)
		}
		seen[t.Machine] = true
	}
	return nil
}
