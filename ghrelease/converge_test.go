package ghrelease

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tagship/tagship/ghrelease/ghreleasetest"
)

// TestSuccessAnswerNotBelieved: "200 {}" to the publish call leaves the
// release a draft; Publish must not report it published.
func TestSuccessAnswerNotBelieved(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t)
	defer srv.Close()
	srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/releases/") && !strings.Contains(r.URL.Path, "/assets/") {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte("{}"))
			return true
		}
		return false
	})
	f := makeFiles(t, map[string]string{"a.txt": "a"})
	p, _ := newPub(t, srv)
	res, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Body: "notes", Assets: f.assets("a.txt")})
	if !errors.Is(err, ErrNotPublished) || (res != nil && res.Published) {
		t.Fatalf("err = %v, res = %+v: want ErrNotPublished", err, res)
	}
}

// TestReadBackComparesBytes: an asset whose stored bytes differ from the
// built file (same size) is caught by reading the published release back.
func TestReadBackComparesBytes(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t)
	defer srv.Close()
	published := false
	srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPatch {
			published = true
			return false
		}
		if published && strings.Contains(r.URL.Path, "/releases/assets/") && strings.Contains(r.Header.Get("Accept"), "octet-stream") {
			w.Write([]byte("b")) // a flipped byte: what the store kept
			return true
		}
		return false
	})
	f := makeFiles(t, map[string]string{"a.txt": "a"})
	p, _ := newPub(t, srv, WithChecksumsAsset(""))
	_, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Body: "notes", Assets: f.assets("a.txt")})
	if !errors.Is(err, ErrAssetChanged) {
		t.Fatalf("err = %v, want ErrAssetChanged from the read-back", err)
	}
}

// TestReplacedAssetNotTrustedThroughChecksums: a same-size asset replaced
// on the draft, next to a SHA256SUMS that lists the built file's hash, is
// compared by its own bytes, not through that SHA256SUMS.
func TestReplacedAssetNotTrustedThroughChecksums(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t)
	defer srv.Close()
	f := makeFiles(t, map[string]string{"a.tar.gz": "built"})
	draft := srv.AddRelease("o", "r", ghreleasetest.Release{Tag: "v1.0.0", Draft: true})
	if _, err := srv.AddAsset("o", "r", draft.ID, "a.tar.gz", "application/gzip", []byte("evil!")); err != nil {
		t.Fatal(err)
	}
	sums := fmt.Sprintf("%s  a.tar.gz\n", sha([]byte("built")))
	if _, err := srv.AddAsset("o", "r", draft.ID, ChecksumsAssetName, "text/plain", []byte(sums)); err != nil {
		t.Fatal(err)
	}
	p, _ := newPub(t, srv)
	_, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Body: "notes", Assets: f.assets("a.tar.gz")})
	if !errors.Is(err, ErrAssetConflict) {
		t.Fatalf("err = %v, want ErrAssetConflict", err)
	}
	if rel, _ := srv.ReleaseByTag("o", "r", "v1.0.0"); !rel.Draft {
		t.Fatal("the release was published with the replaced asset")
	}
}

// TestPublishedByHand: a release published from GitHub's page with its
// own notes gets this release's notes (with the verification commands);
// an immutable one is refused with a clear error.
func TestPublishedByHand(t *testing.T) {
	t.Parallel()
	for _, immutable := range []bool{false, true} {
		srv := ghreleasetest.New(t)
		srv.AddRelease("o", "r", ghreleasetest.Release{Tag: "v1.0.0", Body: "written by hand", Immutable: immutable})
		p, _ := newPub(t, srv)
		_, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Body: "notes with the verification commands"})
		rel, _ := srv.ReleaseByTag("o", "r", "v1.0.0")
		srv.Close()
		if immutable {
			if !errors.Is(err, ErrImmutableRelease) || !strings.Contains(err.Error(), "other notes") {
				t.Fatalf("immutable: err = %v", err)
			}
			continue
		}
		if err != nil || rel.Body != "notes with the verification commands" {
			t.Fatalf("err = %v, body %q", err, rel.Body)
		}
	}
}

// TestLatestGoesToTheHighestVersion: v1.1.0 decides make_latest while
// v1.2.0 is published concurrently; the badge ends on v1.2.0.
func TestLatestGoesToTheHighestVersion(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t)
	defer srv.Close()
	raced := false
	srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPatch && !raced {
			// Another run publishes v1.2.0 just before this PATCH lands.
			raced = true
			srv.AddRelease("o", "r", ghreleasetest.Release{Tag: "v1.2.0", MakeLatest: "true"})
		}
		return false
	})
	p, _ := newPub(t, srv)
	if _, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.1.0", Body: "notes"}); err != nil {
		t.Fatal(err)
	}
	hi, _ := srv.ReleaseByTag("o", "r", "v1.2.0")
	lo, _ := srv.ReleaseByTag("o", "r", "v1.1.0")
	if !hi.Latest || lo.Latest {
		t.Fatalf("Latest: v1.2.0 %v, v1.1.0 %v; want only v1.2.0", hi.Latest, lo.Latest)
	}
}

// TestCreateAnswerNotBelieved: "201 {}" to creating the draft, with no
// draft created, is not taken as a release to upload into.
func TestCreateAnswerNotBelieved(t *testing.T) {
	t.Parallel()
	srv := ghreleasetest.New(t)
	defer srv.Close()
	srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/releases") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte("{}"))
			return true
		}
		return false
	})
	f := makeFiles(t, map[string]string{"a.txt": "a"})
	p, _ := newPub(t, srv)
	_, err := p.Publish(context.Background(), Release{Owner: "o", Repo: "r", Tag: "v1.0.0", Body: "notes", Assets: f.assets("a.txt")})
	if !errors.Is(err, ErrNotPublished) {
		t.Fatalf("err = %v, want ErrNotPublished", err)
	}
}
