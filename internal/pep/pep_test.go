package pep

import (
	"bytes"
	"encoding/json"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/tagship/tagship/internal/interop"
)

// versionCases maps versions to the normal form packaging.version.Version
// gives them (checked against the real library by TestMatchesPackaging).
var versionCases = map[string]string{
	"0.11.0": "0.11.0", "1.0": "1.0", "01.2.3": "1.2.3", "1.002.0030": "1.2.30",
	"v1.0": "1.0", "V1.0": "1.0", " 1.0 \n": "1.0", "\v1.0\f": "1.0",
	"1.0alpha1": "1.0a1", "1.0.alpha.1": "1.0a1", "1.0-a-1": "1.0a1", "1.0a": "1.0a0",
	"1.0beta2": "1.0b2", "1.0c1": "1.0rc1", "1.0pre1": "1.0rc1", "1.0preview1": "1.0rc1",
	"1.0.0-RC1": "1.0.0rc1", "1.0-1": "1.0.post1", "1.0.rev1": "1.0.post1", "1.0r": "1.0.post0",
	"1.0rc1-1": "1.0rc1.post1", "1.0.DEV01": "1.0.dev1", "1.0+ubuntu-1": "1.0+ubuntu.1",
	"1.0+abc.007": "1.0+abc.7", "1.0+ABC": "1.0+abc", "0!1.0": "1.0", "1!1.0": "1!1.0",
	"2!01.0a01.post01.dev01": "2!1.0a1.post1.dev1", "1.0+00000000000000000000000001": "1.0+1",
	"99999999999999999999999.0.0": "99999999999999999999999.0.0",
}

// versionInvalid are refused by packaging.version.Version too.
var versionInvalid = []string{
	"", " ", "1.", ".1", "1..0", "a1", "1.0+", "1.0++a", "1.0-", "1.0+a+b", "1.0 0",
	"v", "vv1.0", "1.0+a..b", "1.0a1a2", "1.0.post1.post2", "1,0", "latest", "1!2!3",
}

// nameCases maps project names to their PEP 503 form
// (packaging.utils.canonicalize_name).
var nameCases = map[string]string{
	"Foo.Bar_baz": "foo-bar-baz", "requests": "requests", "A--B__C..D": "a-b-c-d",
	"Typing_Extensions": "typing-extensions", "zope.interface": "zope-interface",
	"x": "x", "PyYAML": "pyyaml", "a-_.b": "a-b",
}

// requirementCases are PEP 508 requirements both parsers accept.
var requirementCases = []string{
	"requests", "requests[socks,security] (>=2.31, <3) ; python_version >= '3.8'",
	"PyYAML==6.0.1", "pkg @ https://example.com/p.whl ; os_name == 'posix'",
	"a.b_c-d~=1.4.5", "pytest; extra == 'dev'", "Typing_Extensions (>=4.6, <5) ; python_version < '3.11'",
	"name[] >= 1", "x!=1.0,!=1.1", "foo===weird",
	// Markers: PEP 508's grammar, dotted legacy names, "in" and "not in".
	`a ; (os_name == 'x' or extra == "y") and python_version >= '3.8'`,
	"a; 'linux' in sys_platform", "a ; platform_machine not in 'x86_64 aarch64'",
	"a ; os.name == 'posix'", "a;implementation_name=='cpython'and(extra=='b')",
	"a @ file:///tmp/a-1.0-py3-none-any.whl", "a @ https://x/a.whl\t; os_name == 'nt'",
	"a @ https://x/a.whl;os_name=='x'", // no white space: all of it is the URL
	// Version clauses: prefix matches, local versions, compatible release.
	"a==1.2.*", "a!=1.0.*", "a~=1.4", "a==1.0+local", "a>=1!2.0rc1.post2.dev3", "a>=v1.0",
}

