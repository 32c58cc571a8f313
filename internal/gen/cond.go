package gen

import (
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/nixlit"
)

// condition is a catalog condition as a Nix boolean expression over f
// (config.shoal.features) and hw (config.shoal.hardware). A clause on a
// feature the fleet does not use can never hold: it is false.
func (g *generator) condition(c catalog.Condition) nixlit.Node {
	if len(c) == 0 {
		return nixlit.Bool(true)
	}
	parts := make([]nixlit.Node, 0, len(c))
	for _, cl := range c {
		parts = append(parts, g.clause(cl))
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return &nixlit.Op{Op: "&&", Args: parts}
}

func (g *generator) clause(cl catalog.Clause) nixlit.Node {
	if fact, ok := strings.CutPrefix(cl.Key, "hardware."); ok {
		return hardwareTest(fact, cl.Values)
	}
	feature, setting, _ := strings.Cut(cl.Key, ".")
	def := g.cat.Features[feature]
	if !g.used[feature] || def == nil || def.Setting(setting) == nil {
		return nixlit.Bool(false)
	}
	ref := sel(featuresVar, feature, setting)
	isList := def.Setting(setting).Type.Kind == catalog.KindList
	tests := make([]nixlit.Node, 0, len(cl.Values))
	for _, v := range cl.Values {
		tests = append(tests, valueTest(ref, v, isList))
	}
	return &nixlit.Paren{X: nixlit.Binary(sel(featuresVar, feature, "enable"), "&&", orJoin(tests))}
}

// orJoin joins tests with ||; no test at all (a local feature's condition
// key given an empty list) never holds.
func orJoin(tests []nixlit.Node) nixlit.Node {
	switch len(tests) {
	case 0:
		return nixlit.Bool(false)
	case 1:
		return tests[0]
	}
	return &nixlit.Paren{X: &nixlit.Op{Op: "||", Args: tests}}
}

// valueTest tests ref against one condition value.
func valueTest(ref nixlit.Node, v any, isList bool) nixlit.Node {
	if r, ok := v.(catalog.Range); ok {
		var t []nixlit.Node
		if r.Min != nil {
			t = append(t, nixlit.Binary(ref, ">=", lit(*r.Min)))
		}
		if r.Max != nil {
			t = append(t, nixlit.Binary(ref, "<=", lit(*r.Max)))
		}
		if len(t) == 0 {
			return nixlit.Bool(true)
		}
		return &nixlit.Paren{X: &nixlit.Op{Op: "&&", Args: t}}
	}
	if isList {
		return call(sel("builtins", "elem"), lit(v), ref)
	}
	if b, ok := v.(bool); ok { // not ref == true, which statix flags
		if b {
			return ref
		}
		return &nixlit.Not{X: ref}
	}
	return nixlit.Binary(ref, "==", lit(v))
}

// hardwareTest tests a hardware fact against values; an unknown fact
// (null) never matches.
func hardwareTest(fact string, values []any) nixlit.Node {
	var ref nixlit.Node
	isList := false
	orElse := func(fact string, unknown int64, known nixlit.Node) nixlit.Node {
		return &nixlit.Paren{X: &nixlit.If{
			Cond: nixlit.Binary(sel(hardwareVar, fact), "==", nixlit.Null()),
			Then: nixlit.Int(unknown),
			Else: known,
		}}
	}
	switch fact {
	case "gpu":
		ref, isList = sel(hardwareVar, "gpu"), true
	case "memory_gib":
		ref = orElse("memory", -1, nixlit.Binary(sel(hardwareVar, "memory"), "/", nixlit.Int(1073741824)))
	case "cores":
		ref = orElse("cores", 0, sel(hardwareVar, "cores"))
	case "cpu", "form", "system":
		ref = sel(hardwareVar, fact)
	default:
		return nixlit.Bool(false)
	}
	tests := make([]nixlit.Node, 0, len(values))
	for _, v := range values {
		tests = append(tests, valueTest(ref, v, isList))
	}
	return orJoin(tests)
}
