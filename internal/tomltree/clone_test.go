package tomltree

import (
	"reflect"
	"testing"
)

func TestClone(t *testing.T) {
	src := "a = 1\nb = \"two\"\nc = [1, [2, 3], { d = true }]\n[t]\n" +
		"k01 = 1\nk02 = 2\nk03 = 3\nk04 = 4\nk05 = 5\nk06 = 6\nk07 = 7\nk08 = 8\nk09 = 9\n" +
		"k10 = 10\nk11 = 11\nk12 = 12\nk13 = 13\nk14 = 14\nk15 = 15\nk16 = 16\nk17 = 17\n" +
		"[t.u]\nx = 1.5\n"
	doc, diags := Parse("c.toml", []byte(src))
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	c := Clone(doc.Root)
	if !reflect.DeepEqual(c, doc.Root) {
		t.Fatal("the clone differs from the original")
	}
	if c.Get("t").Get("k17").Int != 17 || c.Get("t").Get("u").Get("x").Float() != 1.5 {
		t.Error("the clone's large table cannot be read by key")
	}
	// No node, and no slice of values or keys, is shared: changing the
	// clone leaves the original as it was.
	orig := map[*Node]bool{}
	var collect func(*Node)
	collect = func(n *Node) {
		orig[n] = true
		for _, it := range n.Items {
			collect(it)
		}
	}
	collect(doc.Root)
	var check func(*Node)
	check = func(n *Node) {
		if orig[n] {
			t.Errorf("node %s is shared with the original", n.Describe())
		}
		for _, it := range n.Items {
			check(it)
		}
	}
	check(c)
	c.Keys[0] = "changed"
	c.Items[0] = nil
	if doc.Root.Keys[0] != "a" || doc.Root.Items[0] == nil {
		t.Error("changing the clone changed the original")
	}
	if Clone(nil) != nil {
		t.Error("Clone(nil) is not nil")
	}
}
