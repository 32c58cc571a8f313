package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/resolve"
)

type explainOptions struct {
	json bool
}

func newExplainCommand(g *globals) *cobra.Command {
	var o explainOptions
	cmd := &cobra.Command{
		Use:   "explain MACHINE [FLEET]",
		Short: "Show a machine's features, settings, packages and ports, and why",
		Long: `Explain shows everything resolved for one machine: each feature and why it
is on, each setting with its value and the line that set it, the packages and
where they come from, and the ports opened in the firewall.`,
		Example: "  shoal explain laptop\n  shoal explain nas examples/homelab --json",
		Args:    cobra.RangeArgs(1, 2),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveFilterDirs
			}
			res, err := loadFleet("")
			if err != nil || res.Fleet == nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return res.Fleet.MachineNames(), cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := loadFleet(argOr(args, 1))
			if err != nil {
				return err
			}
			return runExplain(cmd.Context(), g, o, res, args[0])
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print the explanation as JSON")
	return cmd
}

// explanation is the JSON form of explain.
type explanation struct {
	Machine  string             `json:"machine"`
	Profile  string             `json:"profile"`
	System   string             `json:"system"`
	Features []explainedFeature `json:"features"`
	Packages []explainedPackage `json:"packages"`
	Ports    []resolve.OpenPort `json:"ports"`
	NixOS    []explainedValue   `json:"nixos"`
	Modules  []string           `json:"modules"`
}

type explainedFeature struct {
	Name     string           `json:"name"`
	Why      []string         `json:"why"`
	Settings []explainedValue `json:"settings"`
}

type explainedValue struct {
	Name   string `json:"name"`
	Value  any    `json:"value"`
	Origin string `json:"origin"`
	Where  string `json:"where,omitempty"`
}

type explainedPackage struct {
	Name       string `json:"name"`
	Collection string `json:"collection,omitempty"`
	Feature    string `json:"feature"`
}

func runExplain(_ context.Context, g *globals, o explainOptions, res *check.Result, name string) error {
	if res.Resolved == nil || res.Diags.HasErrors() {
		errs := slices.DeleteFunc(slices.Clone(res.Diags), func(d diag.Diagnostic) bool { return d.Severity != diag.Error })
		g.diagRenderer(g.stderr, res.Docs).render(errs)
		if res.Resolved == nil {
			return &exitError{code: ExitFleetError, err: fmt.Errorf("cannot explain: %s has errors", res.Fleet.File)}
		}
		fmt.Fprintf(g.stderr, "shoal: the fleet has errors; what follows may be incomplete\n")
	}
	m := res.Resolved.Machine(name)
	if m == nil {
		hint := ""
		if s := diag.Suggest(name, res.Fleet.MachineNames()); s != "" {
			hint = fmt.Sprintf("; did you mean %q?", s)
		} else if names := res.Fleet.MachineNames(); len(names) > 0 {
			hint = "; machines are: " + strings.Join(names, ", ")
		}
		return usageError("no machine %q in %s%s", name, res.Fleet.File, hint)
	}
	x := explain(res, m)
	if o.json {
		return writeJSON(g.stdout, x)
	}
	printExplanation(g.stdout, x, m)
	if res.Diags.HasErrors() {
		return &exitError{code: ExitFleetError}
	}
	return nil
}

func explain(res *check.Result, m *resolve.Machine) explanation {
	loc := func(file string, p diag.Path) string {
		doc := res.Docs[file]
		if doc == nil {
			return file
		}
		pos, _ := doc.Locate(p)
		return location(file, pos)
	}
	x := explanation{Machine: m.Name(), System: m.Spec.System, Ports: m.Ports}
	if m.Profile != nil {
		x.Profile = m.Profile.Name
	}
	for _, f := range m.Features {
		ef := explainedFeature{Name: f.Name()}
		for _, why := range f.Reasons {
			ef.Why = append(ef.Why, reasonText(why, m, loc, res.Fleet.File))
		}
		for _, v := range f.Settings {
			ef.Settings = append(ef.Settings, explainedValue{Name: v.Setting.Name, Value: v.Value, Origin: originText(*v.Origin), Where: originWhere(*v.Origin, loc)})
		}
		x.Features = append(x.Features, ef)
	}
	for _, p := range m.Packages {
		x.Packages = append(x.Packages, explainedPackage(p))
	}
	x.NixOS, x.Modules = []explainedValue{}, []string{}
	for _, raw := range m.Spec.NixOS {
		x.NixOS = append(x.NixOS, explainedValue{Name: raw.Option, Value: raw.Value.Value(), Origin: "machine", Where: loc(res.Fleet.File, raw.Path)})
	}
	for _, mod := range m.Spec.Modules {
		x.Modules = append(x.Modules, mod.Value)
	}
	if x.Ports == nil {
		x.Ports = []resolve.OpenPort{}
	}
	return x
}

