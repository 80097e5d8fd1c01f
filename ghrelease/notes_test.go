package ghrelease

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tagship/tagship/changelog"
)

const (
	refIdentity = "https://github.com/Metbcy/securescan/.github/workflows/release.yml@refs/tags/v0.11.0"
	refIssuer   = "https://token.actions.githubusercontent.com"
)

func refData() NotesData {
	return NotesData{
		Repository:    "Metbcy/securescan",
		Tag:           "v0.11.0",
		Identity:      refIdentity,
		Issuer:        refIssuer,
		WorkflowPath:  ".github/workflows/release.yml",
		Checksums:     "SHA256SUMS",
		SBOM:          "securescan-0.11.0.cdx.json",
		Provenance:    "securescan-0.11.0.provenance.sigstore.json",
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
	id := refIdentity
	for _, want := range []string{
		"### Added\n\n- Things.\n\n## Verifying signed artifacts",
		"pip download securescan==0.11.0 --no-deps -d ./out\n",
		"gh release download v0.11.0 --repo Metbcy/securescan --dir ./out \\\n  --pattern 'securescan-0.11.0-py3-none-any.whl.sigstore.json' \\\n  --pattern 'securescan-0.11.0.tar.gz' \\\n  --pattern 'securescan-0.11.0.tar.gz.sigstore.json' \\\n" +
			"  --pattern 'SHA256SUMS' \\\n  --pattern 'SHA256SUMS.sigstore.json' \\\n  --pattern 'securescan-0.11.0.cdx.json' \\\n  --pattern 'securescan-0.11.0.cdx.json.sigstore.json' \\\n  --pattern 'securescan-0.11.0.provenance.sigstore.json'\n",
		"sigstore verify identity \\\n  --cert-identity '" + id + "' \\\n  --cert-oidc-issuer 'https://token.actions.githubusercontent.com' \\\n  --bundle ./out/securescan-0.11.0-py3-none-any.whl.sigstore.json \\\n  ./out/securescan-0.11.0-py3-none-any.whl\n",
		"--bundle ./out/securescan-0.11.0.tar.gz.sigstore.json \\\n  ./out/securescan-0.11.0.tar.gz\n",
		"cosign verify-blob --use-signed-timestamps \\\n  --bundle ./out/securescan-0.11.0.tar.gz.sigstore.json \\\n  --certificate-identity '" + id + "' \\\n  --certificate-oidc-issuer 'https://token.actions.githubusercontent.com' \\\n  ./out/securescan-0.11.0.tar.gz\n",
		"cosign verify-blob --use-signed-timestamps \\\n  --bundle ./out/SHA256SUMS.sigstore.json \\\n",
		"  ./out/securescan-0.11.0.cdx.json\n",
		"cd ./out && sha256sum --check --ignore-missing SHA256SUMS\n",
		"cosign verify --use-signed-timestamps ghcr.io/metbcy/securescan:v0.11.0 \\\n  --certificate-identity '" + id + "' \\\n  --certificate-oidc-issuer 'https://token.actions.githubusercontent.com'\n",
		"cosign verify --use-signed-timestamps ghcr.io/metbcy/securescan@sha256:" + strings.Repeat("0f", 32) + " \\\n",
		"by the `.github/workflows/release.yml` workflow of `Metbcy/securescan`",
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
		"repo":      func(d *NotesData) { d.Repository = "evil'; rm -rf /" },
		"tag":       func(d *NotesData) { d.Tag = "v1\n" },
		"file":      func(d *NotesData) { d.Files = []string{"a b.whl"} },
		"image":     func(d *NotesData) { d.Image = "ghcr.io/x:latest" },
		"digest":    func(d *NotesData) { d.ImageDigest = "sha256:abc" },
		"workflow":  func(d *NotesData) { d.WorkflowPath = "../x.yml" },
		"issuer":    func(d *NotesData) { d.Issuer = "http://x" },
		"no issuer": func(d *NotesData) { d.Issuer = "" },
		"no id":     func(d *NotesData) { d.Identity = "" },
		"id quote":  func(d *NotesData) { d.Identity = "https://x/'@refs/tags/v0.11.0" },
		"id branch": func(d *NotesData) {
			d.Identity = "https://github.com/Metbcy/securescan/.github/workflows/release.yml@refs/heads/main"
		},
		"id tag": func(d *NotesData) {
			d.Identity = "https://github.com/Metbcy/securescan/.github/workflows/release.yml@refs/tags/v0.10.0"
		},
		"checksums":  func(d *NotesData) { d.Checksums = "SHA 256" },
		"sbom":       func(d *NotesData) { d.SBOM = ".hidden" },
		"heading nl": func(d *NotesData) { d.Heading = "## [1]\nx" },
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
	d := NotesData{Repository: "o/r", Tag: "v1.1.0", Issuer: refIssuer,
		Identity: "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1.1.0"}
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

// The version heading is kept by default and can be left out; a first
// release (its changelog link is the release page itself) has no "Full
// diff" link, a later one links the comparison.
func TestNotesHeadingAndFullDiff(t *testing.T) {
	t.Parallel()
	cl, err := changelog.Parse([]byte("# Changelog\n\n## [Unreleased]\n\n## [1.1.0] - 2026-11-21\n\n- b\n\n## [1.0.0] - 2026-11-20\n\n- a\n\n" +
		"[Unreleased]: https://github.com/o/r/compare/v1.1.0...HEAD\n[1.1.0]: https://github.com/o/r/compare/v1.0.0...v1.1.0\n[1.0.0]: https://github.com/o/r/releases/tag/v1.0.0\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tag      string
		opts     []NotesOption
		want     []string
		wantNone []string
	}{
		{tag: "v1.0.0", want: []string{"## [1.0.0] - 2026-11-20\n\n- a\n\n## Verifying"}, wantNone: []string{"Full diff", "releases/tag"}},
		{tag: "v1.1.0", want: []string{"## [1.1.0] - 2026-11-21\n\n- b\n\n**Full diff**: https://github.com/o/r/compare/v1.0.0...v1.1.0\n"}},
		{tag: "v1.1.0", opts: []NotesOption{WithVersionHeading(false)}, want: []string{"- b\n\n**Full diff**"}, wantNone: []string{"## [1.1.0]"}},
	} {
		d := NotesData{Repository: "o/r", Tag: tc.tag, Issuer: refIssuer,
			Identity: "https://github.com/o/r/.github/workflows/release.yml@refs/tags/" + tc.tag}
		if err := d.UseChangelog(cl); err != nil {
			t.Fatal(err)
		}
		out, err := Notes(d, tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(out, "## [") && len(tc.opts) == 0 {
			t.Errorf("%s: notes do not start with the version heading:\n%s", tc.tag, out)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: notes lack %q:\n%s", tc.tag, w, out)
			}
		}
		for _, w := range tc.wantNone {
			if strings.Contains(out, w) {
				t.Errorf("%s: notes contain %q:\n%s", tc.tag, w, out)
			}
		}
	}
}

// The build provenance: one command per distribution, the bundle among the
// downloads; without Provenance no section; a name that is not a bundle's
// is refused.
func TestNotesProvenance(t *testing.T) {
	t.Parallel()
	out, err := Notes(refData())
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, "cosign verify-blob-attestation --use-signed-timestamps --new-bundle-format"); n != 2 {
		t.Errorf("%d provenance commands, want one per distribution (2):\n%s", n, out)
	}
	for _, want := range []string{"--bundle ./out/securescan-0.11.0.provenance.sigstore.json", "--type slsaprovenance1",
		"--pattern 'securescan-0.11.0.provenance.sigstore.json'", "./out/securescan-0.11.0.tar.gz\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("notes lack %q", want)
		}
	}
	d := refData()
	d.Provenance = ""
	if out, err := Notes(d); err != nil || strings.Contains(out, "Build provenance") {
		t.Errorf("without provenance: %v, section present %v", err, strings.Contains(out, "Build provenance"))
	}
	d.Provenance = "provenance.json"
	if _, err := Notes(d); !errors.Is(err, ErrInvalidNotesData) {
		t.Errorf("Provenance %q: %v, want ErrInvalidNotesData", d.Provenance, err)
	}
}