// requirementInvalid are refused by both parsers.
var requirementInvalid = []string{
	"", "(>=1)", "name[", "name >= ", "-name", "name ; ", "name @ ",
	"a ; ;", "a;;", "a ; garbage", "a @ : ; ;", "0@: ; ;;", "a @ https://x ;", "a @ https://x ; ;",
	"a ; os_name == 'x' and", "a ; (os_name == 'x'", "a ; os_name == 'x", "a ; os_name = 'x'",
	"a ; os_name == 'x' extra", "a ; os_names == 'x'", "a ; extra == 'x')", "a ; not os_name == 'x'",
	"a @ relative/path.whl", "a @ https://x/a.whl junk", "a @ :",
	"a~=1", "a>=1.0+l", "a==1.0a1.*", "a>=x", "a<=1.0.*", "a>=1.0extra", "a>=python_version",
}

func TestNormalizeVersion(t *testing.T) {
	t.Parallel()
	for in, want := range versionCases {
		got, err := NormalizeVersion(in)
		if err != nil || got != want {
			t.Errorf("NormalizeVersion(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range append(versionInvalid, "１.0", "1.0\u00a0", "1.po\u017ft1", strings.Repeat("1", 300)) {
		got, err := NormalizeVersion(in)
		var pe *Error
		if !errors.As(err, &pe) || pe.Kind != "version" || pe.Input != in || pe.Reason == "" {
			t.Errorf("NormalizeVersion(%q) = %q, %v; want an *Error with a reason", in, got, err)
		}
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	for in, want := range nameCases {
		if got := NormalizeName(in); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", in, got, want)
		}
		if !ValidName(in) {
			t.Errorf("ValidName(%q) = false", in)
		}
		if got, w := SdistName(in), strings.ReplaceAll(want, "-", "_"); got != w {
			t.Errorf("SdistName(%q) = %q, want %q", in, got, w)
		}
	}
	for _, in := range []string{"", "-a", "a-", "a b", "é", "a/b", strings.Repeat("a", 257)} {
		if ValidName(in) {
			t.Errorf("ValidName(%q) = true", in)
		}
	}
}

func TestFilenames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file, norm, version, filetype string
	}{
		{"demo_pkg-1.2.3-py3-none-any.whl", "demo-pkg", "1.2.3", "bdist_wheel"},
		{"Demo_Pkg-1.2.3-1-py3-none-any.whl", "demo-pkg", "1.2.3", "bdist_wheel"},
		{"demo_pkg-1.2.3.tar.gz", "demo-pkg", "1.2.3", "sdist"},
		{"Demo.Pkg-01.2.3.zip", "demo-pkg", "01.2.3", "sdist"},
		{"other-1.2.3.tar.gz", "demo-pkg", "", ""},
		{"demo_pkg-1.2.3-py3-none.whl", "demo-pkg", "", ""},
		{"demo_pkg-1.2.3.tar.bz2", "demo-pkg", "", ""},
		{"demo_pkg-latest.tar.gz", "demo-pkg", "", ""},
	} {
		v, ft := DistFileVersion(tc.norm, tc.file)
		if v != tc.version || ft != tc.filetype {
			t.Errorf("DistFileVersion(%q, %q) = %q, %q; want %q, %q", tc.norm, tc.file, v, ft, tc.version, tc.filetype)
		}
	}
	if _, _, err := ParseSdistFilename("Demo-1.0.tar.gz"); err == nil || !strings.Contains(err.Error(), `expected "demo"`) {
		t.Errorf("ParseSdistFilename of an unnormalised name: %v", err)
	}
	if w, err := ParseWheelFilename("a-1.0-b7-py3-none-any.whl"); err == nil {
		t.Errorf("ParseWheelFilename accepted a build tag not starting with a digit: %+v", w)
	}
}

