package pypi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
)

var unsafeNameChars = regexp.MustCompile(`[^A-Za-z0-9.]+`)

// UploadForm returns the form fields of the legacy upload for d, in the
// order twine 4.0.2 sends them: single-value fields always (possibly
// empty), multi-value fields once per value (omitted when empty), then
// md5_digest, blake2_256_digest, ":action" and "protocol_version". The
// file itself ("content") and "attestations" are not included.
func (d *Distribution) UploadForm() []Field {
	m := d.Metadata
	var f []Field
	one := func(k, v string) { f = append(f, Field{k, v}) }
	many := func(k string, vs []string) {
		for _, v := range vs {
			f = append(f, Field{k, v})
		}
	}
	pyversion := d.PyVersion
	if d.Filetype == "sdist" {
		pyversion = "" // as twine; Warehouse fills in "source"
	}
	one("name", unsafeNameChars.ReplaceAllString(m.Name, "-"))
	one("version", m.Version)
	one("filetype", d.Filetype)
	one("pyversion", pyversion)
	one("metadata_version", m.MetadataVersion)
	one("summary", m.Summary)
	one("home_page", m.HomePage)
	one("author", m.Author)
	one("author_email", m.AuthorEmail)
	one("maintainer", m.Maintainer)
	one("maintainer_email", m.MaintainerEmail)
	one("license", m.License)
	one("description", m.Description)
	one("keywords", m.Keywords)
	many("platform", m.Platforms)
	many("classifiers", m.Classifiers)
	one("download_url", m.DownloadURL)
	many("supported_platform", m.SupportedPlatforms)
	one("comment", "")
	one("sha256_digest", d.SHA256)
	many("provides", m.Provides)
	many("requires", m.Requires)
	many("obsoletes", m.Obsoletes)
	many("project_urls", m.ProjectURLs)
	many("provides_dist", m.ProvidesDist)
	many("obsoletes_dist", m.ObsoletesDist)
	many("requires_dist", m.RequiresDist)
	many("requires_external", m.RequiresExternal)
	one("requires_python", m.RequiresPython)
	many("provides_extras", m.ProvidesExtra)
	one("description_content_type", m.DescriptionContentType)
	many("dynamic", m.Dynamic)
	// Metadata 2.4 fields twine 4.0.2 predates; sent only when present.
	if m.LicenseExpression != "" {
		one("license_expression", m.LicenseExpression)
	}
	many("license_files", m.LicenseFiles)
	one("md5_digest", d.MD5)
	one("blake2_256_digest", d.BLAKE2b256)
	one(":action", "file_upload")
	one("protocol_version", "1")
	return f
}

// body is a prepared multipart body: head (fields and the content part's
// header), the file, tail (closing boundary).
type body struct {
	head, tail  []byte
	contentType string
}

