package release_test

import (
	"context"
	"testing"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/release"
)

// TestWithLoggerNil pins one meaning of WithLogger(nil) across the
// packages: the default, a logger that discards (not an error, not a nil
// dereference when something is logged).
func TestWithLoggerNil(t *testing.T) {
	t.Parallel()
	p, err := release.New([]release.Job{{Name: "a", Run: func(_ context.Context, in *release.Inputs) (any, error) {
		in.Log("logged to nowhere")
		in.Logger().Info("also nowhere")
		return nil, nil
	}}}, release.WithLogger(nil))
	if err != nil {
		t.Fatalf("release.WithLogger(nil): %v", err)
	}
	if _, err := p.Run(context.Background()); err != nil {
		t.Fatalf("run with WithLogger(nil): %v", err)
	}
	if _, err := ghrelease.New(ghrelease.WithToken("t"), ghrelease.WithLogger(nil)); err != nil {
		t.Errorf("ghrelease.WithLogger(nil): %v", err)
	}
	if _, err := pypi.New("https://upload.pypi.org/legacy/", pypi.WithLogger(nil)); err != nil {
		t.Errorf("pypi.WithLogger(nil): %v", err)
	}
}