func TestParseRequirement(t *testing.T) {
	t.Parallel()
	r, err := ParseRequirement("Typing_Extensions[a, b] (>=4.6, <5) ; python_version < '3.11'")
	if err != nil {
		t.Fatal(err)
	}
	want := Requirement{Name: "Typing_Extensions", Normalized: "typing-extensions", Extras: []string{"a", "b"}, Specifier: ">=4.6,<5", Marker: "python_version < '3.11'"}
	if r.Name != want.Name || r.Normalized != want.Normalized || !slices.Equal(r.Extras, want.Extras) || r.Specifier != want.Specifier || r.Marker != want.Marker || r.PinnedVersion() != "" || r.Optional() {
		t.Fatalf("ParseRequirement = %+v, want %+v", r, want)
	}
	// Stricter than packaging on purpose: a Requires-Dist value is one line.
	for _, in := range append(slices.Clone(requirementInvalid), "name ==1.0\n", "a\x00") {
		var pe *Error
		if _, err := ParseRequirement(in); !errors.As(err, &pe) || pe.Kind != "requirement" {
			t.Errorf("ParseRequirement(%q) = %v, want an *Error", in, err)
		}
	}
}

// python finds a Python 3 with the packaging module, or skips naming it.
func python(t *testing.T) string {
	t.Helper()
	var candidates []string
	if p, ok := interop.Lookup("python3"); ok {
		candidates = append(candidates, p)
	}
	for _, p := range append(candidates, "/usr/bin/python3") {
		if exec.Command(p, "-c", "import packaging.version, packaging.utils, packaging.requirements").Run() == nil {
			return p
		}
	}
	msg := "interop: no python3 with python3-packaging (apt-get install python3-packaging) to check PEP 440/503/508 against"
	if interop.Required() {
		t.Fatal(msg + " — TAGSHIP_INTEROP=1 makes a missing tool a failure")
	}
	t.Skip(msg)
	return ""
}

// runPython runs script with py, in as JSON on its standard input, and
// returns what it prints.
func runPython(t *testing.T, py, script string, in any) []byte {
	t.Helper()
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = bytes.NewReader(data)
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	return raw
}

// TestMatchesPackaging runs the reference implementation, python3-packaging,
// on every table entry above and compares: versions (packaging.version),
// names (packaging.utils.canonicalize_name) and requirements
// (packaging.requirements).
func TestMatchesPackaging(t *testing.T) {
	t.Parallel()
	py := python(t)
	type input struct {
		Versions, Names, Reqs []string
	}
	var in input
	for v := range versionCases {
		in.Versions = append(in.Versions, v)
	}
	in.Versions = append(in.Versions, versionInvalid...)
	for n := range nameCases {
		in.Names = append(in.Names, n)
	}
	in.Reqs = append(slices.Clone(requirementCases), requirementInvalid...)
	const script = `
import json, sys
from packaging.version import Version, InvalidVersion
from packaging.utils import canonicalize_name
from packaging.requirements import Requirement, InvalidRequirement
inp = json.load(sys.stdin)
out = {"Versions": [], "Names": [canonicalize_name(n) for n in inp["Names"]], "Reqs": []}
for v in inp["Versions"]:
    try:
        out["Versions"].append(str(Version(v)))
    except InvalidVersion:
        out["Versions"].append(None)
for r in inp["Reqs"]:
    try:
        q = Requirement(r)
        out["Reqs"].append({"name": q.name, "extras": sorted(q.extras), "spec": sorted(str(s) for s in q.specifier), "url": q.url or "", "marker": q.marker is not None})
    except InvalidRequirement:
        out["Reqs"].append(None)
json.dump(out, sys.stdout)
`
	raw := runPython(t, py, script, in)
	type req struct {
		Name   string
		Extras []string
		Spec   []string
		URL    string
		Marker bool
	}
	var got struct {
		Versions []*string
		Names    []string
		Reqs     []*req
	}
	if err := json.Unmarshal(raw, &got); err != nil || len(got.Versions) != len(in.Versions) || len(got.Names) != len(in.Names) || len(got.Reqs) != len(in.Reqs) {
		t.Fatalf("python output %q: %v", raw, err)
	}
	for i, v := range in.Versions {
		ours, ourErr := NormalizeVersion(v)
		switch {
		case got.Versions[i] == nil && ourErr == nil:
			t.Errorf("version %q: packaging refuses it, we normalise it to %q", v, ours)
		case got.Versions[i] != nil && ourErr != nil:
			t.Errorf("version %q: packaging gives %q, we refuse it: %v", v, *got.Versions[i], ourErr)
		case got.Versions[i] != nil && *got.Versions[i] != ours:
			t.Errorf("version %q: packaging gives %q, we give %q", v, *got.Versions[i], ours)
		}
	}
	for i, n := range in.Names {
		if ours := NormalizeName(n); ours != got.Names[i] {
			t.Errorf("name %q: packaging gives %q, we give %q", n, got.Names[i], ours)
		}
	}
	for i, s := range in.Reqs {
		r, ourErr := ParseRequirement(s)
		ref := got.Reqs[i]
		switch {
		case ref == nil && ourErr == nil:
			t.Errorf("requirement %q: packaging refuses it, we accept %+v", s, r)
		case ref != nil && ourErr != nil:
			t.Errorf("requirement %q: packaging accepts %+v, we refuse it: %v", s, *ref, ourErr)
		case ref != nil:
			var spec []string
			if r.Specifier != "" {
				spec = strings.Split(r.Specifier, ",")
			}
			slices.Sort(spec)
			extras := slices.Sorted(slices.Values(r.Extras))
			if r.Name != ref.Name || !slices.Equal(spec, ref.Spec) || !slices.Equal(extras, ref.Extras) || r.URL != ref.URL || (r.Marker != "") != ref.Marker {
				t.Errorf("requirement %q: packaging gives %+v, we give %+v", s, *ref, r)
			}
		}
	}
}

