package pypitest_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/pypi/pypitest"
)

const token = "pypi-test-token"

// wheel writes a minimal wheel into a temporary directory removed at the
// end of the test.
func wheel(t testing.TB, name, version, extra string) *pypi.Distribution {
	t.Helper()
	d, err := wheelIn(t.TempDir(), name, version, extra)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// wheelIn writes a minimal wheel into dir.
func wheelIn(dir, name, version, extra string) (*pypi.Distribution, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	di := name + "-" + version + ".dist-info/"
	for n, body := range map[string]string{
		name + "/__init__.py": extra,
		di + "METADATA":       "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\nRequires-Python: >=3.9\n\nbody\n",
		di + "WHEEL":          "Wheel-Version: 1.0\n",
	} {
		w, _ := zw.Create(n)
		io.WriteString(w, body)
	}
	zw.Close()
	p := filepath.Join(dir, name+"-"+version+"-py3-none-any.whl")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		return nil, err
	}
	return pypi.OpenDistribution(p)
}

// post sends a legacy upload with the given fields (nil: d's twine form),
// modified by edit.
func post(t testing.TB, srv *pypitest.Server, user, pass string, d *pypi.Distribution, edit func([]pypi.Field) []pypi.Field, content []byte) (int, string, string) {
	t.Helper()
	fields := d.UploadForm()
	if edit != nil {
		fields = edit(fields)
	}
	if content == nil {
		content, _ = os.ReadFile(d.Path)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		mw.WriteField(f.Name, f.Value)
	}
	fw, _ := mw.CreateFormFile("content", d.Filename)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", srv.UploadURL(), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Status, string(b)
}

func set(name, value string) func([]pypi.Field) []pypi.Field {
	return func(fs []pypi.Field) []pypi.Field {
		out := append([]pypi.Field(nil), fs...)
		for i := range out {
			if out[i].Name == name {
				out[i].Value = value
				return out
			}
		}
		return append(out, pypi.Field{Name: name, Value: value})
	}
}

