package oci

import (
	"errors"
	"testing"

	"github.com/tagship/tagship/preflight"
)

// TestCheckTagIsPreflightRule pins that oci has no tag rule of its own: for
// every input, CheckTag accepts exactly what preflight.ParseTag accepts.
func TestCheckTagIsPreflightRule(t *testing.T) {
	t.Parallel()
	for _, tag := range []string{
		"v1.2.3", "v0.0.0", "v10.20.30", "v01.2.3", "v1.02.3", "v1.2.03", "v1.2",
		"v1", "1.2.3", "V1.2.3", "vv1.2.3", "v1.2.3-rc1", "v1.2.3+b", "latest",
		"v1.2.3.4", "v١.2.3", " v1.2.3", "",
	} {
		_, perr := preflight.ParseTag(tag)
		err := CheckTag(tag)
		if (err == nil) != (perr == nil) {
			t.Errorf("CheckTag(%q) = %v, preflight.ParseTag = %v", tag, err, perr)
		}
		if err != nil && (!errors.Is(err, ErrTagNotVersion) || !errors.Is(err, preflight.ErrInvalidTag)) {
			t.Errorf("CheckTag(%q) = %v: want both ErrTagNotVersion and preflight.ErrInvalidTag", tag, err)
		}
	}
}
