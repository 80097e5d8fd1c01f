package dag_test

import (
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
	fmt.Println(len(g.Ancestors("publish")), g.Dependents()[3])
	// Output:
	// [preflight build-wheel build-image publish]
	// 3 [1 2]
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
