package ghrelease

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tagship/tagship/changelog"
	"github.com/tagship/tagship/sign"
)

func refData() NotesData {
	return NotesData{
		Repository:    "Metbcy/securescan",
		Tag:           "v0.11.0",
		Changelog:     "### Added\n\n- Things.",
		PythonPackage: "securescan",
		Files:         []string{"securescan-0.11.0-py3-none-any.whl", "securescan-0.11.0.tar.gz"},
		Image:         "ghcr.io/metbcy/securescan",
		ImageDigest:   "sha256:" + strings.Repeat("0f", 32),
	}
}

// The commands of the reference release process, verbatim.
func TestNotesReferenceCommands(t *testing.T) {
	t.Parallel()
	out, err := Notes(refData())
	if err != nil {
		t.Fatal(err)
	}
	id := "https://github.com/Metbcy/securescan/.github/workflows/release.yml@refs/tags/v0.11.0"
	if got := sign.GitHubWorkflowIdentity("Metbcy/securescan", "", "v0.11.0"); got != id {
		t.Fatalf("sign helper gives %q", got)
	}
	for _, want := range []string{
		"### Added\n\n- Things.\n\n## Verifying signed artifacts",
		"pip download securescan==0.11.0 --no-deps -d ./out\n",
		"gh release download v0.11.0 --repo Metbcy/securescan --dir ./out \\\n  --pattern 'securescan-0.11.0-py3-none-any.whl.sigstore.json' \\\n  --pattern 'securescan-0.11.0.tar.gz' \\\n  --pattern 'securescan-0.11.0.tar.gz.sigstore.json'\n",
		"sigstore verify identity \\\n  --cert-identity '" + id + "' \\\n  --cert-oidc-issuer 'https://token.actions.githubusercontent.com' \\\n  --bundle ./out/securescan-0.11.0-py3-none-any.whl.sigstore.json \\\n  ./out/securescan-0.11.0-py3-none-any.whl\n",
		"--bundle ./out/securescan-0.11.0.tar.gz.sigstore.json \\\n  ./out/securescan-0.11.0.tar.gz\n",
		"cosign verify-blob \\\n  --bundle ./out/securescan-0.11.0.tar.gz.sigstore.json \\\n  --certificate-identity '" + id + "' \\\n  --certificate-oidc-issuer 'https://token.actions.githubusercontent.com' \\\n  ./out/securescan-0.11.0.tar.gz\n",
		"cosign verify ghcr.io/metbcy/securescan:v0.11.0 \\\n  --certificate-identity '" + id + "' \\\n  --certificate-oidc-issuer 'https://token.actions.githubusercontent.com'\n",
		"cosign verify ghcr.io/metbcy/securescan@sha256:" + strings.Repeat("0f", 32) + " \\\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("notes lack:\n%s\n---- notes:\n%s", want, out)
		}
	}
	if strings.Count(out, "```")%2 != 0 {
		t.Error("unbalanced code fences")
	}
}

// The shell blocks are valid POSIX shell (checked with sh -n).
func TestNotesShellSyntax(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	out, err := Notes(refData())
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(out, "```sh\n")
	if len(blocks) < 4 {
		t.Fatalf("expected ≥3 shell blocks, found %d", len(blocks)-1)
	}
	for _, b := range blocks[1:] {
		code, _, _ := strings.Cut(b, "```")
		cmd := exec.Command(sh, "-n")
		cmd.Stdin = strings.NewReader(code)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sh -n: %v %s\n%s", err, msg, code)
		}
	}
}

func TestNotesValidationAndQuoting(t *testing.T) {
	t.Parallel()
	for name, mut := range map[string]func(*NotesData){
		"repo":     func(d *NotesData) { d.Repository = "evil'; rm -rf /" },
		"tag":      func(d *NotesData) { d.Tag = "v1\n" },
		"file":     func(d *NotesData) { d.Files = []string{"a b.whl"} },
		"image":    func(d *NotesData) { d.Image = "ghcr.io/x:latest" },
		"digest":   func(d *NotesData) { d.ImageDigest = "sha256:abc" },
		"workflow": func(d *NotesData) { d.WorkflowPath = "../x.yml" },
		"issuer":   func(d *NotesData) { d.Issuer = "http://x" },
	} {
		d := refData()
		mut(&d)
		if _, err := Notes(d); !errors.Is(err, ErrInvalidNotesData) {
			t.Errorf("%s: err = %v, want ErrInvalidNotesData", name, err)
		}
	}
	for in, want := range map[string]string{"a": "'a'", "it's": `'it'\''s'`, "": "''"} {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
	if got := shellQuoteIfNeeded("a b"); got != "'a b'" {
		t.Errorf("shellQuoteIfNeeded = %s", got)
	}
}

func TestNotesLengthLimit(t *testing.T) {
	t.Parallel()
	d := refData()
	var b strings.Builder
	b.WriteString("### Changed\n\n```text\n")
	for b.Len() < 300000 {
		b.WriteString("- a long line of changes with ünïcödé characters\n")
	}
	d.Changelog = b.String()
	out, err := Notes(d)
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(out); n > MaxBodyLength || n < MaxBodyLength-1000 {
		t.Fatalf("notes are %d characters, want just under %d", n, MaxBodyLength)
	}
	full, _ := Notes(refData())
	_, verify, _ := strings.Cut(full, "## Verifying signed artifacts")
	if !strings.HasSuffix(out, verify) {
		t.Error("the verification section was cut")
	}
	if !strings.Contains(out, "shortened here") || !strings.Contains(out, "(https://github.com/Metbcy/securescan/blob/v0.11.0/CHANGELOG.md)") {
		t.Error("the shortening is not announced with a link")
	}
	if strings.Count(out, "```")%2 != 0 {
		t.Error("the cut left a code fence open")
	}

	if _, err := Notes(refData(), WithMaxBodyLength(200)); !errors.Is(err, ErrNotesTooLong) {
		t.Errorf("err = %v, want ErrNotesTooLong", err)
	}
}

func TestNotesTemplateAndChangelog(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("testdata/CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	cl, err := changelog.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	d := NotesData{Repository: "o/r", Tag: "v1.1.0"}
	if err := d.UseChangelog(cl); err != nil {
		t.Fatal(err)
	}
	out, err := Notes(d, WithNotesTemplate(`{{.Version}} {{.ChangelogDate}} {{.CompareURL}}|{{.Changelog}}|{{sq .Identity}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := "1.1.0 2026-11-20 https://github.com/o/r/compare/v1.0.0...v1.1.0|### Fixed\n\n- A bug.|'https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1.1.0'"
	if out != want {
		t.Errorf("got  %q\nwant %q", out, want)
	}
	d2 := NotesData{Repository: "o/r", Tag: "v9.9.9"}
	if err := d2.UseChangelog(cl); !errors.Is(err, ErrNoChangelogSection) {
		t.Errorf("err = %v, want ErrNoChangelogSection", err)
	}
	if _, err := Notes(d, WithNotesTemplate("{{.Nope")); err == nil {
		t.Error("bad template accepted")
	}
}
