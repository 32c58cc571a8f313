package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/crypto/bcrypt"

	"github.com/shoal-nix/shoal/internal/lab"
	"github.com/shoal-nix/shoal/internal/runner"
)

var update = flag.Bool("update", false, "rewrite the expected files in testdata/script/*.txtar with what shoal prints now")

// statusFileVar names the file where the shoal command of the scripts
// records its exit status, for the status command to check.
const statusFileVar = "SHOAL_TEST_STATUS_FILE"

// TestMain makes the test binary double as shoal: testscript copies it
// onto the scripts' PATH under that name, and a run of it as shoal runs
// Main in that process, which is this package built for the test (so its
// coverage counts).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"shoal": func() {
			code := Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
			if f := os.Getenv(statusFileVar); f != "" {
				if err := appendStatus(f, code); err != nil {
					fmt.Fprintf(os.Stderr, "shoal test harness: %v\n", err)
					os.Exit(125)
				}
			}
			os.Exit(code)
		},
	})
}

// TestScripts runs each command's script in testdata/script. The
// scripts run shoal as a user would, with `exec shoal`, and assert its
// stdout, stderr and, with status, its exit status; -update rewrites
// the expected files a cmp compares with.
//
// Each script's $WORK starts with a copy of examples/homelab as homelab/,
// and $SHOALBIN is a directory holding shoal and nothing else. Beyond
// testscript's own, scripts have:
//
//	status N     the last exec shoal exited with status N. A script that
//	             lets a non-zero status pass without it fails.
//	[nix]        nix-instantiate is on PATH (under CI=true a missing one
//	             fails the script instead of skipping it).
//	[lab]        a lab can run here: root, iproute2, openssh and nix (under
//	             CI=true, fails instead of skipping). $LABNAME is a lab
//	             name of the script's own; a lab left in $WORK/lab is
//	             torn down when the script ends. $LABNIXPKGS is the lab
//	             stand-in for nixpkgs (testdata/lab-nixpkgs).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup:               setupScript,
		Cmds:                map[string]func(ts *testscript.TestScript, neg bool, args []string){"status": cmdStatus, "htpasswd-login": cmdHtpasswdLogin},
		Condition:           scriptCondition,
	})
}

func setupScript(env *testscript.Env) error {
	if err := os.CopyFS(filepath.Join(env.WorkDir, "homelab"), os.DirFS(homelab)); err != nil {
		return err
	}
	// The status file lives outside $WORK, so scripts see only their files.
	dir, err := os.MkdirTemp("", "shoal-script-status-")
	if err != nil {
		return err
	}
	// $SHOALBIN is the directory of shoal alone, for a PATH without nix.
	bin, err := exec.LookPath("shoal")
	if err != nil {
		return err
	}
	env.Setenv("SHOALBIN", filepath.Dir(bin))
	suffix := make([]byte, 3)
	rand.Read(suffix)
	env.Setenv("LABNAME", "s"+hex.EncodeToString(suffix))
	standIn, err := filepath.Abs(filepath.Join("..", "..", "testdata", "lab-nixpkgs"))
	if err != nil {
		return err
	}
	env.Setenv("LABNIXPKGS", standIn)
	// $FLAKEPARTS and $FLAKEPARTSLIB are the unmodified copies of
	// flake-parts and its nixpkgs-lib input in ../shared/data beside the
	// clone ([flakeparts]): the default flake layout's input, offline.
	if parts, lib, err := flakePartsDirs(); err == nil {
		env.Setenv("FLAKEPARTS", parts)
		env.Setenv("FLAKEPARTSLIB", lib)
	}
	labDir := filepath.Join(env.WorkDir, "lab")
	env.Defer(func() {
		if _, err := os.Stat(filepath.Join(labDir, lab.StateFile)); err == nil {
			lab.Down(context.Background(), labDir, "", &runner.Runner{}, io.Discard)
		}
	})
	file := filepath.Join(dir, "status")
	env.Setenv(statusFileVar, file)
	env.Values[statusFileVar] = file
	t := env.T()
	env.Defer(func() {
		codes, err := readStatus(file)
		os.RemoveAll(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range codes {
			if c != ExitOK {
				t.Fatal(fmt.Sprintf("shoal exited with status %d and the script does not check it: add status %d after it", c, c))
			}
		}
	})
	return nil
}

// cmdStatus checks the exit status of the last exec shoal, and forgets
// the statuses recorded so far.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: status N")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	file := ts.Value(statusFileVar).(string)
	codes, err := readStatus(file)
	ts.Check(err)
	if len(codes) == 0 {
		ts.Fatalf("status: shoal has not run since the last status")
	}
	ts.Check(os.Remove(file))
	if got := codes[len(codes)-1]; got != want {
		ts.Fatalf("shoal exited with status %d, want %d", got, want)
	}
}

