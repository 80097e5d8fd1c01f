package ghrelease

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/tagship/tagship/internal/atomicfile"
	"github.com/tagship/tagship/internal/safehttp"
)

// Reading a published release: the downstream side (gh release download).

var (
	// ErrNoRelease: there is no published release for the tag (drafts are
	// invisible to readers, as on github.com).
	ErrNoRelease = errors.New("ghrelease: no published release for the tag")
	// ErrNoAsset: the release has no asset of that name.
	ErrNoAsset = errors.New("ghrelease: release has no such asset")
	// ErrDownload: a downloaded asset is not what the release lists (size),
	// or the download was redirected somewhere unsafe.
	ErrDownload = errors.New("ghrelease: asset download failed")
)

// PublishedRelease is a published release as a reader sees it.
type PublishedRelease struct {
	ID          int64
	Owner, Repo string
	Tag         string
	Name        string
	HTMLURL     string
	Prerelease  bool
	Immutable   bool
	// Draft is true only for a release found by ReleaseForTag that is not
	// published yet (PublishedAt is then zero).
	Draft       bool
	PublishedAt time.Time
	Assets      []ReleaseAsset
}

// Asset returns the asset named name.
func (r *PublishedRelease) Asset(name string) (ReleaseAsset, bool) {
	for _, a := range r.Assets {
		if a.Name == name {
			return a, true
		}
	}
	return ReleaseAsset{}, false
}

// ReleaseAsset is one asset of a published release.
type ReleaseAsset struct {
	ID          int64
	Name        string
	ContentType string
	Size        int64
	// DownloadURL is the browser_download_url.
	DownloadURL string
}

// DownloadedAsset is an asset written by [Downloader.DownloadAsset].
type DownloadedAsset struct {
	Path   string
	Name   string
	Size   int64
	SHA256 string // hex of the bytes written
}

// Downloader reads published releases and downloads their assets through
// the GitHub REST API (go-github). A token is optional: public
// repositories can be read anonymously (with a lower rate limit). It is
// safe for concurrent use.
type Downloader struct {
	p *Publisher // for its retry policy and client
}

// NewDownloader returns a Downloader. It honours WithBaseURL (only the API
// root is used), WithToken (default: $GITHUB_TOKEN when set, else
// anonymous), WithHTTPClient, WithGitHubClient, WithInsecureHTTPUnsafe,
// WithRetry and WithLogger. The token is sent to the API host only, never
// to the storage host an asset download is redirected to.
func NewDownloader(opts ...Option) (*Downloader, error) {
	o := options{retry: defaultRetryPolicy(), logger: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	o.sleep = time.After
	hc := o.httpClient
	if hc == nil {
		hc = &http.Client{}
	}
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	if o.client == nil {
		if !o.tokenSet {
			o.token = os.Getenv("GITHUB_TOKEN")
		}
		if strings.ContainsAny(o.token, " \r\n\t") {
			return nil, fmt.Errorf("ghrelease: the token contains white space; expected a single GitHub token")
		}
		base, upload := "https://api.github.com/", "https://uploads.github.com/"
		if o.baseURL != "" {
			base = o.baseURL
		}
		if o.uploadURL != "" {
			upload = o.uploadURL
		}
		bu, err := parseRoot(base, "API", o.insecureHTTP)
		if err != nil {
			return nil, err
		}
		uu, err := parseRoot(upload, "uploads", o.insecureHTTP)
		if err != nil {
			return nil, err
		}
		o.redactToken()
		api := &http.Client{Transport: tokenTransport(rt, o.token, o.insecureHTTP, o.red, bu), Timeout: hc.Timeout, Jar: hc.Jar}
		c := github.NewClient(api)
		c.BaseURL, c.UploadURL = bu, uu
		o.client = c
	}
	// Downloads from the storage host: no token, and every hop must be
	// https (or loopback http, or WithInsecureHTTPUnsafe).
	dl := &http.Client{Transport: safehttp.New(rt, safehttp.WithService("github downloads"), safehttp.WithAllowHTTP(o.insecureHTTP), safehttp.WithRedactor(o.red))}
	dl.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return checkDownloadURL(req.URL, o.insecureHTTP)
	}
	if o.red == nil {
		// WithGitHubClient: for call's errors only (a token WithToken
		// gave); the downloads transport above keeps its own Redactor.
		o.red = safehttp.NewRedactor(o.token)
	}
	return &Downloader{p: &Publisher{o: o, gh: o.client, dl: dl, readOnly: true}}, nil
}

