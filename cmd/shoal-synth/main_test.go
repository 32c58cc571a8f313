package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/shoal-nix/shoal/internal/synth"
)

func TestRunWritesFleet(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fleet")
	if err := run([]string{"-n", "7", "-seed", "3", "-o", dir}, io.Discard); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "shoal.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, synth.Fleet(7, 3)) {
		t.Error("shoal.toml is not synth.Fleet(7, 3)")
	}
}

func TestRunNeedsDir(t *testing.T) {
	var stderr bytes.Buffer
	if err := run([]string{"-n", "7"}, &stderr); err == nil {
		t.Error("run without -o succeeded")
	}
	if err := run([]string{"-n", "-1", "-o", t.TempDir()}, &stderr); err == nil {
		t.Error("run with -n -1 succeeded")
	}
}
