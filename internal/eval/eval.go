package eval

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/gen"
	"github.com/shoal-nix/shoal/internal/layout"
	"github.com/shoal-nix/shoal/internal/runner"
)

// Program is the Nix command eval runs.
const Program = "nix-instantiate"

// defaultJobs is how many nix-instantiate processes run at once.
const defaultJobs = 4

// Options says how to run Nix.
type Options struct {
	// Trace, when set, receives each command before it runs (-x).
	Trace io.Writer
	// Jobs is how many nix-instantiate processes run at once; 0 means 4.
	Jobs int
	// TempDir is where the temporary directory is made; "" is the
	// system's (TMPDIR).
	TempDir string
	// Keep keeps the temporary directory, for running the traced commands
	// again by hand; Report.WorkDir names it.
	Keep bool
}

// Report is what eval found.
type Report struct {
	Files int       // Nix files parsed
	Diags diag.List // one per file Nix cannot parse, sorted
	// WorkDir is the temporary directory, when Options.Keep kept it.
	WorkDir string
}

// Fleet parses the generated flake of a fleet that checked without
// errors, and the Nix files the fleet brings. dir is the fleet's
// directory on disk. The error is for what kept eval from running: Nix
// missing, the context cancelled, the temporary directory not writable.
func Fleet(ctx context.Context, res *check.Result, dir string, o Options) (rep *Report, err error) {
	if res.Resolved == nil {
		return nil, errors.New("eval: the fleet did not resolve")
	}
	tmp, err := os.MkdirTemp(o.TempDir, "shoal-eval-")
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	if !o.Keep {
		defer func() {
			if rmErr := os.RemoveAll(tmp); rmErr != nil && err == nil {
				err = fmt.Errorf("eval: remove the temporary directory: %w", rmErr)
			}
		}()
	}
	jobs, err := writeFlake(res, dir, tmp)
	if err != nil {
		return nil, err
	}
	r := &runner.Runner{Trace: o.Trace, Dir: tmp, Env: Env(tmp)}
	diags, err := parseAll(ctx, r, jobs, o.Jobs)
	if err != nil {
		return nil, err
	}
	locate(diags, res)
	diags.Sort()
	rep = &Report{Files: len(jobs), Diags: diags}
	if o.Keep {
		rep.WorkDir = tmp
	}
	return rep, nil
}

// Env is the environment eval gives Nix, with tmp as its home: no
// store, no daemon, no cache outside tmp.
func Env(tmp string) []string {
	home := filepath.Join(tmp, "home")
	return []string{"HOME=" + home, "XDG_CACHE_HOME=" + filepath.Join(home, ".cache"), "NIX_REMOTE=dummy://"}
}

// job is one file to parse.
type job struct {
	display string      // the file as diagnostics name it
	arg     string      // the file as Nix is given it
	origin  *gen.Origin // for a generated file, where it comes from
}

// writeFlake generates the flake into tmp/flake and lists the files to
// parse: the generated Nix files, then the fleet's own.
func writeFlake(res *check.Result, dir, tmp string) ([]job, error) {
	flakeDir := filepath.Join(tmp, "flake")
	src, err := relDir(flakeDir, dir)
	if err != nil {
		return nil, err
	}
	files, err := gen.Generate(res.Resolved, gen.Options{SourceDir: src})
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	var jobs []job
	for _, f := range files {
		if !strings.HasSuffix(f.Path, ".nix") {
			continue
		}
		disk := filepath.Join(flakeDir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(disk), 0o755); err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		if err := os.WriteFile(disk, f.Data, 0o644); err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		jobs = append(jobs, job{display: "(generated) " + f.Path, arg: "flake/" + f.Path, origin: &f.Origin})
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	prefix := strings.TrimSuffix(res.Fleet.File, check.FleetFile)
	for _, p := range FleetNixFiles(res) {
		jobs = append(jobs, job{display: prefix + p, arg: filepath.Join(absDir, filepath.FromSlash(p))})
	}
	return jobs, nil
}

// FleetNixFiles lists the Nix files the fleet brings, relative to its
// directory: what the flake imports (gen.References) and every local
// feature's module.nix, used or not.
func FleetNixFiles(res *check.Result) []string {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if !seen[p] && strings.HasSuffix(p, ".nix") {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range gen.References(res.Resolved) {
		add(p)
	}
	for _, name := range res.Catalog.FeatureNames() {
		if f := res.Catalog.Features[name]; f.Local && f.Module != "" {
			add(layout.LocalFeatureModule(name))
		}
	}
	return out
}

// relDir is dir as seen from the flake directory, slash-separated.
func relDir(flakeDir, dir string) (string, error) {
	a, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("eval: %w", err)
	}
	r, err := filepath.Rel(flakeDir, a)
	if err != nil {
		return "", fmt.Errorf("eval: the flake in %s cannot refer to the fleet in %s: %w", flakeDir, dir, err)
	}
	return path.Clean(filepath.ToSlash(r)), nil
}

// parseAll runs nix-instantiate --parse on every job, n at a time. The
// first error that is not a parse failure stops the others.
func parseAll(ctx context.Context, r *runner.Runner, jobs []job, n int) (diag.List, error) {
	if n <= 0 {
		n = defaultJobs
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu    sync.Mutex
		diags diag.List
		wg    sync.WaitGroup
		queue = make(chan job)
	)
	for range min(n, len(jobs)) {
		wg.Go(func() {
			for j := range queue {
				_, err := r.Output(ctx, Program, "--parse", j.arg)
				if err == nil {
					continue
				}
				var failed *runner.Error
				if !errors.As(err, &failed) {
					cancel(err)
					continue
				}
				d := diagnose(j, failed.Stderr)
				mu.Lock()
				diags = append(diags, d)
				mu.Unlock()
			}
		})
	}
feed:
	for _, j := range jobs {
		select {
		case queue <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(queue)
	wg.Wait()
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	return diags, nil
}
