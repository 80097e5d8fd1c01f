package ghrelease

import "testing"

func TestResultSummary(t *testing.T) {
	t.Parallel()
	const url = "https://github.com/octo/demo/releases/tag/v1.0.0"
	for _, tc := range []struct {
		name    string
		actions []AssetAction
		want    string
	}{
		{"none", nil, url + ": 0 assets (0 uploaded, 0 unchanged)"},
		{"first run", []AssetAction{AssetUploaded, AssetUploaded}, url + ": 2 assets (2 uploaded, 0 unchanged)"},
		{"rerun", []AssetAction{AssetSkipped, AssetSkipped, AssetSkipped}, url + ": 3 assets (0 uploaded, 3 unchanged)"},
		{"replaced counts as uploaded", []AssetAction{AssetReplaced, AssetSkipped, AssetUploaded}, url + ": 3 assets (2 uploaded, 1 unchanged)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &Result{HTMLURL: url}
			for _, a := range tc.actions {
				r.Assets = append(r.Assets, AssetResult{Action: a})
			}
			if got := r.Summary(); got != tc.want {
				t.Errorf("Summary() = %q, want %q", got, tc.want)
			}
		})
	}
}
