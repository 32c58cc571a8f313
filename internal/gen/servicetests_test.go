package gen_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/shoal-nix/shoal/internal/gen"
)

// vmTestFleets are the fleets whose VM tests the contract tests read:
// together they have every fleet service, a load balancer over HTTP and
// one over TLS, and backups to the fleet's server.
var vmTestFleets = []string{"homelab", "public-edge", "services"}

// TestServiceTestsContract reads the testScript of each fleet service's
// VM test, as Nix evaluates it, and checks that it asserts what the
// service promises, on the nodes of the right roles: the monitoring server
// finds the agent's target up, a journal line from an agent is found in
// the log server, a backup client restores a file it backed up to the
// server with the same content, the load balancer serves each backend's
// page and fails over when one stops. It also checks that the test's copy
// of the wiring names no address of the fleet's machines (the test's
// network has none of them).
func TestServiceTestsContract(t *testing.T) {
	nix := requireNixInstantiate(t)
	seen := map[string]bool{}
	for _, name := range vmTestFleets {
		t.Run(name, func(t *testing.T) {
			rf := resolveFleet(t, os.DirFS(filepath.Join(goldenDir, name, "fleet")))
			files, err := gen.Generate(rf, gen.Options{})
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			writeFlake(t, out, files)
			services := generatedServiceTests(files)
			if len(services) == 0 {
				t.Fatal("no tests/services/*.nix")
			}
			byPath := map[string][]byte{}
			for _, f := range files {
				byPath[f.Path] = f.Data
			}
			var testFiles []string
			for _, svc := range services {
				testFiles = append(testFiles, "tests/services/"+svc+".nix")
			}
			scripts := evalTestScripts(t, nix, out, testFiles)
			for _, svc := range services {
				seen[svc] = true
				file := "tests/services/" + svc + ".nix"
				roles := testRoles(t, string(byPath[file]))
				script := scripts[file]
				checkScriptContract(t, svc, roles, script)
				checkPython(t, file, script)
				for p, data := range byPath {
					if !strings.HasPrefix(p, "tests/services/"+svc+"/") {
						continue
					}
					for _, m := range rf.Spec.Machines {
						hosts := []string{m.Address}
						for _, a := range m.Addresses {
							hosts = append(hosts, a.Host)
						}
						for _, h := range hosts {
							// A frontend's ACME certificate is named after its DNS name: not an address reached.
							data := bytes.ReplaceAll(data, []byte("/var/lib/acme/"+h+"/"), nil)
							data = bytes.ReplaceAll(data, []byte(`security.acme.certs."`+h+`"`), nil)
							if h != "" && !strings.HasPrefix(h, "192.168.1.") && bytes.Contains(data, []byte(h)) {
								t.Errorf("%s names %s's fleet address %s, which the test's network does not have", p, m.Name, h)
							}
						}
					}
				}
			}
		})
	}
	for _, svc := range []string{"backup", "load_balancer", "logs", "monitoring"} {
		if !seen[svc] {
			t.Errorf("no fleet of %v has a VM test of %s", vmTestFleets, svc)
		}
	}
}

// testRoles reads the "Nodes:" list of a service test's header: each
// role's nodes, in order.
func testRoles(t *testing.T, src string) map[string][]string {
	t.Helper()
	roles := map[string][]string{}
	for _, m := range regexp.MustCompile(`(?m)^#   - (\S+) \(([^)]*)\)$`).FindAllStringSubmatch(src, -1) {
		for _, r := range strings.Split(m[2], ", ") {
			roles[r] = append(roles[r], m[1])
		}
	}
	if len(roles) == 0 {
		t.Fatalf("the test's header lists no nodes:\n%s", src)
	}
	return roles
}

