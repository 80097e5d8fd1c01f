package dag

import "context"

// Outcome is what became of a node. [Handler.Ready] answers with one of
// them; [Handler.Execute] with Succeeded, Failed or Stopped; [Settlement]
// carries Succeeded, Failed or Stopped.
type Outcome int

const (
	// Launch, from Ready: run the node ([Handler.Execute] on its own
	// goroutine, once a slot is free).
	Launch Outcome = iota + 1
	// Aside, from Ready: the node is not part of this run. It is not
	// settled, and its dependents never become ready (they end as
	// CancelledPending).
	Aside
	// Succeeded: the node's dependents become ready once all their needs
	// have succeeded.
	Succeeded
	// Failed: the node's pending dependents are skipped, transitively;
	// under fail-fast the run is cancelled.
	Failed
	// Stopped: the node neither succeeded nor failed (it was skipped or
	// cancelled): its pending dependents are skipped, transitively.
	Stopped
)

// Cause says who settled a node, and why.
type Cause int

const (
	// ByHandler: Ready or Execute settled the node with the Outcome.
	ByHandler Cause = iota
	// NeedNotSucceeded: the node was pending when a node it needs,
	// directly or transitively, did not succeed ([Settlement.Need]).
	NeedNotSucceeded
	// CancelledBeforeStart: the run was cancelled when the node became
	// ready; Ready was not called.
	CancelledBeforeStart
	// CancelledWaitingForSlot: the run was cancelled while the launched
	// node waited for a free slot; Execute was not called.
	CancelledWaitingForSlot
	// CancelledPending: the run ended with the node pending (a node it
	// needs was set aside).
	CancelledPending
)

// Settlement is how a node ended, as [Graph.Run] tells [Handler.Settled].
type Settlement struct {
	Node    int // the node's index
	Outcome Outcome
	Cause   Cause
	// Need is, for NeedNotSucceeded, the node whose outcome skipped this
	// one (the same for a whole chain of dependents); otherwise -1.
	Need int
	// Err is, for CancelledWaitingForSlot, the run's context's error.
	Err error
	// FailedFast is the node whose failure cancelled the run under
	// fail-fast, or -1 (none, or not yet).
	FailedFast int
}

// Handler is what [Graph.Run] asks of its caller about the nodes,
// identified by their index.
type Handler interface {
	// Ready is called on Run's goroutine when every need of node has
	// succeeded (at once for a node that needs nothing), unless the run is
	// cancelled. It returns Launch, Aside, or the Outcome it settled the
	// node with at once (Succeeded, Failed or Stopped).
	Ready(ctx context.Context, node int) Outcome
	// Execute runs a launched node on its own goroutine, holding one of
	// the run's slots, and returns Succeeded, Failed or Stopped (anything
	// else counts as Stopped). It must be safe for concurrent use; what it
	// does happens before the Settled call for its node.
	Execute(ctx context.Context, node int) Outcome
	// Settled is called on Run's goroutine once for every node that is not
	// set aside, in the order they settle; a node's Settled comes before
	// any call about its dependents.
	Settled(s Settlement)
}

// Run executes the graph with h (see the package documentation): each
// node once its needs have succeeded, at most parallel at once (at least
// 1), settling every outcome on the calling goroutine; only Execute runs
// elsewhere. With failFast, the first node that fails cancels the run.
// Run returns when no node is running; what is still pending then is
// settled as CancelledPending. The run's context, derived from ctx, lives
// for the call.
func (g *Graph) Run(ctx context.Context, parallel int, failFast bool, h Handler) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &run{
		h: h, cancel: cancel, failFast: failFast,
		state:      make([]nodeState, len(g.names)),
		remaining:  g.needCounts(),
		dependents: g.dependents(),
		results:    make(chan Settlement, len(g.names)),
		sem:        make(chan struct{}, max(parallel, 1)),
		failedFast: -1,
	}
	for i := range r.state {
		if r.remaining[i] == 0 && r.state[i] == pending {
			r.ready(ctx, i)
		}
	}
	for r.running > 0 {
		s := <-r.results
		r.running--
		r.settle(ctx, s)
	}
	for i, st := range r.state {
		if st == pending {
			r.state[i] = settled
			h.Settled(Settlement{Node: i, Outcome: Stopped, Cause: CancelledPending, Need: -1, FailedFast: r.failedFast})
		}
	}
}

type nodeState int

const (
	pending nodeState = iota
	running
	settled
	aside
)

// run is one call of [Graph.Run].
type run struct {
	h          Handler
	cancel     context.CancelFunc // cancels the run's context (fail-fast)
	failFast   bool
	state      []nodeState
	remaining  []int   // unmet needs per node
	dependents [][]int // nodes that need each node
	results    chan Settlement
	sem        chan struct{}
	running    int
	failedFast int // the node whose failure cancelled the run, or -1
}

// ready hands node i, whose needs have all succeeded, to the handler.
func (r *run) ready(ctx context.Context, i int) {
	if ctx.Err() != nil {
		r.settle(ctx, Settlement{Node: i, Outcome: Stopped, Cause: CancelledBeforeStart, Need: -1})
		return
	}
	switch o := r.h.Ready(ctx, i); o {
	case Launch:
		r.launch(ctx, i)
	case Aside:
		r.state[i] = aside
	default:
		r.settle(ctx, Settlement{Node: i, Outcome: o, Cause: ByHandler, Need: -1})
	}
}

// launch executes node i on its own goroutine once a slot is free; its
// settlement comes back on results.
func (r *run) launch(ctx context.Context, i int) {
	r.running++
	r.state[i] = running
	go func() {
		select {
		case r.sem <- struct{}{}:
		case <-ctx.Done():
			r.results <- Settlement{Node: i, Outcome: Stopped, Cause: CancelledWaitingForSlot, Need: -1, Err: ctx.Err()}
			return
		}
		defer func() { <-r.sem }()
		r.results <- Settlement{Node: i, Outcome: r.h.Execute(ctx, i), Cause: ByHandler, Need: -1}
	}()
}

// settle tells the handler how node s.Node ended, then makes ready the
// dependents it unblocks or skips those it leaves without a need; a
// failure under fail-fast cancels the run.
func (r *run) settle(ctx context.Context, s Settlement) {
	i := s.Node
	r.state[i] = settled
	s.FailedFast = r.failedFast
	r.h.Settled(s)
	if s.Outcome == Succeeded {
		for _, k := range r.dependents[i] {
			if r.remaining[k]--; r.remaining[k] == 0 && r.state[k] == pending {
				r.ready(ctx, k)
			}
		}
		return
	}
	r.skipDependents(i, i)
	if s.Outcome == Failed && r.failFast && r.failedFast < 0 {
		r.failedFast = i
		r.cancel()
	}
}

// skipDependents settles, transitively, the pending nodes that need node i
// as skipped because of node need.
func (r *run) skipDependents(i, need int) {
	for _, d := range r.dependents[i] {
		if r.state[d] != pending {
			continue
		}
		r.state[d] = settled
		r.h.Settled(Settlement{Node: d, Outcome: Stopped, Cause: NeedNotSucceeded, Need: need, FailedFast: r.failedFast})
		r.skipDependents(d, need)
	}
}
