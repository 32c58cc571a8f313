package reference

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/shoal-nix/shoal/internal/catalog"
	"github.com/shoal-nix/shoal/internal/resolve"
)

// Edge kinds of a dependency graph.
const (
	EdgeRequires  = "requires"
	EdgeConflicts = "conflicts"
	EdgeProvides  = "provides"
	EdgeProfile   = "profile"
	EdgeMachine   = "machine"
	EdgeService   = "service"
	EdgeExtends   = "extends"
)

// Graph is a dependency graph: the catalog's features, or one machine's
// resolved features with why each is there.
type Graph struct {
	Title string `json:"title"`
	Nodes []Node `json:"nodes"`
	Edges []Edge `json:"edges"`
}

// Node is a feature, a capability, a profile, a service role or a machine.
type Node struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Kind  string `json:"kind"` // feature, capability, profile, service, machine
}

// Edge is a relation between two nodes.
type Edge struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Kind  string `json:"kind"`
	Label string `json:"label,omitempty"`
}

// CatalogGraph is the graph of every feature of c: requires, conflicts
// (with their condition) and capabilities provided.
func CatalogGraph(c *catalog.Catalog) Graph {
	g := Graph{Title: "catalog features", Nodes: []Node{}, Edges: []Edge{}}
	caps := map[string]bool{}
	for _, name := range c.FeatureNames() {
		f := c.Features[name]
		label := name
		if f.Lifecycle != catalog.Stable {
			label += " (" + f.Lifecycle + ")"
		}
		g.Nodes = append(g.Nodes, Node{ID: "f:" + name, Label: label, Kind: "feature"})
		for _, r := range items(f.Requires) {
			g.Edges = append(g.Edges, Edge{From: "f:" + name, To: "f:" + r, Kind: EdgeRequires})
		}
		for _, cf := range f.Conflicts {
			e := Edge{From: "f:" + name, To: "f:" + cf.Feature, Kind: EdgeConflicts, Label: "conflicts"}
			if len(cf.When) > 0 {
				e.Label = "conflicts when " + cf.When.String()
			}
			g.Edges = append(g.Edges, e)
		}
		for _, p := range items(f.Provides) {
			caps[p] = true
			g.Edges = append(g.Edges, Edge{From: "f:" + name, To: "c:" + p, Kind: EdgeProvides, Label: "provides"})
		}
	}
	for _, p := range sortedSet(caps) {
		g.Nodes = append(g.Nodes, Node{ID: "c:" + p, Label: p, Kind: "capability"})
	}
	return g
}

// MachineGraph is the graph of one machine's resolved features, each with
// an edge from what turned it on: the machine itself, its profile (and
// the profiles that one extends), a fleet service role, or a feature that
// requires it.
func MachineGraph(c *catalog.Catalog, m *resolve.Machine) Graph {
	g := Graph{Title: "machine " + m.Name(), Nodes: []Node{}, Edges: []Edge{}}
	mid := "m:" + m.Name()
	g.Nodes = append(g.Nodes, Node{ID: mid, Label: m.Name(), Kind: "machine"})
	extra := map[string]Node{}
	if m.Profile != nil {
		pid := "p:" + m.Profile.Name
		extra[pid] = Node{ID: pid, Label: "profile " + m.Profile.Name, Kind: "profile"}
		g.Edges = append(g.Edges, Edge{From: mid, To: pid, Kind: EdgeProfile})
	}
	for _, f := range m.Features {
		fid := "f:" + f.Name()
		g.Nodes = append(g.Nodes, Node{ID: fid, Label: f.Name(), Kind: "feature"})
		for _, why := range f.Reasons {
			switch why.Kind {
			case resolve.ByProfile:
				pid := "p:" + why.Detail
				extra[pid] = Node{ID: pid, Label: "profile " + why.Detail, Kind: "profile"}
				g.Edges = append(g.Edges, Edge{From: pid, To: fid, Kind: EdgeProfile})
			case resolve.ByMachine:
				g.Edges = append(g.Edges, Edge{From: mid, To: fid, Kind: EdgeMachine, Label: "features"})
			case resolve.ByRequire:
				g.Edges = append(g.Edges, Edge{From: "f:" + why.Detail, To: fid, Kind: EdgeRequires, Label: "requires"})
			case resolve.ByService:
				sid := "s:" + why.Detail
				extra[sid] = Node{ID: sid, Label: why.Detail, Kind: "service"}
				g.Edges = append(g.Edges, Edge{From: sid, To: fid, Kind: EdgeService})
			default:
				g.Edges = append(g.Edges, Edge{From: mid, To: fid, Kind: why.Kind, Label: why.Kind + " " + why.Detail})
			}
		}
	}
	// Profiles that extend others: server extends base.
	if m.Profile != nil {
		chain := c.ProfileChain(m.Profile.Name)
		for i := len(chain) - 1; i > 0; i-- {
			from, to := "p:"+chain[i].Name, "p:"+chain[i-1].Name
			extra[from] = Node{ID: from, Label: "profile " + chain[i].Name, Kind: "profile"}
			extra[to] = Node{ID: to, Label: "profile " + chain[i-1].Name, Kind: "profile"}
			g.Edges = append(g.Edges, Edge{From: from, To: to, Kind: EdgeExtends, Label: "extends"})
		}
	}
	ids := make([]string, 0, len(extra))
	for id := range extra {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		g.Nodes = append(g.Nodes, extra[id])
	}
	g.Edges = dedupeEdges(g.Edges)
	return g
}

