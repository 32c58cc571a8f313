package gen

import (
	"fmt"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/nixlit"
)

// The let-bound names every generated module that tests conditions uses.
const (
	featuresVar = "f"  // config.shoal.features
	hardwareVar = "hw" // config.shoal.hardware
)

// condition renders a catalog condition as a Nix boolean expression over
// f (config.shoal.features) and hw (config.shoal.hardware). A clause on a
// feature the fleet does not use can never hold: it renders as false.
func (g *generator) condition(c catalog.Condition) string {
	if len(c) == 0 {
		return "true"
	}
	parts := make([]string, 0, len(c))
	for _, cl := range c {
		parts = append(parts, g.clause(cl))
	}
	return strings.Join(parts, " && ")
}

func (g *generator) clause(cl catalog.Clause) string {
	if fact, ok := strings.CutPrefix(cl.Key, "hardware."); ok {
		return hardwareTest(fact, cl.Values)
	}
	feature, setting, _ := strings.Cut(cl.Key, ".")
	def := g.cat.Features[feature]
	if !g.used[feature] || def == nil || def.Setting(setting) == nil {
		return "false"
	}
	ref := featuresVar + "." + nixlit.AttrPath(feature, setting)
	isList := def.Setting(setting).Type.Kind == catalog.KindList
	tests := make([]string, 0, len(cl.Values))
	for _, v := range cl.Values {
		tests = append(tests, valueTest(ref, v, isList))
	}
	return "(" + featuresVar + "." + nixlit.AttrPath(feature, "enable") + " && " + orJoin(tests) + ")"
}

// orJoin joins tests with ||; no test at all (a local feature's condition
// key given an empty list) never holds.
func orJoin(tests []string) string {
	switch len(tests) {
	case 0:
		return "false"
	case 1:
		return tests[0]
	}
	return "(" + strings.Join(tests, " || ") + ")"
}

// valueTest tests ref against one condition value.
func valueTest(ref string, v any, isList bool) string {
	if r, ok := v.(catalog.Range); ok {
		var t []string
		if r.Min != nil {
			t = append(t, fmt.Sprintf("%s >= %s", ref, lit(*r.Min)))
		}
		if r.Max != nil {
			t = append(t, fmt.Sprintf("%s <= %s", ref, lit(*r.Max)))
		}
		if len(t) == 0 {
			return "true"
		}
		return "(" + strings.Join(t, " && ") + ")"
	}
	if isList {
		return "builtins.elem " + lit(v) + " " + ref
	}
	if b, ok := v.(bool); ok { // not ref == true, which statix flags
		if b {
			return ref
		}
		return "!" + ref
	}
	return ref + " == " + lit(v)
}

// hardwareTest tests a hardware fact against values; an unknown fact
// (null) never matches.
func hardwareTest(fact string, values []any) string {
	var ref string
	isList := false
	switch fact {
	case "gpu":
		ref, isList = hardwareVar+".gpu", true
	case "memory_gib":
		ref = "(if " + hardwareVar + ".memory == null then -1 else " + hardwareVar + ".memory / 1073741824)"
	case "cores":
		ref = "(if " + hardwareVar + ".cores == null then 0 else " + hardwareVar + ".cores)"
	case "cpu", "form", "system":
		ref = hardwareVar + "." + fact
	default:
		return "false"
	}
	tests := make([]string, 0, len(values))
	for _, v := range values {
		tests = append(tests, valueTest(ref, v, isList))
	}
	return orJoin(tests)
}
