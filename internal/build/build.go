package build

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/shoal-nix/shoal/internal/runner"
)

// Options says what to build and how.
type Options struct {
	// Flake is the directory of the generated flake.
	Flake string
	// Machines are the machines to build, by name.
	Machines []string
	// Jobs is how many machines build at once; 0 computes it from the
	// available memory (see Jobs).
	Jobs int
	// Builders is Nix's remote builders specification (the builders
	// setting, e.g. "ssh://builder x86_64-linux"), or "" for Nix's own.
	Builders string
	// Cache is a Nix store URL (file://, ssh://, s3://, https://) that each
	// built closure is copied to, or "".
	Cache string
	// SignKey is a Nix secret key file that signs each closure before it
	// is copied to Cache, or "".
	SignKey string
	// Overrides replace flake inputs (--override-input).
	Overrides []Override
	// NixFlags are added to every nix command: --store URL, --option NAME
	// VALUE.
	NixFlags []string
	// Runner runs the nix commands; nil is a silent runner.
	Runner *runner.Runner
	// OnStart, when set, is told each machine's name as its build starts;
	// OnResult, when set, receives each machine's result as it finishes.
	// Both are called from one goroutine at a time.
	OnStart  func(machine string)
	OnResult func(Result)
}

// Result is one machine's build: its system closure for deploy, or why
// there is none.
type Result struct {
	Machine string
	// StorePath is the machine's toplevel,
	// /nix/store/HASH-nixos-system-NAME-VERSION; it has
	// bin/switch-to-configuration.
	StorePath string
	// DrvPath is the derivation that built it.
	DrvPath string
	// ClosureSize is the size of the closure of StorePath in bytes (nix
	// path-info --closure-size).
	ClosureSize int64
	// Cache is the store URL the closure was copied to, or "".
	Cache string
	// Duration is how long the machine took: build, size, copy.
	Duration time.Duration
	// Err is why the machine has no closure, or why it was not copied to
	// the cache (then StorePath is set).
	Err error
}

// OK reports whether the machine built (and reached the cache, if one was
// given).
func (r Result) OK() bool { return r.Err == nil && r.StorePath != "" }

// Run builds the machines, Jobs at once. The returned results are in the
// order of o.Machines; a machine that failed has Err set. The error is for
// what stopped the whole build: nix missing, a lock file that could not
// be written, the context cancelled (then machines that had not finished
// are left out of the results).
func Run(ctx context.Context, o Options) ([]Result, error) {
	if len(o.Machines) == 0 {
		return nil, errors.New("build: no machines")
	}
	r := o.Runner
	if r == nil {
		r = &runner.Runner{}
	}
	ref, err := FlakeRef(o.Flake)
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	// One command first: it fails fast when nix or its store cannot be
	// reached, and opens a new store (--store DIR) before parallel builds
	// would race to create it.
	if _, err := r.Output(ctx, Program, o.pingArgs()...); err != nil {
		var missing *runner.NotFoundError
		if errors.As(err, &missing) {
			return nil, err
		}
		return nil, fmt.Errorf("build: reach the Nix store: %w", nixError(err))
	}
	if err := lockOnce(ctx, r, &o, ref); err != nil {
		return nil, err
	}
	jobs := o.Jobs
	if jobs <= 0 {
		avail, err := MemAvailable()
		if err != nil {
			avail = 0 // one at a time
		}
		jobs = Jobs(avail, DefaultEvalMemory, len(o.Machines))
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu      sync.Mutex
		results = map[string]Result{}
		wg      sync.WaitGroup
		queue   = make(chan string)
	)
	for range min(jobs, len(o.Machines)) {
		wg.Go(func() {
			for m := range queue {
				if o.OnStart != nil {
					mu.Lock()
					o.OnStart(m)
					mu.Unlock()
				}
				res := machine(ctx, r, &o, ref, m)
				if errors.Is(res.Err, context.Canceled) || ctx.Err() != nil {
					continue // not a result: the build was stopped
				}
				var missing *runner.NotFoundError
				if errors.As(res.Err, &missing) {
					cancel(fmt.Errorf("build: %w", missing))
					continue
				}
				mu.Lock()
				results[m] = res
				if o.OnResult != nil {
					o.OnResult(res)
				}
				mu.Unlock()
			}
		})
	}
feed:
	for _, m := range o.Machines {
		select {
		case queue <- m:
		case <-ctx.Done():
			break feed
		}
	}
	close(queue)
	wg.Wait()
	out := make([]Result, 0, len(results))
	for _, m := range o.Machines {
		if res, ok := results[m]; ok {
			out = append(out, res)
		}
	}
	if ctx.Err() != nil {
		return out, context.Cause(ctx)
	}
	return out, nil
}

// lockOnce writes the flake's lock file when it has none and no input is
// overridden, so that the parallel builds find it written.
func lockOnce(ctx context.Context, r *runner.Runner, o *Options, ref string) error {
	if len(o.Overrides) > 0 {
		return nil
	}
	_, err := os.Stat(filepath.Join(o.Flake, "flake.lock"))
	if err == nil {
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("build: %w", err)
	}
	if _, err := r.Output(ctx, Program, o.lockArgs(ref)...); err != nil {
		return fmt.Errorf("build: lock the flake's inputs (%s has no flake.lock): %w", o.Flake, nixError(err))
	}
	return nil
}

