//go:build unix

package runner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestDetach(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "log")
	var trace bytes.Buffer
	r := &Runner{Trace: &trace, Env: []string{"SHOAL_DETACH_TEST=yes"}}
	pid, err := r.Detach(context.Background(), logPath, "sh", "-c", `echo "started $SHOAL_DETACH_TEST" >&2; exec sleep 30`)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	if want := "+ SHOAL_DETACH_TEST=yes sh -c "; !strings.HasPrefix(trace.String(), want) || !strings.HasSuffix(trace.String(), " 2>>"+logPath+" &\n") {
		t.Errorf("trace = %q", trace.String())
	}
	if sid, err := unix.Getsid(pid); err != nil || sid != pid {
		t.Errorf("the detached process is not in a session of its own: sid %d, %v", sid, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		log, _ := os.ReadFile(logPath)
		if string(log) == "started yes\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("log = %q, want the process's stderr", log)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := r.Detach(context.Background(), logPath, "no-such-program-shoal"); err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Errorf("Detach of a missing program: %v", err)
	}
}
