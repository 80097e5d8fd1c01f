package dag

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// scripted is a Handler whose answers are given by node name.
type scripted struct {
	g       *Graph
	ready   map[string]Outcome // Ready's answer; default Launch
	execute map[string]Outcome // Execute's answer; default Succeeded
	block   map[string]bool    // Execute waits for the run's cancellation, then returns Stopped
	after   map[string]string  // Execute waits until the named node's Execute has begun
	begun   map[string]chan struct{}

	mu       sync.Mutex
	readied  []string
	executed []string
	settled  []string
}

func (h *scripted) Ready(_ context.Context, i int) Outcome {
	name := h.g.names[i]
	h.readied = append(h.readied, name)
	if o, ok := h.ready[name]; ok {
		return o
	}
	return Launch
}

func (h *scripted) Execute(ctx context.Context, i int) Outcome {
	name := h.g.names[i]
	h.mu.Lock()
	h.executed = append(h.executed, name)
	h.mu.Unlock()
	close(h.begun[name])
	if other, ok := h.after[name]; ok {
		<-h.begun[other]
	}
	if h.block[name] {
		<-ctx.Done()
		return Stopped
	}
	if o, ok := h.execute[name]; ok {
		return o
	}
	return Succeeded
}

func (h *scripted) Settled(s Settlement) {
	h.settled = append(h.settled, h.g.describe(s))
}

// describe words a settlement for the tests.
func (g *Graph) describe(s Settlement) string {
	out := g.names[s.Node] + " "
	switch s.Cause {
	case ByHandler:
		out += map[Outcome]string{Succeeded: "succeeded", Failed: "failed", Stopped: "stopped"}[s.Outcome]
	case NeedNotSucceeded:
		out += "skipped: needs " + g.names[s.Need]
	case CancelledBeforeStart:
		out += "cancelled before start"
	case CancelledWaitingForSlot:
		out += fmt.Sprintf("cancelled waiting for a slot: %v", s.Err)
	case CancelledPending:
		out += "cancelled pending"
	}
	if s.Cause != NeedNotSucceeded && s.Need != -1 {
		out += fmt.Sprintf(" (Need %d, want -1)", s.Need)
	}
	if s.Cause != ByHandler && s.Outcome != Stopped {
		out += fmt.Sprintf(" (Outcome %d, want Stopped)", s.Outcome)
	}
	if s.FailedFast >= 0 {
		out += " [fail-fast: " + g.names[s.FailedFast] + "]"
	}
	return out
}

