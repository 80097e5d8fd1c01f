// Package dag is the module's one home for the algorithms on a directed
// acyclic graph of named nodes, such as the jobs of a release pipeline and
// the jobs they need: checking that the graph is well formed, ordering it,
// its closures (ancestors, a selection with everything it needs), and an
// executor that runs the graph.
//
// The contract:
//
//   - [New] keeps the nodes in the order they are declared; a node's index
//     is its position in that order. It refuses, as an [*Error], a name
//     given twice ([ErrDuplicate]), a need that is not a node
//     ([ErrUnknownNeed]), a need listed twice by one node ([ErrNeedTwice])
//     and a cycle ([ErrCycle]), checking in that order and reporting the
//     first problem met in declaration order. A cycle is reported as a
//     path: each node needs the next, and the first is repeated at the end.
//   - Every answer is deterministic: ties are broken by declaration order.
//     [Graph.Order] puts every node after the nodes it needs.
//   - A Graph is immutable and safe for concurrent use; slices and maps it
//     returns are the caller's.
//
// The executor, [Graph.Run], asks a [Handler] what each node is:
//
//   - A node becomes ready when every node it needs has succeeded: first
//     the nodes that need nothing, in declaration order, then a settled
//     node's dependents, in declaration order, depth first. Unless the run
//     is cancelled, Ready decides: Launch, settle it at once, or Aside (it
//     takes no part; its dependents never become ready and end pending).
//   - A launched node waits for one of parallel slots, honouring the
//     run's context, then Execute runs it on its own goroutine.
//   - Everything else happens on the goroutine that called Run, which
//     tells Settled, once per node not set aside, how it ended and why
//     ([Settlement]): by the handler (Ready or Execute), skipped because a
//     node it needs (transitively) did not succeed, or cancelled (when it
//     became ready, while it waited for a slot, or still pending when the
//     run ended).
//   - With fail-fast, the first node that fails cancels the run's context:
//     running nodes see it cancelled, and every later settlement names
//     that node ([Settlement.FailedFast]).
//   - Run returns once no node is running.
//
// What the nodes are, how their outcomes and a malformed graph are worded
// for a user, is the caller's business (package release words them in
// terms of jobs).
//
// It is an internal leaf: it imports only the standard library.
package dag
