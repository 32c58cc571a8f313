package catalog_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// nixIndentedString returns the text of the ” string bound to option in a
// module, without its common indentation; the scripts it is used for hold
// no ” escapes.
func nixIndentedString(t *testing.T, module, option string) string {
	t.Helper()
	data, err := os.ReadFile(module)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), option+" = ''\n")
	if !ok {
		t.Fatalf("%s sets no %s = ''", module, option)
	}
	body, _, ok := strings.Cut(rest, "\n  '';")
	if !ok {
		t.Fatalf("%s: %s is not closed", module, option)
	}
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "    ")
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestBackupTextfile runs the scripts that the backup unit and the
// repository check unit run after each run, as systemd runs them, and reads
// the textfile each leaves: a success sets both timestamps, a failure keeps
// the last success's.
func TestBackupTextfile(t *testing.T) {
	for _, c := range []struct{ option, file, prefix string }{
		{"services.restic.backups.shoal.backupCleanupCommand", "shoal_backup.prom", "shoal_backup"},
		{"systemd.services.shoal-backup-check.postStop", "shoal_backup_check.prom", "shoal_backup_check"},
	} {
		t.Run(c.file, func(t *testing.T) {
			testTextfileScript(t, c.option, c.file, c.prefix)
		})
	}
}

func testTextfileScript(t *testing.T, option, file, prefix string) {
	script := nixIndentedString(t, "builtin/features/backup-client/module.nix", option)
	dir := t.TempDir()
	if !strings.Contains(script, "dir=/var/lib/shoal/metrics\n") {
		t.Fatal("the script does not write to /var/lib/shoal/metrics")
	}
	script = strings.Replace(script, "dir=/var/lib/shoal/metrics\n", "dir="+dir+"\n", 1)
	run := func(result string) string {
		t.Helper()
		cmd := exec.Command("sh", "-c", script)
		cmd.Env = append(os.Environ(), "SERVICE_RESULT="+result)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("the script: %v\n%s", err, out)
		}
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	value := func(text, metric string) string {
		for _, l := range strings.Split(text, "\n") {
			if v, ok := strings.CutPrefix(l, metric+" "); ok {
				return v
			}
		}
		return ""
	}
	success, lastSuccess, lastRun := prefix+"_success", prefix+"_last_success_timestamp_seconds", prefix+"_last_run_timestamp_seconds"
	first := run("exit-code")
	if value(first, success) != "0" || value(first, lastSuccess) != "" {
		t.Errorf("after a first failed run:\n%s", first)
	}
	ok := run("success")
	last := value(ok, lastSuccess)
	if value(ok, success) != "1" || last == "" || last != value(ok, lastRun) {
		t.Errorf("after a successful run:\n%s", ok)
	}
	failed := run("exit-code")
	if value(failed, success) != "0" || value(failed, lastSuccess) != last {
		t.Errorf("after a failed run the last success (%s) is gone:\n%s", last, failed)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the script leaves %d files, want only %s", len(entries), file)
	}
}
