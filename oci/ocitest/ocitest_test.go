package ocitest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tagship/tagship/oci/ocitest"
)

func get(t *testing.T, url string, auth ...string) (*http.Response, error) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if len(auth) == 2 {
		req.SetBasicAuth(auth[0], auth[1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      ocitest.Fault
		wantStatus []int // per request; 0 = connection error
		retryAfter string
	}{
		{"503 twice", ocitest.Fault{Status: 503, Times: 2}, []int{503, 503, 200}, ""},
		{"429 with Retry-After", ocitest.Fault{Status: 429, RetryAfter: 7 * time.Second}, []int{429, 200}, "7"},
		{"reset once", ocitest.Fault{Reset: true}, []int{0, 200}, ""},
		{"forever", ocitest.Fault{Status: 500, Times: -1}, []int{500, 500, 500}, ""},
		{"not matching", ocitest.Fault{Status: 500, Match: ocitest.MatchManifestPut}, []int{200, 200}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := ocitest.New(t)
			reg.AddFault(tt.fault)
			for i, want := range tt.wantStatus {
				resp, err := get(t, reg.URL()+"/v2/")
				if want == 0 {
					if err == nil {
						t.Fatalf("request %d: got %d, want a connection error", i, resp.StatusCode)
					}
					continue
				}
				if err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				if resp.StatusCode != want {
					t.Fatalf("request %d: status %d, want %d", i, resp.StatusCode, want)
				}
				if i == 0 && resp.Header.Get("Retry-After") != tt.retryAfter {
					t.Fatalf("Retry-After %q, want %q", resp.Header.Get("Retry-After"), tt.retryAfter)
				}
			}
			if got := len(reg.Requests()); got != len(tt.wantStatus) {
				t.Fatalf("recorded %d requests, want %d", got, len(tt.wantStatus))
			}
		})
	}
}

func TestStall(t *testing.T) {
	t.Parallel()
	reg := ocitest.New(t)
	reg.AddFault(ocitest.Fault{Stall: 200 * time.Millisecond, Match: ocitest.MatchMethodPath(http.MethodGet, "/v2/")})
	start := time.Now()
	if _, err := get(t, reg.URL()+"/v2/"); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 200*time.Millisecond {
		t.Fatalf("stalled request took %s", el)
	}
}

func TestBasicAuth(t *testing.T) {
	t.Parallel()
	reg := ocitest.New(t, ocitest.WithBasicAuth("u", "p"))
	resp, err := get(t, reg.URL()+"/v2/")
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
		t.Fatalf("anonymous: %v %v", resp, err)
	}
	if resp, err := get(t, reg.URL()+"/v2/", "u", "wrong"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %v %v", resp, err)
	}
	if resp, err := get(t, reg.URL()+"/v2/", "u", "p"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("right password: %v %v", resp, err)
	}
	if n := reg.Count(func(q ocitest.Request) bool { return true }, http.StatusUnauthorized); n != 2 {
		t.Fatalf("counted %d unauthorized, want 2", n)
	}
}

func TestDockerRegistry(t *testing.T) {
	t.Parallel()
	for _, auth := range []bool{false, true} {
		t.Run(map[bool]string{false: "open", true: "htpasswd"}[auth], func(t *testing.T) {
			t.Parallel()
			var opts []ocitest.DockerOption
			if auth {
				opts = append(opts, ocitest.WithHtpasswd("u", "p"))
			}
			reg := ocitest.StartDockerRegistry(t, opts...)
			if !strings.HasPrefix(reg.Host, "127.0.0.1:") {
				t.Fatalf("registry listens on %s, want loopback", reg.Host)
			}
			resp, err := get(t, "http://"+reg.Host+"/v2/")
			if err != nil {
				t.Fatal(err)
			}
			want := http.StatusOK
			if auth {
				want = http.StatusUnauthorized
			}
			if resp.StatusCode != want {
				t.Fatalf("status %d, want %d", resp.StatusCode, want)
			}
			if auth {
				if resp, err := get(t, "http://"+reg.Host+"/v2/", "u", "p"); err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("with credentials: %v %v", resp, err)
				}
			}
		})
	}
}
