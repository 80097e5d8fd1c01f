// Package double holds the one piece every test double of the module
// shares: the test constructor. Each double (sign/signtest, oci/ocitest,
// pypi/pypitest, ghrelease/ghreleasetest, release/releasetest) has, like
// net/http/httptest, a NewServer (or NewEnv) for long-running use that
// returns the double and an error, and a New(tb, opts...) for tests built
// on it with [Start]: fail the test on error, close the double when the
// test ends.
package double

import "testing"

// Start calls start and returns what it started, closed in tb.Cleanup. An
// error fails tb (name, e.g. "signtest", prefixes the message).
func Start[T interface{ Close() }](tb testing.TB, name string, start func() (T, error)) T {
	tb.Helper()
	d, err := start()
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	tb.Cleanup(d.Close)
	return d
}
