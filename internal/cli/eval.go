package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/runner"
)

func newEvalCommand(g *globals) *cobra.Command {
	var o genOptions
	cmd := &cobra.Command{
		Use:   "eval [FLEET]",
		Short: "Parse every generated and referenced Nix file with nix-instantiate",
		Long: `Eval generates the flake in a temporary directory and parses every
generated file, and every Nix file the fleet brings (machines' modules,
overlays, local features' module.nix), with nix-instantiate --parse. Errors
are reported at the file's position and, for generated files, at the place
in shoal.toml or the catalog that the file comes from. It needs nix
(Debian: apt-get install nix-bin); no nixpkgs is needed.

Exit status: 0 everything parses, 1 failure, 2 usage, 3 errors found.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runEval(cmd.Context(), g, o, argOr(args, 0))
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print diagnostics as JSON")
	return cmd
}

// nixErrorAt finds "at FILE:LINE:COL" in Nix 2.x error output.
var nixErrorAt = regexp.MustCompile(`at (/[^\n]*?):(\d+):(\d+)`)

func runEval(ctx context.Context, g *globals, o genOptions, fleetArg string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	tmp, err := os.MkdirTemp("", "shoal-eval-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	o.out = filepath.Join(tmp, "flake")
	x, err := generate(g, o, fleetArg)
	if err != nil {
		return err
	}
	_, fleetDir, _ := loadFleetDir(fleetArg)

	type job struct {
		file    string // as diagnostics name it
		disk    string // what nix reads
		fromGen bool
	}
	var jobs []job
	for _, f := range x.files {
		if !strings.HasSuffix(f.Path, ".nix") {
			continue
		}
		disk := filepath.Join(o.out, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(disk), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(disk, f.Data, 0o644); err != nil {
			return err
		}
		jobs = append(jobs, job{file: "(generated) " + f.Path, disk: disk, fromGen: true})
	}
	display := x.res.Fleet.File[:len(x.res.Fleet.File)-len(check.FleetFile)]
	for _, p := range userNixFiles(x.res) {
		jobs = append(jobs, job{file: display + p, disk: filepath.Join(fleetDir, filepath.FromSlash(p))})
	}

	home := filepath.Join(tmp, "home")
	r := &runner.Runner{Trace: g.traceWriter(), Env: []string{"HOME=" + home, "XDG_CACHE_HOME=" + filepath.Join(home, "cache"), "NIX_REMOTE=dummy://"}}
	var (
		mu    sync.Mutex
		diags diag.List
		wg    sync.WaitGroup
		sem   = make(chan struct{}, 4)
		fatal error
	)
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			_, err := r.Output(ctx, "nix-instantiate", "--parse", j.disk)
			if err == nil {
				return
			}
			var re *runner.Error
			mu.Lock()
			defer mu.Unlock()
			if !errors.As(err, &re) {
				if fatal == nil {
					fatal = err
				}
				return
			}
			d := diag.Diagnostic{Code: diag.CodeModuleParse, Severity: diag.Error, File: j.file}
			msg := strings.TrimSpace(strings.TrimPrefix(firstLine(re.Stderr), "error:"))
			if m := nixErrorAt.FindStringSubmatch(re.Stderr); m != nil {
				line, _ := strconv.Atoi(m[2])
				col, _ := strconv.Atoi(m[3])
				d = d.WithPos(diag.Pos{Line: line, Col: col, EndLine: line, EndCol: col + 1})
			}
			d.Summary = "nix cannot parse this file: " + msg
			if j.fromGen {
				d.Code = diag.CodeGeneratedParse
				d.Hint = "this is a bug in shoal's generator; please report it with the fleet file"
				file, p := generatedOrigin(x.res, strings.TrimPrefix(j.file, "(generated) "))
				if doc := x.res.Docs[file]; doc != nil {
					pos, _ := doc.Locate(p)
					d.Related = append(d.Related, diag.Related{Message: "generated from here", File: file, Path: p, Pos: pos})
				}
			}
			diags = append(diags, d)
		}()
	}
	wg.Wait()
	if fatal != nil {
		return fatal
	}
	diags.Sort()
	if o.json {
		if diags == nil {
			diags = diag.List{}
		}
		if err := writeJSON(g.stdout, map[string]any{"files": len(jobs), "diagnostics": diags}); err != nil {
			return err
		}
	} else {
		g.diagRenderer(g.stdout, nil).render(diags)
		fmt.Fprintf(g.stdout, "%d Nix files parsed with nix-instantiate: %s\n", len(jobs), summary(diags))
	}
	if diags.HasErrors() {
		return &exitError{code: ExitFleetError}
	}
	return nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// userNixFiles lists the Nix files the fleet brings, relative to its
// directory: machines' modules, overlays, local features' module.nix.
func userNixFiles(res *check.Result) []string {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		p = path.Clean(p)
		if !seen[p] && strings.HasSuffix(p, ".nix") {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, m := range res.Fleet.Machines {
		for _, mod := range m.Modules {
			add(mod.Value)
		}
	}
	for _, o := range res.Fleet.Overlays {
		add(o.Value)
	}
	for _, name := range res.Catalog.FeatureNames() {
		if f := res.Catalog.Features[name]; f.Local && f.Module != "" {
			add("features/" + name + "/module.nix")
		}
	}
	return out
}

// generatedOrigin maps a generated file to the place it comes from.
func generatedOrigin(res *check.Result, p string) (string, diag.Path) {
	parts := strings.Split(p, "/")
	switch {
	case len(parts) == 3 && parts[0] == "machines":
		return res.Fleet.File, diag.P("machines", parts[1])
	case len(parts) >= 3 && parts[0] == "modules" && parts[1] == "features":
		name := strings.TrimSuffix(parts[2], ".nix")
		if f := res.Catalog.Features[name]; f != nil {
			return f.File, nil
		}
	case p == "modules/security/hardening.nix":
		if f := res.Catalog.Features["hardening"]; f != nil {
			return f.File, nil
		}
	case len(parts) == 3 && parts[0] == "modules" && parts[1] == "profiles":
		if pr := res.Catalog.Profiles[strings.TrimSuffix(parts[2], ".nix")]; pr != nil {
			return pr.File, nil
		}
	}
	return res.Fleet.File, nil
}