func checkDownloadURL(u *url.URL, insecure bool) error {
	if u.Scheme == "https" || u.Scheme == "http" && (insecure || isLoopback(u.Hostname())) {
		return nil
	}
	return fmt.Errorf("%w: redirected to %s, which is not https (plain http is accepted for loopback hosts, or with WithInsecureHTTPUnsafe)", ErrInsecureURL, u.Redacted())
}

// ReleaseByTag reads the published release for tag and lists all its
// assets. A missing or draft release is ErrNoRelease.
func (d *Downloader) ReleaseByTag(ctx context.Context, owner, repo, tag string) (*PublishedRelease, error) {
	if !ValidRepository(owner, repo) || tag == "" {
		return nil, fmt.Errorf("%w: owner %q, repo %q, tag %q: expected OWNER, REPO and a tag such as v1.2.3", ErrInvalidRelease, owner, repo, tag)
	}
	var rel ghRelease
	err := d.p.getByTag(ctx, "get release "+tag, owner, repo, tag, &rel)
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound {
			return nil, fmt.Errorf("%w: %s/%s has no published release for %s (a draft is not visible; check the repository and the tag): %w", ErrNoRelease, owner, repo, tag, err)
		}
		return nil, err
	}
	if rel.GetDraft() {
		return nil, fmt.Errorf("%w: the release for %s of %s/%s is still a draft", ErrNoRelease, tag, owner, repo)
	}
	return d.withAssets(ctx, owner, repo, &rel)
}

// ReleaseForTag is ReleaseByTag that also finds a draft (GitHub's
// get-by-tag hides drafts, so they are found by listing, as Publish does);
// PublishedRelease.Draft says which it is. It needs a token that can see
// drafts; of several drafts for the tag it takes the oldest and, unlike
// Publish, deletes none. A tag with no release at all is ErrNoRelease.
// The release pipeline uses it to adopt the bundles an earlier run
// already attached.
func (d *Downloader) ReleaseForTag(ctx context.Context, owner, repo, tag string) (*PublishedRelease, error) {
	if !ValidRepository(owner, repo) || tag == "" {
		return nil, fmt.Errorf("%w: owner %q, repo %q, tag %q: expected OWNER, REPO and a tag such as v1.2.3", ErrInvalidRelease, owner, repo, tag)
	}
	rel, _, err := d.p.findRelease(ctx, owner, repo, tag)
	if err != nil {
		return nil, err
	}
	if rel == nil {
		return nil, fmt.Errorf("%w: %s/%s has no release, draft or published, for %s", ErrNoRelease, owner, repo, tag)
	}
	return d.withAssets(ctx, owner, repo, rel)
}

// withAssets describes rel with every page of its assets.
func (d *Downloader) withAssets(ctx context.Context, owner, repo string, rel *ghRelease) (*PublishedRelease, error) {
	p := d.p
	tag := rel.GetTagName()
	out := &PublishedRelease{
		ID: rel.GetID(), Owner: owner, Repo: repo, Tag: tag, Name: rel.GetName(),
		HTMLURL: rel.GetHTMLURL(), Prerelease: rel.GetPrerelease(), Immutable: rel.Immutable,
		PublishedAt: rel.GetPublishedAt().Time, Draft: rel.GetDraft(),
	}
	opt := &github.ListOptions{PerPage: 100}
	for {
		var batch []*github.ReleaseAsset
		var resp *github.Response
		err := p.call(ctx, "list assets of "+tag, func() (*github.Response, error) {
			var err error
			batch, resp, err = p.gh.Repositories.ListReleaseAssets(ctx, owner, repo, out.ID, opt)
			return resp, err
		})
		if err != nil {
			return nil, err
		}
		for _, a := range batch {
			out.Assets = append(out.Assets, ReleaseAsset{
				ID: a.GetID(), Name: a.GetName(), ContentType: a.GetContentType(),
				Size: int64(a.GetSize()), DownloadURL: a.GetBrowserDownloadURL(),
			})
		}
		if resp == nil || resp.NextPage == 0 || resp.NextPage <= opt.Page {
			break
		}
		opt.Page = resp.NextPage
	}
	return out, nil
}

