package preflight_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/tagship/tagship/internal/interop"
	"github.com/tagship/tagship/preflight"
)

// pep440Cases maps versions to the normal form packaging.version.Version
// gives them (checked against the real library by TestPEP440MatchesPackaging).
var pep440Cases = map[string]string{
	"0.11.0":                      "0.11.0",
	"1.0":                         "1.0",
	"1.0.0":                       "1.0.0",
	"01.2.3":                      "1.2.3",
	"1.002.0030":                  "1.2.30",
	"000":                         "0",
	"v1.0":                        "1.0",
	"V1.0":                        "1.0",
	" 1.0 \n":                     "1.0",
	"\t1.2.3\r\n":                 "1.2.3",
	"1.0a1":                       "1.0a1",
	"1.0A1":                       "1.0a1",
	"1.0alpha1":                   "1.0a1",
	"1.0.alpha.1":                 "1.0a1",
	"1.0-a-1":                     "1.0a1",
	"1.0_a_1":                     "1.0a1",
	"1.0a":                        "1.0a0",
	"1.0b2":                       "1.0b2",
	"1.0beta2":                    "1.0b2",
	"1.0c1":                       "1.0rc1",
	"1.0pre1":                     "1.0rc1",
	"1.0preview1":                 "1.0rc1",
	"1.0RC1":                      "1.0rc1",
	"1.0rc01":                     "1.0rc1",
	"1.0.0-beta.1":                "1.0.0b1",
	"0.9.0-rc1":                   "0.9.0rc1",
	"1.0-1":                       "1.0.post1",
	"1.0post1":                    "1.0.post1",
	"1.0.post":                    "1.0.post0",
	"1.0.rev1":                    "1.0.post1",
	"1.0r":                        "1.0.post0",
	"1.0-r-1":                     "1.0.post1",
	"1.0_post":                    "1.0.post0",
	"1.0rc1-1":                    "1.0rc1.post1",
	"1.0.dev":                     "1.0.dev0",
	"1.0dev1":                     "1.0.dev1",
	"1.0-dev-1":                   "1.0.dev1",
	"1.0.DEV01":                   "1.0.dev1",
	"1.0+ubuntu-1":                "1.0+ubuntu.1",
	"1.0+ubuntu_01":               "1.0+ubuntu.1",
	"1.0+abc.007":                 "1.0+abc.7",
	"1.0+ABC":                     "1.0+abc",
	"1.0+0abc":                    "1.0+0abc",
	"1.2.3+meta":                  "1.2.3+meta",
	"1!1.0":                       "1!1.0",
	"0!1.0":                       "1.0",
	"00!1.0":                      "1.0",
	"2!01.0a01.post01.dev01":      "2!1.0a1.post1.dev1",
	"1.0a1.post2.dev3+local":      "1.0a1.post2.dev3+local",
	"99999999999999999999999.0.0": "99999999999999999999999.0.0",
}

// pep440Invalid are refused by packaging.version.Version too.
var pep440Invalid = []string{
	"", " ", "1.", ".1", "1..0", "a1", "1.0+", "1.0++a", "1.0-", "1.0_",
	"1.0+a+b", "1.0 0", "v", "vv1.0", "1.0+a..b", "1.0+-a",
	"1.0a1a2", "1.0.post1.post2", "1.0dev1.post1", "1,0", "1.0-rc-1-", "latest",
	"1.0+a_", "1.0!", "!1.0", "1!2!3",
}

func TestNormalizePEP440(t *testing.T) {
	t.Parallel()
	for in, want := range pep440Cases {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			got, err := preflight.NormalizePEP440(in)
			if err != nil {
				t.Fatalf("NormalizePEP440(%q): %v", in, err)
			}
			if got != want {
				t.Fatalf("NormalizePEP440(%q) = %q, want %q", in, got, want)
			}
			again, err := preflight.NormalizePEP440(got)
			if err != nil || again != got {
				t.Fatalf("not idempotent: NormalizePEP440(%q) = %q, %v", got, again, err)
			}
		})
	}
}

