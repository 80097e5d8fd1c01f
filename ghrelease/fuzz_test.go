package ghrelease

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseRequirement(f *testing.F) {
	for _, s := range []string{
		"requests", "requests[socks,security] (>=2.31, <3) ; python_version >= '3.8'",
		"PyYAML==6.0.1", "pkg @ https://example.com/p.whl ; os_name == 'posix'",
		"a.b_c-d~=1.4.5", "x===weird", "name[", "(>=1)", "", "pytest; extra == 'dev'",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRequirement(s)
		if err != nil {
			return
		}
		if r.Name == "" || r.Normalized != NormalizeName(r.Name) || strings.ContainsAny(r.Normalized, "_.") {
			t.Fatalf("bad name in %+v", r)
		}
		if NormalizeName(r.Normalized) != r.Normalized {
			t.Fatalf("normalisation not idempotent: %q", r.Normalized)
		}
		// What we print back parses to the same requirement.
		r2, err := ParseRequirement(requirementString(r))
		if err != nil {
			t.Fatalf("re-parse of %q (%+v): %v", requirementString(r), r, err)
		}
		if r2.Normalized != r.Normalized || r2.Specifier != r.Specifier || r2.URL != r.URL || r2.Marker != r.Marker || len(r2.Extras) != len(r.Extras) {
			t.Fatalf("round trip: %+v != %+v", r2, r)
		}
	})
}

func FuzzParseChecksums(f *testing.F) {
	f.Add([]byte(strings.Repeat("a", 64) + "  file.whl\n" + strings.Repeat("B", 64) + " *bin.tar.gz\r\n\n"))
	f.Add([]byte("short  x\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseChecksums(data)
		if err != nil {
			return
		}
		m2, err := ParseChecksums(FormatChecksums(m))
		if err != nil || len(m2) != len(m) {
			t.Fatalf("format/parse round trip: %v %v %v", m, m2, err)
		}
		for k, v := range m {
			if m2[k] != v || len(v) != 64 {
				t.Fatalf("entry %q: %q vs %q", k, v, m2[k])
			}
		}
	})
}

func FuzzValidateAssetName(f *testing.F) {
	for _, s := range []string{"a.whl", ".x", "a b", "ü", "SHA256SUMS", "x.", "-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateAssetName(s)
		g := githubAssetName(s)
		if githubAssetName(g) != g {
			t.Fatalf("GitHub rewrite not idempotent: %q → %q", s, g)
		}
		if err == nil && g != s {
			t.Fatalf("accepted %q although GitHub stores %q", s, g)
		}
		if err == nil && ContentType(s) == "" {
			t.Fatal("no content type")
		}
	})
}

func FuzzNotesChangelog(f *testing.F) {
	f.Add("### Added\n\n- x", 3000)
	f.Add("```\ncode\n", 2600)
	f.Add(strings.Repeat("é\n", 5000), 4000)
	f.Fuzz(func(t *testing.T, cl string, max int) {
		if max < 1 || max > 200000 || !utf8.ValidString(cl) {
			return
		}
		d := refData()
		d.Changelog = cl
		out, err := Notes(d, WithMaxBodyLength(max))
		if err != nil {
			return
		}
		if n := utf8.RuneCountInString(out); n > max {
			t.Fatalf("notes are %d characters, limit %d", n, max)
		}
		if !strings.Contains(out, "cosign verify ghcr.io/metbcy/securescan@sha256:") {
			t.Fatal("verification section cut")
		}
	})
}
