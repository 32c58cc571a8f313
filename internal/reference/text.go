package reference

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteSummaries writes the `shoal features` table.
func WriteSummaries(w io.Writer, l []Summary) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "FEATURE\tLIFECYCLE\tDESCRIPTION")
	for _, s := range l {
		name := s.Name
		if s.Local {
			name += " (local)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, s.Lifecycle, s.Description)
	}
	return tw.Flush()
}

// textWriter writes labelled sections, skipping empty ones.
type textWriter struct {
	w   io.Writer
	err error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

func (t *textWriter) list(label string, l []string) {
	if len(l) > 0 {
		t.printf("%s: %s\n", label, strings.Join(l, ", "))
	}
}

func (t *textWriter) block(label, text string) {
	t.printf("\n%s:\n", label)
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		t.printf("  %s\n", line)
	}
}

// WriteFeature writes a feature for a terminal.
func WriteFeature(w io.Writer, f *Feature) error {
	t := &textWriter{w: w}
	kind := "built-in"
	if f.Local {
		kind = "local"
	}
	t.printf("feature %s (%s, %s)\n  %s\n\n", f.Name, f.Lifecycle, kind, f.Description)
	if f.Replacement != "" {
		t.printf("deprecated: use %s instead\n", f.Replacement)
	}
	t.list("requires", f.Requires)
	t.list("required by", f.RequiredBy)
	t.list("provides", f.Provides)
	for _, c := range f.Conflicts {
		t.printf("conflicts with %s", c.Feature)
		if c.When != "" {
			t.printf(" when %s", c.When)
		}
		if c.Reason != "" {
			t.printf(": %s", c.Reason)
		}
		t.printf("\n")
	}
	t.list("in profiles", f.Profiles)
	t.list("brought by services", f.Services)
	t.list("hardware: systems", f.Hardware.Systems)
	t.list("hardware: CPU", f.Hardware.CPU)
	t.list("hardware: GPU", f.Hardware.GPU)
	t.list("hardware: form factor", f.Hardware.Form)
	if f.Resources.Memory != "" || f.Resources.Disk != "" {
		t.printf("resources: memory %s, disk %s\n", orDash(f.Resources.Memory), orDash(f.Resources.Disk))
	}
	t.list("collections", f.Collections)
	t.list("packages", f.Packages)
	if len(f.Settings) > 0 {
		t.printf("\nsettings:\n")
		for _, s := range f.Settings {
			t.printf("  %s: %s, default %s\n", s.Name, s.Accepts, s.DefaultText)
			if s.Description != "" {
				t.printf("      %s\n", s.Description)
			}
			for _, d := range s.Derived {
				t.printf("      derived: %s\n", d)
			}
		}
	}
	if len(f.Ports) > 0 {
		t.printf("\nports opened:\n")
		for _, p := range f.Ports {
			t.printf("  %s  %s\n", p, p.Description)
		}
	}
	if len(f.Health) > 0 {
		t.printf("\nhealth checks:\n")
		for _, h := range f.Health {
			t.printf("  %s: %s\n", h.Name, h)
		}
	}
	if len(f.Options) > 0 {
		t.printf("\nNixOS options set: %s\n", strings.Join(f.Options, ", "))
	}
	if f.Module {
		t.printf("raw module: module.nix (what typed settings cannot say)\n")
	}
	t.block("example", f.Example)
	return t.err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WriteProfile writes a profile for a terminal.
func WriteProfile(w io.Writer, p *Profile) error {
	t := &textWriter{w: w}
	t.printf("profile %s\n  %s\n\n", p.Name, p.Description)
	if p.Extends != "" {
		t.printf("extends: %s (%s)\n", p.Extends, strings.Join(p.Chain, " < "))
	}
	t.list("features", p.Features)
	t.list("all features", p.AllFeatures)
	t.list("excludes", p.Excludes)
	if len(p.Settings) > 0 {
		t.printf("\nsettings:\n")
		for _, s := range p.Settings {
			t.printf("  %s.%s = %s\n", s.Feature, s.Setting, s.Text)
		}
	}
	if len(p.Promises) > 0 {
		t.printf("\npromises (its VM test checks them):\n")
		for _, s := range p.Promises {
			t.printf("  - %s\n", s)
		}
	}
	t.block("example", p.Example)
	return t.err
}

// WriteService writes a fleet service for a terminal.
func WriteService(w io.Writer, s *Service) error {
	t := &textWriter{w: w}
	t.printf("service %s\n  %s\n\nroles:\n", s.Name, s.Description)
	for _, r := range s.Roles {
		t.printf("  %s: %s\n", r.Name, r.Description)
		if r.Feature != "" {
			t.printf("      brings feature %s\n", r.Feature)
		}
		if r.Max > 0 {
			t.printf("      at most %d machine(s)\n", r.Max)
		}
		if len(r.Needs) > 0 {
			t.printf("      needs one of: %s\n", strings.Join(r.Needs, ", "))
		}
	}
	if len(s.Options) > 0 {
		t.printf("\noptions:\n")
		for _, o := range s.Options {
			t.printf("  %s: %s", o.Name, o.Accepts)
			if o.Default != nil {
				t.printf(", default %v", formatAny(o.Default))
			}
			t.printf("\n      %s\n", o.Description)
			if o.Sets != "" {
				t.printf("      sets %s\n", o.Sets)
			}
			if o.Unused != "" {
				t.printf("      not used yet: %s\n", o.Unused)
			}
		}
	}
	t.block("example", s.Example)
	return t.err
}

// WriteCollection writes a package collection for a terminal.
func WriteCollection(w io.Writer, c *Collection) error {
	t := &textWriter{w: w}
	t.printf("collection %s\n  %s\n\n", c.Name, c.Description)
	t.list("packages", c.Packages)
	t.list("used by features", c.Features)
	return t.err
}
