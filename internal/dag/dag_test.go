package dag

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// pipeline is the reference release graph, declared out of order.
var pipeline = []Node{
	{Name: "publish-release", Needs: []string{"build-wheel", "build-image"}},
	{Name: "publish-pypi", Needs: []string{"build-wheel"}},
	{Name: "build-wheel", Needs: []string{"preflight"}},
	{Name: "build-image", Needs: []string{"preflight"}},
	{Name: "preflight"},
}

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		nodes []Node
		want  error
		path  string // Error.Nodes joined by " "
	}{
		{"duplicate", []Node{{Name: "a"}, {Name: "a"}}, ErrDuplicate, "a"},
		{"unknown need", []Node{{Name: "a", Needs: []string{"ghost"}}}, ErrUnknownNeed, "a ghost"},
		{"need twice", []Node{{Name: "a"}, {Name: "b", Needs: []string{"a", "a"}}}, ErrNeedTwice, "b a"},
		{"unknown before twice", []Node{{Name: "a"}, {Name: "b", Needs: []string{"ghost", "a", "a"}}}, ErrUnknownNeed, "b ghost"},
		{"self cycle", []Node{{Name: "a", Needs: []string{"a"}}}, ErrCycle, "a a"},
		{"long cycle", []Node{
			{Name: "pre"},
			{Name: "a", Needs: []string{"pre", "c"}},
			{Name: "b", Needs: []string{"a"}},
			{Name: "c", Needs: []string{"b"}},
		}, ErrCycle, "a c b a"},
		{"first cycle in declaration order", []Node{
			{Name: "x", Needs: []string{"y"}},
			{Name: "y", Needs: []string{"x"}},
			{Name: "p", Needs: []string{"q"}},
			{Name: "q", Needs: []string{"p"}},
		}, ErrCycle, "x y x"},
		{"cycle reached through a need", []Node{
			{Name: "top", Needs: []string{"l"}},
			{Name: "l", Needs: []string{"m"}},
			{Name: "m", Needs: []string{"l"}},
		}, ErrCycle, "l m l"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tc.nodes)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, tc.want) {
				t.Fatalf("New: %v, want an *Error matching %v", err, tc.want)
			}
			if got := strings.Join(e.Nodes, " "); got != tc.path {
				t.Errorf("Nodes = %q, want %q (%v)", got, tc.path, err)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Err: ErrCycle, Nodes: []string{"a", "b", "a"}}, "dag: cycle: a -> b -> a"},
		{&Error{Err: ErrUnknownNeed, Nodes: []string{"a", "ghost"}}, "dag: unknown need: a, ghost"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

func TestOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		nodes []Node
		want  string
	}{
		{"ties by declaration order", pipeline, "preflight build-wheel publish-pypi build-image publish-release"},
		{"empty", nil, ""},
		{"independent keep their order", []Node{{Name: "c"}, {Name: "a"}, {Name: "b"}}, "c a b"},
		{"chain declared backwards", []Node{{Name: "c", Needs: []string{"b"}}, {Name: "b", Needs: []string{"a"}}, {Name: "a"}}, "a b c"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g, err := New(tc.nodes)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(g.Order(), " "); got != tc.want {
				t.Errorf("Order = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestAncestorsAndClosure(t *testing.T) {
	t.Parallel()
	g, err := New(pipeline)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		selected []string
		anc      string // ancestors of the one selected node
		closure  string
	}{
		{"publish-release", []string{"publish-release"}, "build-image build-wheel preflight", "build-image build-wheel preflight publish-release"},
		{"publish-pypi", []string{"publish-pypi"}, "build-wheel preflight", "build-wheel preflight publish-pypi"},
		{"preflight", []string{"preflight"}, "", "preflight"},
		{"not a node", []string{"ghost"}, "", "ghost"},
		{"two", []string{"build-image", "publish-pypi"}, "", "build-image build-wheel preflight publish-pypi"},
		{"none", nil, "", ""},
	}
	keys := func(m map[string]bool) string { return strings.Join(slices.Sorted(maps.Keys(m)), " ") }
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if len(tc.selected) == 1 {
				if got := keys(g.Ancestors(tc.selected[0])); got != tc.anc {
					t.Errorf("Ancestors = %q, want %q", got, tc.anc)
				}
			}
			sel := map[string]bool{}
			for _, s := range tc.selected {
				sel[s] = true
			}
			if got := keys(g.Closure(sel)); got != tc.closure {
				t.Errorf("Closure = %q, want %q", got, tc.closure)
			}
		})
	}
}

