package ghrelease

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tagship/tagship/internal/atomicfile"
)

// ChecksumsAssetName is the default name of the checksums asset.
const ChecksumsAssetName = "SHA256SUMS"

// ValidateAssetName checks that GitHub stores name unchanged. GitHub
// rewrites characters outside [A-Za-z0-9._-] (to '.') and drops leading and
// trailing periods; such names are refused with an error wrapping
// [ErrInvalidAssetName] that says what GitHub would store instead.
func ValidateAssetName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty name", ErrInvalidAssetName)
	}
	if len(name) > 255 {
		return fmt.Errorf("%w: %q is %d bytes long, expected at most 255", ErrInvalidAssetName, name, len(name))
	}
	if r := githubAssetName(name); r != name {
		return fmt.Errorf("%w: %q: GitHub would store it as %q (it renames characters outside [A-Za-z0-9._-] and drops leading or trailing periods); rename the file", ErrInvalidAssetName, name, r)
	}
	return nil
}

// githubAssetName is what GitHub stores for an uploaded name.
func githubAssetName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('.')
		}
	}
	out := strings.Trim(b.String(), ".")
	if out == "" {
		return "default"
	}
	return out
}

// ContentType returns the media type tagship sends for an asset file name.
// GitHub stores whatever Content-Type the uploader sends and serves it back;
// the table is fixed (not the host's mime database) so uploads are
// reproducible:
//
//	*.sigstore.json                      application/json
//	*.cdx.json, *.bom.json, *.cdx        application/vnd.cyclonedx+json
//	*.spdx.json                          application/spdx+json
//	*.json                               application/json
//	*.zip                                application/zip
//	*.tar.gz, *.tgz, *.gz                application/gzip
//	*.tar                                application/x-tar
//	SHA256SUMS, *.txt, *.sha256, *.md    text/plain
//	*.asc, *.sig                         application/pgp-signature
//	*.pem, *.crt                         application/x-pem-file
//	*.whl, anything else                 application/octet-stream
//
// Wheels are application/octet-stream because that is what GitHub ends up
// storing for them from its own tooling: gh release upload and the common
// upload actions look the extension up in the mime database, which has no
// .whl entry (twine uploads them to PyPI the same way).
func ContentType(name string) string {
	n := strings.ToLower(name)
	has := func(sfx ...string) bool {
		for _, s := range sfx {
			if strings.HasSuffix(n, s) {
				return true
			}
		}
		return false
	}
	switch {
	case has(".sigstore.json", ".sigstore"):
		return "application/json"
	case has(".cdx.json", ".bom.json", ".cdx"):
		return "application/vnd.cyclonedx+json"
	case has(".spdx.json"):
		return "application/spdx+json"
	case has(".json"):
		return "application/json"
	case has(".zip"):
		return "application/zip"
	case has(".tar.gz", ".tgz", ".gz"):
		return "application/gzip"
	case has(".tar"):
		return "application/x-tar"
	case n == "sha256sums" || n == "sha512sums" || has(".txt", ".sha256", ".md"):
		return "text/plain"
	case has(".asc", ".sig"):
		return "application/pgp-signature"
	case has(".pem", ".crt"):
		return "application/x-pem-file"
	}
	return "application/octet-stream"
}

// FormatChecksums renders name → hex sha256 in sha256sum's format
// ("<hex>  <name>\n", sorted by name), what `sha256sum -c` reads.
func FormatChecksums(sums map[string]string) []byte {
	names := make([]string, 0, len(sums))
	for n := range sums {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		fmt.Fprintf(&b, "%s  %s\n", sums[n], n)
	}
	return b.Bytes()
}

// WriteChecksums writes, atomically at path, the SHA256SUMS of assets:
// each file streamed through SHA-256, listed under its asset name (Name,
// or the base name of Path, as [Publisher.Publish] names it) in
// [FormatChecksums]' format. A release that signs this file itself gives
// it to Publish as an ordinary asset, with [WithChecksumsAsset]("") so
// that Publish does not add an unsigned one. An unreadable file, or a name
// given twice, is an error matching [ErrInvalidRelease].
func WriteChecksums(ctx context.Context, path string, assets ...Asset) error {
	sums := map[string]string{}
	for _, a := range assets {
		if err := ctx.Err(); err != nil {
			return err
		}
		la := &localAsset{Asset: a}
		if la.Name == "" {
			la.Name = filepath.Base(a.Path)
		}
		if _, dup := sums[la.Name]; dup {
			return fmt.Errorf("%w: asset name %q appears twice", ErrInvalidRelease, la.Name)
		}
		if err := la.hash(); err != nil {
			return err
		}
		sums[la.Name] = la.sha
	}
	return atomicfile.WriteFile(path, FormatChecksums(sums), 0o644)
}

// ParseChecksums reads sha256sum output ("<hex>  <name>" or binary-mode
// "<hex> *<name>" lines; blank lines ignored) into name → lowercase hex.
func ParseChecksums(data []byte) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		t := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(t) == "" {
			continue
		}
		if len(t) < 66 || t[64] != ' ' || (t[65] != ' ' && t[65] != '*') {
			return nil, fmt.Errorf("ghrelease: checksums line %d: expected \"<64 hex digits>  <name>\", found %q", line, truncate(t, 100))
		}
		hexsum, name := strings.ToLower(t[:64]), t[66:]
		for _, c := range hexsum {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return nil, fmt.Errorf("ghrelease: checksums line %d: %q is not a hex sha256", line, t[:64])
			}
		}
		if name == "" {
			return nil, fmt.Errorf("ghrelease: checksums line %d: no file name", line)
		}
		if prev, ok := out[name]; ok && prev != hexsum {
			return nil, fmt.Errorf("ghrelease: checksums line %d: %q listed twice with different sums", line, name)
		}
		out[name] = hexsum
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ghrelease: reading checksums: %w", err)
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
