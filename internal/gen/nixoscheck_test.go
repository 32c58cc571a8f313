package gen_test

// NixOS module-system check of the generated flake.
//
// Drop this file in as internal/gen/nixoscheck_test.go. It evaluates every
// generated machines/NAME/default.nix (with everything it imports) with
// nixpkgs' own lib.evalModules against declarations of the 4,406 indexed
// NixOS options, using shared/tools/nixos-check/check-modules.sh. Nothing is
// built; the pkgs given to modules is a stub that knows package NAMES only.
//
// What fails a machine (see nixosCheckProblems):
//   - evaluation errors: type errors (NixOS options and our own shoal.*
//     options), conflicting definitions, unknown pkgs.NAME, reading an option
//     that nothing defines, missing imports, syntax errors
//   - unknown options under prefixes the index covers (typos, with "did you
//     mean"), also inside submodules (users.users.<name>.isNormalUsr)
//   - read-only options set (system.nixos.release, ...)
//   - failed assertions (config.assertions, e.g. from modules/validation.nix)
//   - either-type check warnings (typeCheckWarnings)
//   - definitions under our OWN namespace ("shoal") that no option declares.
//     The checker has a freeform top level so that namespaces the index does
//     not cover are accepted; it lists them as "uncovered". A typo such as
//     shoal.features.ssh.enabel therefore comes back as ok=true with
//     uncovered=["shoal.features.ssh.enabel"], so the harness turns uncovered
//     paths under OwnPrefixes into failures. (Declaring the namespace as one
//     submodule-typed option, options.shoal = mkOption { type = submodule
//     {...}; }, makes such typos hard evaluation errors instead; both verified.)
// config.warnings and other evaluation warnings are logged (FailOnWarnings
// makes warnings fatal).
//
// Package names: the stub knows pkgs-from-index.txt + pkgs-common.txt (436
// names). The harness adds every name of
// internal/catalog/builtin/packages-verified.tsv (33 of them are not in the
// stub, e.g. distrobox, jujutsu, nvtopPackages.full) and opts.ExtraPkgs.
// Dotted names (python3Packages.foo) are fine. Packages added by an overlay
// (nixpkgs.overlays) are NOT seen by the stub: list them in ExtraPkgs.
//
// How it was run by hand (2026-11-26, as root, Nix 2.8.0 from Debian nix-bin,
// nixpkgs.lib snapshot de42d44212d207476489bce163375d8306a26d59):
//
//   # nixpkgs lib (search tool: fetch github:nix-community/nixpkgs.lib)
//   G=/work/.mirror/nix-community+nixpkgs.lib/repo
//   mkdir -p /work/nixpkgs-lib && git --git-dir=$G archive HEAD | tar -x -C /work/nixpkgs-lib
//   export NIXPKGS_LIB=/work/nixpkgs-lib    # (/work/nixpkgs-lib/lib works too)
//   # no daemon, no /nix: without NIX_REMOTE=dummy:// nix-instantiate as root
//   # creates /nix/store and /nix/var/nix/db on first use
//   export NIX_REMOTE=dummy:// HOME=$(mktemp -d)
//   /work/shared/tools/nixos-check/check-samples.sh        # 9/9 as samples/expected.txt
//   /work/shared/tools/nixos-check/check-modules.sh --json --literal-defaults \
//       --pkgs-file /tmp/verified-pkgs.txt --pkgs extra1,python3Packages.extra2 \
//       OUT/machines/NAME/default.nix
//   go test ./internal/gen -run NixOSCheck -v
//
// check-modules.sh --json prints (exit 0 ok, 1 findings):
//   {"ok": bool,
//    "unknownUnderCovered": [{"path": "services.openssh.portz", "suggest": ["services.openssh.ports"]}],
//    "readOnlySet": [{"path": "system.nixos.release", "files": ["/abs/file.nix"]}],
//    "failedAssertions": ["message", ...],
//    "warnings": ["config.warnings entry", ...],
//    "uncovered": ["services.postgresql", "shoal.features.ssh.enabel", ...],
//    "unchecked": ["systemd.sockets.foo", ...],
//    "typeCheckWarnings": ["..."], "evaluationWarnings": ["..."],
//    "counts": {"modules", "definedOptions", "unknownUnderCovered", "readOnlySet",
//               "failedAssertions", "warnings", "uncovered", "unchecked", "stubPackages"}}
// and on an evaluation error (exit 2): {"ok": false, "evalError": "error: ..."}.
// Exit 3 is a usage/setup error (message on stderr, nothing on stdout).
//
// Runtime: about 0.1-0.3 s of Nix evaluation per machine.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/gen"
)