func reasonText(why resolve.Reason, m *resolve.Machine, loc func(string, diag.Path) string, fleetFile string) string {
	switch why.Kind {
	case resolve.ByProfile:
		if m.Spec.Profile.Value == "" {
			return fmt.Sprintf("profile %s (the default)", why.Detail)
		}
		if why.Detail != m.Profile.Name {
			return fmt.Sprintf("profile %s, extended by %s, %s", why.Detail, m.Profile.Name, loc(fleetFile, m.Spec.Profile.Path))
		}
		return fmt.Sprintf("profile %s, %s", why.Detail, loc(fleetFile, m.Spec.Profile.Path))
	case resolve.ByRequire:
		return "required by " + why.Detail
	case resolve.ByService:
		return fmt.Sprintf("%s, %s", why.Detail, loc(why.File, why.Path))
	}
	return "features, " + loc(why.File, why.Path)
}

func originText(o resolve.Origin) string {
	switch o.Kind {
	case resolve.FromCatalog:
		return "catalog default"
	case resolve.FromHardware:
		return "from " + o.Detail
	case resolve.FromDefaults:
		return "fleet defaults"
	case resolve.FromProfile:
		return "profile " + o.Detail
	case resolve.FromService:
		return o.Detail // the option, services.backup.schedule
	}
	return "machine"
}

func originWhere(o resolve.Origin, loc func(string, diag.Path) string) string {
	if o.Kind == resolve.FromCatalog {
		return ""
	}
	return loc(o.File, o.Path)
}

func printExplanation(w io.Writer, x explanation, m *resolve.Machine) {
	h := m.Spec.Hardware
	var hw []string
	if h.CPU != "" {
		hw = append(hw, h.CPU+" CPU")
	}
	for _, g := range h.GPU {
		hw = append(hw, g.Value+" GPU")
	}
	if h.Memory > 0 {
		hw = append(hw, h.Memory.String()+" memory")
	}
	if h.Form != "" {
		hw = append(hw, h.Form)
	}
	fmt.Fprintf(w, "%s: profile %s, %s", x.Machine, x.Profile, x.System)
	if len(hw) > 0 {
		fmt.Fprintf(w, ", %s", strings.Join(hw, ", "))
	}
	fmt.Fprintln(w)

	fmt.Fprintf(w, "\nfeatures (%d):\n", len(x.Features))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range x.Features {
		fmt.Fprintf(tw, "  %s\t%s\n", f.Name, strings.Join(f.Why, "; "))
	}
	tw.Flush()

	fmt.Fprintf(w, "\nsettings:\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range x.Features {
		for _, s := range f.Settings {
			where := s.Origin
			if s.Where != "" {
				where += ", " + s.Where
			}
			fmt.Fprintf(tw, "  %s.%s\t= %s\t%s\n", f.Name, s.Name, catalog.FormatValue(s.Value), where)
		}
	}
	tw.Flush()

	fmt.Fprintf(w, "\npackages (%d):\n", len(x.Packages))
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, p := range x.Packages {
		from := "feature " + p.Feature
		if p.Collection != "" {
			from = fmt.Sprintf("collection %s, via %s", p.Collection, p.Feature)
		}
		fmt.Fprintf(tw, "  %s\t%s\n", p.Name, from)
	}
	tw.Flush()

	if len(x.NixOS) > 0 {
		fmt.Fprintf(w, "\nnixos options (%d):\n", len(x.NixOS))
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, o := range x.NixOS {
			fmt.Fprintf(tw, "  %s\t= %v\t%s\n", o.Name, o.Value, o.Where)
		}
		tw.Flush()
	}
	if len(x.Modules) > 0 {
		fmt.Fprintf(w, "\nmodules (%d):\n", len(x.Modules))
		for _, mod := range x.Modules {
			fmt.Fprintf(w, "  %s\n", mod)
		}
	}

	fmt.Fprintf(w, "\nports (%d):\n", len(x.Ports))
	for _, p := range x.Ports {
		purpose := p.Purpose
		if purpose == "" {
			purpose = p.Feature
		}
		fmt.Fprintf(w, "  %d/%s\t%s (%s)\n", p.Port, p.Protocol, purpose, p.Feature)
	}
}
