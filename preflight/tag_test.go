package preflight_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tagship/tagship/preflight"
)

func TestParseTagAccepts(t *testing.T) {
	t.Parallel()
	for tag, want := range map[string]string{
		"v0.11.0":           "0.11.0",
		"v1.2.3":            "1.2.3",
		"v0.0.0":            "0.0.0",
		"v10.20.30":         "10.20.30",
		"v1.0.0":            "1.0.0",
		"v2026.11.26":       "2026.11.26",
		"v0.9.0":            "0.9.0",
		"v99999999999.0.10": "99999999999.0.10",
	} {
		t.Run(tag, func(t *testing.T) {
			t.Parallel()
			got, err := preflight.ParseTag(tag)
			if err != nil {
				t.Fatalf("ParseTag(%q): %v", tag, err)
			}
			if got != want {
				t.Fatalf("ParseTag(%q) = %q, want %q", tag, got, want)
			}
		})
	}
}

func TestParseTagRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		tag    string
		reason string // substring of TagError.Reason
	}{
		{"v0.9.0-rc1", `pre-release suffix "-rc1"`},
		{"v1.2.3-alpha", "pre-release"},
		{"v1.2", `2 numeric component(s)`},
		{"v1.2", `did you mean "v1.2.0"`},
		{"v1", `1 numeric component(s)`},
		{"v1.2.3.4", "4 numeric components"},
		{"v01.2.3", `MAJOR "01" has a leading zero`},
		{"v1.02.3", `MINOR "02" has a leading zero`},
		{"v1.2.03", `PATCH "03" has a leading zero`},
		{"v1.2.00", "leading zero"},
		{"1.2.3", `lacks the leading "v" (did you mean "v1.2.3"?)`},
		{"v1.2.3+meta", `build metadata "+meta"`},
		{"v1.2.3-rc1+meta", "build metadata"},
		{"vv1.2.3", `doubled "vv"`},
		{"V1.2.3", `upper-case "V"`},
		{"v1.2.3 ", "whitespace at byte 6"},
		{" v1.2.3", "whitespace at byte 0"},
		{"v1.2.3\n", "whitespace"},
		{"v1.2.3\x00", "control character"},
		{"", "empty"},
		{"v", "MAJOR is empty"},
		{"v.1.2", "MAJOR is empty"},
		{"v1..3", "MINOR is empty"},
		{"v1.2.", "PATCH is empty"},
		{"v1.2.x", `PATCH "x" is not a decimal number`},
		{"v１.2.3", "non-ASCII character '１'"},        // fullwidth digit one
		{"v1.2.٣", "non-ASCII character"},            // Arabic-Indic digit three
		{"v1.2.3\xff", "not valid UTF-8"},            // broken UTF-8
		{"refs/tags/v1.2.3", "Git ref"},              // a ref, not a tag name
		{"release-1.2.3", `does not start with "v"`}, // other naming schemes
		{"v" + strings.Repeat("1", 200) + ".0.0", "bytes long"},
	} {
		t.Run(tc.tag, func(t *testing.T) {
			t.Parallel()
			v, err := preflight.ParseTag(tc.tag)
			if err == nil {
				t.Fatalf("ParseTag(%q) = %q, want an error", tc.tag, v)
			}
			if v != "" {
				t.Errorf("ParseTag(%q) returned version %q with its error", tc.tag, v)
			}
			if !errors.Is(err, preflight.ErrInvalidTag) {
				t.Errorf("error %v is not ErrInvalidTag", err)
			}
			var te *preflight.TagError
			if !errors.As(err, &te) {
				t.Fatalf("error %T is not a *TagError", err)
			}
			if te.Tag != tc.tag {
				t.Errorf("TagError.Tag = %q, want %q", te.Tag, tc.tag)
			}
			if !strings.Contains(te.Reason, tc.reason) {
				t.Errorf("TagError.Reason = %q, want it to contain %q", te.Reason, tc.reason)
			}
			// Every message shows what a valid tag looks like.
			if !strings.Contains(err.Error(), "e.g. v1.2.3") {
				t.Errorf("error %q does not show a valid tag", err)
			}
		})
	}
}
