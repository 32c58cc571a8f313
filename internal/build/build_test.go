package build

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-nix/shoal/internal/runner"
)

func TestParseMeminfo(t *testing.T) {
	const meminfo = "MemTotal:        8144604 kB\nMemFree:          512000 kB\nMemAvailable:    3145728 kB\nBuffers:           10240 kB\n"
	got, err := parseMeminfo(strings.NewReader(meminfo))
	if err != nil || got != 3<<30 {
		t.Errorf("parseMeminfo = %d, %v; want %d", got, err, 3<<30)
	}
	for _, bad := range []string{"MemTotal: 1 kB\n", "MemAvailable: x kB\n", "MemAvailable: 12 MB\n", ""} {
		if n, err := parseMeminfo(strings.NewReader(bad)); err == nil {
			t.Errorf("parseMeminfo(%q) = %d, want an error", bad, n)
		}
	}
}

func TestMemAvailableHere(t *testing.T) {
	if _, err := os.Stat(MeminfoFile); err != nil {
		t.Skipf("no %s here", MeminfoFile)
	}
	n, err := MemAvailable()
	if err != nil || n == 0 {
		t.Errorf("MemAvailable = %d, %v; want the kernel's figure", n, err)
	}
}

func TestJobs(t *testing.T) {
	const gib = 1 << 30
	for _, tc := range []struct {
		avail, per uint64
		machines   int
		want       int
	}{
		{0, DefaultEvalMemory, 5, 1},          // unknown or no memory: one at a time
		{gib, DefaultEvalMemory, 5, 1},        // less than one evaluation: still one
		{3 * gib, DefaultEvalMemory, 5, 1},    // 1.5 evaluations
		{4 * gib, DefaultEvalMemory, 5, 2},    //
		{64 * gib, DefaultEvalMemory, 5, 5},   // no more than the machines
		{64 * gib, DefaultEvalMemory, 40, 32}, //
		{8 * gib, 0, 10, 4},                   // 0 per evaluation is the default
		{8 * gib, gib, 10, 8},
		{8 * gib, gib, 0, 1},
	} {
		if got := Jobs(tc.avail, tc.per, tc.machines); got != tc.want {
			t.Errorf("Jobs(%d GiB, %d GiB each, %d machines) = %d, want %d", tc.avail/gib, tc.per/gib, tc.machines, got, tc.want)
		}
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 55760: "54.5 KiB", 3 << 20: "3.0 MiB", 5 << 30: "5.0 GiB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFlakeRefAndToplevel(t *testing.T) {
	ref, err := FlakeRef("/srv/my fleet#1")
	if err != nil || ref != "path:/srv/my%20fleet%231" {
		t.Errorf("FlakeRef = %q, %v", ref, err)
	}
	if got := Toplevel("web-1"); got != "nixosConfigurations.web-1.config.system.build.toplevel" {
		t.Errorf("Toplevel(web-1) = %q", got)
	}
	if got := Toplevel("1web"); got != `nixosConfigurations."1web".config.system.build.toplevel` {
		t.Errorf("Toplevel(1web) = %q", got)
	}
}

func TestCommandLines(t *testing.T) {
	o := &Options{
		Builders:  "ssh://b1 x86_64-linux - 4",
		Cache:     "s3://bucket?region=eu-west-1",
		Overrides: []Override{{"nixpkgs", "path:/src/lab-nixpkgs"}},
		NixFlags:  []string{"--store", "/tmp/s", "--option", "substituters", ""},
	}
	feat := "--extra-experimental-features 'nix-command flakes' "
	for _, tc := range []struct {
		got  []string
		want string
	}{
		{o.buildArgs("path:/f", "web"), feat + "build --json --no-link 'path:/f#nixosConfigurations.web.config.system.build.toplevel' --override-input nixpkgs path:/src/lab-nixpkgs --no-write-lock-file --option builders 'ssh://b1 x86_64-linux - 4' --store /tmp/s --option substituters ''"},
		{(&Options{}).buildArgs("path:/f", "web"), feat + "build --json --no-link 'path:/f#nixosConfigurations.web.config.system.build.toplevel'"},
		{o.pathInfoArgs("/nix/store/x-y"), feat + "path-info --json --closure-size /nix/store/x-y --store /tmp/s --option substituters ''"},
		{o.copyArgs("/nix/store/x-y"), feat + "copy --to 's3://bucket?region=eu-west-1' /nix/store/x-y --store /tmp/s --option substituters ''"},
		{o.lockArgs("path:/f"), feat + "flake lock path:/f --store /tmp/s --option substituters ''"},
		{o.pingArgs(), feat + "store ping --store /tmp/s --option substituters ''"},
	} {
		if got := runner.Quote(tc.got); got != tc.want {
			t.Errorf("command line\n got %s\nwant %s", got, tc.want)
		}
	}
}

func TestParseBuildJSON(t *testing.T) {
	drv, out, err := parseBuildJSON([]byte(`[{"drvPath":"/nix/store/a-x.drv","outputs":{"out":"/nix/store/b-x"}}]`))
	if err != nil || drv != "/nix/store/a-x.drv" || out != "/nix/store/b-x" {
		t.Errorf("parseBuildJSON = %q, %q, %v", drv, out, err)
	}
	for _, bad := range []string{``, `{}`, `[]`, `[{"outputs":{}}]`, `[{"outputs":{"out":"/a"}},{"outputs":{"out":"/b"}}]`} {
		if _, _, err := parseBuildJSON([]byte(bad)); err == nil {
			t.Errorf("parseBuildJSON(%q): want an error", bad)
		}
	}
}

func TestParseClosureSize(t *testing.T) {
	for _, data := range []string{
		`[{"path":"/nix/store/b-x","narSize":10,"closureSize":55760}]`, // Nix 2.8
		`{"/nix/store/b-x":{"narSize":10,"closureSize":55760}}`,        // later Nix
		`[{"path":"/nix/store/other","closureSize":1},{"path":"/nix/store/b-x","closureSize":55760}]`,
	} {
		if n, err := parseClosureSize([]byte(data), "/nix/store/b-x"); err != nil || n != 55760 {
			t.Errorf("parseClosureSize(%s) = %d, %v", data, n, err)
		}
	}
	for _, bad := range []string{`[]`, `[{"path":"/nix/store/b-x"}]`, `nope`} {
		if _, err := parseClosureSize([]byte(bad), "/nix/store/b-x"); err == nil {
			t.Errorf("parseClosureSize(%s): want an error", bad)
		}
	}
}

func TestResultsRoundTrip(t *testing.T) {
	in := []Result{
		{Machine: "web", StorePath: "/nix/store/b-nixos-system-web", DrvPath: "/nix/store/a.drv", ClosureSize: 1 << 20, Cache: "file:///c", Duration: 1500 * time.Millisecond},
		{Machine: "db", Err: errors.New("build db: nix: exit status 1"), Duration: time.Second},
	}
	var b strings.Builder
	for _, r := range in {
		if err := WriteResult(&b, r); err != nil {
			t.Fatal(err)
		}
	}
	if lines := strings.Count(b.String(), "\n"); lines != 2 {
		t.Fatalf("WriteResult wrote %d lines for 2 results:\n%s", lines, b.String())
	}
	if !strings.Contains(b.String(), `{"machine":"web","store_path":"/nix/store/b-nixos-system-web","drv_path":"/nix/store/a.drv","closure_size":1048576,"cache":"file:///c","seconds":1.5}`) {
		t.Errorf("WriteResult: unexpected JSON:\n%s", b.String())
	}
	array := "[" + strings.Join(strings.Split(strings.TrimSpace(b.String()), "\n"), ",\n") + "]"
	for _, text := range []string{b.String(), "\n" + b.String() + "\n\n", array} {
		out, err := ReadResults(strings.NewReader(text))
		if err != nil {
			t.Fatalf("ReadResults: %v", err)
		}
		if len(out) != 2 || out[0].Machine != "web" || out[0].StorePath != in[0].StorePath || out[0].ClosureSize != 1<<20 ||
			out[0].Duration != in[0].Duration || out[0].Err != nil || out[1].Err == nil || out[1].Err.Error() != in[1].Err.Error() || out[1].OK() {
			t.Errorf("ReadResults(%q) = %+v", text, out)
		}
	}
	for _, bad := range []string{
		`{"machine":""}`,
		`{"machine":"a","store_path":"/nix/store/x"}` + "\n" + `{"machine":"a","store_path":"/nix/store/y"}`,
		`{"machine":"a"}`,
		`{"machine":"a","store_path":"relative"}`,
		`not json`,
	} {
		if _, err := ReadResults(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadResults(%q): want an error", bad)
		}
	}
}

// fakeNix is a stand-in for nix, for the scheduling tests only: build
// prints a result for the machine named in the installable after waiting
// for WAITFOR builds to have started (a barrier: with WAITFOR at the
// number of jobs, that many must run at once, shown without timing); it
// records the most builds it saw running.
const fakeNix = `#!/bin/sh
dir=$FAKE_NIX_DIR
case "$3" in
build)
	m=${6#*#nixosConfigurations.}; m=${m%%.*}
	case "$m" in fail*) echo "error: $m does not evaluate" >&2; exit 1 ;; esac
	touch "$dir/running.$m" "$dir/started.$m"
	n=$(ls "$dir" | grep -c '^running\.')
	max=$(cat "$dir/max" 2>/dev/null || echo 0)
	[ "$n" -gt "$max" ] && echo "$n" > "$dir/max"
	i=0
	while [ "$(ls "$dir" | grep -c '^started\.')" -lt "$WAITFOR" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
	[ -n "$SLEEP" ] && { echo $$ > "$dir/pid.$m"; sleep "$SLEEP"; }
	sleep 0.1
	rm "$dir/running.$m"
	echo "[{\"drvPath\":\"/nix/store/d-$m.drv\",\"outputs\":{\"out\":\"/nix/store/h-nixos-system-$m\"}}]" ;;
path-info) echo "[{\"path\":\"$6\",\"closureSize\":4096}]" ;;
copy) echo "$5 $6" >> "$dir/copied" ;;
flake) echo lock >> "$dir/locked" ;;
store) echo "$4" >> "$dir/pinged" ;;
*) echo "fake nix: unexpected $*" >&2; exit 2 ;;
esac
`

func fakeNixRunner(t *testing.T, env ...string) (*runner.Runner, string) {
	t.Helper()
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, Program), []byte(fakeNix), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return &runner.Runner{Env: append([]string{"FAKE_NIX_DIR=" + dir}, env...)}, dir
}

