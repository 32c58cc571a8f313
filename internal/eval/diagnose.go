package eval

import (
	"github.com/shoal-nix/shoal/internal/check"
	"github.com/shoal-nix/shoal/internal/diag"
	"github.com/shoal-nix/shoal/internal/gen"
)

// diagnose turns Nix's complaint about one file into a diagnostic at
// the place Nix names; for a generated file, related positions point at
// where the file comes from, once Locate fills them in.
func diagnose(j job, stderr string) diag.Diagnostic {
	e := parseNixError(stderr, j.arg)
	d := diag.Diagnostic{Code: diag.CodeModuleParse, Severity: diag.Error, File: j.display, Summary: "nix cannot parse this file: " + e.Summary}
	if e.Pos.Known() {
		d = d.WithPos(e.Pos)
	}
	for _, m := range e.Also {
		d.Related = append(d.Related, diag.Related{Message: m.Message, File: j.display, Pos: m.Pos})
	}
	if j.origin != nil {
		d.Code = diag.CodeGeneratedParse
		d.Hint = "this is a bug in shoal's generator; please report it with the fleet file"
		if r, ok := originRelated(*j.origin); ok {
			d.Related = append(d.Related, r)
		}
	}
	return d
}

// originRelated is the related position naming where a generated file
// comes from; its position is found later, by locate.
func originRelated(o gen.Origin) (diag.Related, bool) {
	if o.File == "" {
		return diag.Related{}, false
	}
	msg := "generated from here"
	switch o.Kind {
	case gen.FromMachine:
		msg = "generated from machine " + o.Name
	case gen.FromFeature:
		msg = "generated from feature " + o.Name
	case gen.FromProfile:
		msg = "generated from profile " + o.Name
	case gen.FromServices:
		msg = "generated from the fleet's services"
	}
	return diag.Related{Message: msg, File: o.File, Path: o.Path}, true
}

// locate fills in the positions of related places that name a path in
// a file the check read.
func locate(diags diag.List, res *check.Result) {
	for i := range diags {
		for k, r := range diags[i].Related {
			if r.Pos.Known() {
				continue
			}
			if doc := res.Docs[r.File]; doc != nil {
				diags[i].Related[k].Pos, _ = doc.Locate(r.Path)
			}
		}
	}
}
