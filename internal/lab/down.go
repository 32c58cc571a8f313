package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/shoal-nix/shoal/internal/runner"
)

// netnsDir is where ip netns keeps named namespaces.
const netnsDir = "/run/netns"

// labNamespaces lists the existing namespaces of the lab called name.
func labNamespaces(name string) []string {
	entries, err := os.ReadDir(netnsDir)
	if err != nil {
		return nil
	}
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(name) + `-(ctl|h[0-9]+)$`)
	var out []string
	for _, e := range entries {
		if re.MatchString(e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out
}

// Down tears down the lab recorded in dir. Given a name, it also tears
// down any namespaces of a lab by that name that the record lacks (left by
// an interrupted Up, or with no record at all); without one it touches
// only what the record names, so that a wrong dir cannot end another lab.
// It ends the processes in the lab's namespaces, deletes the namespaces,
// and removes the files Up wrote; files someone else put in dir are left.
// Down is idempotent: tearing down what is not there is not an error.
func Down(ctx context.Context, dir, name string, r *runner.Runner, progress io.Writer) error {
	l, err := Load(dir)
	if err != nil && !errors.Is(err, ErrNoLab) {
		return err
	}
	var namespaces []string
	if l != nil {
		name = l.Name
		for _, h := range l.Hosts {
			namespaces = append(namespaces, h.Namespace)
		}
		namespaces = append(namespaces, l.Deployer.Namespace)
	}
	if name != "" {
		for _, ns := range labNamespaces(name) {
			if !slices.Contains(namespaces, ns) {
				namespaces = append(namespaces, ns)
			}
		}
	}
	var existing []string
	for _, ns := range namespaces {
		if _, err := os.Stat(filepath.Join(netnsDir, ns)); err == nil {
			existing = append(existing, ns)
		}
	}
	if l == nil && len(existing) == 0 {
		msg := "lab: nothing to tear down: no lab in " + dir
		if name != "" {
			msg += ", no namespaces " + name + "-*"
		} else if ns := labNamespaces(DefaultName); len(ns) > 0 {
			msg += fmt.Sprintf(" (namespaces of a lab called %s exist: give its --dir, or --name %s to remove them)", DefaultName, DefaultName)
		}
		fmt.Fprintln(progress, msg)
		return nil
	}
	ended, err := endProcesses(ctx, r, existing)
	if err != nil {
		return err
	}
	for _, ns := range existing {
		if _, err := r.Output(ctx, "ip", "netns", "del", ns); err != nil {
			return fmt.Errorf("delete namespace %s: %w", ns, err)
		}
	}
	if l != nil {
		if err := l.removeFiles(); err != nil {
			return err
		}
	}
	fmt.Fprintf(progress, "lab: down: %d processes ended, %d namespaces deleted\n", ended, len(existing))
	return nil
}

// endProcesses ends every process in the namespaces: SIGTERM, then SIGKILL
// for those still there after two seconds. It never signals shoal itself,
// which may run on the deployer side.
func endProcesses(ctx context.Context, r *runner.Runner, namespaces []string) (int, error) {
	var pids []int
	for _, ns := range namespaces {
		out, err := r.Output(ctx, "ip", "netns", "pids", ns)
		if err != nil {
			return 0, fmt.Errorf("list processes in namespace %s: %w", ns, err)
		}
		for _, f := range strings.Fields(string(out)) {
			pid, err := strconv.Atoi(f)
			if err == nil && pid > 1 && pid != os.Getpid() {
				pids = append(pids, pid)
			}
		}
	}
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGTERM)
	}
	deadline := time.Now().Add(2 * time.Second)
	for _, sig := range []syscall.Signal{0, syscall.SIGKILL} {
		if sig == syscall.SIGKILL {
			for _, pid := range pids {
				if alive(pid) {
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
			deadline = time.Now().Add(5 * time.Second)
		}
		for slices.ContainsFunc(pids, alive) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if i := slices.IndexFunc(pids, alive); i >= 0 {
		return 0, fmt.Errorf("process %d in the lab does not end", pids[i])
	}
	return len(pids), nil
}

// alive reports whether pid is a running process (not a zombie).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	i := strings.LastIndexByte(string(stat), ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

// removeFiles removes what Up wrote in the lab directory, and the
// directory if nothing else is left in it.
func (l *Lab) removeFiles() error {
	for _, p := range []string{"hosts", "deployer", "net", "nix-conf", "known_hosts", "ssh_config", "id_ed25519", "id_ed25519.pub", StateFile} {
		if err := os.RemoveAll(filepath.Join(l.Dir, p)); err != nil {
			return fmt.Errorf("remove lab files: %w", err)
		}
	}
	if err := os.Remove(l.Dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		if entries, rerr := os.ReadDir(l.Dir); rerr == nil && len(entries) > 0 {
			return nil // someone else's files: leave them and the directory
		}
		return fmt.Errorf("remove lab directory: %w", err)
	}
	return nil
}
