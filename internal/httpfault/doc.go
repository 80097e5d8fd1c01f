// Package httpfault holds the low-level HTTP misbehaviour shared by
// tagship's test doubles (pypi/pypitest, sign/signtest, oci/ocitest,
// ghrelease/ghreleasetest): dropping a connection with a TCP RST or a plain
// close, stalling a request until the client gives up, answering with a
// body shorter than its announced Content-Length, and the Retry-After
// header.
//
// It is only the mechanics. Each xxxtest double keeps its own public Fault
// type, its matching rules (routes, methods, matchers, how many times a
// fault fires) and its error bodies, and calls these helpers to carry a
// fault out:
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
