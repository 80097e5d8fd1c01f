package ghrelease

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"

	"github.com/tagship/tagship/internal/safehttp"
	"golang.org/x/mod/semver"
	"golang.org/x/sync/errgroup"
)

// Publisher creates and completes GitHub releases. It is safe for
// concurrent use.
type Publisher struct {
	o  options
	gh *github.Client
	dl *http.Client // follows download redirects, never carries the token
	// readOnly: a Downloader's, which never changes a release (it may run
	// with contents: read).
	readOnly bool
}

// New returns a Publisher. Without [WithGitHubClient] it needs a token
// ([WithToken] or $GITHUB_TOKEN).
func New(opts ...Option) (*Publisher, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	var base http.RoundTripper
	if o.httpClient != nil {
		base = o.httpClient.Transport
	}
	dl := &http.Client{Transport: safehttp.New(base, safehttp.WithService("github downloads"), safehttp.WithAllowHTTP(o.insecureHTTP), safehttp.WithRedactor(o.red))}
	if o.red == nil {
		// WithGitHubClient: for call's errors only (a token WithToken
		// gave); the downloads transport above keeps its own Redactor.
		o.red = safehttp.NewRedactor(o.token)
	}
	return &Publisher{o: o, gh: o.client, dl: dl}, nil
}

// Release is what to publish.
type Release struct {
	Owner, Repo string
	// Tag is the existing git tag, "v1.2.3".
	Tag string
	// Name is the release title. Default: Tag.
	Name string
	// Body is the Markdown notes (see [Notes]); at most [MaxBodyLength]
	// characters.
	Body string
	// TargetCommitish is used only if GitHub has to create the tag; optional.
	TargetCommitish string
	Prerelease      bool
	// MakeLatest is "true", "false", or "" for automatic: "true" only when
	// Tag is a valid semver higher than every published, non-prerelease
	// release's tag (x/mod/semver), else "false".
	MakeLatest string
	Assets     []Asset
}

// Asset is one local file to attach.
type Asset struct {
	// Path is the local file.
	Path string
	// Name is the asset name. Default: the base name of Path.
	Name string
	// ContentType is sent on upload. Default: ContentType(Name).
	ContentType string
	// Label is GitHub's display label; optional.
	Label string
}

// AssetAction says what Publish did with an asset.
type AssetAction string

// Asset actions.
const (
	AssetUploaded AssetAction = "uploaded"
	AssetSkipped  AssetAction = "skipped" // identical asset already there
	AssetReplaced AssetAction = "replaced"
)

// AssetResult describes one asset of the published release.
type AssetResult struct {
	Name        string
	Size        int64
	SHA256      string // hex
	Action      AssetAction
	ID          int64
	DownloadURL string // browser_download_url
}

// Result describes the outcome of [Publisher.Publish].
type Result struct {
	ReleaseID int64
	HTMLURL   string
	// Created: the draft was created by this call.
	Created bool
	// Published: this call turned the draft into a public release.
	Published bool
	// AlreadyPublished: the release was public before this call.
	AlreadyPublished bool
	// MakeLatest is the make_latest value sent on publish ("" if none).
	MakeLatest string
	// Assets are the release files, then the checksums asset if any.
	Assets []AssetResult
}

type localAsset struct {
	Asset
	size int64
	sha  string
	data []byte // only for the generated checksums asset
}

func (l *localAsset) open() (io.ReadCloser, error) {
	if l.data != nil {
		return io.NopCloser(bytes.NewReader(l.data)), nil
	}
	return os.Open(l.Path)
}

// ghRelease is a release as GitHub sends it, with the fields go-github v60
// does not know.
type ghRelease struct {
	github.RepositoryRelease
	Immutable bool `json:"immutable"`
}

