package pep

import (
	"encoding/json"
	"math/rand"
	"strings"
	"testing"
)

func TestCheckMarker(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		marker string
		want   string // "" = valid; else a substring of the error
	}{
		{"os_name == 'posix'", ""},
		{`(python_version >= "3.8" or extra == 'x') and 'linux' in sys_platform`, ""},
		{"platform_machine not in 'x86_64 aarch64'", ""},
		{"os.name=='nt'and(extra=='b')", ""},
		{"dependency_groups == 'test'", ""},
		{"", "expected a marker variable"},
		{"garbage", "expected a marker variable"},
		{"os_name = 'x'", "expected an operator"},
		{"os_name == 'x", "closing quote"},
		{"(os_name == 'x'", `expected ")"`},
		{"os_name == 'x')", `expected "and", "or"`},
		{"os_name == 'x' and", "expected a marker variable"},
		{"not os_name == 'x'", "expected a marker variable"},
		{"os_name not 'x'", "expected an operator"},
		{strings.Repeat("(", 101) + "os_name == 'x'" + strings.Repeat(")", 101), "at most 100 nested"},
	} {
		err := checkMarker(tc.marker)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("checkMarker(%q) = %v, want %q", tc.marker, err, tc.want)
		}
	}
}

// TestMarkersMatchPackaging compares ParseRequirement with the reference,
// python3-packaging, on generated requirements: token soup after the
// name, around the marker and the URL (mostly refused), and well-formed
// nested markers (accepted). Left out: "===" (packaging 23 takes anything after it, PEP
// 440's arbitrary equality) and PEP 751's "extras", which packaging reads
// from version 25 on and we accept already.
func TestMarkersMatchPackaging(t *testing.T) {
	t.Parallel()
	py := python(t)
	rng := rand.New(rand.NewSource(7))
	pick := func(s []string) string { return s[rng.Intn(len(s))] }
	pre := []string{"", " ", "[b]", ">=1.0", " @ https://h/p", " @ file:///x", "@https://h/p", " (>=1,<2)", " @ :", " @ h/p"}
	sep := []string{" ;", ";", "\t;", "", " ; ", ";;"} // "": specifier soup
	soup := []string{"1.0", "2.*", "1!2", "1.0+l", "1.0.post1", "1rc1", ",", "v1", "1.0a1.*", "os_name", "==", "'x'", "and", "or", "(", ")", "in", "not", "extra", `"y"`, "python_version", "<", "~=", "!=", "os.name", "sys_platform", "platform.machine", "'a b'", ">=", "implementation_version", "'", "os_names"}
	values := []string{"os_name", "'x'", "extra", "python_version", `"3.8"`, "sys.platform"}
	ops := []string{"==", "!=", "<", "in", "not in", "~=", ">="}
	var expr func(depth int) string
	expr = func(depth int) string {
		if depth < 3 && rng.Intn(3) == 0 {
			return "(" + expr(depth+1) + " " + pick([]string{"and", "or"}) + " " + expr(depth+1) + ")"
		}
		return pick(values) + pick([]string{" ", ""}) + pick(ops) + " " + pick(values)
	}
	var in []string
	for range 5000 {
		s := "a" + pick(pre) + pick(sep)
		for k := rng.Intn(10); k >= 0; k-- {
			s += pick(soup) + pick([]string{" ", "", "\t"})
		}
		in = append(in, s)
	}
	for range 3000 {
		in = append(in, "a"+pick(pre)+" ; "+expr(0))
	}
	raw := runPython(t, py, `
import json, sys
from packaging.requirements import Requirement, InvalidRequirement
out = []
for r in json.load(sys.stdin):
    try:
        Requirement(r)
        out.append(True)
    except InvalidRequirement:
        out.append(False)
json.dump(out, sys.stdout)`, in)
	var ok []bool
	if err := json.Unmarshal(raw, &ok); err != nil || len(ok) != len(in) {
		t.Fatalf("python output %q: %v", raw, err)
	}
	accepted, bad := 0, 0
	for i, s := range in {
		_, err := ParseRequirement(s)
		if ok[i] {
			accepted++
		}
		if (err == nil) != ok[i] {
			if bad++; bad <= 20 {
				t.Errorf("%q: packaging accepts it: %v; ParseRequirement: %v", s, ok[i], err)
			}
		}
	}
	if accepted < len(in)/10 || accepted > len(in)*9/10 {
		t.Errorf("packaging accepted %d of %d generated requirements: the generator no longer tests both sides", accepted, len(in))
	}
	t.Logf("%d requirements, %d accepted by packaging, %d disagreements", len(in), accepted, bad)
}