// TestNixOSCheck generates the flake of every example (examples/*) and of
// every golden-test fleet, and checks every machine with the NixOS module system
// (nixpkgs' lib and the indexed option declarations).
func TestNixOSCheck(t *testing.T) {
	requireNixOSChecker(t) // skip early, before generating anything
	fleets := map[string]string{}
	examples, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*", "shoal.toml"))
	for _, toml := range examples {
		fleets[filepath.Base(filepath.Dir(toml))] = filepath.Dir(toml)
	}
	golden, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "gen", "*", "fleet"))
	for _, dir := range golden {
		fleets["gen-"+filepath.Base(filepath.Dir(dir))] = dir
	}
	for name, dir := range fleets {
		t.Run(name, func(t *testing.T) {
			outDir := generateForNixOSCheck(t, dir)
			machines := generatedMachines(t, outDir)
			if len(machines) == 0 {
				t.Fatalf("no machines/*/default.nix under %s", outDir)
			}
			for _, m := range machines {
				t.Run(m, func(t *testing.T) {
					t.Parallel()
					checkMachine(t, outDir, m)
				})
			}
			// The node of each profile's VM test is a NixOS machine too.
			tests, _ := filepath.Glob(filepath.Join(outDir, "tests", "*.nix"))
			for _, test := range tests {
				profile := strings.TrimSuffix(filepath.Base(test), ".nix")
				wrapper := "vm-test-nodes/" + profile + ".nix"
				src := "# The node of tests/" + profile + ".nix, as a module.\n" +
					"(import ../tests/" + profile + ".nix { pkgs.testers.runNixOSTest = test: test; }).nodes.machine\n"
				if err := os.MkdirAll(filepath.Join(outDir, "vm-test-nodes"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(outDir, filepath.FromSlash(wrapper)), []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
				t.Run("test-"+profile, func(t *testing.T) {
					t.Parallel()
					checkMachineWith(t, outDir, wrapper, nixosCheckOpts{ExtraModules: []string{testNodeModule(t)}})
				})
			}
			// So is each node of each fleet service's VM test.
			services, _ := filepath.Glob(filepath.Join(outDir, "tests", "services", "*.nix"))
			for _, test := range services {
				service := strings.TrimSuffix(filepath.Base(test), ".nix")
				src, err := os.ReadFile(test)
				if err != nil {
					t.Fatal(err)
				}
				nodes := serviceTestNode.FindAllStringSubmatch(string(src), -1)
				if len(nodes) == 0 {
					t.Errorf("tests/services/%s.nix has no nodes", service)
				}
				for _, n := range nodes {
					wrapper := "vm-test-nodes/service-" + service + "-" + strings.Trim(n[1], `"`) + ".nix"
					src := "# A node of tests/services/" + service + ".nix, as a module.\n" +
						"(import ../tests/services/" + service + ".nix { pkgs.testers.runNixOSTest = test: test; }).nodes." + n[1] + "\n"
					if err := os.MkdirAll(filepath.Join(outDir, "vm-test-nodes"), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(outDir, filepath.FromSlash(wrapper)), []byte(src), 0o644); err != nil {
						t.Fatal(err)
					}
					t.Run("service-"+service+"-"+n[1], func(t *testing.T) {
						t.Parallel()
						checkMachineWith(t, outDir, wrapper, nixosCheckOpts{ExtraModules: []string{testNodeModule(t)}})
					})
				}
			}
		})
	}
}

// generateForNixOSCheck copies a fleet directory to a temporary one and
// generates its flake there, as shoal gen does by default.
func generateForNixOSCheck(t *testing.T, fleetDir string) string {
	t.Helper()
	outDir := t.TempDir()
	if err := os.CopyFS(outDir, os.DirFS(fleetDir)); err != nil {
		t.Fatal(err)
	}
	res, err := check.Run(os.DirFS(outDir), ".", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Diags.HasErrors() {
		t.Fatalf("%s does not check: %v", fleetDir, res.Diags)
	}
	files, err := gen.Generate(res.Resolved, gen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		p := filepath.Join(outDir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return outDir
}

// TestNixOSCheckHarness proves that the harness catches each kind of finding,
// on a hand-made flake of the generated layout (no generator needed).
func TestNixOSCheckHarness(t *testing.T) {
	requireNixOSChecker(t)
	dir := t.TempDir()
	writeNixOSFixture(t, dir)
	cases := []struct {
		machine string
		want    string // substring of one problem; "" = no problems
	}{
		{"good", ""},
		{"typo-in-import", "unknown option services.openssh.permitRootLogn"},
		{"shoal-typo", "shoal.features.ssh.enabel"},
		{"shoal-type", "shoal.features.ssh.port"},
		{"assertion", "failed assertion: shoal: feature monitoring requires feature ssh"},
		{"readonly", "read-only option set: system.nixos.release"},
		{"unknown-pkg", "shoal-agent-nonexistent"},
	}
	for _, c := range cases {
		t.Run(c.machine, func(t *testing.T) {
			t.Parallel()
			res := runNixOSCheck(t, dir, c.machine, nixosCheckOpts{})
			probs := nixosCheckProblems(res, nixosCheckOpts{})
			joined := strings.Join(probs, "\n")
			switch {
			case c.want == "" && len(probs) > 0:
				t.Errorf("want no problems, got:\n%s", joined)
			case c.want != "" && !strings.Contains(joined, c.want):
				t.Errorf("want a problem containing %q, got (exit %d):\n%s", c.want, res.ExitCode, joined)
			}
		})
	}
	// --pkgs makes the unknown package known.
	res := runNixOSCheck(t, dir, "unknown-pkg", nixosCheckOpts{ExtraPkgs: []string{"shoal-agent-nonexistent"}})
	if probs := nixosCheckProblems(res, nixosCheckOpts{}); len(probs) > 0 {
		t.Errorf("unknown-pkg with ExtraPkgs: want no problems, got:\n%s", strings.Join(probs, "\n"))
	}
}

// ---------------------------------------------------------------- harness

// nixosCheckOpts tunes one check-modules.sh run.
type nixosCheckOpts struct {
	// ExtraPkgs are more pkgs attribute names for the stub (--pkgs), dotted
	// for nested sets: "python3Packages.requests".
	ExtraPkgs []string
	// ExtraModules are more module files evaluated with the machine (e.g. a
	// module setting _module.args for arguments the flake passes as specialArgs).
	ExtraModules []string
	// StrictDefaults turns off --literal-defaults. With it (the default here)
	// a module may read a NixOS option nobody sets (config.services.nginx.enable)
	// and gets the index's plain literal default, as on real NixOS; without it
	// such a read is an evaluation error.
	StrictDefaults bool
	// OwnPrefixes are namespaces our modules declare completely: an
	// "uncovered" (undeclared) definition under one is a failure. Default {"shoal"}.
	OwnPrefixes []string
	// FailOnWarnings makes config.warnings failures instead of log lines.
	FailOnWarnings bool
}

// nixosCheckReport is check-modules.sh --json's output.
type nixosCheckReport struct {
	OK                  bool   `json:"ok"`
	EvalError           string `json:"evalError"`
	UnknownUnderCovered []struct {
		Path    string   `json:"path"`
		Suggest []string `json:"suggest"`
	} `json:"unknownUnderCovered"`
	ReadOnlySet []struct {
		Path  string   `json:"path"`
		Files []string `json:"files"`
	} `json:"readOnlySet"`
	FailedAssertions   []string       `json:"failedAssertions"`
	Warnings           []string       `json:"warnings"`
	Uncovered          []string       `json:"uncovered"`
	Unchecked          []string       `json:"unchecked"`
	TypeCheckWarnings  []string       `json:"typeCheckWarnings"`
	EvaluationWarnings []string       `json:"evaluationWarnings"`
	Counts             map[string]int `json:"counts"`

	ExitCode int    `json:"-"` // 0 ok, 1 findings, 2 evaluation error
	Module   string `json:"-"` // the machine module checked
}

type nixosChecker struct {
	script   string // check-modules.sh
	lib      string // NIXPKGS_LIB, absolute
	pkgsFile string // names from packages-verified.tsv, or ""
}

// testNodeModule is the stand-in for what NixOS's test framework adds to
// a test node (testdata/nixos-test-node.nix), as an absolute path.
func testNodeModule(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", "nixos-test-node.nix"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sharedDir is shared/ beside the repository (../shared from the root of
// the clone), where the NixOS module checker and nixpkgs' lib live; the
// package directory is internal/gen.
var sharedDir = filepath.Join("..", "..", "..", "shared")

// requireNixOSChecker finds the checker, nixpkgs lib and nix-instantiate,
// or skips the test. NIXPKGS_LIB defaults to ../shared/data/nixpkgs-lib
// beside the clone. Under CI=true the check must run wherever shared/ is
// beside the clone: a missing part then fails the test instead of
// skipping it, so that CI never passes without the module check. Without
// shared/ (a clone elsewhere) there is nothing to run it with, and it skips.
func requireNixOSChecker(t *testing.T) *nixosChecker {
	t.Helper()
	_, err := os.Stat(sharedDir)
	mustRun := os.Getenv("CI") == "true" && err == nil
	skip := func(format string, args ...any) {
		t.Helper()
		if mustRun {
			t.Fatalf("CI=true and %s exists, but the NixOS module check cannot run: "+format, append([]any{sharedDir}, args...)...)
		}
		t.Skipf(format, args...)
	}
	lib := os.Getenv("NIXPKGS_LIB")
	if lib == "" {
		lib = filepath.Join(sharedDir, "data", "nixpkgs-lib")
		if _, err := os.Stat(lib); err != nil {
			skip("set NIXPKGS_LIB to an export of nix-community/nixpkgs.lib to run the NixOS module check (%s does not exist)", lib)
		}
	}
	lib, err = filepath.Abs(lib)
	if err != nil {
		t.Fatal(err)
	}
	if !fileExists(filepath.Join(lib, "lib", "default.nix")) && !fileExists(filepath.Join(lib, "default.nix")) {
		t.Fatalf("NIXPKGS_LIB=%s holds neither lib/default.nix nor default.nix; point it at an export of nix-community/nixpkgs.lib (the folder holding lib/, or lib itself)", lib)
	}
	// the package dir is internal/gen; shared/ sits beside the repo
	script, err := filepath.Abs(filepath.Join(sharedDir, "tools", "nixos-check", "check-modules.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if !fileExists(script) {
		skip("the NixOS module checker is not at %s (shared/tools/nixos-check beside the repo), so the NixOS module check is skipped", script)
	}
	if _, err := exec.LookPath("nix-instantiate"); err != nil {
		skip("nix-instantiate is not on PATH (apt-get install nix-bin), so the NixOS module check is skipped: %v", err)
	}
	return &nixosChecker{script: script, lib: lib, pkgsFile: verifiedPkgsFile(t)}
}

// verifiedPkgsFile writes the first column of the catalog's
// packages-verified.tsv, one name a line, for --pkgs-file.
func verifiedPkgsFile(t *testing.T) string {
	t.Helper()
	src := filepath.Join("..", "catalog", "builtin", "packages-verified.tsv")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Logf("no verified package list (%v); the stub knows only its own names", err)
		return ""
	}
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		names = append(names, strings.Fields(line)[0])
	}
	f := filepath.Join(t.TempDir(), "verified-pkgs.txt")
	if err := os.WriteFile(f, []byte(strings.Join(names, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// generatedMachines lists NAME for each outDir/machines/NAME/default.nix.
func generatedMachines(t *testing.T, outDir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(outDir, "machines", "*", "default.nix"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(filepath.Dir(f)))
	}
	sort.Strings(names)
	return names
}

// checkMachine checks outDir/machines/machine/default.nix and fails the test
// with the checker's findings.
func checkMachine(t *testing.T, outDir, machine string) {
	t.Helper()
	checkMachineWith(t, outDir, machine, nixosCheckOpts{})
}

func checkMachineWith(t *testing.T, outDir, machine string, opts nixosCheckOpts) {
	t.Helper()
	res := runNixOSCheck(t, outDir, machine, opts)
	if !opts.FailOnWarnings {
		for _, w := range res.Warnings {
			t.Logf("%s: warning: %s", machine, w)
		}
	}
	for _, w := range res.EvaluationWarnings {
		t.Logf("%s: evaluation warning: %s", machine, oneLine(w, 300))
	}
	if len(res.Uncovered) > 0 {
		t.Logf("%s: not checked (outside the options index's coverage): %s", machine, strings.Join(res.Uncovered, ", "))
	}
	if probs := nixosCheckProblems(res, opts); len(probs) > 0 {
		t.Errorf("NixOS module check of %s failed (check-modules.sh exit %d):\n  %s",
			res.Module, res.ExitCode, strings.Join(probs, "\n  "))
	}
}

// runNixOSCheck runs check-modules.sh --json on one machine and decodes its
// report. Setup problems (exit 3, no JSON, timeout) fail the test at once.
func runNixOSCheck(t *testing.T, outDir, machine string, opts nixosCheckOpts) nixosCheckReport {
	t.Helper()
	c := requireNixOSChecker(t)
	module := filepath.Join(outDir, "machines", machine, "default.nix")
	if strings.HasSuffix(machine, ".nix") {
		module = filepath.Join(outDir, filepath.FromSlash(machine)) // a module file, not a machine name
	}
	args := []string{c.script, "--json", "--lib", c.lib}
	if !opts.StrictDefaults {
		args = append(args, "--literal-defaults")
	}
	if c.pkgsFile != "" {
		args = append(args, "--pkgs-file", c.pkgsFile)
	}
	if len(opts.ExtraPkgs) > 0 {
		args = append(args, "--pkgs", strings.Join(opts.ExtraPkgs, ","))
	}
	args = append(args, "--", module)
	args = append(args, opts.ExtraModules...)

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", args...)
	// dummy:// store: no daemon, no store database, nothing written to /nix
	// (as root, the default store would create /nix/store and /nix/var/nix).
	// HOME and XDG point into a temp dir so Nix writes nothing outside it.
	home := t.TempDir()
	cmd.Env = append(os.Environ(),
		"NIXPKGS_LIB="+c.lib,
		"NIX_REMOTE=dummy://",
		"HOME="+home,
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_STATE_HOME="+filepath.Join(home, "state"),
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr) && ctx.Err() == nil:
		code = exitErr.ExitCode()
	default:
		t.Fatalf("bash %s: %v\n%s", strings.Join(args, " "), err, tailString(stderr.String(), 4000))
	}
	if code != 0 && code != 1 && code != 2 {
		t.Fatalf("check-modules.sh exit %d (setup error) for %s:\n%s%s", code, module,
			tailString(stderr.String(), 4000), tailString(stdout.String(), 2000))
	}
	var rep nixosCheckReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("decode check-modules.sh --json for %s (exit %d): %v\nstdout:\n%s\nstderr:\n%s", module, code, err,
			tailString(stdout.String(), 2000), tailString(stderr.String(), 2000))
	}
	rep.ExitCode, rep.Module = code, module
	return rep
}

// serviceTestNode finds the nodes of a fleet service's VM test: the
// name in each "  nodes.NAME =" line.
var serviceTestNode = regexp.MustCompile(`(?m)^  nodes\.("[^"]+"|[A-Za-z_][A-Za-z0-9_'-]*) =`)

var (
	reMissingAttr  = regexp.MustCompile(`attribute '([^']+)' missing`)
	reUndefinedVar = regexp.MustCompile(`undefined variable '([^']+)'`)
	reNoValue      = regexp.MustCompile("The option `([^']+)' was accessed but has no value defined")
)

// nixosCheckProblems turns a report into failure lines; none means OK.
func nixosCheckProblems(rep nixosCheckReport, opts nixosCheckOpts) []string {
	var out []string
	if rep.EvalError != "" {
		msg := "evaluation error:\n" + indent(tailString(rep.EvalError, 3000), "    ")
		if m := reMissingAttr.FindStringSubmatch(rep.EvalError); m != nil && strings.Contains(rep.EvalError, "pkgs.") {
			msg += fmt.Sprintf("\n    hint: pkgs.%s is not in the checker's package stub: a wrong package name in the generated module, or a real nixpkgs attribute to add to packages-verified.tsv / ExtraPkgs", m[1])
		}
		if m := reUndefinedVar.FindStringSubmatch(rep.EvalError); m != nil {
			msg += fmt.Sprintf("\n    hint: %q is undefined; inside `with pkgs; [ ... ]` that is an unknown package (see ExtraPkgs)", m[1])
		}
		if m := reNoValue.FindStringSubmatch(rep.EvalError); m != nil {
			msg += fmt.Sprintf("\n    hint: a module reads %s, which nothing defines and whose index default is not a plain literal; define it (lib.mkDefault) or do not read it", m[1])
		}
		out = append(out, msg)
	}
	for _, u := range rep.UnknownUnderCovered {
		s := "unknown option " + u.Path
		if len(u.Suggest) > 0 {
			s += " (did you mean " + strings.Join(u.Suggest, " or ") + "?)"
		}
		out = append(out, s)
	}
	for _, r := range rep.ReadOnlySet {
		out = append(out, fmt.Sprintf("read-only option set: %s (in %s)", r.Path, strings.Join(r.Files, ", ")))
	}
	for _, a := range rep.FailedAssertions {
		out = append(out, "failed assertion: "+a)
	}
	for _, w := range rep.TypeCheckWarnings {
		out = append(out, "type check: "+oneLine(w, 500))
	}
	own := opts.OwnPrefixes
	if own == nil {
		own = []string{"shoal"}
	}
	for _, p := range rep.Uncovered {
		for _, pre := range own {
			if p == pre || strings.HasPrefix(p, pre+".") {
				out = append(out, fmt.Sprintf("undeclared option under our own namespace %s: %s (no option declares it; a typo, or a setting modules/nixos does not declare)", pre, p))
				break
			}
		}
	}
	if opts.FailOnWarnings {
		for _, w := range rep.Warnings {
			out = append(out, "warning: "+w)
		}
	}
	if len(out) == 0 && (!rep.OK || rep.ExitCode != 0) {
		out = append(out, fmt.Sprintf("checker verdict not OK (exit %d) without a listed finding", rep.ExitCode))
	}
	return out
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func tailString(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}

func indent(s, pre string) string {
	return pre + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pre)
}

// ---------------------------------------------------------------- fixture

// writeNixOSFixture writes a small flake tree in the generated layout: an
// options module, a server profile, two features, validation, and one
// machine per kind of finding.
func writeNixOSFixture(t *testing.T, dir string) {
	t.Helper()
	files := map[string]string{
		"modules/nixos/default.nix": `{ lib, ... }:
{
  options.shoal.features = {
    ssh = {
      enable = lib.mkEnableOption "ssh";
      port = lib.mkOption { type = lib.types.port; default = 22; };
    };
    monitoring = {
      enable = lib.mkEnableOption "monitoring";
      port = lib.mkOption { type = lib.types.port; default = 9100; };
    };
  };
}
`,
		"modules/profiles/server.nix": `{ lib, pkgs, modulesPath, ... }:
{
  imports = [ (modulesPath + "/profiles/qemu-guest.nix") ];
  nixpkgs.hostPlatform = lib.mkDefault "x86_64-linux";
  nixpkgs.config.allowUnfree = true;
  nixpkgs.overlays = [ (final: prev: { }) ];
  networking.firewall.enable = true;
  environment.systemPackages = [ pkgs.htop ];
  system.stateVersion = "25.05";
  fileSystems."/" = { device = "/dev/vda"; fsType = "ext4"; };
  boot.loader.grub.devices = [ "/dev/vda" ];
}
`,
		"modules/features/ssh.nix": `{ config, lib, pkgs, ... }:
let cfg = config.shoal.features.ssh; in
{
  config = lib.mkIf cfg.enable {
    services.openssh = { enable = true; ports = [ cfg.port ]; settings.PasswordAuthentication = false; };
    environment.systemPackages = [ pkgs.mosh ];
  };
}
`,
		"modules/features/monitoring.nix": `{ config, lib, ... }:
let cfg = config.shoal.features.monitoring; in
{
  config = lib.mkIf cfg.enable {
    services.prometheus.exporters.node = { enable = true; port = cfg.port; openFirewall = true; };
  };
}
`,
		"modules/features/typo.nix": `{ ... }: { services.openssh.permitRootLogn = "no"; }
`,
		"modules/features/agent.nix": `{ pkgs, ... }: { environment.systemPackages = [ pkgs.shoal-agent-nonexistent ]; }
`,
		"modules/validation.nix": `{ config, lib, ... }:
let f = config.shoal.features; in
{
  assertions = [
    { assertion = f.monitoring.enable -> f.ssh.enable;
      message = "shoal: feature monitoring requires feature ssh (host ${config.networking.hostName})"; }
  ];
  # reads a NixOS option nobody sets: fine with --literal-defaults (the default here)
  warnings = lib.optional (config.services.nginx.enable && f.ssh.enable) "shoal: nginx and ssh";
}
`,
	}
	machine := func(name, extraImport, body string) {
		files["machines/"+name+"/default.nix"] = fmt.Sprintf(`{ config, lib, pkgs, ... }:
{
  imports = [
    ../../modules/nixos
    ../../modules/profiles/server.nix
    ../../modules/features/ssh.nix
    ../../modules/features/monitoring.nix
    %s
    ../../modules/validation.nix
  ];
  networking.hostName = %q;
  %s
}
`, extraImport, name, body)
	}
	machine("good", "", "shoal.features.ssh.enable = true; shoal.features.monitoring.enable = true;")
	machine("typo-in-import", "../../modules/features/typo.nix", "shoal.features.ssh.enable = true;")
	machine("shoal-typo", "", "shoal.features.ssh.enabel = true;")
	machine("shoal-type", "", "shoal.features.ssh.port = 70000;")
	machine("assertion", "", "shoal.features.monitoring.enable = true;")
	machine("readonly", "", `system.nixos.release = "24.05";`)
	machine("unknown-pkg", "../../modules/features/agent.nix", "")
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