func newServer(t testing.TB, opts ...pypitest.Option) *pypitest.Server {
	t.Helper()
	srv, err := pypitest.NewServer(append([]pypitest.Option{pypitest.WithAPIToken(token)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func TestLegacyValidation(t *testing.T) {
	t.Parallel()
	d := wheel(t, "demo", "1.0", "")
	tests := []struct {
		name       string
		user, pass string
		edit       func([]pypi.Field) []pypi.Field
		content    []byte
		status     int
		msg        string
	}{
		{"ok", "__token__", token, nil, nil, 200, ""},
		{"no auth", "", "", nil, nil, 403, "Invalid or non-existent authentication information. See https://pypi.org/help/#invalid-auth for more information."},
		{"wrong user", "alice", token, nil, nil, 403, "Invalid or non-existent authentication information."},
		{"bad token", "__token__", "pypi-nope", nil, nil, 403, "Invalid API Token"},
		{"protocol", "__token__", token, set("protocol_version", "2"), nil, 400, "Unknown protocol version."},
		{"no metadata version", "__token__", token, set("metadata_version", ""), nil, 400, "'' is an invalid value for Metadata-Version. Error: This field is required. See https://packaging.python.org/specifications/core-metadata for more information."},
		{"bad name", "__token__", token, set("name", "-bad-"), nil, 400, "'-bad-' is an invalid value for Name."},
		{"bad version", "__token__", token, set("version", "one"), nil, 400, "'one' is an invalid value for Version."},
		{"bad filetype", "__token__", token, set("filetype", "bdist_egg"), nil, 400, "'bdist_egg' is an invalid value for filetype. Error: Use a known file type."},
		{"no pyversion", "__token__", token, set("pyversion", ""), nil, 400, "Python version is required for binary distribution uploads."},
		{"no digests", "__token__", token, func(fs []pypi.Field) []pypi.Field {
			return set("sha256_digest", "")(set("md5_digest", "")(set("blake2_256_digest", "")(fs)))
		}, nil, 400, "Include at least one message digest."},
		{"sha256 mismatch", "__token__", token, set("sha256_digest", strings.Repeat("0", 64)), nil, 400, "The digest supplied does not match a digest calculated from the uploaded file."},
		{"blake2 mismatch", "__token__", token, set("blake2_256_digest", strings.Repeat("a", 64)), nil, 400, "The digest supplied does not match a digest calculated from the uploaded file."},
		{"name differs from file", "__token__", token, set("name", "other"), nil, 400, "Start filename for 'other' with 'other'."},
		{"version differs from file", "__token__", token, set("version", "2.0"), nil, 400, "Version in filename should be '2.0' not '1.0'."},
		{"not a wheel", "__token__", token, func(fs []pypi.Field) []pypi.Field {
			return set("sha256_digest", "")(set("md5_digest", "")(set("blake2_256_digest", "cd7c5b1b5bc0ab6a1f5a9e0d2f23fe1b6fdf9f4b5b1c2f26c10e88e4d5a0b6f2")(fs)))
		}, []byte("junk"), 400, "The digest supplied does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			status, statusLine, body := post(t, srv, tt.user, tt.pass, d, tt.edit, tt.content)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if tt.msg != "" && (!strings.Contains(body, tt.msg) || !strings.Contains(statusLine, tt.msg[:min(20, len(tt.msg))])) {
				t.Errorf("status line %q / body %q lack %q", statusLine, body, tt.msg)
			}
			if n := len(srv.Files()); (status == 200) != (n == 1) {
				t.Errorf("%d files stored", n)
			}
			if caps := srv.Captures(); len(caps) != 1 || caps[0].Status != status {
				t.Errorf("captures %+v", caps)
			}
		})
	}
}

func TestInvalidDistributionContent(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	d := wheel(t, "demo", "1.0", "")
	junk := []byte("not a zip")
	sum := sha256.Sum256(junk)
	status, _, body := post(t, srv, "__token__", token, d, func(fs []pypi.Field) []pypi.Field {
		return set("md5_digest", "")(set("blake2_256_digest", "")(set("sha256_digest", hex.EncodeToString(sum[:]))(fs)))
	}, junk)
	if status != 400 || !strings.Contains(body, "Invalid distribution file.") || !strings.Contains(body, "not a valid zip") {
		t.Fatalf("status %d: %s", status, body)
	}
	if len(srv.Files()) != 0 {
		t.Error("stored an invalid file")
	}
}

func TestDuplicateFile(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	d := wheel(t, "demo", "1.0", "a")
	if s, _, b := post(t, srv, "__token__", token, d, nil, nil); s != 200 {
		t.Fatalf("%d %s", s, b)
	}
	// Identical re-upload: 200, still one file.
	if s, _, b := post(t, srv, "__token__", token, d, nil, nil); s != 200 {
		t.Fatalf("identical re-upload: %d %s", s, b)
	}
	other := wheel(t, "demo", "1.0", "b")
	s, line, b := post(t, srv, "__token__", token, other, nil, nil)
	want := fmt.Sprintf("File already exists ('demo-1.0-py3-none-any.whl', with blake2_256 hash '%s'). See https://pypi.org/help/#file-name-reuse for more information.", other.BLAKE2b256)
	if s != 400 || !strings.Contains(b, want) || line != "400 "+want {
		t.Fatalf("%d %q %q, want %q", s, line, b, want)
	}
	if len(srv.Files()) != 1 || srv.UploadAttempts() != 3 {
		t.Errorf("files %d attempts %d", len(srv.Files()), srv.UploadAttempts())
	}
}

func TestIndexPages(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	d := wheel(t, "Demo_Pkg", "1.0", "")
	if s, _, b := post(t, srv, "__token__", token, d, nil, nil); s != 200 {
		t.Fatalf("%d %s", s, b)
	}
	get := func(path, accept string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := get("/simple/demo-pkg/", pypitest.SimpleJSON)
	var page struct {
		Name  string `json:"name"`
		Files []struct {
			Filename       string            `json:"filename"`
			URL            string            `json:"url"`
			Hashes         map[string]string `json:"hashes"`
			RequiresPython string            `json:"requires-python"`
		} `json:"files"`
	}
	if resp.Header.Get("Content-Type") != pypitest.SimpleJSON || json.Unmarshal([]byte(body), &page) != nil ||
		len(page.Files) != 1 || page.Files[0].Hashes["sha256"] != d.SHA256 || page.Files[0].RequiresPython != ">=3.9" {
		t.Fatalf("JSON simple page: %s %s", resp.Header.Get("Content-Type"), body)
	}
	_, body = get("/simple/demo-pkg/", "text/html")
	if !strings.Contains(body, "#sha256="+d.SHA256+`" data-requires-python="&gt;=3.9">`+d.Filename+"</a>") {
		t.Errorf("HTML simple page: %s", body)
	}
	if resp, _ := get("/simple/Demo_Pkg/", ""); resp.StatusCode != 301 || resp.Header.Get("Location") != "/simple/demo-pkg/" {
		t.Errorf("non-normalised name: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := get("/simple/nothing/", ""); resp.StatusCode != 404 {
		t.Errorf("unknown project: %d", resp.StatusCode)
	}
	_, body = get("/pypi/demo-pkg/1.0/json", "")
	var js struct {
		Info struct{ Name, Version string }
		URLs []struct {
			Filename string
			Digests  map[string]string
		}
	}
	if json.Unmarshal([]byte(body), &js) != nil || js.Info.Version != "1.0" || len(js.URLs) != 1 || js.URLs[0].Digests["blake2b_256"] != d.BLAKE2b256 {
		t.Errorf("JSON API: %s", body)
	}
	resp, body = get("/files/"+d.SHA256+"/"+d.Filename, "")
	want, _ := os.ReadFile(d.Path)
	if resp.StatusCode != 200 || body != string(want) {
		t.Errorf("download: %d, %d bytes", resp.StatusCode, len(body))
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	d := wheel(t, "demo", "1.0", "")
	post(t, srv, "__token__", token, d, nil, nil)
	url := srv.URL + "/files/" + d.SHA256 + "/" + d.Filename

	srv.AddFault(pypitest.Fault{Match: pypitest.MatchPath("", "/files/"), Status: 503, RetryAfter: 7 * time.Second, Times: 2})
	for i := 0; i < 2; i++ {
		resp, err := http.Get(url)
		if err != nil || resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "7" {
			t.Fatalf("fault %d: %v %v", i, err, resp)
		}
		resp.Body.Close()
	}
	if resp, err := http.Get(url); err != nil || resp.StatusCode != 200 {
		t.Fatalf("after faults: %v %v", err, resp)
	}

	srv.AddFault(pypitest.Fault{Match: pypitest.MatchPath("", "/files/"), Truncate: true, TruncateAfter: 10})
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || len(b) != 10 {
		t.Errorf("truncate: read %d bytes, err %v", len(b), err)
	}

	srv.AddFault(pypitest.Fault{Match: pypitest.MatchPath("", "/files/"), Reset: true})
	if _, err := http.Get(url); err == nil {
		t.Error("reset: no error")
	}

	srv.AddFault(pypitest.Fault{Match: pypitest.MatchPath("", "/files/"), Stall: 200 * time.Millisecond})
	start := time.Now()
	if resp, err := http.Get(url); err != nil || resp.StatusCode != 200 || time.Since(start) < 200*time.Millisecond {
		t.Errorf("stall: %v %v %v", err, resp, time.Since(start))
	}
}

func TestMintEndpoint(t *testing.T) {
	t.Parallel()
	iss, err := pypitest.NewIssuer("")
	if err != nil {
		t.Fatal(err)
	}
	// Discovery: the server fetches the JWKS through the issuer's
	// openid-configuration, as Warehouse does.
	disc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			json.NewEncoder(w).Encode(map[string]string{"issuer": "http://" + r.Host, "jwks_uri": "http://" + r.Host + "/jwks"})
		case "/jwks":
			json.NewEncoder(w).Encode(iss.KeySet())
		default:
			http.NotFound(w, r)
		}
	}))
	defer disc.Close()
	iss.URL = disc.URL
	srv := newServer(t, pypitest.WithIssuer(disc.URL), pypitest.WithTrustedPublisher(pypitest.Publisher{Repository: "o/r", Workflow: "release.yml", Project: "demo"}))

	resp, err := http.Get(srv.URL + "/_/oidc/audience")
	if err != nil {
		t.Fatal(err)
	}
	var aud map[string]string
	json.NewDecoder(resp.Body).Decode(&aud)
	resp.Body.Close()
	if aud["audience"] != "pypi" {
		t.Fatalf("audience %v", aud)
	}
	mint := func(body string) (int, map[string]any) {
		resp, err := http.Post(srv.URL+"/_/oidc/mint-token", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	code := func(m map[string]any) string {
		errs, _ := m["errors"].([]any)
		if len(errs) == 0 || m["message"] != "Token request failed" {
			return ""
		}
		return errs[0].(map[string]any)["code"].(string)
	}
	if s, m := mint("{not json"); s != 422 || code(m) != "invalid-payload" {
		t.Errorf("bad json: %d %v", s, m)
	}
	if s, m := mint(`{"token": 5}`); s != 422 || code(m) != "invalid-payload" {
		t.Errorf("non-string token: %d %v", s, m)
	}
	if s, m := mint(`{"token": "a.b.c"}`); s != 422 || code(m) != "invalid-token" {
		t.Errorf("garbage token: %d %v", s, m)
	}
	other, _ := pypitest.NewIssuer(disc.URL) // same name, different key
	forged, _ := other.GitHubToken(pypitest.GitHubClaims{Repository: "o/r", Workflow: "release.yml"})
	if s, m := mint(`{"token": "` + forged + `"}`); s != 422 || code(m) != "invalid-token" {
		t.Errorf("forged token: %d %v", s, m)
	}
	jwt, _ := iss.GitHubToken(pypitest.GitHubClaims{Repository: "o/r", Workflow: "release.yml"})
	s, m := mint(`{"token": "` + jwt + `"}`)
	tok, _ := m["token"].(string)
	if s != 200 || m["success"] != true || !strings.HasPrefix(tok, "pypi-") || m["expires"].(float64) < float64(time.Now().Add(14*time.Minute).Unix()) {
		t.Fatalf("mint: %d %v", s, m)
	}
	if s, m := mint(`{"token": "` + jwt + `"}`); s != 422 || code(m) != "invalid-reuse-token" {
		t.Errorf("reuse: %d %v", s, m)
	}
	// The minted token is scoped to the publisher's project.
	if s, _, b := post(t, srv, "__token__", tok, wheel(t, "other", "1.0", ""), nil, nil); s != 403 || !strings.Contains(b, "isn't valid for project") {
		t.Errorf("other project: %d %s", s, b)
	}
	if s, _, b := post(t, srv, "__token__", tok, wheel(t, "demo", "1.0", ""), nil, nil); s != 200 {
		t.Errorf("own project: %d %s", s, b)
	}
	srv.ExpireTokens()
	if s, _, b := post(t, srv, "__token__", tok, wheel(t, "demo", "1.0", "x"), nil, nil); s != 403 || !strings.Contains(b, "expired") {
		t.Errorf("expired: %d %s", s, b)
	}
	if srv.MintCount() != 1 {
		t.Errorf("mint count %d", srv.MintCount())
	}
}
