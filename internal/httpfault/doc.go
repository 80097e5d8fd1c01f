// Package httpfault holds the low-level HTTP misbehaviour shared by
// tagship's test doubles (pypi/pypitest, sign/signtest, oci/ocitest,
// ghrelease/ghreleasetest): dropping a connection with a TCP RST or a plain
// close, stalling a request until the client gives up, answering with a
// body shorter than its announced Content-Length, and the Retry-After
// header.
//
// It also holds the one [Fault] type every double takes (each re-exports it
// under its own name) and the [Queue] that arms faults in order and counts
// how many times each fires. Each double keeps what is its own: where a
// request goes (signtest's endpoints, ghreleasetest's routes), its native
// error bodies, and how patient a stall is. It calls these helpers to
// carry a fault out:
//
//	if !httpfault.Stall(r, f.Stall, closed) {
//		return // the client gave up
//	}
//	if f.Reset {
//		httpfault.DiscardBody(r, f.ResetAfter)
//		httpfault.Reset(w)
//		return
//	}
//	if f.Truncate {
//		httpfault.ServeTruncated(w, r, h, httpfault.Half)
//		httpfault.Abort()
//	}
//
// Everything here runs inside an http.Handler on a server the double
// owns; nothing keeps state between requests.
package httpfault
