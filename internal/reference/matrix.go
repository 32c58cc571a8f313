package reference

import (
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/shoal-nix/shoal/internal/catalog"
)

// Relations between two features in the compatibility matrix, from the
// row's point of view.
const (
	Compatible     = "compatible"
	Requires       = "requires"        // the row turns the column on
	RequiredBy     = "required-by"     // the column turns the row on
	Conflicts      = "conflicts"       // never together
	ConflictsWhen  = "conflicts-when"  // not together under some settings
	SameCapability = "same-capability" // both provide a capability: never together
	Same           = "same"
)

// symbols are the terminal and Markdown marks of the relations.
var symbols = map[string]string{
	Compatible: ".", Requires: "R", RequiredBy: "r", Conflicts: "X", ConflictsWhen: "x", SameCapability: "P", Same: "-",
}

// Matrix is the feature compatibility matrix.
type Matrix struct {
	Features []string `json:"features"`
	// Pairs lists every pair of distinct features that is not simply
	// compatible, in both orders.
	Pairs []Pair `json:"pairs"`
}

// Pair is the relation of feature A (a row) to feature B (a column).
type Pair struct {
	A        string `json:"a"`
	B        string `json:"b"`
	Relation string `json:"relation"`
	When     string `json:"when,omitempty"`
	Reason   string `json:"reason"`
}

// BuildMatrix computes the matrix of c's features.
func BuildMatrix(c *catalog.Catalog) Matrix {
	names := c.FeatureNames()
	m := Matrix{Features: names, Pairs: []Pair{}}
	closure := requiresClosure(c)
	for _, a := range names {
		for _, b := range names {
			if a == b {
				continue
			}
			if p, ok := relate(c, closure, a, b); ok {
				m.Pairs = append(m.Pairs, p)
			}
		}
	}
	return m
}

// relate finds the strongest relation of a to b.
func relate(c *catalog.Catalog, closure map[string]map[string]string, a, b string) (Pair, bool) {
	p := Pair{A: a, B: b}
	for _, cf := range conflictsOf(c, a) {
		if cf.Feature != b {
			continue
		}
		reason := cf.Reason
		if reason == "" {
			reason = fmt.Sprintf("%s declares a conflict with %s", cf.Declared, other(cf.Declared, a, b))
		}
		if cf.When == "" {
			p.Relation, p.Reason = Conflicts, reason
			return p, true
		}
		if p.Relation == "" {
			p.Relation, p.When, p.Reason = ConflictsWhen, cf.When, reason
		} else if !strings.Contains(p.When, cf.When) {
			// Several conditions: any of them makes the conflict.
			p.When += ", or when " + cf.When
			if !strings.Contains(p.Reason, reason) {
				p.Reason += "; " + reason
			}
		}
	}
	if p.Relation != "" {
		return p, true
	}
	for _, cap := range items(c.Features[a].Provides) {
		if slices.Contains(items(c.Features[b].Provides), cap) {
			p.Relation, p.Reason = SameCapability, fmt.Sprintf("both provide %s; a machine has one provider of it", cap)
			return p, true
		}
	}
	if via, ok := closure[a][b]; ok {
		p.Relation, p.Reason = Requires, requireReason(a, b, via)
		return p, true
	}
	if via, ok := closure[b][a]; ok {
		p.Relation, p.Reason = RequiredBy, requireReason(b, a, via)
		return p, true
	}
	return p, false
}

func other(x, a, b string) string {
	if x == a {
		return b
	}
	return a
}

func requireReason(a, b, via string) string {
	if via == "" {
		return a + " requires " + b
	}
	return a + " requires " + b + " through " + via
}

// requiresClosure maps each feature to every feature it turns on, with the
// feature it directly requires on the way ("" when it requires it itself).
func requiresClosure(c *catalog.Catalog) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, a := range c.FeatureNames() {
		seen := map[string]string{}
		var walk func(f, via string)
		walk = func(f, via string) {
			def := c.Features[f]
			if def == nil {
				return
			}
			for _, r := range items(def.Requires) {
				if r == a {
					continue
				}
				if _, ok := seen[r]; ok {
					continue
				}
				v := via
				if f != a && v == "" {
					v = f
				}
				seen[r] = v
				walk(r, v)
			}
		}
		walk(a, "")
		out[a] = seen
	}
	return out
}

// Get returns the relation of a to b.
func (m Matrix) Get(a, b string) Pair {
	if a == b {
		return Pair{A: a, B: b, Relation: Same}
	}
	for _, p := range m.Pairs {
		if p.A == a && p.B == b {
			return p
		}
	}
	return Pair{A: a, B: b, Relation: Compatible}
}

