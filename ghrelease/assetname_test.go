package ghrelease_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/ghrelease/ghreleasetest"
)

// assetNames are names the client must judge as GitHub stores them.
var assetNames = []string{
	"demo-1.2.3-py3-none-any.whl", "demo-1.2.3.tar.gz", "SHA256SUMS", "a_b.sigstore.json",
	"my file.txt", ".hidden", "trailing.", "x+y.tar.gz", "ü.txt", "...", "a..b", "a~b", "a/b",
	"tab\there", "UPPER-lower_09.ext", "-leading-dash", "_", "é", "\xff.bin", "a\x00b",
}

// TestValidateAssetNameAgreesWithDouble compares the client's asset-name
// rule with the GitHub double's independent one: a name the client accepts
// must be stored unchanged, and a name it refuses must be one GitHub would
// rename (the error names what it would store).
func TestValidateAssetNameAgreesWithDouble(t *testing.T) {
	t.Parallel()
	for _, name := range assetNames {
		checkAssetName(t, name)
	}
}

func checkAssetName(t *testing.T, name string) {
	t.Helper()
	stored := ghreleasetest.RewriteAssetName(name)
	err := ghrelease.ValidateAssetName(name)
	switch {
	case name == "" || len(name) > 255:
		if !errors.Is(err, ghrelease.ErrInvalidAssetName) {
			t.Errorf("ValidateAssetName(%q) = %v, want ErrInvalidAssetName", name, err)
		}
	case stored == name && err != nil:
		t.Errorf("ValidateAssetName(%q) = %v, but GitHub stores it unchanged", name, err)
	case stored != name && err == nil:
		t.Errorf("ValidateAssetName(%q) accepts a name GitHub stores as %q", name, stored)
	case stored != name && (!errors.Is(err, ghrelease.ErrInvalidAssetName) || !strings.Contains(err.Error(), `as "`+stored+`"`)):
		t.Errorf("ValidateAssetName(%q) = %v, want ErrInvalidAssetName naming %q", name, err, stored)
	}
}

func FuzzValidateAssetNameAgreesWithDouble(f *testing.F) {
	for _, n := range assetNames {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, name string) {
		checkAssetName(t, name)
	})
}

func TestValidRepository(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		owner, repo string
		ok          bool
	}{
		{"octo-org", "demo", true}, {"a", "b.c_d-e", true}, {"-octo", "demo", false},
		{strings.Repeat("a", 39), "r", true}, {strings.Repeat("a", 40), "r", false},
		{"o", ".", false}, {"o", "..", false}, {"o", "", false}, {"", "r", false},
		{"o", "a/b", false}, {"o", strings.Repeat("r", 101), false}, {"o_o", "r", false},
	} {
		if got := ghrelease.ValidRepository(tc.owner, tc.repo); got != tc.ok {
			t.Errorf("ValidRepository(%q, %q) = %v, want %v", tc.owner, tc.repo, got, tc.ok)
		}
	}
}
