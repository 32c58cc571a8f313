package deploy

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"
)

// Session runs scripts on one host over the connection code deploy uses:
// strict host keys, BatchMode, the host's ControlMaster, every remote
// command one string built by Quote. Commands that read a host (shoal
// health, shoal backup) use it.
type Session struct {
	t    Target
	opts *Options
}

// Target is the host the session runs on.
func (s *Session) Target() Target { return s.t }

// Run runs the sh script body with args on the host, as root through the
// target's Become when privileged, and returns its standard output.
func (s *Session) Run(ctx context.Context, privileged bool, body string, args ...string) (string, error) {
	h := &host{t: s.t, opts: s.opts, ssh: s.opts.SSH}
	return h.remote(ctx, shared, privileged, body, args...)
}

// EachHost runs f for every target at once, each with a Session whose
// commands share one ControlMaster per host, and returns when all are
// done. Unset SSH timeouts take deploy's defaults.
func EachHost(ctx context.Context, opts Options, targets []Target, f func(ctx context.Context, i int, s *Session)) error {
	if opts.SSH.ConnectTimeout <= 0 {
		opts.SSH.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.SSH.ServerAliveInterval <= 0 {
		opts.SSH.ServerAliveInterval = DefaultAliveInterval
	}
	if opts.SSH.ControlPersist <= 0 {
		opts.SSH.ControlPersist = time.Minute
	}
	if opts.SSH.ControlDir == "" {
		// Short and private, as in Run.
		dir, err := os.MkdirTemp("/tmp", "shoal-ssh-")
		if err != nil {
			return fmt.Errorf("ssh control directory: %w", err)
		}
		defer os.RemoveAll(dir)
		opts.SSH.ControlDir = dir
	}
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(ctx, i, &Session{t: t, opts: &opts})
			// End the master; a failed exit only means there is none.
			_, _ = opts.Commander.Output(context.WithoutCancel(ctx), nil, opts.SSH.ExitArgv(t))
		}()
	}
	wg.Wait()
	return nil
}
