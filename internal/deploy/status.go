package deploy

import (
	"context"
	"sync"
)

// HostStatus is what a host runs, beside what the records say it should.
type HostStatus struct {
	Machine    string `json:"machine"`
	Dest       string `json:"dest"`
	Running    string `json:"running"`
	Profile    string `json:"profile"`
	Generation int    `json:"generation,omitempty"`
	// Recorded is the closure of the machine's last successful record.
	Recorded string `json:"recorded,omitempty"`
	// State is in-sync, drift (running or profile differ from the
	// record), not-recorded or unreachable.
	State string `json:"state"`
	Error string `json:"error,omitempty"`
}

// Status asks every target's host (all at once) what it runs and
// compares it with latest, the last successful records.
func Status(ctx context.Context, opts Options, targets []Target, latest map[string]Record) []HostStatus {
	if opts.SSH.ConnectTimeout <= 0 {
		opts.SSH.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.SSH.ServerAliveInterval <= 0 {
		opts.SSH.ServerAliveInterval = DefaultAliveInterval
	}
	opts.SSH.ControlDir = ""
	out := make([]HostStatus, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := HostStatus{Machine: t.Machine, Dest: t.dest(), Recorded: latest[t.Machine].Closure}
			h := &host{t: t, opts: &opts, ssh: opts.SSH}
			o, err := h.remote(ctx, fresh, true, probeScript)
			var s hostState
			if err == nil {
				s, err = parseProbe(o)
			}
			switch {
			case err != nil:
				st.State, st.Error = "unreachable", err.Error()
			case st.Recorded == "":
				st.State = "not-recorded"
			case s.Current == st.Recorded && s.Profile == st.Recorded:
				st.State = "in-sync"
			default:
				st.State = "drift"
			}
			st.Running, st.Profile, st.Generation = s.Current, s.Profile, s.Generation
			out[i] = st
		}()
	}
	wg.Wait()
	return out
}
