package ocitest_test

import (
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/tagship/tagship/oci/ocitest"
)

func ExampleRegistry_AddFault() {
	reg, err := ocitest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()
	// The next two manifest writes answer 503 with Retry-After: 1.
	reg.AddFault(ocitest.Fault{Match: ocitest.MatchManifestPut, Status: http.StatusServiceUnavailable, RetryAfter: time.Second, Times: 2})

	resp, err := http.Get(reg.URL() + "/v2/")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, len(reg.Requests()), reg.BlobsUploaded())
	// Output: 200 1 0
}
