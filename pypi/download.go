package pypi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tagship/tagship/internal/atomicfile"
	"github.com/tagship/tagship/internal/pep"
	"golang.org/x/net/html"

	"github.com/tagship/tagship/internal/safehttp"
)

// Reading an index: the downstream side of a release (pip download).

var (
	// ErrNotOnIndex: the project, or the requested version of it, has no
	// files on the index.
	ErrNotOnIndex = errors.New("pypi: not found on the index")
	// ErrHashMismatch: a downloaded file's sha256 is not the one the index
	// lists (carried by *HashMismatchError).
	ErrHashMismatch = errors.New("pypi: downloaded file does not match the index's sha256")
	// ErrNoHash: the index lists a file without a sha256, so its download
	// cannot be checked.
	ErrNoHash = errors.New("pypi: index lists no sha256 for the file")
	// ErrInvalidSimplePage: a simple-API page cannot be parsed.
	ErrInvalidSimplePage = errors.New("pypi: invalid simple API page")
)

// Media types of the simple repository API (PEP 691).
const (
	SimpleJSONMediaType = "application/vnd.pypi.simple.v1+json"
	SimpleHTMLMediaType = "application/vnd.pypi.simple.v1+html"
	// simpleAccept prefers JSON and accepts both HTML forms, as pip does.
	simpleAccept = SimpleJSONMediaType + ", " + SimpleHTMLMediaType + ";q=0.2, text/html;q=0.01"
	// maxSimplePage bounds a simple-API page read into memory.
	maxSimplePage = 64 << 20
)

// IndexFile is one file of a project as the index's simple API lists it.
type IndexFile struct {
	Filename string
	// URL is the absolute download URL (fragment removed).
	URL string
	// SHA256 is the lower-case hex sha256 the index lists ("" when none or
	// malformed); Hashes has every hash listed, by algorithm name.
	SHA256 string
	Hashes map[string]string
	// Size in bytes, -1 when the index does not say (HTML pages).
	Size int64
	// Version is parsed from the file name ("" when the name is not a
	// wheel or sdist name of the project).
	Version string
	// Filetype is "bdist_wheel", "sdist", or "" for other files.
	Filetype       string
	RequiresPython string
	Yanked         bool
	YankedReason   string
}

// DownloadedFile is a file written by [Index.Download].
type DownloadedFile struct {
	Path     string
	Filename string
	SHA256   string // hex, verified against the index
	Size     int64
	// Attempts is the number of GET requests made.
	Attempts int
}

// HashMismatchError: a download's content is not what the index listed.
// It matches ErrHashMismatch.
type HashMismatchError struct {
	Filename string
	URL      string
	Expected string // sha256 the index lists
	Found    string // sha256 of the bytes received
	Size     int64
	// TooLarge: the index served more than the Size bytes it lists (the
	// download stopped there; Found is empty).
	TooLarge bool
}

func (e *HashMismatchError) Error() string {
	if e.TooLarge {
		return fmt.Sprintf("pypi: %s from %s: the index lists %d bytes with sha256 %s but serves more; the file was replaced or corrupted (nothing was kept)",
			e.Filename, e.URL, e.Size, e.Expected)
	}
	return fmt.Sprintf("pypi: %s from %s: the index lists sha256 %s but the %d bytes received hash to %s; the file was replaced or corrupted (nothing was kept)",
		e.Filename, e.URL, e.Expected, e.Size, e.Found)
}

// Unwrap returns ErrHashMismatch (and safehttp's ErrTooLarge when
// TooLarge).
func (e *HashMismatchError) Unwrap() []error {
	if e.TooLarge {
		return []error{ErrHashMismatch, safehttp.ErrTooLarge}
	}
	return []error{ErrHashMismatch}
}

// Index reads a package index through the simple repository API (PEP 691
// JSON, falling back to PEP 503 HTML) and downloads files checked against
// the sha256 it lists. It is safe for concurrent use.
type Index struct {
	base string // scheme://host[/prefix], no trailing slash, no /simple
	c    *Client
	hc   *http.Client
}

// NewIndex returns a reader for the index at indexURL: its base URL
// ("https://pypi.org", "http://127.0.0.1:8080") or its simple API root
// ("https://pypi.org/simple/"). The Client options that apply are
// honoured: WithHTTPClient, WithRetry, WithLogger, WithUserAgent and
// WithInsecureHTTPUnsafe (plain http:// is otherwise accepted only for
// loopback hosts, for the index and for every download URL and redirect).
func NewIndex(indexURL string, opts ...Option) (*Index, error) {
	u, err := url.Parse(indexURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("pypi: index URL %q: expected an absolute http(s) URL such as https://pypi.org", indexURL)
	}
	p := strings.TrimSuffix(u.Path, "/")
	p = strings.TrimSuffix(p, "/simple")
	c, err := New(u.Scheme+"://"+u.Host+p, opts...)
	if err != nil {
		return nil, err
	}
	x := &Index{base: u.Scheme + "://" + u.Host + p, c: c}
	hc := *c.hc
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("pypi: stopped after 10 redirects")
		}
		return x.checkURL(req.URL)
	}
	x.hc = &hc
	return x, nil
}

