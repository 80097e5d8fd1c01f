package safehttp_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/tagship/tagship/internal/safehttp"
)

// A client for one service: its token goes to that origin only, retries
// follow the shared policy, and whatever the server quotes back is
// redacted before it reaches an error or a log.
func ExampleNew() {
	origin, _ := safehttp.ParseOrigin("https://api.example.com")
	tr := safehttp.New(nil,
		safehttp.WithService("example"),
		safehttp.WithCredential(safehttp.Credential{Origin: origin, Value: "token ghs_0123456789abcdef"}),
		safehttp.WithRetry(safehttp.Policy{Attempts: 3, MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}))
	_ = &http.Client{Transport: tr}
	fmt.Println(tr.Redactor().Redact("401: bad credentials token ghs_0123456789abcdef"))
	// Output: 401: bad credentials token [REDACTED]
}

func ExampleRedactor_RedactText() {
	r := safehttp.NewRedactor("pypi-AgEIcHlwaS5vcmcCJGFiY2RlZg")
	// Redacted first, then cut: no part of the token survives the cut.
	fmt.Println(r.RedactText("invalid token pypi-AgEIcHlwaS5vcmcCJGFiY2RlZg for upload", 40))
	// Output: invalid token [REDACTED] for upload
}
