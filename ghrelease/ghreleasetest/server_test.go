package ghreleasetest

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

func tempFile(t *testing.T, name, content string) *os.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func status(resp *github.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

func TestReleasesAndAssets(t *testing.T) {
	t.Parallel()
	for _, tlsOn := range []bool{false, true} {
		t.Run("tls="+strconv.FormatBool(tlsOn), func(t *testing.T) {
			t.Parallel()
			var opts []Option
			if tlsOn {
				opts = append(opts, WithTLS())
			}
			s := New(t, opts...)
			if tlsOn != strings.HasPrefix(s.URL, "https://") {
				t.Fatalf("URL %s", s.URL)
			}
			c := s.Client()
			ctx := context.Background()

			rel, _, err := c.Repositories.CreateRelease(ctx, "o", "r", &github.RepositoryRelease{TagName: github.String("v1.0.0"), Draft: github.Bool(true), Body: github.String("b")})
			if err != nil {
				t.Fatal(err)
			}
			wantUpload := s.URL + "/api/uploads/repos/o/r/releases/" + strconv.FormatInt(rel.GetID(), 10) + "/assets{?name,label}"
			if rel.GetUploadURL() != wantUpload || !rel.GetDraft() || rel.PublishedAt != nil {
				t.Fatalf("created %+v", rel)
			}
			// Drafts are invisible to get-by-tag, visible in the list.
			if _, resp, err := c.Repositories.GetReleaseByTag(ctx, "o", "r", "v1.0.0"); status(resp) != 404 || err == nil {
				t.Fatalf("draft by tag: %v %v", status(resp), err)
			}
			list, _, err := c.Repositories.ListReleases(ctx, "o", "r", nil)
			if err != nil || len(list) != 1 || !list[0].GetDraft() {
				t.Fatalf("list = %v, %v", list, err)
			}

			// Upload, name rewriting, duplicate.
			a, _, err := c.Repositories.UploadReleaseAsset(ctx, "o", "r", rel.GetID(), &github.UploadOptions{Name: "my file.txt", Label: "L", MediaType: "text/plain"}, tempFile(t, "x.txt", "hello"))
			if err != nil {
				t.Fatal(err)
			}
			if a.GetName() != "my.file.txt" || a.GetSize() != 5 || a.GetLabel() != "L" || a.GetContentType() != "text/plain" ||
				a.GetBrowserDownloadURL() != s.URL+"/o/r/releases/download/v1.0.0/my.file.txt" {
				t.Fatalf("asset = %+v", a)
			}
			_, resp, err := c.Repositories.UploadReleaseAsset(ctx, "o", "r", rel.GetID(), &github.UploadOptions{Name: "my.file.txt"}, tempFile(t, "y.txt", "other"))
			var er *github.ErrorResponse
			if !errors.As(err, &er) || status(resp) != 422 || er.Message != "Validation Failed" || len(er.Errors) != 1 ||
				er.Errors[0] != (github.Error{Resource: "ReleaseAsset", Code: "already_exists", Field: "name"}) {
				t.Fatalf("duplicate: %v", err)
			}
			if n := s.UploadAttempts("my.file.txt"); n != 1 {
				t.Errorf("attempts = %d", n)
			}

			// Download: bytes with octet-stream, JSON otherwise.
			rc, _, err := c.Repositories.DownloadReleaseAsset(ctx, "o", "r", a.GetID(), s.HTTPClient())
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			if string(b) != "hello" {
				t.Fatalf("download = %q", b)
			}
			if got, _, err := c.Repositories.GetReleaseAsset(ctx, "o", "r", a.GetID()); err != nil || got.GetName() != "my.file.txt" {
				t.Fatalf("get asset JSON: %v %v", got, err)
			}

			// Publish.
			pub, _, err := c.Repositories.EditRelease(ctx, "o", "r", rel.GetID(), &github.RepositoryRelease{Draft: github.Bool(false), MakeLatest: github.String("true")})
			if err != nil || pub.GetDraft() || pub.PublishedAt == nil {
				t.Fatalf("publish: %v %v", pub, err)
			}
			if got, _, err := c.Repositories.GetReleaseByTag(ctx, "o", "r", "v1.0.0"); err != nil || len(got.Assets) != 1 {
				t.Fatalf("by tag after publish: %v %v", got, err)
			}
			if latest, _, err := c.Repositories.GetLatestRelease(ctx, "o", "r"); err != nil || latest.GetID() != rel.GetID() {
				t.Fatalf("latest: %v %v", latest, err)
			}
			// Browser download of a published asset.
			req, _ := http.NewRequest(http.MethodGet, a.GetBrowserDownloadURL(), nil)
			req.Header.Set("Authorization", "token "+s.Token())
			r2, err := s.HTTPClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ = io.ReadAll(r2.Body)
			r2.Body.Close()
			if string(b) != "hello" {
				t.Fatalf("browser download = %q", b)
			}
			snap := s.Releases("o", "r")
			if len(snap) != 1 || snap[0].Draft || !snap[0].Latest || snap[0].Assets[0].SHA256 != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" {
				t.Fatalf("snapshot = %+v", snap)
			}
			if _, err := c.Repositories.DeleteReleaseAsset(ctx, "o", "r", a.GetID()); err != nil {
				t.Fatal(err)
			}
			if tlsOn {
				blk, _ := pem.Decode(s.CACertPEM())
				if _, err := x509.ParseCertificate(blk.Bytes); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestAuthAndRateLimitHeaders(t *testing.T) {
	t.Parallel()
	s := New(t, WithToken("sekrit"), WithRateLimit(3))
	get := func(auth string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, s.BaseURL()+"repos/o/r/releases", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for auth, want := range map[string]int{"": 401, "token nope": 401, "Basic sekrit": 401} {
		if got := get(auth).StatusCode; got != want {
			t.Errorf("auth %q: %d, want %d", auth, got, want)
		}
	}
	r := get("token sekrit") // 4th request: over the limit of 3
	if r.StatusCode != 403 || r.Header.Get("X-RateLimit-Remaining") != "0" || r.Header.Get("X-RateLimit-Limit") != "3" || r.Header.Get("X-RateLimit-Resource") != "core" || r.Header.Get("X-RateLimit-Reset") == "" {
		t.Errorf("rate limit: %d %v", r.StatusCode, r.Header)
	}

	s2 := New(t)
	c := s2.Client() // Bearer
	_, resp, err := c.Repositories.ListReleases(context.Background(), "o", "r", nil)
	if err != nil || resp.Rate.Limit != 5000 || resp.Rate.Remaining != 4999 {
		t.Fatalf("bearer: %v %+v", err, resp.Rate)
	}
}

func TestPagination(t *testing.T) {
	t.Parallel()
	s := New(t)
	base := time.Now().Add(-time.Hour)
	for i := range 75 {
		s.AddRelease("o", "r", Release{Tag: "v0.0." + strconv.Itoa(i), CreatedAt: base.Add(time.Duration(i) * time.Second)})
	}
	c := s.Client()
	var tags []string
	opt := &github.ListOptions{}
	for {
		page, resp, err := c.Repositories.ListReleases(context.Background(), "o", "r", opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			tags = append(tags, r.GetTagName())
		}
		if resp.NextPage == 0 {
			break
		}
		opt.Page = resp.NextPage
	}
	if len(tags) != 75 || tags[0] != "v0.0.74" || tags[74] != "v0.0.0" {
		t.Fatalf("%d tags, first %s", len(tags), tags[0])
	}
	page, _, _ := c.Repositories.ListReleases(context.Background(), "o", "r", &github.ListOptions{PerPage: 500})
	if len(page) != 75 {
		t.Errorf("per_page is capped at 100: got %d", len(page))
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	s := New(t)
	c := s.Client()
	ctx := context.Background()
	rel := s.AddRelease("o", "r", Release{Tag: "v1.0.0", Draft: true})

	s.AddFault(RouteListReleases, Fault{Status: 503, RetryAfter: 1500 * time.Millisecond, Times: 2})
	for i := range 3 {
		_, resp, err := c.Repositories.ListReleases(ctx, "o", "r", nil)
		if i < 2 && (status(resp) != 503 || resp.Header.Get("Retry-After") != "2") {
			t.Fatalf("try %d: %v %v", i, status(resp), err)
		}
		if i == 2 && err != nil {
			t.Fatalf("fault outlived Times: %v", err)
		}
	}

	s.AddFault(RouteUploadAsset, Fault{Reset: true})
	if _, _, err := c.Repositories.UploadReleaseAsset(ctx, "o", "r", rel.ID, &github.UploadOptions{Name: "a.bin"}, tempFile(t, "a.bin", strings.Repeat("x", 1<<20))); err == nil {
		t.Fatal("reset: no error")
	}
	if r, _ := s.ReleaseByTag("o", "r", "v1.0.0"); len(r.Assets) != 0 {
		t.Fatal("a reset upload was stored")
	}

	s.AddFault(RouteUploadAsset, Fault{Truncate: true})
	if _, _, err := c.Repositories.UploadReleaseAsset(ctx, "o", "r", rel.ID, &github.UploadOptions{Name: "a.bin"}, tempFile(t, "a.bin", "abc")); err == nil {
		t.Fatal("truncate: no error")
	}
	if r, _ := s.ReleaseByTag("o", "r", "v1.0.0"); len(r.Assets) != 1 {
		t.Fatal("a truncated answer must still store the asset (the answer is lost, not the upload)")
	}

	s.AddFault(RouteGetRelease, Fault{Kind: SecondaryRateLimit, RetryAfter: 30 * time.Second})
	_, _, err := c.Repositories.GetRelease(ctx, "o", "r", rel.ID)
	var ab *github.AbuseRateLimitError
	if !errors.As(err, &ab) || ab.RetryAfter == nil || *ab.RetryAfter != 30*time.Second {
		t.Fatalf("secondary rate limit: %v", err)
	}

	c = s.Client() // go-github remembers the rate limit: start afresh
	s.AddFault(RouteListAssets, Fault{Stall: 2 * time.Second})
	sctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, _, err := c.Repositories.ListReleaseAssets(sctx, "o", "r", rel.ID, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stall: %v, want a timeout", err)
	}
	s.AddFault(RouteListAssets, Fault{Stall: 20 * time.Millisecond})
	if list, _, err := c.Repositories.ListReleaseAssets(ctx, "o", "r", rel.ID, nil); err != nil || len(list) != 1 {
		t.Fatalf("a stall alone serves normally afterwards: %v %v", list, err)
	}

	s.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusTeapot)
			return true
		}
		return false
	})
	if resp, _ := c.Repositories.DeleteRelease(ctx, "o", "r", rel.ID); status(resp) != http.StatusTeapot {
		t.Fatalf("hook: %d", status(resp))
	}
	reqs := s.Requests()
	if last := reqs[len(reqs)-1]; last.Route != RouteDeleteRelease || last.Status != http.StatusTeapot {
		t.Fatalf("request log: %+v", last)
	}
}

func TestImmutableAndGraphQL(t *testing.T) {
	t.Parallel()
	s := New(t, WithImmutableReleases())
	c := s.Client()
	ctx := context.Background()
	rel, _, err := c.Repositories.CreateRelease(ctx, "o", "r", &github.RepositoryRelease{TagName: github.String("v1.0.0")})
	if err != nil {
		t.Fatal(err)
	}
	_, resp, err := c.Repositories.UploadReleaseAsset(ctx, "o", "r", rel.GetID(), &github.UploadOptions{Name: "a"}, tempFile(t, "a", "a"))
	if status(resp) != 422 || err == nil || !strings.Contains(err.Error(), "immutable") {
		t.Fatalf("upload to immutable: %d %v", status(resp), err)
	}
	var raw map[string]any
	req, _ := c.NewRequest(http.MethodGet, "repos/o/r/releases/tags/v1.0.0", nil)
	if _, err := c.Do(ctx, req, &raw); err != nil || raw["immutable"] != true {
		t.Fatalf("immutable field: %v %v", raw["immutable"], err)
	}
	// Tag already released → 422.
	if _, resp, _ := c.Repositories.CreateRelease(ctx, "o", "r", &github.RepositoryRelease{TagName: github.String("v1.0.0")}); status(resp) != 422 {
		t.Fatalf("duplicate release: %d", status(resp))
	}
	// gh's RepositoryReleaseByTag query.
	body := `{"query":"query RepositoryReleaseByTag($name:String!$owner:String!$tagName:String!){repository(owner: $owner, name: $name){release(tagName: $tagName){databaseId,isDraft}}}","variables":{"owner":"o","name":"r","tagName":"v1.0.0"}}`
	hreq, _ := http.NewRequest(http.MethodPost, s.URL+"/api/graphql", bytes.NewBufferString(body))
	hreq.Header.Set("Authorization", "token "+s.Token())
	hresp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	defer hresp.Body.Close()
	var gq struct {
		Data struct {
			Repository struct {
				Release struct {
					DatabaseID int64
					IsDraft    bool
				}
			}
		}
	}
	if err := json.NewDecoder(hresp.Body).Decode(&gq); err != nil || gq.Data.Repository.Release.DatabaseID != rel.GetID() {
		t.Fatalf("graphql: %+v %v", gq, err)
	}
}

func TestRewriteAssetName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"a.whl": "a.whl", "my file.txt": "my.file.txt", ".hidden": "hidden", "x+y.tar.gz": "x.y.tar.gz", "ü.txt": "txt", "...": "default",
	} {
		if got := RewriteAssetName(in); got != want {
			t.Errorf("RewriteAssetName(%q) = %q, want %q", in, got, want)
		}
	}
}