// URL returns the index base URL.
func (x *Index) URL() string { return x.base }

func (x *Index) checkURL(u *url.URL) error {
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && (x.c.o.insecure || isLoopback(u.Hostname())):
		return nil
	}
	return fmt.Errorf("%w: %s is not https (plain http is accepted for loopback hosts, or with WithInsecureHTTPUnsafe)", ErrInsecureURL, u.Redacted())
}

// Files lists every file of project (any version) from
// {index}/simple/{normalized project}/.
func (x *Index) Files(ctx context.Context, project string) ([]IndexFile, error) {
	if !validName(project) {
		return nil, fmt.Errorf("pypi: %q is not a valid project name", project)
	}
	norm := NormalizeName(project)
	pageURL := x.base + "/simple/" + url.PathEscape(norm) + "/"
	var files []IndexFile
	err := x.do(ctx, pageURL, simpleAccept, func(resp *http.Response) error {
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxSimplePage+1))
		if err != nil {
			return err
		}
		if len(body) > maxSimplePage {
			return fmt.Errorf("%w: %s is larger than %d bytes", ErrInvalidSimplePage, pageURL, maxSimplePage)
		}
		files, err = ParseSimplePage(resp.Header.Get("Content-Type"), body, resp.Request.URL.String())
		return err
	})
	if err != nil {
		var se *statusError
		if errors.As(err, &se) && se.status == http.StatusNotFound {
			return nil, fmt.Errorf("%w: project %q (GET %s answered 404); check the project name and the index URL", ErrNotOnIndex, project, pageURL)
		}
		return nil, err
	}
	for i := range files {
		files[i].Version, files[i].Filetype = fileVersion(norm, files[i].Filename)
	}
	return files, nil
}

// VersionFiles lists the wheels and sdists of one version of project
// (versions compared after PEP 440 normalisation; a leading "v" is
// accepted). It fails with ErrNotOnIndex when there are none.
func (x *Index) VersionFiles(ctx context.Context, project, version string) ([]IndexFile, error) {
	want, err := NormalizeVersion(version)
	if err != nil {
		return nil, err
	}
	all, err := x.Files(ctx, project)
	if err != nil {
		return nil, err
	}
	var out []IndexFile
	var seen []string
	for _, f := range all {
		if f.Version == "" || f.Filetype == "" {
			continue
		}
		if v, err := NormalizeVersion(f.Version); err == nil && v == want {
			out = append(out, f)
		} else if len(seen) < 5 {
			seen = append(seen, f.Version)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s has no wheel or sdist for version %s on %s (versions seen: %s); the release may not be published yet",
			ErrNotOnIndex, project, version, x.base, strings.Join(seen, ", "))
	}
	return out, nil
}

// fileVersion extracts the version and file type of a project's file name.
func fileVersion(norm, filename string) (version, filetype string) {
	return pep.DistFileVersion(norm, filename)
}

// ParseSimplePage parses a simple-API project page: PEP 691 JSON when
// contentType is application/vnd.pypi.simple.v1+json (or
// application/json), PEP 503 HTML when it is
// application/vnd.pypi.simple.v1+html or text/html. Relative file URLs are
// resolved against pageURL. Errors wrap ErrInvalidSimplePage.
func ParseSimplePage(contentType string, body []byte, pageURL string) ([]IndexFile, error) {
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil, fmt.Errorf("%w: page URL %q: %v", ErrInvalidSimplePage, pageURL, err)
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case SimpleJSONMediaType, "application/json":
		return parseSimpleJSON(body, base)
	case SimpleHTMLMediaType, "text/html", "":
		return parseSimpleHTML(body, base)
	}
	return nil, fmt.Errorf("%w: unexpected content type %q (expected %s or HTML)", ErrInvalidSimplePage, contentType, SimpleJSONMediaType)
}

