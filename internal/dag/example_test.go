package dag_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/tagship/tagship/internal/dag"
)

func ExampleGraph_Order() {
	g, err := dag.New([]dag.Node{
		{Name: "publish", Needs: []string{"build-wheel", "build-image"}},
		{Name: "build-wheel", Needs: []string{"preflight"}},
		{Name: "build-image", Needs: []string{"preflight"}},
		{Name: "preflight"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(g.Order())
	fmt.Println(len(g.Ancestors("publish")))
	// Output:
	// [preflight build-wheel build-image publish]
	// 3
}

func ExampleNew_cycle() {
	_, err := dag.New([]dag.Node{
		{Name: "a", Needs: []string{"b"}},
		{Name: "b", Needs: []string{"a"}},
	})
	fmt.Println(err, errors.Is(err, dag.ErrCycle))
	// Output:
	// dag: cycle: a -> b -> a true
}

// build is a [dag.Handler] that runs every node and fails one; it words
// the outcomes in its own terms.
type build struct {
	nodes []dag.Node
	fail  string
	ended []string // by node: how it ended
}

func (b *build) Ready(context.Context, int) dag.Outcome { return dag.Launch }

func (b *build) Execute(_ context.Context, node int) dag.Outcome {
	if b.nodes[node].Name == b.fail {
		return dag.Failed
	}
	return dag.Succeeded
}

func (b *build) Settled(s dag.Settlement) {
	switch {
	case s.Cause == dag.NeedNotSucceeded:
		b.ended[s.Node] = "skipped: needs " + b.nodes[s.Need].Name
	case s.Outcome == dag.Succeeded:
		b.ended[s.Node] = "ok"
	default:
		b.ended[s.Node] = "failed"
	}
}

func ExampleGraph_Run() {
	nodes := []dag.Node{
		{Name: "preflight"},
		{Name: "build-wheel", Needs: []string{"preflight"}},
		{Name: "build-image", Needs: []string{"preflight"}},
		{Name: "publish", Needs: []string{"build-wheel", "build-image"}},
	}
	g, err := dag.New(nodes)
	if err != nil {
		panic(err)
	}
	b := &build{nodes: nodes, fail: "build-image", ended: make([]string, len(nodes))}
	g.Run(context.Background(), 2, false, b)
	for i, n := range nodes {
		fmt.Printf("%s: %s\n", n.Name, b.ended[i])
	}
	// Output:
	// preflight: ok
	// build-wheel: ok
	// build-image: failed
	// publish: skipped: needs build-image
}