func FuzzParseVersion(f *testing.F) {
	for in := range versionCases {
		f.Add(in)
	}
	for _, in := range versionInvalid {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		v, err := ParseVersion(in)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Reason == "" {
				t.Fatalf("ParseVersion(%q) error %v is not an *Error with a reason", in, err)
			}
			return
		}
		n := v.String()
		again, err := NormalizeVersion(n)
		if err != nil || again != n {
			t.Fatalf("not idempotent: %q → %q → %q, %v", in, n, again, err)
		}
	})
}

func FuzzParseRequirement(f *testing.F) {
	for _, in := range append(slices.Clone(requirementCases), requirementInvalid...) {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r, err := ParseRequirement(in)
		if err != nil {
			return
		}
		if r.Name == "" || r.Normalized != NormalizeName(r.Name) || NormalizeName(r.Normalized) != r.Normalized {
			t.Fatalf("bad name in %+v", r)
		}
	})
}

func FuzzDistFilenames(f *testing.F) {
	for _, in := range []string{"demo_pkg-1.2.3-py3-none-any.whl", "demo_pkg-1.2.3.tar.gz", "a-1-2-3-4-5.whl", "-.tar.gz"} {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if w, err := ParseWheelFilename(in); err == nil {
			if _, err := NormalizeVersion(w.Version); err != nil || !ValidName(w.Name) {
				t.Fatalf("ParseWheelFilename(%q) = %+v with an invalid part", in, w)
			}
			if v, ft := DistFileVersion(NormalizeName(w.Name), in); v != w.Version || ft != "bdist_wheel" {
				t.Fatalf("DistFileVersion disagrees with ParseWheelFilename on %q: %q %q", in, v, ft)
			}
		}
		if name, version, err := ParseSdistFilename(in); err == nil {
			if SdistName(name) != name {
				t.Fatalf("ParseSdistFilename(%q) name %q not normalised", in, name)
			}
			if v, ft := DistFileVersion(NormalizeName(name), in); v != version || ft != "sdist" {
				t.Fatalf("DistFileVersion disagrees with ParseSdistFilename on %q: %q %q", in, v, ft)
			}
		}
	})
}