func parseSimpleJSON(body []byte, base *url.URL) ([]IndexFile, error) {
	var page struct {
		Meta struct {
			APIVersion string `json:"api-version"`
		} `json:"meta"`
		Files []struct {
			Filename       string            `json:"filename"`
			URL            string            `json:"url"`
			Hashes         map[string]string `json:"hashes"`
			Size           *int64            `json:"size"`
			RequiresPython string            `json:"requires-python"`
			Yanked         json.RawMessage   `json:"yanked"`
		} `json:"files"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSimplePage, err)
	}
	if major, _, _ := strings.Cut(page.Meta.APIVersion, "."); major != "1" {
		return nil, fmt.Errorf("%w: api-version %q (expected 1.x)", ErrInvalidSimplePage, page.Meta.APIVersion)
	}
	out := make([]IndexFile, 0, len(page.Files))
	for _, f := range page.Files {
		fu, err := resolveFileURL(base, f.URL)
		if err != nil || f.Filename == "" {
			return nil, fmt.Errorf("%w: file %q with URL %q", ErrInvalidSimplePage, f.Filename, f.URL)
		}
		e := IndexFile{Filename: f.Filename, URL: fu, Hashes: map[string]string{}, Size: -1, RequiresPython: f.RequiresPython}
		for k, v := range f.Hashes {
			e.Hashes[strings.ToLower(k)] = strings.ToLower(v)
		}
		e.SHA256 = validSHA256(e.Hashes["sha256"])
		if f.Size != nil {
			e.Size = *f.Size
		}
		var yb bool
		var ys string
		switch {
		case json.Unmarshal(f.Yanked, &yb) == nil:
			e.Yanked = yb
		case json.Unmarshal(f.Yanked, &ys) == nil:
			e.Yanked, e.YankedReason = true, ys
		}
		out = append(out, e)
	}
	return out, nil
}

func parseSimpleHTML(body []byte, base *url.URL) ([]IndexFile, error) {
	z := html.NewTokenizer(bytes.NewReader(body))
	var out []IndexFile
	var cur *IndexFile
	var text strings.Builder
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if err := z.Err(); err != io.EOF {
				return nil, fmt.Errorf("%w: %v", ErrInvalidSimplePage, err)
			}
			if cur != nil {
				out = append(out, finishAnchor(cur, text.String()))
			}
			return out, nil
		case html.StartTagToken, html.SelfClosingTagToken:
			tn, hasAttr := z.TagName()
			if string(tn) == "base" {
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "href" {
						if b, err := base.Parse(string(v)); err == nil {
							base = b
						}
					}
				}
				continue
			}
			if string(tn) != "a" {
				continue
			}
			if cur != nil {
				out = append(out, finishAnchor(cur, text.String()))
			}
			cur, text = &IndexFile{Hashes: map[string]string{}, Size: -1}, strings.Builder{}
			var href string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "href":
					href = string(v)
				case "data-requires-python":
					cur.RequiresPython = string(v)
				case "data-yanked":
					cur.Yanked, cur.YankedReason = true, string(v)
				}
			}
			u, err := base.Parse(href)
			if err != nil || href == "" {
				cur = nil
				continue
			}
			if frag := u.Fragment; frag != "" {
				if alg, val, ok := strings.Cut(frag, "="); ok {
					cur.Hashes[strings.ToLower(alg)] = strings.ToLower(val)
				}
			}
			cur.SHA256 = validSHA256(cur.Hashes["sha256"])
			u.Fragment, u.RawFragment = "", ""
			cur.URL = u.String()
			if p := u.Path; p != "" {
				cur.Filename = p[strings.LastIndexByte(p, '/')+1:]
			}
		case html.TextToken:
			if cur != nil {
				text.Write(z.Text())
			}
		case html.EndTagToken:
			if tn, _ := z.TagName(); string(tn) == "a" && cur != nil {
				out = append(out, finishAnchor(cur, text.String()))
				cur = nil
			}
		}
	}
}

// finishAnchor takes the file name from the link text (PEP 503: the text
// is the file name), falling back to the URL's last path segment.
func finishAnchor(f *IndexFile, text string) IndexFile {
	if t := strings.TrimSpace(text); t != "" && !strings.ContainsAny(t, "/\\") {
		f.Filename = t
	}
	return *f
}

func resolveFileURL(base *url.URL, ref string) (string, error) {
	if ref == "" {
		return "", errors.New("empty URL")
	}
	u, err := base.Parse(ref)
	if err != nil {
		return "", err
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String(), nil
}

func validSHA256(s string) string {
	if len(s) != 64 {
		return ""
	}
	if _, err := hex.DecodeString(s); err != nil {
		return ""
	}
	return s
}

// Download streams f from its URL into path, hashing while writing, and
// keeps the file only when its sha256 is the one the index lists: the data
// goes to a temporary file next to path, renamed into place after the
// check; on a mismatch it is removed and a *HashMismatchError (matching
// ErrHashMismatch) returned. A file listed without a sha256 is refused
// (ErrNoHash). Connection errors, truncated bodies, 5xx and 429 are retried
// per the retry policy (the download restarts); other 4xx fail at once.
func (x *Index) Download(ctx context.Context, f IndexFile, path string) (*DownloadedFile, error) {
	if f.SHA256 == "" {
		return nil, fmt.Errorf("%w: %s (listed at %s); refusing to download a file that cannot be checked", ErrNoHash, f.Filename, f.URL)
	}
	u, err := url.Parse(f.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("pypi: download URL %q of %s: expected an absolute URL", f.URL, f.Filename)
	}
	if err := x.checkURL(u); err != nil {
		return nil, err
	}
	tmp, err := atomicfile.Create(path)
	if err != nil {
		return nil, fmt.Errorf("pypi: download %s: %w", f.Filename, err)
	}
	defer tmp.Abort()
	res := &DownloadedFile{Path: path, Filename: f.Filename}
	var sum string
	// An answer longer than the size the index lists (or, when it lists
	// none, than MaxUnlistedDownload) is refused while it is read.
	limit := int64(MaxUnlistedDownload)
	if f.Size >= 0 {
		limit = f.Size
	}
	ctx = safehttp.WithLimit(ctx, limit)
	err = x.do(ctx, f.URL, "application/octet-stream, */*;q=0.1", func(resp *http.Response) error {
		res.Attempts++
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return permanentErr{err}
		}
		if err := tmp.Truncate(0); err != nil {
			return permanentErr{err}
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(permanentWriter{tmp}, h), resp.Body)
		if errors.Is(err, safehttp.ErrTooLarge) {
			return permanentErr{fmt.Errorf("reading %s: %w (the index lists %d bytes)", f.URL, err, f.Size)}
		}
		if err != nil {
			return fmt.Errorf("reading %s after %d bytes: %w", f.URL, n, err)
		}
		sum, res.Size = hex.EncodeToString(h.Sum(nil)), n
		return nil
	})
	if err != nil && f.Size >= 0 && errors.Is(err, safehttp.ErrTooLarge) {
		return nil, &HashMismatchError{Filename: f.Filename, URL: f.URL, Expected: f.SHA256, Size: f.Size, TooLarge: true}
	}
	if err != nil {
		return nil, fmt.Errorf("pypi: download %s: %w", f.Filename, err)
	}
	if sum != f.SHA256 {
		return nil, &HashMismatchError{Filename: f.Filename, URL: f.URL, Expected: f.SHA256, Found: sum, Size: res.Size}
	}
	res.SHA256 = sum
	if err := tmp.Commit(); err != nil {
		return nil, fmt.Errorf("pypi: download %s: %w", f.Filename, err)
	}
	x.c.o.logger.Info("downloaded", "file", f.Filename, "sha256", sum, "bytes", res.Size)
	return res, nil
}

// MaxUnlistedDownload caps a download whose size the index does not list
// (PEP 503 HTML pages): 4 GiB.
const MaxUnlistedDownload = 4 << 30

// statusError is a non-200 answer that was not retried (or no longer).
type statusError struct {
	url    string
	status int
	body   string
}

func (e *statusError) Error() string {
	msg := fmt.Sprintf("GET %s answered HTTP %d", e.url, e.status)
	if e.body != "" {
		msg += ": " + e.body
	}
	return msg
}

// permanentErr marks a handler error that must not be retried.
type permanentErr struct{ error }

func (p permanentErr) Unwrap() error { return p.error }

// permanentWriter marks local write errors (disk full) as permanent: they
// are not the index's fault and retrying does not help.
type permanentWriter struct{ w io.Writer }

func (p permanentWriter) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	if err != nil {
		err = permanentErr{err}
	}
	return n, err
}

// do GETs u with retries and hands a 200 answer to handle; an error from
// handle (reading the body) is retried like a connection error unless it
// is a permanentErr.
func (x *Index) do(ctx context.Context, u, accept string, handle func(*http.Response) error) error {
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Accept", accept)
		req.Header.Set("User-Agent", x.c.o.userAgent)
		resp, err := x.hc.Do(req)
		var status int
		var hdr http.Header
		if err == nil {
			status, hdr = resp.StatusCode, resp.Header
			if status == http.StatusOK {
				err = handle(resp)
				resp.Body.Close()
				if err == nil {
					return nil
				}
				var perm permanentErr
				if errors.As(err, &perm) || errors.Is(err, ErrInvalidSimplePage) {
					return err
				}
				status = 0 // a body read error: retry like a connection error
			} else {
				b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
				resp.Body.Close()
				err = nil
				if status < 500 && status != http.StatusTooManyRequests {
					return &statusError{url: u, status: status, body: clip(oneLine(stripTags(x.c.red.Redact(string(b)))))}
				}
			}
		}
		retry, wait := x.c.shouldRetry(ctx, attempt, status, hdr, err)
		if !retry {
			if err != nil {
				return fmt.Errorf("GET %s (attempt %d): %w", u, attempt, err)
			}
			return &statusError{url: u, status: status, body: "after " + strconv.Itoa(attempt) + " attempts"}
		}
		x.c.o.logger.Warn("index request failed, retrying", "url", u, "attempt", attempt, "status", status, "wait", wait.String())
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}
