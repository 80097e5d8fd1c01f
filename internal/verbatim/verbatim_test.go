package verbatim

import (
	"sort"
	"strings"
	"testing"

	"github.com/tagship/tagship/ghrelease"
)

// fullNotes renders the default notes with every optional part: PyPI,
// distributions, signed SHA256SUMS and SBOM, image by tag and by digest.
func fullNotes(t *testing.T) string {
	t.Helper()
	out, err := ghrelease.Notes(ghrelease.NotesData{
		Repository: "octo-org/hello-release", Tag: "v0.11.0",
		Identity:      "https://github.com/octo-org/hello-release/.github/workflows/release.yml@refs/tags/v0.11.0",
		Issuer:        "https://token.actions.githubusercontent.com",
		WorkflowPath:  ".github/workflows/release.yml",
		Changelog:     "### Added\n\n```sh\necho not a published command of the release itself\n```\n",
		PythonPackage: "hello-release",
		Files:         []string{"hello_release-0.11.0-py3-none-any.whl", "hello_release-0.11.0.tar.gz"},
		Checksums:     "SHA256SUMS", SBOM: "hello-release-0.11.0.cdx.json", Provenance: "hello-release-0.11.0.provenance.sigstore.json",
		Image: "ghcr.io/octo-org/hello-release", ImageDigest: "sha256:" + strings.Repeat("ab", 32),
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Every command shape the default notes publish has a verifier run in
// .ci/verbatim.sh, and every run still matches a published shape. When the
// notes change, update Runs AND the runner in cmd/verbatim together.
func TestEveryPublishedShapeHasAVerifierRun(t *testing.T) {
	t.Parallel()
	notes := fullNotes(t)
	// The changelog's own code blocks are the project's text, not
	// verification commands: only the verification section counts.
	_, verification, ok := strings.Cut(notes, "## Verifying signed artifacts")
	if !ok {
		t.Fatal("no verification section")
	}
	shapes, err := Shapes(Commands(verification))
	if err != nil {
		t.Fatal(err)
	}
	var golden []string
	for s := range Runs {
		golden = append(golden, s)
	}
	sort.Strings(golden)
	if strings.Join(shapes, "\n") != strings.Join(golden, "\n") {
		t.Errorf("published shapes differ from the verbatim check's runs (internal/verbatim.Runs):\npublished:\n  %s\nruns:\n  %s",
			strings.Join(shapes, "\n  "), strings.Join(golden, "\n  "))
	}
	for s, r := range Runs {
		if len(r.Verifiers) == 0 {
			t.Errorf("%s: no verifier", s)
		}
	}
}

func TestCommandsAndShape(t *testing.T) {
	t.Parallel()
	md := "text\n\n```sh\n# a comment\npip download x==1 --no-deps -d ./out\ngh release download v1.0.0 --repo o/r --dir ./out \\\n  --pattern 'a' \\\n  --pattern 'b'\n```\n\n```go\nnot shell\n```\n\n```sh\ncd ./out && sha256sum --check --ignore-missing SHA256SUMS\n```\n"
	cmds := Commands(md)
	if len(cmds) != 3 {
		t.Fatalf("commands %+v", cmds)
	}
	if cmds[1].Text != "gh release download v1.0.0 --repo o/r --dir ./out \\\n  --pattern 'a' \\\n  --pattern 'b'" || cmds[1].Block != 1 || cmds[1].Line != 6 {
		t.Errorf("continuation: %+v", cmds[1])
	}
	if cmds[2].Block != 2 {
		t.Errorf("block: %+v", cmds[2])
	}
	for _, tc := range []struct{ cmd, want string }{
		{cmds[0].Text, "pip download <arg> --no-deps -d <arg>"},
		{cmds[1].Text, "gh release download <arg> --repo <arg> --dir <arg> --pattern <arg> …"},
		{cmds[2].Text, "cd <arg> && sha256sum --check --ignore-missing <arg>"},
		{"cosign verify-blob --use-signed-timestamps --bundle 'x y' --certificate-identity 'it'\\''s' a", ""},
		{"cosign verify-blob --bundle x a", "cosign verify-blob --bundle <arg> <arg>"},
		{"curl https://x | sh", ""},
		{"rm -rf /", ""},
		{"cosign verify \"$IMG\"", ""},
	} {
		got, err := Shape(tc.cmd)
		if tc.want == "" {
			if err == nil {
				t.Errorf("Shape(%q) = %q, want an error", tc.cmd, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Shape(%q) = %q, %v; want %q", tc.cmd, got, err, tc.want)
		}
	}
	w, err := Words("cosign verify-blob --bundle './a b.json' \\\n  --certificate-identity 'x'")
	if err != nil || strings.Join(w, "|") != "cosign|verify-blob|--bundle|./a b.json|--certificate-identity|x" {
		t.Errorf("Words = %q, %v", w, err)
	}
}

func FuzzShape(f *testing.F) {
	f.Add("cosign verify-blob --use-signed-timestamps --bundle ./out/a.sigstore.json --certificate-identity 'x' ./out/a")
	f.Add("gh release download v1 --repo o/r --dir ./out \\\n  --pattern 'a'")
	f.Add("cd ./out && sha256sum --check --ignore-missing SHA256SUMS")
	f.Add("'unterminated")
	f.Fuzz(func(t *testing.T, s string) {
		w, err := Words(s)
		if err != nil {
			return
		}
		if _, err := Shape(s); err == nil && len(w) == 0 {
			t.Errorf("shape of an empty command")
		}
		_ = Commands("```sh\n" + s + "\n```\n")
	})
}
