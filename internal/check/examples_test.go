package check

import (
	"os"
	"testing"
)

// TestExampleHomelabIsClean keeps the bundled example, which `shoal demo`
// shows to every new user, free of errors and warnings.
func TestExampleHomelabIsClean(t *testing.T) {
	res, err := Run(os.DirFS("../../examples/homelab"), ".", "")
	if err != nil {
		t.Fatal(err)
	}
	if f := res.Diags.Findings(); len(f) > 0 {
		t.Errorf("examples/homelab has %d errors and warnings, want none:\n%s", len(f), detail(f))
	}
	if res.Resolved == nil || len(res.Resolved.Machines) != 5 {
		t.Errorf("examples/homelab did not resolve its five machines")
	}
}

// notInCompany lists the fleet services examples/company leaves out, each
// with where the service is shown instead.
var notInCompany = map[string]string{}

// TestExampleCompanyIsClean keeps the company example, which `shoal demo
// --example company` shows, free of errors and warnings, with its dozen
// machines and every fleet service of the catalog, each role with machines.
func TestExampleCompanyIsClean(t *testing.T) {
	res, err := Run(os.DirFS("../../examples/company"), ".", "")
	if err != nil {
		t.Fatal(err)
	}
	if f := res.Diags.Findings(); len(f) > 0 {
		t.Errorf("examples/company has %d errors and warnings, want none:\n%s", len(f), detail(f))
	}
	if res.Resolved == nil || len(res.Resolved.Machines) != 12 {
		t.Fatalf("examples/company did not resolve its twelve machines")
	}
	used := map[string]bool{}
	for _, s := range res.Resolved.Services {
		used[s.Name()] = true
		for _, role := range s.Def.Roles {
			if len(s.Members(role.Name)) == 0 {
				t.Errorf("services.%s.%s names no machine in examples/company", s.Name(), role.Name)
			}
		}
	}
	for _, name := range res.Resolved.Catalog.ServiceNames() {
		if why, ok := notInCompany[name]; ok {
			t.Logf("services.%s is not in examples/company: %s", name, why)
			continue
		}
		if !used[name] {
			t.Errorf("examples/company does not use the fleet service %s", name)
		}
	}
}
