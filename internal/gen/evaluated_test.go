package gen_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// evaluatedMarker starts the config.warnings entry through which
// evaluated hands a value out of the NixOS module check's evaluation.
const evaluatedMarker = "shoal-test: the value follows\n"

// evaluated evaluates machine of the flake at outDir as the NixOS module
// check does and returns the string the Nix expression expr (over the
// machine's config) gives there: a module of the test's own hands it out
// through config.warnings.
func evaluated(t *testing.T, outDir, machine, expr string) string {
	t.Helper()
	extract := filepath.Join(t.TempDir(), "extract.nix")
	src := "# Hands a value out of the evaluation through config.warnings.\n" +
		"{ config, lib, ... }:\n{\n  warnings = [ (\"" + strings.TrimSuffix(evaluatedMarker, "\n") + "\\n\" + (" + expr + ")) ];\n}\n"
	if err := os.WriteFile(extract, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := runNixOSCheck(t, outDir, machine, nixosCheckOpts{ExtraModules: []string{extract}})
	for _, w := range rep.Warnings {
		if v, ok := strings.CutPrefix(w, evaluatedMarker); ok {
			return v
		}
	}
	t.Fatalf("%s of %s did not evaluate: %s", expr, machine, strings.Join(nixosCheckProblems(rep, nixosCheckOpts{}), "\n"))
	return ""
}

// TestOwnStateBackups evaluates the company example's monitoring server,
// which is a backup client: its backups keep /var/lib (Grafana's and
// Alertmanager's state) and leave out Prometheus's samples and Loki's
// logs; a web backend's leave out neither.
func TestOwnStateBackups(t *testing.T) {
	requireNixOSChecker(t)
	outDir := generateForNixOSCheck(t, filepath.Join("..", "..", "examples", "company"))
	const expr = `lib.concatStringsSep " " (config.services.restic.backups.shoal.paths ++ [ "exclude:" ] ++ config.services.restic.backups.shoal.exclude)`
	mon := strings.Fields(evaluated(t, outDir, "mon", expr))
	paths, exclude, _ := strings.Cut(strings.Join(mon, " "), " exclude: ")
	if !strings.Contains(" "+paths+" ", " /var/lib ") {
		t.Errorf("the monitoring server does not back up /var/lib: %s", paths)
	}
	for _, want := range []string{"/var/lib/prometheus2", "/var/lib/loki"} {
		if !strings.Contains(" "+exclude+" ", " "+want+" ") {
			t.Errorf("the monitoring server's backups do not leave out %s: %s", want, exclude)
		}
	}
	web := evaluated(t, outDir, "web1", expr)
	if strings.Contains(web, "prometheus2") || strings.Contains(web, "/var/lib/loki") {
		t.Errorf("a web backend's backups leave out the monitoring server's data: %s", web)
	}
}
