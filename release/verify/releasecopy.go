package verify

import (
	"context"
	"os"
	"path/filepath"
)

// CheckReleaseCopy: the copy of a distribution attached to the GitHub
// release — the file the release notes tell users to download — has the
// same bytes as the index's.
const CheckReleaseCopy = "release-copy"

// releaseCopyCheck downloads the release's copy of a distribution (when
// the release carries one) and compares its sha256 with the index copy's
// sum. ok is false when there is nothing to compare.
func (r *verifyRun) releaseCopyCheck(ctx context.Context, name, sum string) (c Check, ok bool) {
	if r.release == nil || r.cfg.Dir != "" {
		return Check{}, false
	}
	a, found := r.release.Asset(name)
	if !found {
		return Check{}, false
	}
	path := filepath.Join(r.dir, ".release-copy-"+name)
	defer os.Remove(path)
	got, err := r.gh.DownloadAsset(ctx, r.release, a, path)
	if err != nil {
		return r.fail(name, CheckReleaseCopy, ErrUnavailable, "the release's copy of "+name, "", "check the GitHub API and the network", err), true
	}
	if got.SHA256 != sum {
		return r.fail(name, CheckReleaseCopy, ErrFileReplaced, "sha256 "+sum+" (index)", "sha256 "+got.SHA256+" (release asset)",
			"the file attached to the release differs from the one on the index: one of them was replaced; use neither until the maintainers say which was built", nil), true
	}
	return Check{Name: CheckReleaseCopy, Status: Passed, Detail: "the release's copy has sha256 " + verifyShort(sum) + ", as the index's"}, true
}