func TestNormalizePEP440Refuses(t *testing.T) {
	t.Parallel()
	for _, in := range append(pep440Invalid, "１.0", "1.0\u00a0") {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			got, err := preflight.NormalizePEP440(in)
			if err == nil {
				t.Fatalf("NormalizePEP440(%q) = %q, want an error", in, got)
			}
			var ve *preflight.VersionError
			if !errors.As(err, &ve) || !errors.Is(err, preflight.ErrInvalidVersion) {
				t.Fatalf("error %v (%T) is not a *VersionError wrapping ErrInvalidVersion", err, err)
			}
			if ve.Version != in || ve.Reason == "" {
				t.Fatalf("VersionError = %+v", ve)
			}
		})
	}
}

func TestPEP440Parts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in              string
		final, prerelse bool
	}{
		{"1.2.3", true, false},
		{"1.2.3a1", false, true},
		{"1.2.3.dev0", false, true},
		{"1.2.3.post1", false, false},
		{"1!1.2.3", false, false},
		{"1.2.3+local", false, false},
		{"0!1.2.3", true, false},
	} {
		v, err := preflight.ParsePEP440(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if v.IsFinal() != tc.final || v.IsPreRelease() != tc.prerelse {
			t.Errorf("%q: IsFinal=%v IsPreRelease=%v, want %v %v", tc.in, v.IsFinal(), v.IsPreRelease(), tc.final, tc.prerelse)
		}
	}
	v, err := preflight.ParsePEP440("v2!01.02.03rc4.post5.dev6+Ubuntu-7")
	if err != nil {
		t.Fatal(err)
	}
	want := preflight.PEP440{Epoch: "2", Release: []string{"1", "2", "3"}, Pre: "rc4", Post: "post5", Dev: "dev6", Local: "ubuntu.7"}
	if v.String() != want.String() || strings.Join(v.Release, ".") != "1.2.3" || v.Epoch != want.Epoch || v.Pre != want.Pre || v.Post != want.Post || v.Dev != want.Dev || v.Local != want.Local {
		t.Fatalf("ParsePEP440 = %+v, want %+v", v, want)
	}
}

// pythonWithPackaging finds a Python 3 that can import packaging (Debian:
// apt-get install python3-packaging).
func pythonWithPackaging(t *testing.T, module string) string {
	t.Helper()
	var candidates []string
	if p, ok := interop.Lookup("python3"); ok {
		candidates = append(candidates, p)
	}
	candidates = append(candidates, "/usr/bin/python3")
	for _, p := range candidates {
		if exec.Command(p, "-c", "import "+module).Run() == nil {
			return p
		}
	}
	msg := "interop: no python3 with the " + module + " module (apt-get install python3-packaging; Python >= 3.11 for tomllib)"
	if interop.Required() {
		t.Fatal(msg + " — TAGSHIP_INTEROP=1 makes a missing tool a failure")
	}
	t.Skip(msg)
	return ""
}

// TestPEP440MatchesPackaging runs the reference implementation,
// packaging.version, on every table entry and compares.
func TestPEP440MatchesPackaging(t *testing.T) {
	t.Parallel()
	py := pythonWithPackaging(t, "packaging.version")
	var inputs []string
	for in := range pep440Cases {
		inputs = append(inputs, in)
	}
	inputs = append(inputs, pep440Invalid...)
	const script = `
import json, sys
from packaging.version import Version, InvalidVersion
out = []
for v in json.load(sys.stdin):
    try:
        out.append(str(Version(v)))
    except InvalidVersion:
        out.append(None)
json.dump(out, sys.stdout)
`
	in, _ := json.Marshal(inputs)
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var got []*string
	if err := json.Unmarshal(raw, &got); err != nil || len(got) != len(inputs) {
		t.Fatalf("python output %q: %v", raw, err)
	}
	for i, v := range inputs {
		ours, ourErr := preflight.NormalizePEP440(v)
		switch {
		case got[i] == nil && ourErr == nil:
			t.Errorf("%q: packaging refuses it, we normalise it to %q", v, ours)
		case got[i] != nil && ourErr != nil:
			t.Errorf("%q: packaging gives %q, we refuse it: %v", v, *got[i], ourErr)
		case got[i] != nil && *got[i] != ours:
			t.Errorf("%q: packaging gives %q, we give %q", v, *got[i], ours)
		}
	}
}
