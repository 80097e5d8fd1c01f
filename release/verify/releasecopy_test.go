package verify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestVerifyReleaseCopyReplaced: the index copy is intact, but the wheel
// attached to the release (same size, one byte changed) is not what was
// built; the report says so.
func TestVerifyReleaseCopyReplaced(t *testing.T) {
	t.Parallel()
	f := newVerifyTFixture(t, verifyTOptions{})
	rel, ok := f.gh.ReleaseByTag("octo-org", "demo", "v1.0.0")
	if !ok {
		t.Fatal("no release")
	}
	var id int64
	for _, a := range rel.Assets {
		if a.Name == verifyTWheel {
			id = a.ID
		}
	}
	data, ok := f.gh.AssetData("octo-org", "demo", id)
	if id == 0 || !ok {
		t.Fatal("the release has no wheel")
	}
	evil := append([]byte(nil), data...)
	evil[len(evil)/2] ^= 1
	f.gh.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, fmt.Sprintf("/releases/assets/%d", id)) && strings.Contains(r.Header.Get("Accept"), "octet-stream") {
			w.Write(evil)
			return true
		}
		return false
	})
	r, err := Release(context.Background(), f.config())
	if !errors.Is(err, ErrFileReplaced) || r.OK() {
		t.Fatalf("err = %v\n%s", err, r)
	}
	verifyTWantFail(t, r, verifyTWheel, CheckReleaseCopy, ErrFileReplaced, "attached to the release")
	if c := verifyTCheck(t, r, verifyTSdist, CheckReleaseCopy); c.Status != Passed {
		t.Fatalf("sdist: %+v", c)
	}
}