func TestRunParallelAndStreamed(t *testing.T) {
	machines := []string{"a", "b", "c", "d", "e"}
	for _, jobs := range []int{1, 2, 5} {
		t.Run(strconv.Itoa(jobs), func(t *testing.T) {
			r, dir := fakeNixRunner(t, "WAITFOR="+strconv.Itoa(jobs))
			flake := t.TempDir()
			os.WriteFile(filepath.Join(flake, "flake.lock"), []byte("{}"), 0o644)
			var streamed []string
			res, err := Run(context.Background(), Options{Flake: flake, Machines: machines, Jobs: jobs, Runner: r, Cache: "file:///c",
				OnResult: func(r Result) { streamed = append(streamed, r.Machine) }})
			if err != nil {
				t.Fatal(err)
			}
			max, _ := os.ReadFile(filepath.Join(dir, "max"))
			if got := strings.TrimSpace(string(max)); got != strconv.Itoa(jobs) {
				t.Errorf("at most %s builds ran at once, want %d", got, jobs)
			}
			slices.Sort(streamed)
			if !slices.Equal(streamed, machines) {
				t.Errorf("OnResult saw %v, want every machine once", streamed)
			}
			for i, m := range machines {
				if res[i].Machine != m || res[i].StorePath != "/nix/store/h-nixos-system-"+m || res[i].ClosureSize != 4096 || res[i].Cache != "file:///c" || !res[i].OK() {
					t.Errorf("result %d = %+v, want %s built and copied", i, res[i], m)
				}
			}
			copied, _ := os.ReadFile(filepath.Join(dir, "copied"))
			if n := strings.Count(string(copied), "file:///c /nix/store/h-nixos-system-"); n != len(machines) {
				t.Errorf("nix copy ran for %d machines, want %d:\n%s", n, len(machines), copied)
			}
			if _, err := os.Stat(filepath.Join(dir, "locked")); err == nil {
				t.Errorf("nix flake lock ran although flake.lock exists")
			}
		})
	}
}

