package dag

import (
	"errors"
	"slices"
	"sort"
	"strings"
)

// Node is one node of a graph: its name and the names of the nodes it
// needs (its edges).
type Node struct {
	Name  string
	Needs []string
}

// The conditions [New] refuses, matched with errors.Is on its [*Error].
var (
	ErrDuplicate   = errors.New("duplicate node")
	ErrUnknownNeed = errors.New("unknown need")
	ErrNeedTwice   = errors.New("need listed twice")
	ErrCycle       = errors.New("cycle")
)

// Error is a malformed graph: the condition and the nodes involved.
type Error struct {
	// Err is ErrDuplicate, ErrUnknownNeed, ErrNeedTwice or ErrCycle.
	Err error
	// Nodes are, for ErrDuplicate, the name given twice; for
	// ErrUnknownNeed and ErrNeedTwice, the node and the need; for
	// ErrCycle, the path, each node needing the next, with its first node
	// repeated at the end.
	Nodes []string
}

func (e *Error) Error() string {
	sep := ", "
	if e.Err == ErrCycle {
		sep = " -> "
	}
	return "dag: " + e.Err.Error() + ": " + strings.Join(e.Nodes, sep)
}

func (e *Error) Unwrap() error { return e.Err }

// Graph is a validated directed acyclic graph. Build it with [New].
type Graph struct {
	names []string
	index map[string]int
	needs [][]int // by node, in the order declared
}

// New validates nodes and returns their graph (see the package
// documentation for what it refuses). It keeps its own copy of nodes.
func New(nodes []Node) (*Graph, error) {
	g := &Graph{names: make([]string, len(nodes)), index: make(map[string]int, len(nodes)), needs: make([][]int, len(nodes))}
	for i, n := range nodes {
		if _, dup := g.index[n.Name]; dup {
			return nil, &Error{Err: ErrDuplicate, Nodes: []string{n.Name}}
		}
		g.names[i], g.index[n.Name] = n.Name, i
	}
	for i, n := range nodes {
		for _, need := range n.Needs {
			k, ok := g.index[need]
			if !ok {
				return nil, &Error{Err: ErrUnknownNeed, Nodes: []string{n.Name, need}}
			}
			if slices.Contains(g.needs[i], k) {
				return nil, &Error{Err: ErrNeedTwice, Nodes: []string{n.Name, need}}
			}
			g.needs[i] = append(g.needs[i], k)
		}
	}
	if cyc := g.findCycle(); cyc != nil {
		return nil, &Error{Err: ErrCycle, Nodes: cyc}
	}
	return g, nil
}

// findCycle returns one cycle as a path (first node repeated at the end),
// or nil. Deterministic: nodes and needs are visited in declaration order.
func (g *Graph) findCycle() []string {
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(g.names))
	var stack []int
	var found []string
	var visit func(i int) bool
	visit = func(i int) bool {
		color[i] = grey
		stack = append(stack, i)
		for _, k := range g.needs[i] {
			switch color[k] {
			case grey:
				start := slices.Index(stack, k)
				for _, s := range stack[start:] {
					found = append(found, g.names[s])
				}
				found = append(found, g.names[k])
				return true
			case white:
				if visit(k) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[i] = black
		return false
	}
	for i := range g.names {
		if color[i] == white && visit(i) {
			return found
		}
	}
	return nil
}

// Order returns the node names in a topological order: every node after
// the nodes it needs, ties broken by declaration order.
func (g *Graph) Order() []string {
	indeg := g.needCounts()
	dependents := g.dependents()
	var ready, out []int
	for i := range g.names {
		if indeg[i] == 0 {
			ready = append(ready, i)
		}
	}
	for len(ready) > 0 {
		sort.Ints(ready)
		i := ready[0]
		ready = ready[1:]
		out = append(out, i)
		for _, d := range dependents[i] {
			if indeg[d]--; indeg[d] == 0 {
				ready = append(ready, d)
			}
		}
	}
	names := make([]string, len(out))
	for k, i := range out {
		names[k] = g.names[i]
	}
	return names
}

// Ancestors returns the transitive needs of the named node (not the node
// itself): empty for a node that needs nothing or is not in the graph.
func (g *Graph) Ancestors(name string) map[string]bool {
	seen := map[string]bool{}
	var walk func(k int)
	walk = func(k int) {
		for _, n := range g.needs[k] {
			if !seen[g.names[n]] {
				seen[g.names[n]] = true
				walk(n)
			}
		}
	}
	if i, ok := g.index[name]; ok {
		walk(i)
	}
	return seen
}

// Closure returns the selected nodes and everything they need,
// transitively: what must be known to run the selection.
func (g *Graph) Closure(selected map[string]bool) map[string]bool {
	out := map[string]bool{}
	for name := range selected {
		out[name] = true
		for a := range g.Ancestors(name) {
			out[a] = true
		}
	}
	return out
}

// needCounts returns, by node index, how many nodes each node needs: the
// unmet needs a scheduler counts down as nodes finish.
func (g *Graph) needCounts() []int {
	out := make([]int, len(g.needs))
	for i, n := range g.needs {
		out[i] = len(n)
	}
	return out
}

// dependents returns, by node index, the indices of the nodes that need
// each node, in declaration order: whom a scheduler tells that a node
// finished.
func (g *Graph) dependents() [][]int {
	out := make([][]int, len(g.needs))
	for i, needs := range g.needs {
		for _, k := range needs {
			out[k] = append(out[k], i)
		}
	}
	return out
}
