package tomltree

// Clone returns a deep copy of n: a node of its own, with its own tables'
// and arrays' values, sharing only strings (views of the source) and the
// read-only key index of a large table. A model that keeps a few nodes of
// a document clones them to let the rest of the document be collected:
// nodes are allocated in blocks, and one node kept keeps its block and
// every node reachable from the block. Clone of nil is nil.
func Clone(n *Node) *Node {
	if n == nil {
		return nil
	}
	count := 0
	var walk func(*Node)
	walk = func(n *Node) {
		count++
		for _, it := range n.Items {
			if it != nil {
				walk(it)
			}
		}
	}
	walk(n)
	// One block for the copy's nodes, as the parser allocates them.
	c := cloner{nodes: make([]Node, 0, count)}
	return c.clone(n)
}

type cloner struct {
	nodes []Node
}

func (c *cloner) clone(n *Node) *Node {
	c.nodes = append(c.nodes, *n)
	out := &c.nodes[len(c.nodes)-1]
	if n.Keys != nil {
		out.Keys = append(make([]string, 0, len(n.Keys)), n.Keys...)
	}
	if n.Items != nil {
		out.Items = make([]*Node, len(n.Items))
		for i, it := range n.Items {
			if it != nil {
				out.Items[i] = c.clone(it)
			}
		}
	}
	return out
}
