package ghperm

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestAllows(t *testing.T) {
	t.Parallel()
	p := Permissions{ScopeContents: Read, ScopeIDToken: Write, "issues": "bogus"}
	for _, tc := range []struct {
		scope string
		need  Access
		want  bool
	}{
		{ScopeContents, Read, true},
		{ScopeContents, Write, false},
		{ScopeIDToken, Write, true},
		{ScopeIDToken, Read, true}, // write implies read
		{ScopePackages, Read, false},
		{ScopePackages, Write, false},
		{"issues", Read, false}, // an unknown level grants nothing
		{"", Read, false},
	} {
		if got := p.Allows(tc.scope, tc.need); got != tc.want {
			t.Errorf("Allows(%q, %q) = %v, want %v", tc.scope, tc.need, got, tc.want)
		}
	}
	if (Permissions(nil)).Allows(ScopeContents, Read) {
		t.Error("nil Permissions allow contents: read")
	}
}

func TestString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p    Permissions
		want string
	}{
		{nil, "nothing"},
		{Permissions{}, "nothing"},
		{Permissions{ScopeContents: Write}, "contents: write"},
		{Permissions{ScopePackages: Write, ScopeContents: Read, ScopeIDToken: Write}, "contents: read, id-token: write, packages: write"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.p, got, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		p       Permissions
		wantErr string // "" for valid
	}{
		{"nothing", nil, ""},
		{"the standard grants", Permissions{ScopeContents: Write, ScopeIDToken: Write, ScopePackages: Write}, ""},
		{"every GitHub scope", Permissions{"actions": Read, "attestations": Write, "checks": Read, "deployments": Read,
			"discussions": Read, "issues": Read, "models": Read, "pages": Read, "pull-requests": Read,
			"security-events": Read, "statuses": Read}, ""},
		{"unknown scope", Permissions{"content": Read}, `permission scope "content" is not a GitHub Actions token scope`},
		{"none is not written", Permissions{ScopeContents: "none"}, `permission contents: "none": want "read" or "write"`},
		{"empty level", Permissions{ScopeContents: ""}, `want "read" or "write"`},
		{"upper case level", Permissions{ScopeContents: "READ"}, `"READ"`},
		{"id-token read", Permissions{ScopeIDToken: Read}, "GitHub only grants id-token: write"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.p.Validate()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Validate() = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestPermissionError(t *testing.T) {
	t.Parallel()
	err := error(&PermissionError{Job: "publish-release", Scope: ScopeContents, Need: Write,
		Have: Permissions{ScopeContents: Read}, Use: "POST api.github.com/repos/o/r/releases"})
	want := "release: job publish-release tried to POST api.github.com/repos/o/r/releases, which needs contents: write, but the job is granted contents: read; add contents: write to its Permissions"
	if err.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", err, want)
	}
	if !errors.Is(err, ErrPermission) {
		t.Error("does not match ErrPermission")
	}
}

func TestNeed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		method string
		want   Access
	}{
		{http.MethodGet, Read}, {http.MethodHead, Read}, {http.MethodOptions, Read},
		{http.MethodPost, Write}, {http.MethodPut, Write}, {http.MethodPatch, Write}, {http.MethodDelete, Write},
		{"get", Write}, // methods are case-sensitive: an unknown one needs write
		{"", Write},
	} {
		if got := Need(tc.method); got != tc.want {
			t.Errorf("Need(%q) = %q, want %q", tc.method, got, tc.want)
		}
	}
}

type trackedBody struct {
	io.Reader
	closed atomic.Bool
}

func (b *trackedBody) Close() error { b.closed.Store(true); return nil }

func TestTransport(t *testing.T) {
	t.Parallel()
	refusal := errors.New("refused")
	for _, tc := range []struct {
		name     string
		method   string
		granted  Permissions
		wantSent bool
	}{
		{"read allowed", http.MethodGet, Permissions{ScopeContents: Read}, true},
		{"write allowed", http.MethodPost, Permissions{ScopeContents: Write}, true},
		{"write refused", http.MethodPost, Permissions{ScopeContents: Read}, false},
		{"read refused", http.MethodHead, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var sent atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sent.Add(1) }))
			defer srv.Close()
			var asked []string
			check := func(ctx context.Context, scope string, need Access, use string) error {
				asked = append(asked, scope+" "+string(need)+" "+use)
				if !tc.granted.Allows(scope, need) {
					return refusal
				}
				return nil
			}
			body := &trackedBody{Reader: strings.NewReader("x")}
			req, err := http.NewRequest(tc.method, srv.URL+"/repos/o/r/releases", body)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := Transport(srv.Client().Transport, ScopeContents, check).RoundTrip(req)
			if resp != nil {
				resp.Body.Close()
			}
			wantUse := ScopeContents + " " + string(Need(tc.method)) + " " + tc.method + " " + req.URL.Host + "/repos/o/r/releases"
			if len(asked) != 1 || asked[0] != wantUse {
				t.Errorf("check asked %q, want [%q]", asked, wantUse)
			}
			if got := sent.Load() > 0; got != tc.wantSent {
				t.Errorf("sent = %v, want %v (err %v)", got, tc.wantSent, err)
			}
			if !tc.wantSent && (!errors.Is(err, refusal) || !body.closed.Load()) {
				t.Errorf("refused request: err %v, body closed %v; want the check's error and a closed body", err, body.closed.Load())
			}
		})
	}
}
