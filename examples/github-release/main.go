// Command github-release publishes a GitHub Release the safe way: release
// notes from the CHANGELOG section plus the literal signature-verification
// commands, a CycloneDX SBOM, every file attached to a draft first and the
// draft published last, idempotently (a rerun completes a failed run; a
// finished release is left alone). Copy it into your repository and adapt.
//
// Usage (in the release workflow, with `permissions: contents: write` and
// GITHUB_TOKEN in the environment):
//
//	go run ./examples/github-release \
//	    -repo OWNER/REPO -tag v1.2.3 -changelog CHANGELOG.md \
//	    -image ghcr.io/owner/repo@sha256:… -pypi mypkg -metadata METADATA \
//	    dist/*
//
// Files whose "<file>.sigstore.json" bundle is among the arguments get
// verification commands in the notes. -image takes the image repository,
// optionally with "@sha256:…" to add the by-digest commands and the SBOM
// entry. -metadata is a wheel METADATA file whose Requires-Dist lines
// become SBOM dependencies. It prints the result as JSON on stdout.
//
// -api-url and -uploads-url point at GitHub Enterprise Server (or a test
// double): e.g. https://ghe.example.com/api/v3/ and …/api/uploads/.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tagship/tagship/changelog"
	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/sign"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "github-release:", err)
		os.Exit(1)
	}
}

// run is main without the process: hc, if set, is the HTTP client to use
// (tests pass one trusting their TLS test server).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, hc *http.Client) error {
	fs := flag.NewFlagSet("github-release", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repo := fs.String("repo", "", "repository OWNER/NAME (required)")
	tag := fs.String("tag", "", "release tag vX.Y.Z (required)")
	changelogPath := fs.String("changelog", "CHANGELOG.md", "Keep a Changelog file holding the section for the version")
	image := fs.String("image", "", "container image repository, optionally @sha256:DIGEST")
	pypi := fs.String("pypi", "", "PyPI project name (adds the pip download step)")
	metadata := fs.String("metadata", "", "wheel METADATA file: Requires-Dist lines go into the SBOM")
	workflow := fs.String("workflow", "", "signing workflow path (default .github/workflows/release.yml)")
	sbom := fs.Bool("sbom", true, "attach a CycloneDX SBOM")
	replace := fs.Bool("replace", false, "replace assets whose content differs instead of failing")
	apiURL := fs.String("api-url", "", "REST API root for GitHub Enterprise Server")
	uploadsURL := fs.String("uploads-url", "", "uploads root for GitHub Enterprise Server")
	verbose := fs.Bool("v", false, "log progress on stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	files := fs.Args()
	if *repo == "" || *tag == "" {
		return errors.New("-repo and -tag are required")
	}
	owner, name, ok := strings.Cut(*repo, "/")
	if !ok {
		return fmt.Errorf("-repo %q: expected OWNER/NAME", *repo)
	}
	version := strings.TrimPrefix(*tag, "v")

	// Notes: the changelog section + verification commands.
	src, err := os.ReadFile(*changelogPath)
	if err != nil {
		return err
	}
	cl, err := changelog.Parse(src)
	if err != nil {
		return fmt.Errorf("%s: %w", *changelogPath, err)
	}
	imageRepo, imageDigest, _ := strings.Cut(*image, "@")
	data := ghrelease.NotesData{
		Repository: *repo, Tag: *tag, WorkflowPath: *workflow,
		Identity: sign.GitHubWorkflowIdentity(*repo, *workflow, *tag), Issuer: sign.GitHubActionsIssuer,
		PythonPackage: *pypi, Image: imageRepo, ImageDigest: imageDigest,
		ChangelogURL: "https://github.com/" + *repo + "/blob/" + *tag + "/" + filepath.Base(*changelogPath),
	}
	if err := data.UseChangelog(cl); err != nil {
		return err
	}
	given := map[string]bool{}
	for _, f := range files {
		given[filepath.Base(f)] = true
	}
	for _, f := range files {
		if b := filepath.Base(f); given[b+".sigstore.json"] {
			data.Files = append(data.Files, b)
		}
	}
	body, err := ghrelease.Notes(data)
	if err != nil {
		return err
	}

	assets := make([]ghrelease.Asset, 0, len(files)+1)
	for _, f := range files {
		assets = append(assets, ghrelease.Asset{Path: f})
	}
	if *sbom {
		// Reproducible: a rerun of the same release builds the same SBOM,
		// which Publish then finds identical and skips.
		in := ghrelease.SBOMInput{
			Name: orDefault(*pypi, name), Version: version, Repository: *repo,
			Image: imageRepo, ImageDigest: imageDigest, ImageTag: *tag,
			SerialNumber: ghrelease.ReleaseSerialNumber(*repo, *tag),
			Timestamp:    releaseTime(data.ChangelogDate, getenv("SOURCE_DATE_EPOCH")),
		}
		for _, f := range files {
			if !strings.HasSuffix(f, ".sigstore.json") {
				in.Files = append(in.Files, f)
			}
		}
		if *metadata != "" {
			if in.Requires, err = requiresDist(*metadata); err != nil {
				return err
			}
		}
		dir, err := os.MkdirTemp("", "github-release-sbom")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, ghrelease.SBOMAssetName(in.Name, version))
		doc, err := ghrelease.SBOM(ctx, in)
		if err != nil {
			return err
		}
		if err := os.WriteFile(path, doc, 0o644); err != nil {
			return err
		}
		assets = append(assets, ghrelease.Asset{Path: path})
	}

	opts := []ghrelease.Option{ghrelease.WithToken(getenv("GITHUB_TOKEN"))}
	if *apiURL != "" || *uploadsURL != "" {
		opts = append(opts, ghrelease.WithBaseURL(*apiURL, *uploadsURL))
	}
	if hc != nil {
		opts = append(opts, ghrelease.WithHTTPClient(hc))
	}
	if *replace {
		opts = append(opts, ghrelease.WithReplaceAssets())
	}
	if *verbose {
		opts = append(opts, ghrelease.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))))
	}
	p, err := ghrelease.New(opts...)
	if err != nil {
		return err
	}
	res, err := p.Publish(ctx, ghrelease.Release{Owner: owner, Repo: name, Tag: *tag, Body: body, Assets: assets})
	if res != nil {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
	}
	return err
}

// releaseTime is the SBOM timestamp: SOURCE_DATE_EPOCH if set, else the
// changelog date of the release, else now (then a rerun's SBOM differs).
func releaseTime(changelogDate, sourceDateEpoch string) time.Time {
	if n, err := strconv.ParseInt(sourceDateEpoch, 10, 64); err == nil {
		return time.Unix(n, 0).UTC()
	}
	if t, err := time.Parse(time.DateOnly, changelogDate); err == nil {
		return t
	}
	return time.Now().UTC()
}

func orDefault(s, d string) string {
	if s != "" {
		return s
	}
	return d
}

// requiresDist reads the Requires-Dist values of a wheel METADATA file.
func requiresDist(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			break // headers end; the description follows
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Requires-Dist") {
			out = append(out, strings.TrimSpace(v))
		}
	}
	return out, sc.Err()
}