var (
	ownerRE  = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	repoNmRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}$`)
)

// ValidRepository reports whether owner and repo name a GitHub repository:
// a user or organisation name (letters, digits and "-", at most 39
// characters, not starting with "-") and a repository name (letters,
// digits, ".", "_" and "-", at most 100 characters, not "." or "..").
func ValidRepository(owner, repo string) bool {
	return ownerRE.MatchString(owner) && repoNmRE.MatchString(repo) && repo != "." && repo != ".."
}

// Publish makes rel public with all its assets, safely and idempotently:
//
//  1. everything is validated and every file hashed before GitHub is
//     touched;
//  2. the release for the tag is found (drafts included) or created as a
//     draft;
//  3. missing assets are uploaded concurrently with retries; identical ones
//     (same name, size and sha256) are skipped; different ones are an
//     *AssetConflictError unless WithReplaceAssets; the checksums asset is
//     written last;
//  4. only then is the draft published, with make_latest.
//
// If anything fails the release stays a draft and running Publish again
// completes it; the Result returned with the error (when not nil) says what
// was done. An already published release with all assets is a no-op; its
// name and body are left as they are (missing assets are still added,
// unless GitHub made the release immutable).
func (p *Publisher) Publish(ctx context.Context, rel Release) (*Result, error) {
	assets, err := p.prepare(rel)
	if err != nil {
		return nil, err
	}
	log := p.o.logger.With("repo", rel.Owner+"/"+rel.Repo, "tag", rel.Tag)

	r, all, err := p.findRelease(ctx, rel.Owner, rel.Repo, rel.Tag)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	if r == nil {
		r, err = p.createDraft(ctx, rel)
		if err != nil {
			return nil, err
		}
		if r, all, err = p.afterCreate(ctx, rel, r); err != nil {
			return nil, err
		}
		res.Created = r.GetDraft()
		log.Info("created draft release", "id", r.GetID())
	} else if !r.GetDraft() {
		res.AlreadyPublished = true
		log.Info("release already published", "id", r.GetID())
		if err := p.adoptPublished(ctx, rel, r); err != nil {
			return nil, err
		}
	} else {
		log.Info("completing existing draft release", "id", r.GetID())
	}
	res.ReleaseID, res.HTMLURL = r.GetID(), r.GetHTMLURL()

	st := p.newAssetState(rel, r, log)
	results, err := st.sync(ctx, assets)
	res.Assets = results
	if err != nil {
		return res, err
	}

	if !r.GetDraft() {
		return res, p.confirm(ctx, rel, r.GetID(), assets)
	}
	makeLatest := rel.MakeLatest
	if makeLatest == "" {
		// From a list read now, not the one read before the uploads.
		if fresh, err := p.listReleases(ctx, rel.Owner, rel.Repo); err == nil {
			all = fresh
		}
		makeLatest = decideLatest(rel.Tag, rel.Prerelease, r.GetID(), all)
	}
	name := rel.Name
	if name == "" {
		name = rel.Tag
	}
	edit := &github.RepositoryRelease{Draft: github.Bool(false), MakeLatest: github.String(makeLatest), Name: github.String(name), Body: github.String(rel.Body), Prerelease: github.Bool(rel.Prerelease)}
	var pub *github.RepositoryRelease
	err = p.call(ctx, "publish release "+rel.Tag, func() (*github.Response, error) {
		var resp *github.Response
		var err error
		pub, resp, err = p.gh.Repositories.EditRelease(ctx, rel.Owner, rel.Repo, r.GetID(), edit)
		return resp, err
	})
	if err != nil {
		return res, err
	}
	if pub.GetDraft() {
		return res, fmt.Errorf("ghrelease: publishing release %d: GitHub answered with a release still marked draft; expected draft=false; run Publish again", r.GetID())
	}
	// A success answer is not believed ("200 {}"): read the release back.
	if err := p.confirm(ctx, rel, r.GetID(), assets); err != nil {
		return res, err
	}
	res.Published, res.MakeLatest, res.HTMLURL = true, makeLatest, pub.GetHTMLURL()
	log.Info("published release", "id", r.GetID(), "make_latest", makeLatest, "url", res.HTMLURL)
	if err := p.settleLatest(ctx, rel, makeLatest); err != nil {
		log.Warn("could not check which release is Latest", "error", err)
	}
	return res, nil
}

// prepare validates rel and hashes every file.
func (p *Publisher) prepare(rel Release) ([]*localAsset, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidRelease}, args...)...))
	}
	if !ownerRE.MatchString(rel.Owner) {
		bad("owner %q: expected a GitHub user or organisation name", rel.Owner)
	}
	if !repoNmRE.MatchString(rel.Repo) || rel.Repo == "." || rel.Repo == ".." {
		bad("repo %q: expected a repository name", rel.Repo)
	}
	if !tagRE.MatchString(rel.Tag) {
		bad("tag %q: expected a tag such as v1.2.3", rel.Tag)
	}
	if n := utf8.RuneCountInString(rel.Body); n > MaxBodyLength {
		bad("body is %d characters, GitHub accepts at most %d; render it with Notes, which shortens the changelog part", n, MaxBodyLength)
	}
	switch rel.MakeLatest {
	case "", "true", "false":
	default:
		bad("MakeLatest %q: expected \"\", \"true\" or \"false\"", rel.MakeLatest)
	}
	seen := map[string]bool{}
	var out []*localAsset
	for _, a := range rel.Assets {
		la := &localAsset{Asset: a}
		if la.Name == "" {
			la.Name = filepath.Base(a.Path)
		}
		if err := ValidateAssetName(la.Name); err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[la.Name] {
			bad("asset name %q appears twice", la.Name)
			continue
		}
		if p.o.checksums != "" && la.Name == p.o.checksums {
			bad("asset name %q is the checksums asset's name, which Publish writes itself; rename the file or use WithChecksumsAsset", la.Name)
			continue
		}
		seen[la.Name] = true
		if la.ContentType == "" {
			la.ContentType = ContentType(la.Name)
		}
		if err := la.hash(); err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, la)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if p.o.checksums != "" && len(out) > 0 {
		sums := map[string]string{}
		for _, la := range out {
			sums[la.Name] = la.sha
		}
		data := FormatChecksums(sums)
		h := sha256.Sum256(data)
		out = append(out, &localAsset{Asset: Asset{Name: p.o.checksums, ContentType: ContentType(p.o.checksums)}, size: int64(len(data)), sha: hex.EncodeToString(h[:]), data: data})
	}
	return out, nil
}

func (l *localAsset) hash() error {
	f, err := os.Open(l.Path)
	if err != nil {
		return fmt.Errorf("%w: asset %q: %w", ErrInvalidRelease, l.Name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("%w: asset %q: %w", ErrInvalidRelease, l.Name, err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%w: asset %q: %s is not a regular file", ErrInvalidRelease, l.Name, l.Path)
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("%w: asset %q: reading %s: %w", ErrInvalidRelease, l.Name, l.Path, err)
	}
	l.size, l.sha = n, hex.EncodeToString(h.Sum(nil))
	return nil
}

// findRelease returns the release for tag: GitHub's get-by-tag first (it
// hides drafts), then the full list. all is the list when it was fetched.
func (p *Publisher) findRelease(ctx context.Context, owner, repo, tag string) (*ghRelease, []*ghRelease, error) {
	var r ghRelease
	var status int
	err := p.call(ctx, "get release by tag "+tag, func() (*github.Response, error) {
		req, err := p.gh.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/releases/tags/%s", owner, repo, url.PathEscape(tag)), nil)
		if err != nil {
			return nil, err
		}
		resp, err := p.gh.Do(ctx, req, &r)
		if resp != nil {
			status = resp.StatusCode
		}
		if status == http.StatusNotFound {
			return resp, nil // not an error here
		}
		return resp, err
	})
	if err != nil {
		return nil, nil, err
	}
	if status != http.StatusNotFound {
		return &r, nil, nil
	}
	all, err := p.listReleases(ctx, owner, repo)
	if err != nil {
		return nil, nil, err
	}
	keep, err := p.fromListing(ctx, owner, repo, tag, all) // a published one: published meanwhile
	return keep, all, err
}

func (p *Publisher) listReleases(ctx context.Context, owner, repo string) ([]*ghRelease, error) {
	var all []*ghRelease
	for page := 1; page != 0; {
		var batch []*ghRelease
		var next int
		err := p.call(ctx, "list releases", func() (*github.Response, error) {
			req, err := p.gh.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/releases?per_page=100&page=%d", owner, repo, page), nil)
			if err != nil {
				return nil, err
			}
			batch = nil
			resp, err := p.gh.Do(ctx, req, &batch)
			if resp != nil {
				next = resp.NextPage
			}
			return resp, err
		})
		if err != nil {
			return nil, err
		}
		all = append(all, batch...)
		if next <= page {
			break
		}
		page = next
	}
	return all, nil
}

func (p *Publisher) createDraft(ctx context.Context, rel Release) (*ghRelease, error) {
	name := rel.Name
	if name == "" {
		name = rel.Tag
	}
	body := map[string]any{"tag_name": rel.Tag, "name": name, "body": rel.Body, "draft": true, "prerelease": rel.Prerelease}
	if rel.TargetCommitish != "" {
		body["target_commitish"] = rel.TargetCommitish
	}
	var r ghRelease
	attempt := 0
	err := p.call(ctx, "create draft release "+rel.Tag, func() (*github.Response, error) {
		attempt++
		if attempt > 1 {
			// The previous attempt may have created the release before its
			// answer was lost (reset, timeout, truncated answer): creating
			// again would leave a second draft for the tag.
			all, err := p.listReleases(ctx, rel.Owner, rel.Repo)
			if err != nil {
				return nil, permanent{err}
			}
			for _, c := range all {
				if c.GetTagName() == rel.Tag {
					r = *c
					return nil, nil
				}
			}
		}
		req, err := p.gh.NewRequest(http.MethodPost, fmt.Sprintf("repos/%s/%s/releases", rel.Owner, rel.Repo), body)
		if err != nil {
			return nil, err
		}
		return p.gh.Do(ctx, req, &r)
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// decideLatest: "true" only for a semver tag above every published,
// non-prerelease release other than self.
func decideLatest(tag string, prerelease bool, self int64, all []*ghRelease) string {
	if prerelease || !semver.IsValid(tag) || semver.Prerelease(tag) != "" {
		return "false"
	}
	for _, r := range all {
		if r.GetID() == self || r.GetDraft() || r.GetPrerelease() {
			continue
		}
		if t := r.GetTagName(); semver.IsValid(t) && semver.Compare(t, tag) >= 0 {
			return "false"
		}
	}
	return "true"
}

// ---- assets ----

type assetState struct {
	p           *Publisher
	owner, repo string
	rel         *ghRelease
	log         *slog.Logger

	mu       sync.Mutex
	existing map[string]*github.ReleaseAsset
}

// newAssetState starts from the assets release r lists.
func (p *Publisher) newAssetState(rel Release, r *ghRelease, log *slog.Logger) *assetState {
	st := &assetState{p: p, owner: rel.Owner, repo: rel.Repo, rel: r, log: log, existing: map[string]*github.ReleaseAsset{}}
	for _, a := range r.Assets {
		st.existing[a.GetName()] = a
	}
	return st
}

func (s *assetState) immutable() bool { return s.rel.Immutable && !s.rel.GetDraft() }

func (s *assetState) immutableErr(what string) error {
	return fmt.Errorf("%w: %s: release %s of %s/%s is published and immutable (GitHub's immutable releases setting), so assets can no longer be added, replaced or deleted. Publish a new version; tagship uploads every asset while the release is still a draft so this cannot happen to its own releases", ErrImmutableRelease, what, s.rel.GetTagName(), s.owner, s.repo)
}

// sync brings the release's assets in line with want (checksums last).
func (s *assetState) sync(ctx context.Context, want []*localAsset) ([]AssetResult, error) {
	files, sums := want, []*localAsset(nil)
	if n := len(want); n > 0 && want[n-1].data != nil {
		files, sums = want[:n-1], want[n-1:]
	}
	results := make([]AssetResult, len(want))
	errs := make([]error, len(want))
	var g errgroup.Group
	g.SetLimit(s.p.o.concurrency)
	for i, la := range files {
		g.Go(func() error {
			results[i], errs[i] = s.syncOne(ctx, la, false)
			return nil
		})
	}
	_ = g.Wait()
	if err := errors.Join(errs...); err != nil {
		return compact(results), err
	}
	for i, la := range sums {
		j := len(files) + i
		results[j], errs[j] = s.syncOne(ctx, la, true)
	}
	return compact(results), errors.Join(errs...)
}

func compact(rs []AssetResult) []AssetResult {
	return slices.DeleteFunc(rs, func(r AssetResult) bool { return r.Name == "" })
}

func (s *assetState) lookup(name string) *github.ReleaseAsset {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.existing[name]
}

// syncOne uploads la unless an identical asset is there. checksums marks
// the generated checksums asset, which on a draft is simply rewritten.
func (s *assetState) syncOne(ctx context.Context, la *localAsset, checksums bool) (AssetResult, error) {
	res := AssetResult{Name: la.Name, Size: la.size, SHA256: la.sha}
	for round := 0; round < 2; round++ {
		ex := s.lookup(la.Name)
		action := AssetUploaded
		if ex != nil {
			same, remoteSHA, err := s.compare(ctx, ex, la, checksums)
			if err != nil {
				return res, err
			}
			if same {
				res.Action, res.ID, res.DownloadURL = AssetSkipped, ex.GetID(), ex.GetBrowserDownloadURL()
				s.log.Info("asset already present, identical", "name", la.Name)
				return res, nil
			}
			if !s.p.o.replace && !(checksums && s.rel.GetDraft()) {
				return res, &AssetConflictError{Name: la.Name, LocalSHA256: la.sha, RemoteSHA256: remoteSHA, LocalSize: la.size, RemoteSize: int64(ex.GetSize())}
			}
			if s.immutable() {
				return res, s.immutableErr("replace asset " + la.Name)
			}
			if err := s.deleteAsset(ctx, ex); err != nil {
				return res, err
			}
			action = AssetReplaced
		} else if s.immutable() {
			return res, s.immutableErr("add asset " + la.Name)
		}
		a, err := s.upload(ctx, la)
		if err == nil {
			res.Action, res.ID, res.DownloadURL = action, a.GetID(), a.GetBrowserDownloadURL()
			s.mu.Lock()
			s.existing[la.Name] = a
			s.mu.Unlock()
			s.log.Info("asset "+string(action), "name", la.Name, "size", la.size, "sha256", la.sha)
			return res, nil
		}
		if !isAlreadyExists(err) || round > 0 {
			return res, err
		}
		// Someone (or an earlier attempt whose answer was lost) uploaded
		// it meanwhile: refresh the list and decide again.
		s.log.Info("asset appeared meanwhile; comparing", "name", la.Name)
		if err := s.refresh(ctx); err != nil {
			return res, err
		}
		if s.lookup(la.Name) == nil {
			return res, err
		}
	}
	return res, fmt.Errorf("ghrelease: asset %q: unreachable", la.Name)
}

// compare reports whether ex has la's content: size first, then (unless
// replacing anyway) a download hashed here.
func (s *assetState) compare(ctx context.Context, ex *github.ReleaseAsset, la *localAsset, checksums bool) (bool, string, error) {
	if int64(ex.GetSize()) != la.size {
		return false, "", nil
	}
	// Never through the release's own checksums asset: whoever replaced an
	// asset could have replaced that too. Download and hash.
	if s.p.o.replace && !checksums {
		return false, "", nil // replacing anyway: no need to download
	}
	h, err := s.download(ctx, ex)
	if err != nil {
		return false, "", fmt.Errorf("ghrelease: asset %q is already on the release with the same size; downloading it to compare hashes failed: %w", la.Name, err)
	}
	return h == la.sha, h, nil
}

func (s *assetState) download(ctx context.Context, ex *github.ReleaseAsset) (string, error) {
	var sum string
	ctx = safehttp.WithLimit(ctx, int64(ex.GetSize()))
	err := s.p.call(ctx, "download asset "+ex.GetName(), func() (*github.Response, error) {
		rc, _, err := s.p.gh.Repositories.DownloadReleaseAsset(ctx, s.owner, s.repo, ex.GetID(), s.p.dl)
		if err != nil {
			return responseOf(err), err
		}
		defer rc.Close()
		h := sha256.New()
		if _, err := io.Copy(h, rc); err != nil {
			return nil, err
		}
		sum = hex.EncodeToString(h.Sum(nil))
		return nil, nil
	})
	return sum, err
}

func (s *assetState) deleteAsset(ctx context.Context, ex *github.ReleaseAsset) error {
	err := s.p.call(ctx, "delete asset "+ex.GetName(), func() (*github.Response, error) {
		resp, err := s.p.gh.Repositories.DeleteReleaseAsset(ctx, s.owner, s.repo, ex.GetID())
		if resp != nil && resp.StatusCode == http.StatusNotFound {
			return resp, nil // gone already (an earlier attempt)
		}
		return resp, err
	})
	if err != nil {
		if isImmutable(err) {
			return s.immutableErr("delete asset " + ex.GetName())
		}
		return err
	}
	s.mu.Lock()
	delete(s.existing, ex.GetName())
	s.mu.Unlock()
	return nil
}

func (s *assetState) refresh(ctx context.Context) error {
	fresh := map[string]*github.ReleaseAsset{}
	opt := &github.ListOptions{} // GitHub's default page size: a plain first request, then the Link pages
	for {
		var batch []*github.ReleaseAsset
		var resp *github.Response
		err := s.p.call(ctx, "list assets", func() (*github.Response, error) {
			var err error
			batch, resp, err = s.p.gh.Repositories.ListReleaseAssets(ctx, s.owner, s.repo, s.rel.GetID(), opt)
			return resp, err
		})
		if err != nil {
			return err
		}
		for _, a := range batch {
			fresh[a.GetName()] = a
		}
		if resp == nil || resp.NextPage == 0 || resp.NextPage <= opt.Page {
			break
		}
		opt.Page = resp.NextPage
	}
	s.mu.Lock()
	s.existing = fresh
	s.mu.Unlock()
	return nil
}

// upload streams la to the uploads host, reopening it per attempt and
// hashing while sending.
func (s *assetState) upload(ctx context.Context, la *localAsset) (*github.ReleaseAsset, error) {
	u := fmt.Sprintf("repos/%s/%s/releases/%d/assets?name=%s", s.owner, s.repo, s.rel.GetID(), url.QueryEscape(la.Name))
	if la.Label != "" {
		u += "&label=" + url.QueryEscape(la.Label)
	}
	var out *github.ReleaseAsset
	var sent string
	var n int64
	err := s.p.call(ctx, "upload asset "+la.Name, func() (*github.Response, error) {
		rc, err := la.open()
		if err != nil {
			return nil, permanent{fmt.Errorf("reopening %s: %w", la.Path, err)}
		}
		defer rc.Close()
		h := sha256.New()
		cr := &countReader{r: io.TeeReader(rc, h), total: la.size}
		if fn := s.p.o.progress; fn != nil {
			name := la.Name
			cr.report = func(done, total int64) { fn(name, done, total) }
		}
		req, err := s.p.gh.NewUploadRequest(u, cr, la.size, la.ContentType)
		if err != nil {
			return nil, permanent{err}
		}
		a := new(github.ReleaseAsset)
		resp, err := s.p.gh.Do(ctx, req, a)
		if err != nil {
			return resp, err
		}
		out, sent, n = a, hex.EncodeToString(h.Sum(nil)), cr.n
		return resp, nil
	})
	if err != nil {
		if isImmutable(err) {
			return nil, s.immutableErr("upload asset " + la.Name)
		}
		return nil, err
	}
	if sent != la.sha || n != la.size {
		_ = s.deleteAsset(ctx, out)
		return nil, fmt.Errorf("%w: %s: hashed %s (%d bytes) before uploading but sent %s (%d bytes); the file changed on disk, rebuild and run again", ErrAssetChanged, la.Name, la.sha, la.size, sent, n)
	}
	if out.GetName() != la.Name || int64(out.GetSize()) != la.size {
		return nil, fmt.Errorf("%w: %s: GitHub stored %q with %d bytes, expected %q with %d bytes", ErrAssetChanged, la.Name, out.GetName(), out.GetSize(), la.Name, la.size)
	}
	return out, nil
}

type countReader struct {
	r      io.Reader
	n      int64
	total  int64
	last   int64
	report func(done, total int64) // nil: no progress
}

// progressStep is how many bytes pass between two progress reports.
const progressStep = 1 << 20

func (c *countReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	if c.report != nil && (c.n-c.last >= progressStep || (c.n == c.total && c.last != c.n)) {
		c.last = c.n
		c.report(c.n, c.total)
	}
	return n, err
}

// ---- errors and retries ----

// permanent marks an error that must not be retried.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

func responseOf(err error) *github.Response {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return &github.Response{Response: er.Response}
	}
	return nil
}

func isAlreadyExists(err error) bool {
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil || er.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	for _, e := range er.Errors {
		if e.Code == "already_exists" {
			return true
		}
	}
	return false
}

func isImmutable(err error) bool {
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil || er.Response.StatusCode != http.StatusUnprocessableEntity {
		return false
	}
	if strings.Contains(strings.ToLower(er.Message), "immutable") {
		return true
	}
	for _, e := range er.Errors {
		if strings.Contains(strings.ToLower(e.Message+e.Field), "immutable") {
			return true
		}
	}
	return false
}

// call runs fn with retries per the policy.
func (p *Publisher) call(ctx context.Context, op string, fn func() (*github.Response, error)) error {
	rp := p.o.retry
	for attempt := 1; ; attempt++ {
		resp, err := fn()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("ghrelease: %s: %w", op, context.Cause(ctx))
		}
		status := 0
		if resp != nil && resp.Response != nil {
			status = resp.StatusCode
		} else if r := responseOf(err); r != nil {
			status = r.StatusCode
		}
		wait, retry, why := p.classify(err, status, attempt)
		if why == "" && !retry {
			why = statusHint(status)
		}
		// A server may quote the credentials it received: never pass
		// the token on.
		err = p.o.red.Error(err)
		if !retry || attempt >= rp.Attempts {
			if why != "" {
				err = fmt.Errorf("%w (%s)", err, why)
			}
			return &APIError{Op: op, StatusCode: status, Attempts: attempt, Err: err}
		}
		p.o.logger.Warn("GitHub call failed, retrying", "op", op, "attempt", attempt, "status", status, "wait", wait.String(), "error", err.Error())
		select {
		case <-ctx.Done():
			return fmt.Errorf("ghrelease: %s: %w", op, context.Cause(ctx))
		case <-p.o.sleep(wait):
		}
	}
}

// statusHint says how to fix the usual "you are wrong" answers.
func statusHint(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "the token was refused: check that GITHUB_TOKEN (or WithToken) holds a valid, unexpired token"
	case http.StatusForbidden:
		return "the token may not write releases: it needs the contents: write permission on the repository"
	case http.StatusNotFound:
		return "check the owner and repository names, and that the token can see the repository"
	}
	return ""
}

func (p *Publisher) backoff(attempt int) time.Duration {
	return safehttp.Policy{MinBackoff: p.o.retry.Initial, MaxBackoff: p.o.retry.Max}.Backoff(attempt)
}

// classify decides whether to retry and how long to wait.
func (p *Publisher) classify(err error, status, attempt int) (time.Duration, bool, string) {
	var perm permanent
	if errors.As(err, &perm) || errors.Is(err, safehttp.ErrInsecureURL) || errors.Is(err, safehttp.ErrRedirect) || errors.Is(err, safehttp.ErrTooLarge) {
		return 0, false, ""
	}
	maxWait := p.o.retry.MaxWait
	serverWait := func(d time.Duration) (time.Duration, bool, string) {
		if d < 0 {
			d = 0
		}
		if d > maxWait {
			return 0, false, fmt.Sprintf("GitHub asks to wait %s, more than the %s WithRetry allows; retry after %s", d.Round(time.Second), maxWait, time.Now().Add(d).UTC().Format(time.RFC3339))
		}
		return max(d, p.backoff(attempt)/4), true, ""
	}
	var rl *github.RateLimitError
	if errors.As(err, &rl) {
		return serverWait(time.Until(rl.Rate.Reset.Time) + time.Second)
	}
	var ab *github.AbuseRateLimitError
	if errors.As(err, &ab) {
		if ab.RetryAfter != nil {
			return serverWait(*ab.RetryAfter)
		}
		return p.backoff(attempt), true, ""
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		st := er.Response.StatusCode
		ra := er.Response.Header.Get("Retry-After")
		if st >= 500 || st == http.StatusTooManyRequests || (st == http.StatusForbidden && ra != "") {
			if secs, err := strconv.Atoi(strings.TrimSpace(ra)); err == nil {
				return serverWait(time.Duration(secs) * time.Second)
			}
			if t, err := http.ParseTime(ra); err == nil {
				return serverWait(time.Until(t))
			}
			if er.Response.Header.Get("X-RateLimit-Remaining") == "0" {
				if reset, err := strconv.ParseInt(er.Response.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
					return serverWait(time.Until(time.Unix(reset, 0)) + time.Second)
				}
			}
			return p.backoff(attempt), true, ""
		}
		return 0, false, ""
	}
	if status >= 400 && status < 500 && status != http.StatusTooManyRequests {
		return 0, false, ""
	}
	// Transport errors: TLS trust problems are permanent, the rest transient.
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var cv *tls.CertificateVerificationError
	if errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &cv) {
		return 0, false, ""
	}
	var ue *url.Error
	if errors.As(err, &ue) && strings.Contains(ue.Err.Error(), "unsupported protocol scheme") {
		return 0, false, ""
	}
	return p.backoff(attempt), true, ""
}

// Summary says in one line what Publish did:
// "<url>: 8 assets (2 uploaded, 6 unchanged)"; a replaced asset counts as
// uploaded.
func (r *Result) Summary() string {
	var uploaded, unchanged int
	for _, a := range r.Assets {
		switch a.Action {
		case AssetUploaded, AssetReplaced:
			uploaded++
		case AssetSkipped:
			unchanged++
		}
	}
	return fmt.Sprintf("%s: %d assets (%d uploaded, %d unchanged)", r.HTMLURL, len(r.Assets), uploaded, unchanged)
}
