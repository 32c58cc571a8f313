package catalog

import (
	"archive/zip"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

var updateZones = flag.Bool("update-zones", false, "rewrite zones.txt from Go's own time zone database")

// TestZoneList holds zones.txt to the names of Go's time zone database
// (GOROOT/lib/time/zoneinfo.zip, the IANA tz database the Go release
// ships): it is how the list is generated, with -update-zones.
func TestZoneList(t *testing.T) {
	src := filepath.Join(runtime.GOROOT(), "lib", "time", "zoneinfo.zip")
	z, err := zip.OpenReader(src)
	if err != nil {
		t.Skipf("no time zone database to compare with: %v", err)
	}
	defer z.Close()
	var names []string
	for _, f := range z.File {
		if !f.FileInfo().IsDir() && f.Name != "Factory" {
			names = append(names, f.Name)
		}
	}
	slices.Sort(names)
	want := "# IANA time zone names, generated from Go's lib/time/zoneinfo.zip by\n# go test ./internal/catalog -run TestZoneList -update-zones\n" + strings.Join(names, "\n") + "\n"
	if *updateZones {
		if err := os.WriteFile("zones.txt", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if zoneList != want {
		t.Errorf("zones.txt differs from %s; run go test ./internal/catalog -run TestZoneList -update-zones", src)
	}
	for _, z := range []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Etc/GMT+2"} {
		if _, ok := slices.BinarySearch(Zones(), z); !ok {
			t.Errorf("zone %s is not in the list", z)
		}
	}
}