func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		nodes     []Node
		parallel  int
		failFast  bool
		cancelled bool // the context is cancelled before Run
		ready     map[string]Outcome
		execute   map[string]Outcome
		block     map[string]bool
		after     map[string]string
		want      []string // settlements, in order
		readied   []string // Ready calls, in order; nil: not checked
		executed  []string // Execute calls, sorted; nil: not checked, empty: none
	}{
		{
			name:     "settled in Ready: dependency order, depth first, ties by declaration",
			nodes:    pipeline,
			ready:    map[string]Outcome{"preflight": Succeeded, "build-wheel": Succeeded, "build-image": Succeeded, "publish-pypi": Succeeded, "publish-release": Succeeded},
			want:     []string{"preflight succeeded", "build-wheel succeeded", "publish-pypi succeeded", "build-image succeeded", "publish-release succeeded"},
			readied:  []string{"preflight", "build-wheel", "publish-pypi", "build-image", "publish-release"},
			executed: []string{},
		},
		{
			name:     "a chain executes in order",
			nodes:    []Node{{Name: "c", Needs: []string{"b"}}, {Name: "b", Needs: []string{"a"}}, {Name: "a"}},
			parallel: 1,
			want:     []string{"a succeeded", "b succeeded", "c succeeded"},
			executed: []string{"a", "b", "c"},
		},
		{
			name: "a failure skips its pending dependents transitively; the rest goes on",
			nodes: []Node{
				{Name: "a"},
				{Name: "b", Needs: []string{"a"}},
				{Name: "c", Needs: []string{"b"}},
				{Name: "d", Needs: []string{"a"}},
				{Name: "e", Needs: []string{"b", "d"}},
				{Name: "x"},
				{Name: "y", Needs: []string{"x"}},
			},
			execute:  map[string]Outcome{"a": Failed},
			ready:    map[string]Outcome{"x": Succeeded, "y": Succeeded},
			want:     []string{"x succeeded", "y succeeded", "a failed", "b skipped: needs a", "c skipped: needs a", "e skipped: needs a", "d skipped: needs a"},
			executed: []string{"a"},
		},
		{
			name:     "Ready can settle a node as failed or stopped",
			nodes:    []Node{{Name: "a"}, {Name: "b", Needs: []string{"a"}}, {Name: "c"}, {Name: "d", Needs: []string{"c"}}},
			ready:    map[string]Outcome{"a": Failed, "c": Stopped},
			want:     []string{"a failed", "b skipped: needs a", "c stopped", "d skipped: needs c"},
			readied:  []string{"a", "c"},
			executed: []string{},
		},
		{
			name:     "Execute's stop skips dependents without fail-fast",
			nodes:    []Node{{Name: "a"}, {Name: "b", Needs: []string{"a"}}, {Name: "c", Needs: []string{"a"}}},
			failFast: true,
			parallel: 1,
			execute:  map[string]Outcome{"a": Stopped},
			want:     []string{"a stopped", "b skipped: needs a", "c skipped: needs a"},
		},
		{
			name:     "fail-fast cancels the running nodes and names the failure",
			nodes:    []Node{{Name: "a"}, {Name: "w"}, {Name: "f", Needs: []string{"a"}}, {Name: "q", Needs: []string{"w"}}},
			parallel: 2,
			failFast: true,
			execute:  map[string]Outcome{"a": Failed},
			block:    map[string]bool{"w": true},
			after:    map[string]string{"a": "w"},
			want:     []string{"a failed", "f skipped: needs a", "w stopped [fail-fast: a]", "q skipped: needs w [fail-fast: a]"},
			executed: []string{"a", "w"},
		},
		{
			name:     "fail-fast cancels what becomes ready later",
			nodes:    []Node{{Name: "a"}, {Name: "b"}, {Name: "c", Needs: []string{"b"}}},
			failFast: true,
			ready:    map[string]Outcome{"a": Failed},
			want:     []string{"a failed", "b cancelled before start [fail-fast: a]", "c skipped: needs b [fail-fast: a]"},
			readied:  []string{"a"},
			executed: []string{},
		},
		{
			name:     "without fail-fast a failure cancels nothing",
			nodes:    []Node{{Name: "a"}, {Name: "b"}, {Name: "c", Needs: []string{"b"}}},
			ready:    map[string]Outcome{"a": Failed},
			want:     []string{"a failed", "b succeeded", "c succeeded"},
			executed: []string{"b", "c"},
		},
		{
			name:      "a run cancelled before it starts readies nothing",
			nodes:     []Node{{Name: "a"}, {Name: "b", Needs: []string{"a"}}, {Name: "c"}},
			cancelled: true,
			want:      []string{"a cancelled before start", "b skipped: needs a", "c cancelled before start"},
			readied:   []string{},
			executed:  []string{},
		},
		{
			name:     "a node set aside is not settled; its dependents end pending",
			nodes:    []Node{{Name: "a"}, {Name: "b", Needs: []string{"a"}}, {Name: "c", Needs: []string{"b"}}, {Name: "d"}},
			ready:    map[string]Outcome{"a": Aside, "d": Succeeded},
			want:     []string{"d succeeded", "b cancelled pending", "c cancelled pending"},
			readied:  []string{"a", "d"},
			executed: []string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g, err := New(tc.nodes)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tc.cancelled {
				cancel()
			}
			h := &scripted{g: g, ready: tc.ready, execute: tc.execute, block: tc.block, after: tc.after, begun: map[string]chan struct{}{}}
			for _, n := range tc.nodes {
				h.begun[n.Name] = make(chan struct{})
			}
			parallel := tc.parallel
			if parallel == 0 {
				parallel = 4
			}
			g.Run(ctx, parallel, tc.failFast, h)
			if !slices.Equal(h.settled, tc.want) {
				t.Errorf("settled:\n  %q\nwant\n  %q", h.settled, tc.want)
			}
			if tc.readied != nil && !slices.Equal(h.readied, tc.readied) {
				t.Errorf("Ready called for %q, want %q", h.readied, tc.readied)
			}
			slices.Sort(h.executed)
			if tc.executed != nil && !slices.Equal(h.executed, tc.executed) {
				t.Errorf("Execute called for %q, want %q", h.executed, tc.executed)
			}
		})
	}
}