// DownloadAsset streams asset a of release rel into path: GET
// …/releases/assets/{id} with Accept: application/octet-stream, following
// GitHub's redirect to its storage host without the token. The bytes go to
// a temporary file next to path, hashed (sha256) while written, and are
// renamed into place only when complete and of the size the release lists;
// otherwise nothing is left behind. Connection errors, truncated bodies,
// 5xx, 429 and rate limits are retried per WithRetry.
func (d *Downloader) DownloadAsset(ctx context.Context, rel *PublishedRelease, a ReleaseAsset, path string) (*DownloadedAsset, error) {
	p := d.p
	tmp, err := atomicfile.Create(path)
	if err != nil {
		return nil, fmt.Errorf("ghrelease: download %s: %w", a.Name, err)
	}
	defer tmp.Abort()
	var sum string
	var n int64
	if a.Size > 0 {
		// An answer longer than the size the release lists is refused
		// while it is read, not after an endless body was stored.
		ctx = safehttp.WithLimit(ctx, a.Size)
	}
	err = p.call(ctx, "download asset "+a.Name, func() (*github.Response, error) {
		rc, redirect, err := p.gh.Repositories.DownloadReleaseAsset(ctx, rel.Owner, rel.Repo, a.ID, nil)
		if err != nil {
			return responseOf(err), err
		}
		if redirect != "" {
			rc, err = d.follow(ctx, redirect)
			if err != nil {
				return responseOf(err), err
			}
		}
		defer rc.Close()
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return nil, permanent{err}
		}
		if err := tmp.Truncate(0); err != nil {
			return nil, permanent{err}
		}
		h := sha256.New()
		n, err = io.Copy(io.MultiWriter(downloadFileWriter{tmp}, h), rc)
		if err != nil {
			return nil, fmt.Errorf("reading after %d bytes: %w", n, err)
		}
		sum = hex.EncodeToString(h.Sum(nil))
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	if a.Size > 0 && n != a.Size {
		return nil, fmt.Errorf("%w: %s: the release lists %d bytes but %d were received", ErrDownload, a.Name, a.Size, n)
	}
	if err := tmp.Commit(); err != nil {
		return nil, fmt.Errorf("ghrelease: download %s: %w", a.Name, err)
	}
	p.o.logger.Info("downloaded asset", "name", a.Name, "bytes", n, "sha256", sum)
	return &DownloadedAsset{Path: path, Name: a.Name, Size: n, SHA256: sum}, nil
}

// follow GETs the storage URL GitHub redirected to, without the token.
func (d *Downloader) follow(ctx context.Context, loc string) (io.ReadCloser, error) {
	u, err := url.Parse(loc)
	if err != nil {
		return nil, permanent{fmt.Errorf("%w: redirect location %q: %v", ErrDownload, loc, err)}
	}
	if err := checkDownloadURL(u, d.p.o.insecureHTTP); err != nil {
		return nil, permanent{err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, permanent{err}
	}
	req.Header.Set("Accept", "application/octet-stream")
	resp, err := d.p.dl.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) && errors.Is(ue.Err, ErrInsecureURL) {
			return nil, permanent{ue.Err}
		}
		return nil, err
	}
	if err := github.CheckResponse(resp); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp.Body, nil
}

// downloadFileWriter marks local write errors (disk full) as permanent:
// retrying the download does not help.
type downloadFileWriter struct{ w io.Writer }

func (d downloadFileWriter) Write(b []byte) (int, error) {
	n, err := d.w.Write(b)
	if err != nil {
		err = permanent{err}
	}
	return n, err
}