const legend = "R requires (turns on), r required by, X conflicts, x conflicts under some settings, P provide the same capability, . compatible"

// notes are the non-trivial pairs, each once (A < B, or the requiring
// side first).
func (m Matrix) notes() []Pair {
	var out []Pair
	for _, p := range m.Pairs {
		if p.Relation == RequiredBy || (p.Relation != Requires && p.A > p.B) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func noteText(p Pair) string {
	switch p.Relation {
	case Requires:
		return p.Reason
	case ConflictsWhen:
		return fmt.Sprintf("%s and %s conflict when %s: %s", p.A, p.B, p.When, p.Reason)
	case SameCapability:
		return fmt.Sprintf("%s and %s: %s", p.A, p.B, p.Reason)
	}
	return fmt.Sprintf("%s and %s conflict: %s", p.A, p.B, p.Reason)
}

// WriteMatrixText writes the matrix as a terminal table: a row per
// feature, a numbered column per feature, then the legend and each
// relation with its reason.
func WriteMatrixText(w io.Writer, m Matrix) error {
	tw := tabwriter.NewWriter(w, 0, 8, 1, ' ', 0)
	fmt.Fprint(tw, "\t")
	for i := range m.Features {
		fmt.Fprintf(tw, "%d\t", i+1)
	}
	fmt.Fprintln(tw)
	for i, a := range m.Features {
		fmt.Fprintf(tw, "%d %s\t", i+1, a)
		for _, b := range m.Features {
			fmt.Fprintf(tw, "%s\t", symbols[m.Get(a, b).Relation])
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s\n\n", legend)
	for _, p := range m.notes() {
		if _, err := fmt.Fprintf(w, "- %s\n", noteText(p)); err != nil {
			return err
		}
	}
	return nil
}

// WriteMatrixMarkdown writes the matrix as a Markdown table with the
// relations listed below it. link, when not nil, turns a feature name into
// a link target.
func WriteMatrixMarkdown(w io.Writer, m Matrix, link func(string) string) error {
	var b strings.Builder
	b.WriteString("| |")
	for i := range m.Features {
		fmt.Fprintf(&b, " %d |", i+1)
	}
	b.WriteString("\n| --- |")
	for range m.Features {
		b.WriteString(" :-: |")
	}
	b.WriteString("\n")
	for i, a := range m.Features {
		name := a
		if link != nil {
			name = fmt.Sprintf("[%s](%s)", a, link(a))
		}
		fmt.Fprintf(&b, "| %d %s |", i+1, name)
		for _, c := range m.Features {
			fmt.Fprintf(&b, " %s |", symbols[m.Get(a, c).Relation])
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n%s.\n\n", legend)
	for _, p := range m.notes() {
		fmt.Fprintf(&b, "- %s\n", noteText(p))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var matrixHTML = template.Must(template.New("matrix").Funcs(template.FuncMap{
	"get":  func(m Matrix, a, b string) Pair { return m.Get(a, b) },
	"sym":  func(rel string) string { return symbols[rel] },
	"add":  func(i, j int) int { return i + j },
	"note": noteText,
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Feature compatibility matrix</title>
<style>
table { border-collapse: collapse; font-family: sans-serif; font-size: 0.85em }
th, td { border: 1px solid #ccc; padding: 2px 5px; text-align: center }
th.row { text-align: left }
.requires, .required-by { background: #def }
.conflicts, .same-capability { background: #fcc }
.conflicts-when { background: #fec }
</style>
</head>
<body>
<h1>Feature compatibility matrix</h1>
<table>
<tr><th></th>{{range $i, $f := .Features}}<th title="{{$f}}">{{add $i 1}}</th>{{end}}</tr>
{{range $i, $a := .Features}}<tr><th class="row">{{add $i 1}} {{$a}}</th>{{range $b := $.Features}}{{$p := get $.Matrix $a $b}}<td class="{{$p.Relation}}"{{if $p.Reason}} title="{{$p.Reason}}"{{end}}>{{sym $p.Relation}}</td>{{end}}</tr>
{{end}}</table>
<p>` + legend + `.</p>
<ul>
{{range .Notes}}<li>{{note .}}</li>
{{end}}</ul>
</body>
</html>
`))

// WriteMatrixHTML writes the matrix as an HTML page; each cell's title
// holds the reason.
func WriteMatrixHTML(w io.Writer, m Matrix) error {
	return matrixHTML.Execute(w, struct {
		Matrix
		Notes []Pair
	}{m, m.notes()})
}
