// Package dag is the module's one home for the algorithms on a directed
// acyclic graph of named nodes, such as the jobs of a release pipeline and
// the jobs they need: checking that the graph is well formed, ordering it,
// and the closures a scheduler works from.
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
// What the nodes are, and how a malformed graph is explained to a user,
// is the caller's business (package release words these errors in terms
// of jobs).
//
// It is an internal leaf: it imports only the standard library.
package dag
