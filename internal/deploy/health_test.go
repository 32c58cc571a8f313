package deploy

import (
	"reflect"
	"testing"
)

func TestParseHealth(t *testing.T) {
	out := "current=/nix/store/a\nprofile=/nix/store/a\ngeneration=2\nsystemd=yes\nfailed=nginx.service \n" +
		"now=1000\ndisk=97 512 /\ndisk=97 512 /\ndisk=40 9000 /nix\nbackup_file=yes\nbackup_last=400\nbackup_ok=0\n"
	st, err := parseProbe(out)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Systemd || !reflect.DeepEqual(st.Failed, []string{"nginx.service"}) {
		t.Errorf("probe = %+v, want systemd with nginx.service failed", st)
	}
	got := parseHealth(out)
	want := healthRead{now: 1000, disks: []DiskUse{{"/", 97, 512}, {"/nix", 40, 9000}}, backupFile: true, backupLast: 400, backupOK: "0"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseHealth = %+v, want %+v", got, want)
	}
}

func TestAgeText(t *testing.T) {
	for s, want := range map[int64]string{40: "40s", 420: "7m", 3*3600 + 720: "3h12m", 49 * 3600: "2d1h"} {
		if got := AgeText(s); got != want {
			t.Errorf("AgeText(%d) = %q, want %q", s, got, want)
		}
	}
}
