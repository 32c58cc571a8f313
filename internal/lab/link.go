package lab

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shoal-nix/shoal/internal/runner"
)

// hostIndex finds a host by name; its link is ctlDev(index+1).
func (l *Lab) hostIndex(name string) (int, error) {
	for i, h := range l.Hosts {
		if h.Name == name {
			return i, nil
		}
	}
	names := make([]string, len(l.Hosts))
	for i, h := range l.Hosts {
		names[i] = h.Name
	}
	return 0, fmt.Errorf("no host %q in the lab (hosts: %s)", name, strings.Join(names, ", "))
}

// SetLinkUp plugs host's link in (up) or pulls it out: while it is down,
// frames to and from the host are lost, so connections time out, as when
// a cable is pulled; connections survive if it comes back in time.
func (l *Lab) SetLinkUp(ctx context.Context, r *runner.Runner, host string, up bool) error {
	i, err := l.hostIndex(host)
	if err != nil {
		return err
	}
	state := "down"
	if up {
		state = "up"
	}
	if _, err := r.Output(ctx, "ip", "-n", l.Deployer.Namespace, "link", "set", ctlDev(i+1), state); err != nil {
		return fmt.Errorf("set the link of %s %s: %w", host, state, err)
	}
	l.Hosts[i].LinkDown = !up
	if err := l.save(); err != nil {
		return err
	}
	if up {
		return l.waitCarrier(ctx, r, i)
	}
	return nil
}

// waitCarrier waits, for a few seconds at most, until the bridge and host
// i's link have carrier again: right after a link comes back the
// bridge may still be without it, and a connection then fails at once
// with "No route to host", which is not what a plugged-in cable does.
func (l *Lab) waitCarrier(ctx context.Context, r *runner.Runner, i int) error {
	host := l.Hosts[i].Name
	quiet := &runner.Runner{Dir: r.Dir, Env: r.Env}
	// A neighbour entry that failed while the link was out would answer
	// the next connection with "No route to host" too: forget it.
	quiet.Output(ctx, "ip", "-n", l.Deployer.Namespace, "neigh", "flush", "to", l.Hosts[i].Address)
	for end := time.Now().Add(5 * time.Second); ; {
		ok := true
		for _, dev := range []string{bridgeDev, ctlDev(i + 1)} {
			out, err := quiet.Output(ctx, "ip", "-n", l.Deployer.Namespace, "-o", "link", "show", "dev", dev)
			if err != nil || strings.Contains(string(out), "NO-CARRIER") || !strings.Contains(string(out), "state UP") {
				ok = false
			}
		}
		if ok {
			return nil
		}
		if time.Now().After(end) {
			return fmt.Errorf("the link of %s is up, but has no carrier after 5 s", host)
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// SetRate limits both directions of host's link to rate; 0 lifts the limit.
func (l *Lab) SetRate(ctx context.Context, r *runner.Runner, host string, rate Rate) error {
	i, err := l.hostIndex(host)
	if err != nil {
		return err
	}
	h := l.Hosts[i]
	if rate == 0 && h.Rate == 0 {
		return nil
	}
	for _, end := range [][2]string{{h.Namespace, hostDev}, {l.Deployer.Namespace, ctlDev(i + 1)}} {
		// Deleting the tbf brings the device's default qdisc back.
		args := []string{"-n", end[0], "qdisc", "del", "dev", end[1], "root"}
		if rate > 0 {
			args = append([]string{"-n", end[0], "qdisc", "replace", "dev", end[1], "root"}, tbfArgs(rate)...)
		}
		if _, err := r.Output(ctx, "tc", args...); err != nil {
			return fmt.Errorf("set the rate of %s's link: %w", host, err)
		}
	}
	l.Hosts[i].Rate = rate
	return l.save()
}