func TestRunFailureAndLock(t *testing.T) {
	r, dir := fakeNixRunner(t, "WAITFOR=1")
	var mu sync.Mutex
	n := 0
	res, err := Run(context.Background(), Options{Flake: t.TempDir(), Machines: []string{"ok", "fail1"}, Jobs: 2, Runner: r,
		OnResult: func(Result) { mu.Lock(); n++; mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || !res[0].OK() || res[1].OK() || res[1].Err.Error() != "build fail1: error: fail1 does not evaluate" {
		t.Errorf("results = %+v; want ok built and fail1 failed with nix's message", res)
	}
	if n != 2 {
		t.Errorf("OnResult ran %d times, want 2", n)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "pinged")); string(data) != "ping\n" {
		t.Errorf("nix store ping ran %q, want once before the builds", data)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "locked")); string(data) != "lock\n" {
		t.Errorf("nix flake lock ran %q, want once before the builds of a flake without flake.lock", data)
	}
	// With an input overridden, the lock file is not written.
	os.Remove(filepath.Join(dir, "locked"))
	if _, err := Run(context.Background(), Options{Flake: t.TempDir(), Machines: []string{"ok"}, Runner: r, Overrides: []Override{{"nixpkgs", "path:/x"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "locked")); err == nil {
		t.Errorf("nix flake lock ran with an input overridden")
	}
}

func TestRunNixMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	flake := t.TempDir()
	os.WriteFile(filepath.Join(flake, "flake.lock"), []byte("{}"), 0o644)
	_, err := Run(context.Background(), Options{Flake: flake, Machines: []string{"a", "b", "c"}, Jobs: 1})
	var missing *runner.NotFoundError
	if !errors.As(err, &missing) {
		t.Errorf("Run without nix: %v, want a NotFoundError", err)
	}
}

func TestRunCancel(t *testing.T) {
	r, dir := fakeNixRunner(t, "WAITFOR=1", "SLEEP=60")
	flake := t.TempDir()
	os.WriteFile(filepath.Join(flake, "flake.lock"), []byte("{}"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cancel once the first build runs.
		for i := 0; i < 400; i++ {
			if m, _ := filepath.Glob(filepath.Join(dir, "pid.*")); len(m) > 0 {
				break
			}
			time.Sleep(25 * time.Millisecond)
		}
		cancel()
	}()
	res, err := Run(ctx, Options{Flake: flake, Machines: []string{"a", "b", "c"}, Jobs: 1, Runner: r})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run cancelled: %v, want context.Canceled", err)
	}
	if len(res) != 0 {
		t.Errorf("Run cancelled returned results %+v, want none: nothing finished", res)
	}
	pids, _ := filepath.Glob(filepath.Join(dir, "pid.*"))
	if len(pids) != 1 {
		t.Errorf("%d builds started, want 1 (no new machine after Ctrl-C)", len(pids))
	}
	for _, p := range pids {
		data, _ := os.ReadFile(p)
		pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
		if pid > 0 {
			if proc, err := os.FindProcess(pid); err == nil && proc.Signal(nil) == nil && alive(pid) {
				t.Errorf("the fake nix build %d still runs after Run returned", pid)
			}
		}
	}
}

// alive reports whether pid is a process that is not a zombie.
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	f := strings.Fields(string(data))
	return len(f) > 2 && f[2] != "Z"
}

func TestNixError(t *testing.T) {
	failed := &runner.Error{Cmd: "nix build x", Err: errors.New("exit status 1"),
		Stderr: "warning: not writing modified lock file of flake 'path:/f':\n• Added input 'nixpkgs':\nerror: a 'aarch64-linux' is required\n       (use '--show-trace')"}
	err := nixError(fmt.Errorf("wrapped: %w", failed))
	if got, want := err.Error(), "error: a 'aarch64-linux' is required\n       (use '--show-trace')"; got != want {
		t.Errorf("nixError = %q, want %q", got, want)
	}
	var back *runner.Error
	if !errors.As(err, &back) || back != failed {
		t.Errorf("nixError does not unwrap to the runner's error")
	}
	if got := nixError(&runner.Error{Cmd: "nix", Err: errors.New("exit status 2")}).Error(); got != "nix: exit status 2" {
		t.Errorf("nixError without stderr = %q", got)
	}
	other := errors.New("other")
	if nixError(other) != other {
		t.Errorf("nixError changed an error that is not a failed command")
	}
}

func TestEvalCacheRace(t *testing.T) {
	race := &runner.Error{Cmd: "nix build", Err: errors.New("exit status 1"), Stderr: "warning: Git tree is dirty\nerror: attribute 'packages.x86_64-linux.nixosConfigurations' is unexpectedly missing\n"}
	if !evalCacheRace(fmt.Errorf("wrapped: %w", race)) {
		t.Error("the eval cache race is not recognised")
	}
	other := &runner.Error{Cmd: "nix build", Err: errors.New("exit status 1"), Stderr: "error: attribute 'web' missing\n"}
	if evalCacheRace(other) {
		t.Error("a missing attribute is taken for the eval cache race")
	}
}