// machine builds one machine, sizes its closure and copies it to the
// cache.
func machine(ctx context.Context, r *runner.Runner, o *Options, ref, name string) Result {
	start := time.Now()
	res := Result{Machine: name}
	finish := func(err error) Result {
		res.Err = err
		res.Duration = time.Since(start)
		return res
	}
	out, err := r.Output(ctx, Program, o.buildArgs(ref, name)...)
	if err != nil && evalCacheRace(err) {
		// Nix before 2.11 can read another evaluation's half-written
		// eval cache when several run at once, and then finds a present
		// attribute "unexpectedly missing": evaluate again without it.
		out, err = r.Output(ctx, Program, append(o.buildArgs(ref, name), "--no-eval-cache")...)
	}
	if err != nil {
		return finish(fmt.Errorf("build %s: %w", name, nixError(err)))
	}
	res.DrvPath, res.StorePath, err = parseBuildJSON(out)
	if err != nil {
		return finish(fmt.Errorf("build %s: nix build --json: %w", name, err))
	}
	out, err = r.Output(ctx, Program, o.pathInfoArgs(res.StorePath)...)
	if err != nil {
		return finish(fmt.Errorf("size the closure of %s: %w", name, nixError(err)))
	}
	if res.ClosureSize, err = parseClosureSize(out, res.StorePath); err != nil {
		return finish(fmt.Errorf("size the closure of %s: nix path-info --json: %w", name, err))
	}
	if o.Cache != "" {
		if o.SignKey != "" {
			if _, err := r.Output(ctx, Program, o.signArgs(res.StorePath)...); err != nil {
				return finish(fmt.Errorf("sign the closure of %s with %s: %w", name, o.SignKey, nixError(err)))
			}
		}
		if _, err := r.Output(ctx, Program, o.copyArgs(res.StorePath)...); err != nil {
			return finish(fmt.Errorf("copy the closure of %s to %s: %w", name, o.Cache, nixError(err)))
		}
		res.Cache = o.Cache
	}
	return finish(nil)
}

// evalCacheRace tells whether a failed nix build hit the eval cache race
// of Nix before 2.11 (NixOS/nix, fixed by 2.11): an attribute the flake has
// reported "unexpectedly missing".
func evalCacheRace(err error) bool {
	return strings.Contains(nixError(err).Error(), "is unexpectedly missing")
}

// parseBuildJSON reads what nix build --json prints for one installable:
// [{"drvPath": ..., "outputs": {"out": ...}}].
func parseBuildJSON(data []byte) (drv, out string, err error) {
	var built []struct {
		DrvPath string            `json:"drvPath"`
		Outputs map[string]string `json:"outputs"`
	}
	if err := json.Unmarshal(data, &built); err != nil {
		return "", "", err
	}
	if len(built) != 1 {
		return "", "", fmt.Errorf("%d results, want 1", len(built))
	}
	out = built[0].Outputs["out"]
	if !strings.HasPrefix(out, "/") {
		return "", "", fmt.Errorf("no out path in %s", strings.TrimSpace(string(data)))
	}
	return built[0].DrvPath, out, nil
}

// parseClosureSize reads the closure size of path from what nix path-info
// --json --closure-size prints: [{"path": ..., "closureSize": N}] (a list
// in Nix 2.8; an object keyed by path in later releases).
func parseClosureSize(data []byte, path string) (int64, error) {
	type info struct {
		Path        string `json:"path"`
		ClosureSize *int64 `json:"closureSize"`
	}
	var list []info
	if err := json.Unmarshal(data, &list); err != nil {
		var byPath map[string]info
		if err2 := json.Unmarshal(data, &byPath); err2 != nil {
			return 0, err
		}
		for p, i := range byPath {
			i.Path = p
			list = append(list, i)
		}
	}
	for _, i := range list {
		if i.Path == path && i.ClosureSize != nil {
			return *i.ClosureSize, nil
		}
	}
	return 0, fmt.Errorf("no closureSize of %s", path)
}

// NixError is a nix command that ran and failed, told by what nix said
// from its first error line on (the progress and warnings before it are
// left out; -x shows the command).
type NixError struct {
	Message string
	Err     *runner.Error
}

func (e *NixError) Error() string { return e.Message }

func (e *NixError) Unwrap() error { return e.Err }

// nixError makes a failed nix command's error a NixError; other errors
// are returned as they are.
func nixError(err error) error {
	var failed *runner.Error
	if !errors.As(err, &failed) {
		return err
	}
	lines := strings.Split(strings.TrimSpace(failed.Stderr), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "error:") {
			lines = lines[i:]
			break
		}
	}
	msg := strings.TrimSpace(strings.Join(lines, "\n"))
	if msg == "" {
		msg = "nix: " + failed.Err.Error()
	}
	return &NixError{Message: msg, Err: failed}
}