func scriptCondition(cond string) (bool, error) {
	switch cond {
	case "nix":
		_, err := exec.LookPath("nix-instantiate")
		if err != nil && os.Getenv("CI") == "true" {
			return false, fmt.Errorf("nix-instantiate is not on PATH but CI=true: .ci/run must install nix-bin (%v)", err)
		}
		return err == nil, nil
	case "flakeparts":
		_, _, err := flakePartsDirs()
		if err != nil && os.Getenv("CI") == "true" {
			if _, serr := os.Stat(sharedDir); serr == nil {
				return false, fmt.Errorf("CI=true and %s exists, but the flake-parts layout cannot be evaluated: %v", sharedDir, err)
			}
		}
		return err == nil, nil
	case "lab":
		_, err := lab.Preflight(lab.SystemEnv(), true)
		if err != nil && os.Getenv("CI") == "true" {
			return false, fmt.Errorf("CI=true must run the lab scripts: %v", err)
		}
		return err == nil, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

// sharedDir is shared/ beside the repository (../shared from the root of
// the clone); the package directory is internal/cli.
var sharedDir = filepath.Join("..", "..", "..", "shared")

// flakePartsDirs finds the copies of flake-parts and nixpkgs-lib in
// shared/data (NIXPKGS_LIB names another nixpkgs-lib), as absolute paths.
func flakePartsDirs() (parts, lib string, err error) {
	parts, err = filepath.Abs(filepath.Join(sharedDir, "data", "flake-parts"))
	if err != nil {
		return "", "", err
	}
	lib = os.Getenv("NIXPKGS_LIB")
	if lib == "" {
		lib = filepath.Join(sharedDir, "data", "nixpkgs-lib")
	}
	if lib, err = filepath.Abs(lib); err != nil {
		return "", "", err
	}
	for _, dir := range []string{parts, lib} {
		if _, err := os.Stat(filepath.Join(dir, "flake.nix")); err != nil {
			return "", "", fmt.Errorf("no flake-parts and nixpkgs-lib: %w", err)
		}
	}
	return parts, lib, nil
}

func appendStatus(file string, code int) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintln(f, code); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readStatus reads the statuses appendStatus recorded; none if the file
// does not exist.
func readStatus(file string) ([]int, error) {
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var codes []int
	for _, f := range strings.Fields(string(data)) {
		c, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		codes = append(codes, c)
	}
	return codes, nil
}

// cmdHtpasswdLogin checks that USER logs in with the password of the
// restic environment file ENVFILE (its RESTIC_REST_PASSWORD= line) against
// the htpasswd file HTPASSWD, as restic's REST server checks a login:
// bcrypt.CompareHashAndPassword of the user's line.
//
//	htpasswd-login HTPASSWD USER ENVFILE
func cmdHtpasswdLogin(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: htpasswd-login HTPASSWD USER ENVFILE")
	}
	pw := ""
	for _, line := range strings.Split(ts.ReadFile(args[2]), "\n") {
		if v, ok := strings.CutPrefix(line, "RESTIC_REST_PASSWORD="); ok {
			pw = v
		}
	}
	if pw == "" {
		ts.Fatalf("%s has no RESTIC_REST_PASSWORD line", args[2])
	}
	ok := false
	for _, line := range strings.Split(ts.ReadFile(args[0]), "\n") {
		if user, hash, found := strings.Cut(line, ":"); found && user == args[1] {
			ok = bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
		}
	}
	if ok == neg {
		ts.Fatalf("login of %s with the password of %s: %v, want %v", args[1], args[2], ok, !neg)
	}
}