func dedupeEdges(l []Edge) []Edge {
	var out []Edge
	for _, e := range l {
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// WriteDOT writes the graph in Graphviz's DOT language.
func WriteDOT(w io.Writer, g Graph) error {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n", strconv.Quote(g.Title))
	for _, n := range g.Nodes {
		attrs := "label=" + strconv.Quote(n.Label)
		switch n.Kind {
		case "capability":
			attrs += ", shape=ellipse, style=dashed"
		case "profile", "service":
			attrs += ", shape=note"
		case "machine":
			attrs += ", shape=box3d"
		}
		fmt.Fprintf(&b, "  %s [%s];\n", strconv.Quote(n.ID), attrs)
	}
	for _, e := range g.Edges {
		var attrs []string
		if e.Label != "" {
			attrs = append(attrs, "label="+strconv.Quote(e.Label))
		}
		switch e.Kind {
		case EdgeConflicts:
			attrs = append(attrs, "style=dashed", "color=red", "dir=none")
		case EdgeProvides, EdgeExtends:
			attrs = append(attrs, "style=dotted")
		}
		fmt.Fprintf(&b, "  %s -> %s", strconv.Quote(e.From), strconv.Quote(e.To))
		if len(attrs) > 0 {
			fmt.Fprintf(&b, " [%s]", strings.Join(attrs, ", "))
		}
		b.WriteString(";\n")
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMermaid writes the graph as a Mermaid flowchart.
func WriteMermaid(w io.Writer, g Graph) error {
	ids := map[string]string{}
	for i, n := range g.Nodes {
		ids[n.ID] = fmt.Sprintf("n%d", i)
	}
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, n := range g.Nodes {
		open, close := "[", "]"
		switch n.Kind {
		case "capability":
			open, close = "([", "])"
		case "profile", "service":
			open, close = "[/", "/]"
		case "machine":
			open, close = "[[", "]]"
		}
		fmt.Fprintf(&b, "  %s%s\"%s\"%s\n", ids[n.ID], open, mermaidText(n.Label), close)
	}
	for _, e := range g.Edges {
		from, ok1 := ids[e.From]
		to, ok2 := ids[e.To]
		if !ok1 || !ok2 {
			continue // an edge to a feature outside the graph (unknown name)
		}
		arrow := "-->"
		switch e.Kind {
		case EdgeConflicts:
			arrow = "-.-"
		case EdgeProvides, EdgeExtends:
			arrow = "-.->"
		}
		if e.Label != "" {
			fmt.Fprintf(&b, "  %s %s|\"%s\"| %s\n", from, arrow, mermaidText(e.Label), to)
		} else {
			fmt.Fprintf(&b, "  %s %s %s\n", from, arrow, to)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidText escapes a label for a quoted Mermaid string.
func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;").Replace(s)
}