// bounded is a Handler whose Execute counts the nodes running at once;
// the first nodes wait until full of them run, so the bound is reached.
type bounded struct {
	full              int
	once              sync.Once
	reached           chan struct{}
	inFlight, maxSeen atomic.Int32
	settled           []Outcome
}

func (h *bounded) Ready(context.Context, int) Outcome { return Launch }

func (h *bounded) Execute(ctx context.Context, _ int) Outcome {
	n := h.inFlight.Add(1)
	defer h.inFlight.Add(-1)
	for m := h.maxSeen.Load(); n > m && !h.maxSeen.CompareAndSwap(m, n); m = h.maxSeen.Load() {
	}
	if int(n) == h.full {
		h.once.Do(func() { close(h.reached) })
	}
	select {
	case <-h.reached:
		return Succeeded
	case <-ctx.Done():
		return Stopped
	}
}

func (h *bounded) Settled(s Settlement) { h.settled = append(h.settled, s.Outcome) }

func TestRunParallelBound(t *testing.T) {
	t.Parallel()
	nodes := make([]Node, 8)
	for i := range nodes {
		nodes[i] = Node{Name: fmt.Sprintf("n%d", i)}
	}
	nodes = append(nodes, Node{Name: "last", Needs: []string{"n0", "n7"}})
	g, err := New(nodes)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		parallel int
		want     int // the most nodes running at once
	}{{1, 1}, {3, 3}, {8, 8}, {20, 8}, {0, 1}, {-2, 1}}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.parallel), func(t *testing.T) {
			t.Parallel()
			h := &bounded{full: tc.want, reached: make(chan struct{})}
			g.Run(t.Context(), tc.parallel, false, h)
			if got := int(h.maxSeen.Load()); got != tc.want {
				t.Errorf("at most %d nodes ran at once, want %d", got, tc.want)
			}
			if len(h.settled) != len(nodes) || slices.ContainsFunc(h.settled, func(o Outcome) bool { return o != Succeeded }) {
				t.Errorf("settled %v, want %d successes", h.settled, len(nodes))
			}
		})
	}
}

// slotWaiter runs two nodes with one slot: whichever gets the slot cancels
// the run and holds the slot until the other has been settled.
type slotWaiter struct {
	cancel   context.CancelFunc
	released chan struct{}
	settled  []Settlement
}

func (h *slotWaiter) Ready(context.Context, int) Outcome { return Launch }

func (h *slotWaiter) Execute(context.Context, int) Outcome {
	h.cancel()
	<-h.released
	return Stopped
}

func (h *slotWaiter) Settled(s Settlement) {
	h.settled = append(h.settled, s)
	if s.Cause == CancelledWaitingForSlot {
		close(h.released)
	}
}

func TestRunCancelledWhileWaitingForSlot(t *testing.T) {
	t.Parallel()
	g, err := New([]Node{{Name: "a"}, {Name: "b"}, {Name: "c", Needs: []string{"a", "b"}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	h := &slotWaiter{cancel: cancel, released: make(chan struct{})}
	g.Run(ctx, 1, false, h)
	if len(h.settled) != 3 {
		t.Fatalf("%d settlements, want 3: %+v", len(h.settled), h.settled)
	}
	waited, c, ran := h.settled[0], h.settled[1], h.settled[2]
	if waited.Cause != CancelledWaitingForSlot || waited.Outcome != Stopped || waited.Err != context.Canceled {
		t.Errorf("first settled: %s, Err %v; want the node still waiting for the slot, with context.Canceled", g.describe(waited), waited.Err)
	}
	if ran.Cause != ByHandler || ran.Outcome != Stopped || ran.Node == waited.Node {
		t.Errorf("last: %s, want the other node, stopped by its handler", g.describe(ran))
	}
	if got := g.describe(c); got != "c skipped: needs "+g.names[waited.Node] {
		t.Errorf("then: %s, want c skipped because of the node that waited", got)
	}
}
