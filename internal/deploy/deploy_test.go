package deploy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSSHOptions(t *testing.T) {
	s := SSH{ControlDir: "/tmp/shoal-ssh-1", ConnectTimeout: 5 * time.Second, ServerAliveInterval: 5 * time.Second, ControlPersist: time.Minute}
	tg := Target{Machine: "web1", Host: "192.0.2.1", Port: 2222}
	got := s.Argv(tg, shared, "true")
	want := []string{"ssh", "-oBatchMode=yes", "-oStrictHostKeyChecking=yes", "-oConnectTimeout=5", "-oServerAliveInterval=5",
		"-oServerAliveCountMax=3", "-oPort=2222", "-oControlMaster=auto", "-oControlPersist=60", "-oControlPath=/tmp/shoal-ssh-1/web1",
		"--", "root@192.0.2.1", "true"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Argv shared =\n%q\nwant\n%q", got, want)
	}
	// The confirmation opens a new connection: no master.
	fresh := strings.Join(s.Argv(tg, fresh, "true"), " ")
	if !strings.Contains(fresh, "-oControlMaster=no -oControlPath=none") || strings.Contains(fresh, "ControlPersist") {
		t.Errorf("Argv fresh = %s", fresh)
	}
	s.AcceptNewHostKeys = true
	if opts, _ := s.NixSSHOpts(tg); !strings.Contains(opts, "-oStrictHostKeyChecking=accept-new") || !strings.Contains(opts, "-oControlPath=/tmp/shoal-ssh-1/web1") {
		t.Errorf("NixSSHOpts = %s", opts)
	}
	s.ControlDir = "/tmp/with space"
	if _, err := s.NixSSHOpts(tg); err == nil {
		t.Error("NixSSHOpts took a control path with a space, which NIX_SSHOPTS splits")
	}
	if got := s.ExitArgv(tg); !reflect.DeepEqual(got, []string{"ssh", "-oControlPath=/tmp/with space/web1", "-O", "exit", "--", "root@192.0.2.1"}) {
		t.Errorf("ExitArgv = %q", got)
	}
}

func TestScriptBecomesRootOnlyWhenPrivileged(t *testing.T) {
	deployUser := Target{User: "deploy", Become: BecomeSudo}
	if got := script(deployUser, true, "id -u", "a b"); got != "sudo -n -- sh -c 'id -u' sh 'a b'" {
		t.Errorf("privileged script as deploy = %s", got)
	}
	if got := script(deployUser, false, "id -u"); got != "sh -c 'id -u' sh" {
		t.Errorf("unprivileged script as deploy = %s", got)
	}
	if got := script(Target{}, true, "id -u"); got != "sh -c 'id -u' sh" {
		t.Errorf("script as root = %s", got)
	}
	for become, want := range map[Become]string{
		BecomeSudo: "sudo -n -- sh -c x sh",
		BecomeDoas: "doas -n -- sh -c x sh",
		BecomeRun0: "run0 --no-ask-password -- sh -c x sh",
	} {
		if got := script(Target{User: "d", Become: become}, true, "x"); got != want {
			t.Errorf("%s script = %s, want %s", become, got, want)
		}
	}
	// The whole ssh command of a privileged step as a deploy user.
	s := SSH{ConnectTimeout: 5 * time.Second, ServerAliveInterval: 5 * time.Second}
	tg := Target{Machine: "web1", Host: "web1.example", User: "deploy", Become: BecomeDoas}
	got := strings.Join(s.Argv(tg, fresh, script(tg, true, `mkdir "/run/shoal/claim-$1"`, "TOKEN")), " ")
	want := "ssh -oBatchMode=yes -oStrictHostKeyChecking=yes -oConnectTimeout=5 -oServerAliveInterval=5 -oServerAliveCountMax=3 -oControlMaster=no -oControlPath=none -- deploy@web1.example doas -n -- sh -c 'mkdir \"/run/shoal/claim-$1\"' sh TOKEN"
	if got != want {
		t.Errorf("confirm as deploy with doas =\n%s\nwant\n%s", got, want)
	}
}

// TestScriptsRunAsRootThroughSudo runs a privileged step's command line
// through sh, with a sudo stand-in on PATH that records its arguments: the
// words sudo gets are the script and its arguments, unharmed.
func TestScriptsRunAsRootThroughSudo(t *testing.T) {
	bin := t.TempDir()
	log := filepath.Join(bin, "log")
	os.WriteFile(filepath.Join(bin, "sudo"), []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > "+log+"\nshift 2\nexec \"$@\"\n"), 0o755)
	line := script(Target{User: "deploy", Become: BecomeSudo}, true, `printf '%s|' "$@"`, "it's", "$HOME", "a b")
	cmd := exec.Command("sh", "-c", line)
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sh -c %s: %v", line, err)
	}
	if string(out) != "it's|$HOME|a b|" {
		t.Errorf("the script got %q", out)
	}
	if data, _ := os.ReadFile(log); !strings.HasPrefix(string(data), "-n\n--\nsh\n-c\n") {
		t.Errorf("sudo got %q", data)
	}
}

