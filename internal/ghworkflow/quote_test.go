package ghworkflow

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestYAMLString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"ubuntu-latest", "ubuntu-latest"},
		{"actions/checkout@v7", "actions/checkout@v7"},
		{"", "''"},
		{"1.26", "'1.26'"}, // a bare 1.26 is a number
		{"1.26.8", "1.26.8"},
		{"7", "'7'"},
		{"1e3", "'1e3'"},
		{"0X00", "'0X00'"}, {"0x1F", "'0x1F'"}, {"0o17", "'0o17'"}, {"0b101", "'0b101'"}, {"0777", "'0777'"}, {"1_000", "'1_000'"},
		{"1.", "'1.'"}, {"2026-12-04", "'2026-12-04'"}, {"y", "'y'"}, {"N", "'N'"},
		{"0e0_", "'0e0_'"}, {"1e1_0", "'1e1_0'"}, {"1_.5", "'1_.5'"}, {"1_2_3", "'1_2_3'"}, {"1_2_3.x", "1_2_3.x"},
		{"3.x", "3.x"}, {"0x", "0x"}, {"1e", "1e"}, {"v1.2", "v1.2"}, {"2026-12", "2026-12"},
		{"true", "'true'"}, {"No", "'No'"}, {"on", "'on'"}, {"~", "'~'"}, {"null", "'null'"},
		{"-x", "'-x'"}, {".tagship", "'.tagship'"}, {"@x", "'@x'"},
		{"two words", "'two words'"},
		{"it's", "'it''s'"},
		{"a: b", "'a: b'"}, {"#x", "'#x'"}, {"x # y", "'x # y'"},
		{"${{ github.ref }}", "'${{ github.ref }}'"},
		{"ünï", "'ünï'"},
	} {
		if got := yamlString(tc.in); got != tc.want {
			t.Errorf("yamlString(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// FuzzYAMLString: what yamlString writes, a YAML parser reads back as the
// same string, as a string (for the values Render lets through: no control
// characters).
func FuzzYAMLString(f *testing.F) {
	for _, s := range []string{"plain", "", "1.20", "yes", "it's", "a: b", "- x", "[x]", "{x}", "*x", "&x", "!x", "%x", "|", ">", "'", `"`, "0x1F", ".inf", "NaN", " x ", "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if noControl(s) != nil {
			return
		}
		var got map[string]any // not string: a number or a date must not pass for one
		doc := "k: " + yamlString(s) + "\n"
		if err := yaml.Unmarshal([]byte(doc), &got); err != nil {
			t.Fatalf("%q: %v", doc, err)
		}
		if got["k"] != any(s) {
			t.Fatalf("%q read back as %q", doc, got["k"])
		}
	})
}