func TestSchedulerStart(t *testing.T) {
	t.Parallel()
	g, err := New(pipeline)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(g.needCounts()), "[2 1 1 1 0]"; got != want {
		t.Errorf("needCounts = %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(g.dependents()), "[[] [] [0 1] [0] [2 3]]"; got != want {
		t.Errorf("dependents = %s, want %s", got, want)
	}
	// The caller's copies: counting down does not change the graph.
	c := g.needCounts()
	c[0] = 99
	if g.needCounts()[0] != 2 {
		t.Error("needCounts shares its slice with the graph")
	}
}

// FuzzGraph builds a graph from the input (a node count, then pairs of
// node numbers: the first needs the second) and checks the invariants: a
// refused graph has a real cycle, an accepted one an order that holds
// every node once and respects every edge, with ancestors that contain
// each need and the need's ancestors.
func FuzzGraph(f *testing.F) {
	f.Add([]byte{5, 0, 2, 0, 3, 1, 2, 2, 4, 3, 4})
	f.Add([]byte{1, 0, 0})
	f.Add([]byte{4, 1, 3, 2, 1, 3, 2, 1, 0})
	f.Add([]byte{8})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		n := int(data[0])%8 + 1
		nodes := make([]Node, n)
		for i := range nodes {
			nodes[i].Name = fmt.Sprintf("n%d", i)
		}
		for k := 1; k+1 < len(data); k += 2 {
			a, b := int(data[k])%n, int(data[k+1])%n
			if need := nodes[b].Name; !slices.Contains(nodes[a].Needs, need) {
				nodes[a].Needs = append(nodes[a].Needs, need)
			}
		}
		needs := func(a, b string) bool {
			i := slices.IndexFunc(nodes, func(n Node) bool { return n.Name == a })
			return i >= 0 && slices.Contains(nodes[i].Needs, b)
		}
		g, err := New(nodes)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Err != ErrCycle {
				t.Fatalf("New: %v, want a cycle or nothing", err)
			}
			p := e.Nodes
			if len(p) < 2 || p[0] != p[len(p)-1] {
				t.Fatalf("cycle %v does not end where it starts", p)
			}
			for k := range len(p) - 1 {
				if !needs(p[k], p[k+1]) {
					t.Fatalf("cycle %v: %s does not need %s", p, p[k], p[k+1])
				}
				if slices.Contains(p[:k], p[k]) {
					t.Fatalf("cycle %v visits %s twice", p, p[k])
				}
			}
			return
		}
		order := g.Order()
		if len(order) != n {
			t.Fatalf("no cycle reported, but Order %v misses nodes of %v", order, nodes)
		}
		pos := map[string]int{}
		for i, name := range order {
			pos[name] = i
		}
		for _, node := range nodes {
			anc := g.Ancestors(node.Name)
			for _, need := range node.Needs {
				if pos[need] >= pos[node.Name] {
					t.Fatalf("Order %v puts %s before its need %s", order, node.Name, need)
				}
				if !anc[need] {
					t.Fatalf("Ancestors(%s) = %v lacks its need %s", node.Name, anc, need)
				}
				for a := range g.Ancestors(need) {
					if !anc[a] {
						t.Fatalf("Ancestors(%s) = %v lacks %s, an ancestor of %s", node.Name, anc, a, need)
					}
				}
			}
			if anc[node.Name] {
				t.Fatalf("%s is its own ancestor in an acyclic graph", node.Name)
			}
		}
	})
}