// checkScriptContract checks that script asserts what the service promises.
func checkScriptContract(t *testing.T, svc string, roles map[string][]string, script string) {
	t.Helper()
	has := func(what, pattern string) {
		t.Helper()
		if !regexp.MustCompile(pattern).MatchString(script) {
			t.Errorf("%s: the script does not assert that %s (no line matches %s):\n%s", svc, what, pattern, script)
		}
	}
	q := regexp.QuoteMeta
	switch svc {
	case "monitoring":
		server, agent := roles["server"][0], roles["agents"][0]
		has("the agent's node exporter runs", `(?m)^`+q(agent)+`\.wait_for_unit\("prometheus-node-exporter\.service"\)$`)
		has("the server finds the agent's target up in Prometheus's API",
			`(?m)^`+q(server)+`\.wait_until_succeeds\("curl -fsS -G http://127\.0\.0\.1:\d+/api/v1/query --data-urlencode 'query=up\{job=\\"node\\",machine=\\"`+q(agent)+`\\"\}' \| jq -e '\.data\.result\[0\]\.value\[1\] == \\"1\\"'", timeout=\d+\)$`)
	case "logs":
		server, agent := roles["server"][0], roles["agents"][0]
		m := regexp.MustCompile(`(?m)^` + q(agent) + `\.succeed\("echo '([^']+)' \| systemd-cat -t shoal-vm-test"\)$`).FindStringSubmatch(script)
		if m == nil {
			t.Errorf("logs: the script writes no journal line on the agent %s:\n%s", agent, script)
			return
		}
		has("the line arrives in the server's Loki",
			`(?m)^`+q(server)+`\.wait_until_succeeds\("curl -fsS -G http://127\.0\.0\.1:\d+/loki/api/v1/query_range --data-urlencode 'query=\{host=\\"[^"\\]+\\"\} \|= \\"`+q(m[1])+`\\"' \| jq -e '\.data\.result \| length > 0'", timeout=\d+\)$`)
	case "backup":
		client := roles["clients"][0]
		m := regexp.MustCompile(`(?m)^` + q(client) + `\.succeed\("mkdir -p '([^']+)'", "echo '([^']+)' > '([^']+)'"\)$`).FindStringSubmatch(script)
		if m == nil {
			t.Errorf("backup: the client %s writes no file to back up:\n%s", client, script)
			return
		}
		dir, content, file := m[1], m[2], m[3]
		has("the client backs up", `(?m)^`+q(client)+`\.succeed\("systemctl start restic-backups-shoal\.service"\)$`)
		has("the client loses the file", `(?m)^`+q(client)+`\.succeed\("rm -r '`+q(dir)+`'"\)$`)
		has("the client restores the file", `(?m)^`+q(client)+`\.succeed\("restic-shoal restore latest --target (\S+) --include '`+q(file)+`'"\)$`)
		has("the restored file has the content backed up", `(?m)^restored = `+q(client)+`\.succeed\("cat '\S+`+q(file)+`'"\)\nassert restored == "`+q(content)+`\\n"`)
		order := []string{"systemctl start restic-backups-shoal", "rm -r '" + dir, "restic-shoal restore", "assert restored"}
		last := -1
		for _, o := range order {
			i := strings.Index(script, o)
			if i < last {
				t.Errorf("backup: %q comes before the step it follows:\n%s", o, script)
			}
			last = i
		}
	case "load_balancer":
		frontend, backends := roles["frontends"][0], roles["backends"]
		for _, b := range backends {
			has("the balancer serves "+b+"'s page", `(?m)^`+q(frontend)+`\.wait_until_succeeds\("curl -fsS --max-time 5 (-k )?https?://127\.0\.0\.1:\d+/ \| grep -qxF 'shoal VM test: the page of `+q(b)+`'", timeout=\d+\)$`)
		}
		if len(backends) < 2 {
			t.Errorf("load_balancer: %d backends in the test, want two for the failover", len(backends))
			return
		}
		has("the first backend stops", `(?m)^`+q(backends[0])+`\.succeed\("systemctl stop shoal-vm-test-page\.service"\)$`)
		has("the balancer then serves the second's page only", `(?m)^`+q(frontend)+`\.wait_until_succeeds\("for i in 1 2 3 4 5 6; do curl -fsS --max-time 5 (-k )?https?://127\.0\.0\.1:\d+/ \| grep -qxF 'shoal VM test: the page of `+q(backends[1])+`' \|\| exit 1; done", timeout=\d+\)$`)
		if strings.Index(script, "systemctl stop shoal-vm-test-page") > strings.Index(script, "for i in 1 2 3 4 5 6") {
			t.Errorf("load_balancer: the failover is checked before the backend stops:\n%s", script)
		}
	default:
		t.Errorf("a VM test of %s, which this test does not know: add what it must assert", svc)
	}
}

// requireNixInstantiate returns the path of nix-instantiate, or skips
// (fails under CI=true, where .ci/run installs Nix).
func requireNixInstantiate(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("nix-instantiate")
	if err == nil {
		return bin
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("nix-instantiate is not on PATH but CI=true: .ci/run must install nix-bin (%v)", err)
	}
	t.Skipf("nix-instantiate is not on PATH, so the VM tests' scripts are not read as Nix evaluates them: %v", err)
	return ""
}

// evalTestScripts returns the testScript of each test file (relative to
// dir) as Nix evaluates it, with runNixOSTest returning its argument: one
// evaluation for them all.
func evalTestScripts(t *testing.T, nix, dir string, files []string) map[string]string {
	t.Helper()
	expr := "{\n"
	for _, f := range files {
		expr += fmt.Sprintf("  %q = (import ./%s { pkgs.testers.runNixOSTest = test: test; }).testScript;\n", f, f)
	}
	expr += "}"
	cmd := exec.CommandContext(t.Context(), nix, "--eval", "--strict", "--json", "-E", expr)
	cmd.Dir = dir
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "NIX_REMOTE=dummy://", "HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, "cache"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nix-instantiate --eval %s: %v\n%s", expr, err, stderr.String())
	}
	scripts := map[string]string{}
	if err := json.Unmarshal(out, &scripts); err != nil {
		t.Fatalf("testScripts of %v: %v\n%s", files, err, out)
	}
	return scripts
}