func TestWaves(t *testing.T) {
	for _, tc := range []struct {
		n     int
		batch string
		want  string
	}{
		{5, "", "[[0 5]]"},
		{5, "2", "[[0 2] [2 4] [4 5]]"},
		{5, "10%", "[[0 1] [1 2] [2 3] [3 4] [4 5]]"},
		{10, "50%", "[[0 5] [5 10]]"},
		{3, "100%", "[[0 3]]"},
		{0, "2", "[]"},
	} {
		got, err := Waves(tc.n, tc.batch)
		if err != nil || fmt.Sprint(got) != tc.want {
			t.Errorf("Waves(%d, %q) = %v, %v; want %s", tc.n, tc.batch, got, err, tc.want)
		}
	}
	for _, bad := range []string{"0", "-1", "x", "0%", "101%", "1.5"} {
		if _, err := Waves(4, bad); err == nil {
			t.Errorf("Waves(4, %q) took it", bad)
		}
	}
}

func TestCheckTargets(t *testing.T) {
	ok := Target{Machine: "a", Host: "a.example", Closure: "/nix/store/abc-x"}
	if err := checkTargets([]Target{ok}); err != nil {
		t.Errorf("good target: %v", err)
	}
	for name, tg := range map[string]Target{
		"host option":   {Machine: "a", Host: "-oProxyCommand=x", Closure: ok.Closure},
		"host with @":   {Machine: "a", Host: "u@h", Closure: ok.Closure},
		"not a store":   {Machine: "a", Host: "h", Closure: "/tmp/x"},
		"quote in path": {Machine: "a", Host: "h", Closure: "/nix/store/a'b"},
		"user, no root": {Machine: "a", Host: "h", Closure: ok.Closure, User: "deploy"},
	} {
		if err := checkTargets([]Target{tg}); err == nil {
			t.Errorf("%s: taken", name)
		}
	}
	if err := checkTargets([]Target{ok, ok}); err == nil {
		t.Error("a machine twice: taken")
	}
}

func TestParseProbe(t *testing.T) {
	s, err := parseProbe("current=/nix/store/a-sys\nprofile=/nix/store/b-sys\ngeneration=7\nsystemd=yes\nfailed=x.service y.service \n")
	if err != nil || s.Current != "/nix/store/a-sys" || s.Profile != "/nix/store/b-sys" || s.Generation != 7 || !s.Systemd || len(s.Failed) != 2 {
		t.Errorf("parseProbe = %+v, %v", s, err)
	}
	if _, err := parseProbe("Welcome to the host!\n"); err == nil {
		t.Error("parseProbe took a banner")
	}
}

// TestProbeScript runs the probe on this machine's sh: whatever the
// machine runs, every key is there.
func TestProbeScript(t *testing.T) {
	out, err := exec.Command("sh", "-c", probeScript).Output()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseProbe(string(out)); err != nil {
		t.Error(err)
	}
}