func buildBody(d *Distribution, attestations []byte) (*body, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range d.UploadForm() {
		if f.Name == ":action" && attestations != nil {
			// Newer twine sends attestations last among the metadata.
			if err := mw.WriteField("attestations", string(attestations)); err != nil {
				return nil, err
			}
		}
		if err := mw.WriteField(f.Name, f.Value); err != nil {
			return nil, err
		}
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="content"; filename="%s"`, escapeQuotes(d.Filename)))
	h.Set("Content-Type", "application/octet-stream")
	if _, err := mw.CreatePart(h); err != nil {
		return nil, err
	}
	headLen := buf.Len()
	if err := mw.Close(); err != nil {
		return nil, err
	}
	all := buf.Bytes()
	return &body{head: all[:headLen], tail: all[headLen:], contentType: mw.FormDataContentType()}, nil
}

func escapeQuotes(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// hashingFile streams the file and checks at EOF that it still has the
// size and sha256 it had when opened.
type hashingFile struct {
	f        *os.File
	h        hash.Hash
	n        int64
	want     *Distribution
	last     int64
	progress func(filename string, done, total int64) // nil: no reports
}

// progressStep is how many bytes pass between two progress reports.
const progressStep = 1 << 20

func (r *hashingFile) Read(p []byte) (int, error) {
	n, err := r.f.Read(p)
	r.h.Write(p[:n])
	r.n += int64(n)
	if r.progress != nil && (r.n-r.last >= progressStep || (r.n == r.want.Size && r.last != r.n)) {
		r.last = r.n
		r.progress(r.want.Filename, r.n, r.want.Size)
	}
	if r.n > r.want.Size {
		return n, fmt.Errorf("%w: %s grew beyond %d bytes", ErrFileChanged, r.want.Path, r.want.Size)
	}
	if err == io.EOF {
		if r.n != r.want.Size || hex.EncodeToString(r.h.Sum(nil)) != r.want.SHA256 {
			return n, fmt.Errorf("%w: %s no longer has sha256 %s; open it again", ErrFileChanged, r.want.Path, r.want.SHA256)
		}
	}
	return n, err
}

func (c *Client) uploadOne(ctx context.Context, cred *credential, d *Distribution) (UploadResult, error) {
	start := time.Now()
	res := UploadResult{Filename: d.Filename, SHA256: d.SHA256, Size: d.Size}
	var att []byte
	if c.o.signer != nil {
		a, err := Attest(ctx, c.o.signer, d)
		if err != nil {
			return res, err
		}
		js, err := json.Marshal(a)
		if err != nil {
			return res, err
		}
		if c.o.writeAtt {
			p := d.Path + ".publish.attestation"
			if err := os.WriteFile(p, js, 0o644); err != nil {
				return res, fmt.Errorf("pypi: writing attestation: %w", err)
			}
			res.AttestationPath = p
		}
		att, _ = json.Marshal([]json.RawMessage{js})
	}
	b, err := buildBody(d, att)
	if err != nil {
		return res, err
	}
	log := c.o.logger.With("file", d.Filename)
	for attempt := 1; ; attempt++ {
		res.Attempts = attempt
		status, header, msg, err := c.post(ctx, cred, d, b)
		if err == nil && status == http.StatusOK {
			if err := c.confirmUpload(ctx, d); err != nil {
				return res, err
			}
			res.Status = Uploaded
			res.Duration = time.Since(start)
			log.Info("pypi: uploaded", "sha256", d.SHA256, "size", d.Size, "attempts", attempt)
			return res, nil
		}
		if err == nil && status >= 300 && status < 400 {
			return res, fmt.Errorf("%w: POST %s answered HTTP %d (Location: %s): the index URL is wrong — it should be the upload endpoint, e.g. https://upload.pypi.org/legacy/ (with /legacy/), not the web or simple URL", ErrRedirect, c.uploadURL, status, header.Get("Location"))
		}
		if err == nil && (status == http.StatusConflict || (status == http.StatusBadRequest && strings.Contains(strings.ToLower(msg), "already exist"))) {
			if !c.o.skipExisting {
				return res, &UploadError{Filename: d.Filename, Status: status, Message: msg}
			}
			remote, lerr := c.lookupSHA256(ctx, d)
			if lerr != nil {
				log.Warn("pypi: could not look up the existing file", "error", lerr)
			}
			if remote != "" && strings.EqualFold(remote, d.SHA256) {
				res.Status = Skipped
				res.Duration = time.Since(start)
				log.Info("pypi: skipped, identical file already on the index", "sha256", d.SHA256)
				return res, nil
			}
			return res, &ConflictError{Filename: d.Filename, LocalSHA256: d.SHA256, RemoteSHA256: remote}
		}
		retry, wait := c.shouldRetry(ctx, attempt, status, header, err)
		if !retry {
			if err != nil {
				if errors.Is(err, ErrFileChanged) || ctx.Err() != nil {
					return res, err
				}
				return res, fmt.Errorf("pypi: uploading %s: %w (after %d attempts)", d.Filename, err, attempt)
			}
			return res, &UploadError{Filename: d.Filename, Status: status, Message: msg}
		}
		log.Warn("pypi: upload failed, retrying", "attempt", attempt, "status", status, "error", errString(err), "wait", wait)
		if err := sleep(ctx, wait); err != nil {
			return res, err
		}
		// The token may have come close to expiry while waiting.
		if err := c.refresh(ctx, cred); err != nil {
			return res, err
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// post makes one upload attempt, reopening the file.
func (c *Client) post(ctx context.Context, cred *credential, d *Distribution, b *body) (int, http.Header, string, error) {
	f, err := os.Open(d.Path)
	if err != nil {
		return 0, nil, "", fmt.Errorf("%w: %v", ErrFileChanged, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.Size() != d.Size || st.ModTime().UnixNano() != d.modTime {
		return 0, nil, "", fmt.Errorf("%w: %s was modified after OpenDistribution; open it again", ErrFileChanged, d.Path)
	}
	token := cred.current()
	hf := &hashingFile{f: f, h: sha256.New(), want: d, progress: c.o.progress}
	if c.o.progress != nil {
		c.o.progress(d.Filename, 0, d.Size) // "uploading": the file's first report
	}
	rd := io.MultiReader(bytes.NewReader(b.head), hf, bytes.NewReader(b.tail))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.uploadURL, rd)
	if err != nil {
		return 0, nil, "", err
	}
	req.ContentLength = int64(len(b.head)) + d.Size + int64(len(b.tail))
	req.Header.Set("Content-Type", b.contentType)
	req.Header.Set("User-Agent", c.o.userAgent)
	req.SetBasicAuth("__token__", token)
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) && errors.Is(ue.Err, ErrFileChanged) {
			return 0, nil, "", ue.Err
		}
		if errors.Is(err, ErrFileChanged) {
			return 0, nil, "", err
		}
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	// A server may quote the credentials it received: every one is cut out
	// before the message is shortened, so no part of a token survives.
	return resp.StatusCode, resp.Header, serverMessage(c.red.Redact(resp.Status), []byte(c.red.Redact(string(raw)))), nil
}

// serverMessage extracts a readable message from an error response:
// Warehouse puts it in the status line and in an HTML or text body.
func serverMessage(statusLine string, raw []byte) string {
	_, reason, _ := strings.Cut(statusLine, " ")
	msg := oneLine(stripTags(string(raw)))
	if len(msg) > 500 {
		msg = msg[:497] + "..."
	}
	if msg == "" {
		return reason
	}
	return msg
}

// lookupSHA256 finds d on the index and returns its sha256 ("" when not
// listed).
func (c *Client) lookupSHA256(ctx context.Context, d *Distribution) (string, error) {
	listed, err := c.listed(ctx, []*Distribution{d})
	return listed[d.Filename], err
}

// listed reads what the index lists of dists: file name → sha256, for
// the files it lists. It reads each project's PEP 691 simple page once,
// and the JSON API page of a version only when the simple page (or the
// request) left one of that version's files out: skip-existing for a
// release of N files costs two reads, not 2N. The error joins the reads
// that failed; what the others listed is returned with it.
func (c *Client) listed(ctx context.Context, dists []*Distribution) (map[string]string, error) {
	listed := map[string]string{}
	var errs []error
	read := map[string]bool{}
	for _, d := range dists {
		u := c.lookup + "/simple/" + NormalizeName(d.Name) + "/"
		if read[u] {
			continue
		}
		read[u] = true
		if err := c.lookupSimple(ctx, u, listed); err != nil {
			errs = append(errs, err)
		}
	}
	for _, d := range dists {
		u := c.lookup + "/pypi/" + url.PathEscape(NormalizeName(d.Name)) + "/" + url.PathEscape(d.Version) + "/json"
		if listed[d.Filename] != "" || read[u] {
			continue
		}
		read[u] = true
		if err := c.lookupJSON(ctx, u, listed); err != nil {
			errs = append(errs, err)
		}
	}
	return listed, errors.Join(errs...)
}

func (c *Client) get(ctx context.Context, u, accept string, v any) error {
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Accept", accept)
		req.Header.Set("User-Agent", c.o.userAgent)
		resp, err := c.hc.Do(req)
		var status int
		var h http.Header
		if err == nil {
			status, h = resp.StatusCode, resp.Header
			if status == http.StatusOK {
				err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(v)
				resp.Body.Close()
				if err != nil {
					return fmt.Errorf("GET %s: %w", u, err)
				}
				return nil
			}
			resp.Body.Close()
		}
		retry, wait := c.shouldRetry(ctx, attempt, status, h, err)
		if !retry {
			if err != nil {
				return err
			}
			return fmt.Errorf("GET %s: HTTP %d", u, status)
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// lookupSimple adds the files a PEP 691 simple page lists to listed.
func (c *Client) lookupSimple(ctx context.Context, u string, listed map[string]string) error {
	var page struct {
		Files []struct {
			Filename string            `json:"filename"`
			Hashes   map[string]string `json:"hashes"`
		} `json:"files"`
	}
	if err := c.get(ctx, u, "application/vnd.pypi.simple.v1+json", &page); err != nil {
		return err
	}
	for _, f := range page.Files {
		if sha := f.Hashes["sha256"]; sha != "" && listed[f.Filename] == "" {
			listed[f.Filename] = sha
		}
	}
	return nil
}

// lookupJSON adds the files a JSON API version page lists to listed.
func (c *Client) lookupJSON(ctx context.Context, u string, listed map[string]string) error {
	var page struct {
		URLs []struct {
			Filename string            `json:"filename"`
			Digests  map[string]string `json:"digests"`
		} `json:"urls"`
	}
	if err := c.get(ctx, u, "application/json", &page); err != nil {
		return err
	}
	for _, f := range page.URLs {
		if sha := f.Digests["sha256"]; sha != "" && listed[f.Filename] == "" {
			listed[f.Filename] = sha
		}
	}
	return nil
}