// checkPython checks that the script is Python the test driver can run:
// it parses, and calls only the driver's functions and the nodes'
// methods that NixOS tests use.
func checkPython(t *testing.T, file, script string) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Logf("no python3: %s's testScript is not parsed", file)
		return
	}
	cmd := exec.CommandContext(t.Context(), py, "-c", `
import ast, sys
tree = ast.parse(sys.stdin.read())
allowed = {"start_all", "wait_for_unit", "wait_for_open_port", "succeed", "fail", "wait_until_succeeds", "wait_until_fails", "shutdown", "crash", "systemctl"}
for node in ast.walk(tree):
    if isinstance(node, ast.Call):
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "?")
        if name not in allowed:
            sys.exit("calls " + name + ", not a function of NixOS's test driver")
`)
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s: the testScript is not Python the test driver runs: %v\n%s\n%s", file, err, out, script)
	}
}

// TestServiceTestsPlanned checks which fleets get which service tests:
// none for backups to a repository of the user's own, which the test's
// network cannot reach.
func TestServiceTestsPlanned(t *testing.T) {
	for name, want := range map[string][]string{
		"homelab":     {"backup", "logs", "monitoring"},
		"public-edge": {"backup", "load_balancer", "monitoring"},
		"services":    {"load_balancer", "logs", "monitoring"},
	} {
		files := generate(t, filepath.Join(goldenDir, name, "fleet"))
		if got := generatedServiceTests(files); !slices.Equal(got, want) {
			t.Errorf("%s: VM tests of %v, want %v", name, got, want)
		}
	}
}

// TestProfileTestsKeepTheirPromises reads each profile's VM test of the
// golden fleets: every promise its header lists heads lines of the
// script ("# promise: TEXT" and at least one assertion under it), and
// "everything NAME promises" is kept by NAME's promises, which the script
// checks too.
func TestProfileTestsKeepTheirPromises(t *testing.T) {
	nix := requireNixInstantiate(t)
	for _, name := range goldenFleets(t) {
		t.Run(name, func(t *testing.T) {
			files := generate(t, filepath.Join(goldenDir, name, "fleet"))
			out := t.TempDir()
			writeFlake(t, out, files)
			byPath := map[string]string{}
			for _, f := range files {
				byPath[f.Path] = string(f.Data)
			}
			promisesOf := map[string][]string{}
			for _, p := range generatedProfiles(files) {
				promisesOf[p] = headerPromises(byPath["tests/"+p+".nix"])
			}
			var testFiles []string
			for _, p := range generatedProfiles(files) {
				testFiles = append(testFiles, "tests/"+p+".nix")
			}
			scripts := evalTestScripts(t, nix, out, testFiles)
			for _, p := range generatedProfiles(files) {
				file := "tests/" + p + ".nix"
				script := scripts[file]
				checkPython(t, file, script)
				if strings.Contains(script, "raise Exception") {
					t.Errorf("%s: a promise without a check:\n%s", file, script)
				}
				lines := strings.Split(script, "\n")
				checked := func(promise string) bool {
					for i, l := range lines {
						if l == "# promise: "+promise {
							return i+1 < len(lines) && lines[i+1] != "" && !strings.HasPrefix(lines[i+1], "#")
						}
					}
					return false
				}
				if len(promisesOf[p]) == 0 {
					t.Errorf("%s: the header lists no promises", file)
				}
				for _, promise := range promisesOf[p] {
					parent, ok := strings.CutPrefix(promise, "everything ")
					if parent, ok2 := strings.CutSuffix(parent, " promises"); ok && ok2 {
						if len(promisesOf[parent]) == 0 {
							t.Errorf("%s: %q, but the fleet has no test of %s to say what it promises", file, promise, parent)
						}
						for _, pp := range promisesOf[parent] {
							if !strings.HasPrefix(pp, "everything ") && !checked(pp) {
								t.Errorf("%s: %q, but %s's %q is not checked", file, promise, parent, pp)
							}
						}
						continue
					}
					if !checked(promise) {
						t.Errorf("%s: the promise %q heads no assertion of the script:\n%s", file, promise, script)
					}
				}
			}
		})
	}
}

// headerPromises reads the promises a profile test's header lists.
func headerPromises(src string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^#   - (.+)$`).FindAllStringSubmatch(src, -1) {
		out = append(out, m[1])
	}
	return out
}