func TestRecordsAppendAndPrevious(t *testing.T) {
	dir := t.TempDir()
	at := func(m int) time.Time { return time.Date(2026, 1, 1, 0, m, 0, 0, time.UTC) }
	batches := [][]Record{
		{{Time: at(1), Machine: "a", Closure: "/nix/store/a1", Result: Deployed}, {Time: at(1), Machine: "b", Closure: "/nix/store/b1", Result: Deployed}},
		{{Time: at(2), Machine: "a", Closure: "/nix/store/a2", Result: Deployed}, {Time: at(2), Machine: "b", Closure: "/nix/store/b2", Result: RolledBack}},
		{{Time: at(3), Machine: "a", Closure: "/nix/store/a2", Result: Unchanged}},
	}
	for _, b := range batches {
		if err := AppendRecords(dir, b); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := ReadRecords(dir)
	if err != nil || len(recs) != 5 {
		t.Fatalf("ReadRecords = %d records, %v", len(recs), err)
	}
	latest := Latest(recs)
	if latest["a"].Closure != "/nix/store/a2" || latest["b"].Closure != "/nix/store/b1" {
		t.Errorf("Latest = %+v", latest)
	}
	prev := Previous(recs)
	if prev["a"].Closure != "/nix/store/a1" {
		t.Errorf("Previous a = %+v, want a1", prev["a"])
	}
	if _, ok := prev["b"]; ok {
		t.Errorf("Previous b = %+v; b never left b1", prev["b"])
	}
	// No temporary files are left beside the records.
	entries, _ := os.ReadDir(filepath.Join(dir, StateDir))
	if len(entries) != 1 {
		t.Errorf("state dir holds %d files, want the records only", len(entries))
	}
	// A damaged line is reported with its line number.
	os.WriteFile(filepath.Join(dir, StateDir, RecordFile), []byte("{}\n{oops\n"), 0o644)
	if _, err := ReadRecords(dir); err == nil || !strings.Contains(err.Error(), ":2:") {
		t.Errorf("ReadRecords of a damaged file: %v", err)
	}
}

func TestLockNamesItsHolder(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir, "shoal deploy")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(dir, "shoal deploy")
	var le *LockedError
	if !errors.As(err, &le) || le.Holder.PID != os.Getpid() || le.Holder.User == "" {
		t.Fatalf("second Acquire = %v, want a LockedError naming pid %d", err, os.Getpid())
	}
	if !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Errorf("message %q does not name the pid", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := Acquire(dir, "shoal deploy")
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	l2.Release()
}

func TestPlainAndJSONProgress(t *testing.T) {
	e := Event{Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Machine: "web1", Step: "copy", Status: "fail", Message: "line one\nline two\n"}
	if got := renderPlain(e); got != "[web1] copy: fail: line one\n    line two" {
		t.Errorf("renderPlain = %q", got)
	}
	var b strings.Builder
	(&JSONProgress{W: &b}).Event(e)
	if b.String() != `{"time":"2026-01-01T00:00:00Z","machine":"web1","step":"copy","status":"fail","message":"line one\nline two\n"}`+"\n" {
		t.Errorf("JSON = %s", b.String())
	}
	b.Reset()
	p := &LiveProgress{W: &b, Machines: []string{"a", "bb"}}
	p.Event(Event{Machine: "bb", Step: "copy", Status: "start"})
	p.Event(Event{Machine: "a", Step: "done", Status: "deployed"})
	if want := "a   waiting\nbb  start   copy\n\x1b[2A\x1b[Ja   deployed done\nbb  start   copy\n"; b.String() != want {
		t.Errorf("live = %q, want %q", b.String(), want)
	}
}

// TestChecksOnLoopback runs the health check scripts here, against
// servers on loopback.
func TestChecksOnLoopback(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	mux.HandleFunc("/bad", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	srv := &http.Server{Handler: mux}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); wg.Wait() })
	port := ln.Addr().(*net.TCPAddr).Port
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()

	for _, tc := range []struct {
		c    Check
		pass bool
	}{
		{Check{TCP: port}, true},
		{Check{TCP: closedPort}, false},
		{Check{HTTP: "http://127.0.0.1:" + strconv.Itoa(port) + "/ok"}, true},
		{Check{HTTP: "http://127.0.0.1:" + strconv.Itoa(port) + "/bad"}, false},
		{Check{Command: "test 1 = 1"}, true},
		{Check{Command: "exit 3"}, false},
	} {
		body, err := tc.c.script()
		if err != nil {
			t.Fatalf("%s: %v", tc.c, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err = exec.CommandContext(ctx, "sh", "-c", body).Run()
		cancel()
		if (err == nil) != tc.pass {
			t.Errorf("%s: err %v, want pass %v", tc.c, err, tc.pass)
		}
	}
	for _, bad := range []Check{{HTTP: "https://x/"}, {TCP: 70000}, {}} {
		if _, err := bad.script(); err == nil {
			t.Errorf("%+v: script built", bad)
		}
	}
}

// TestRecordsOnePerHostPerDeploy: the record that ends a host's deploy
// replaces the activating record of that deploy, so the file grows by one
// line per host per deploy; an activating record that nothing ended (the
// deployer died) stays.
func TestRecordsOnePerHostPerDeploy(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 123456789, time.UTC)
	t1 := t0.Add(time.Minute)
	host := func(machine, closure string, started time.Time, o Outcome) HostResult {
		return HostResult{Target: Target{Machine: machine, Host: machine, Closure: closure}, Outcome: o, Started: started}
	}
	for _, h := range []HostResult{
		host("a", "/nix/store/a1", t0, Activating),
		host("b", "/nix/store/b1", t0, Activating),
		host("a", "/nix/store/a1", t0, Deployed),
		host("c", "/nix/store/c1", t0, Unchanged),
		host("a", "/nix/store/a2", t1, Activating),
		host("a", "/nix/store/a2", t1, RolledBack),
	} {
		if err := AppendRecords(dir, []Record{RecordOf(h, "", false)}); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := ReadRecords(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.Machine+" "+r.Closure+" "+string(r.Result))
	}
	want := []string{"b /nix/store/b1 activating", "a /nix/store/a1 deployed", "c /nix/store/c1 unchanged", "a /nix/store/a2 rolled-back"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("records =\n%q\nwant\n%q", got, want)
	}
}

// TestConfirmScriptClaims runs the confirmation's claim through sh in a
// scratch state directory: the deployer's first claim wins, its second
// attempt (after a dropped connection) knows it won, and a claim the
// watchdog made first is refused.
func TestConfirmScriptClaims(t *testing.T) {
	dir := t.TempDir()
	body := strings.ReplaceAll(confirmScript, stateDir, dir)
	claim := func(token string) error {
		return exec.Command("sh", "-c", body, "sh", token).Run()
	}
	if err := claim("a"); err != nil {
		t.Fatalf("first claim: %v", err)
	}
	if err := claim("a"); err != nil {
		t.Fatalf("the deployer's second attempt: %v, want success", err)
	}
	// The watchdog claims with a bare mkdir.
	if err := os.Mkdir(filepath.Join(dir, "claim-b"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := claim("b"); exitCode(err) != 1 {
		t.Fatalf("claim after the watchdog's: %v, want exit status 1", err)
	}
}
