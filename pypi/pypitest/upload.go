package pypitest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/md5" //nolint:gosec // the legacy API's md5_digest field
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/blake2b"

	"github.com/tagship/tagship/internal/pep"
	"github.com/tagship/tagship/pypi"
)

const (
	maxFieldSize = 2 << 20
	maxFormSize  = 16 << 20
	metaHelp     = " See https://packaging.python.org/specifications/core-metadata for more information."
	authHelp     = "Invalid or non-existent authentication information. See https://pypi.org/help/#invalid-auth for more information."
)

// PublishPredicateType is the PEP 740 publish attestation predicate.
const PublishPredicateType = "https://docs.pypi.org/attestations/publish/v1"

// AttestationCheck is what WithAttestationVerifier sees: one PEP 740
// attestation that passed the server's structural and signature checks.
type AttestationCheck struct {
	Filename    string
	SHA256      string
	Certificate *x509.Certificate
	// Statement is the signed in-toto statement; Signature the DSSE
	// signature over its PAE.
	Statement           []byte
	Signature           []byte
	TransparencyEntries []json.RawMessage
	// Raw is the whole attestation object.
	Raw json.RawMessage
}

// fail answers an error like Warehouse: the message is both the HTTP
// reason phrase ("400 File already exists (...)", which is what twine
// prints) and the body. Go's server cannot set a reason phrase, so the
// response is written on the hijacked connection, which is then closed.
func fail(w http.ResponseWriter, status int, msg string) {
	body := fmt.Sprintf("%d %s\n\n%s\n", status, http.StatusText(status), msg)
	reason := strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, msg)
	if hj, ok := w.(http.Hijacker); ok {
		if conn, buf, err := hj.Hijack(); err == nil {
			defer conn.Close()
			extra := ""
			if ra := w.Header().Get("Allow"); ra != "" {
				extra = "Allow: " + ra + "\r\n"
			}
			fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n%sConnection: close\r\n\r\n%s",
				status, reason, len(body), extra, body)
			buf.Flush()
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	capture := Capture{}
	status, msg := s.upload(w, r, &capture)
	capture.Status = status
	s.mu.Lock()
	s.captures = append(s.captures, capture)
	s.mu.Unlock()
	if status == http.StatusOK {
		w.WriteHeader(http.StatusOK)
		return
	}
	fail(w, status, msg)
}

type hashSet struct {
	sha, blake, md hash.Hash
	n              int64
}

func (h *hashSet) Write(p []byte) (int, error) {
	h.sha.Write(p)
	h.blake.Write(p)
	h.md.Write(p)
	h.n += int64(len(p))
	return len(p), nil
}

// rejection is an upload refused with a status and Warehouse's message.
type rejection struct {
	status int
	msg    string
}

func reject(status int, msg string) *rejection { return &rejection{status, msg} }

// invalidField is Warehouse's answer to a metadata field it refuses.
func invalidField(value, field, msg string) *rejection {
	return reject(http.StatusBadRequest, fmt.Sprintf("'%s' is an invalid value for %s. Error: %s", value, field, msg)+metaHelp)
}

// uploadForm is one upload's form: the fields, and the content part in a
// temporary file hashed on the way.
type uploadForm struct {
	values      map[string][]string
	content     *os.File // nil once moved into place
	contentName string
	hs          *hashSet
}

func (f *uploadForm) get(k string) string {
	if v := f.values[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// close removes the temporary content file unless it was stored.
func (f *uploadForm) close() {
	if f.content != nil {
		f.content.Close()
		os.Remove(f.content.Name())
	}
}

// uploadAuth is who uploads: a token minted by Trusted Publishing, or a
// classic API token.
type uploadAuth struct {
	tok    mintedToken
	minted bool
}

// upload runs Warehouse's checks in its order — form, token, action,
// metadata, digests fields, token scope, file name, digests, duplicates,
// the distribution itself, attestations — and records the file.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, capture *Capture) (int, string) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		return http.StatusMethodNotAllowed, "Method not allowed."
	}
	form, rej := s.readForm(r, capture)
	if form != nil {
		defer form.close()
	}
	if rej != nil {
		return rej.status, rej.msg
	}
	auth, rej := s.authenticate(r)
	if rej == nil {
		rej = checkProtocol(form)
	}
	var normVersion string
	if rej == nil {
		normVersion, rej = checkMetadata(form)
	}
	if rej == nil {
		rej = checkDigestFields(form)
	}
	if rej == nil {
		rej = checkScope(auth, form.get("name"))
	}
	if rej == nil {
		rej = checkFilename(form, normVersion)
	}
	if rej == nil {
		rej = checkDigests(form)
	}
	if rej != nil {
		return rej.status, rej.msg
	}
	sums := form.sums()
	if done, rej := s.checkDuplicate(form.contentName, sums); done || rej != nil {
		if rej != nil {
			return rej.status, rej.msg
		}
		return http.StatusOK, ""
	}
	final, rej := s.storeDistribution(form, sums)
	if rej == nil {
		rej = s.checkUploadAttestations(form, auth, sums, final)
	}
	if rej != nil {
		return rej.status, rej.msg
	}
	s.record(form, sums, final, capture)
	return http.StatusOK, ""
}

// readForm reads the whole multipart form; the content part goes to a
// temporary file and is hashed on the way. Every part is captured.
func (s *Server) readForm(r *http.Request, capture *Capture) (*uploadForm, *rejection) {
	user, _, _ := r.BasicAuth()
	capture.User = user
	mr, err := r.MultipartReader()
	if err != nil {
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<30))
		return nil, reject(http.StatusBadRequest, "Invalid request: the body must be multipart/form-data.")
	}
	form := &uploadForm{values: map[string][]string{}, hs: &hashSet{sha: sha256.New(), md: md5.New()}} //nolint:gosec
	form.hs.blake, _ = blake2b.New256(nil)
	total := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return form, nil
		}
		if err != nil {
			return form, reject(http.StatusBadRequest, "Invalid request: malformed multipart body: "+err.Error())
		}
		name := part.FormName()
		if part.FileName() != "" || name == "content" {
			if rej := s.readFilePart(form, part, capture); rej != nil {
				return form, rej
			}
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFieldSize+1))
		if err != nil {
			return form, reject(http.StatusBadRequest, "Invalid request: "+err.Error())
		}
		if len(b) > maxFieldSize {
			return form, reject(http.StatusRequestEntityTooLarge, fmt.Sprintf("Field %q is larger than %d bytes.", name, maxFieldSize))
		}
		total += len(b)
		if total > maxFormSize {
			return form, reject(http.StatusRequestEntityTooLarge, "Form fields are too large.")
		}
		capture.Fields = append(capture.Fields, FormField{Name: name, Value: string(b)})
		form.values[name] = append(form.values[name], string(b))
	}
}

// readFilePart stores the (first) content part, hashed; other file parts
// are drained and recorded.
func (s *Server) readFilePart(form *uploadForm, part *multipart.Part, capture *Capture) *rejection {
	name := part.FormName()
	if name != "content" || form.content != nil {
		n, _ := io.Copy(io.Discard, part)
		capture.Fields = append(capture.Fields, FormField{Name: name, Filename: part.FileName(), ContentType: part.Header.Get("Content-Type"), Size: n})
		return nil
	}
	f, err := os.CreateTemp(s.dir, "upload-*")
	if err != nil {
		return reject(http.StatusInternalServerError, err.Error())
	}
	form.content = f
	form.contentName = part.FileName()
	var dst io.Writer = io.MultiWriter(f, form.hs)
	if s.cfg.discard {
		dst = form.hs
	}
	n, err := io.Copy(dst, part)
	capture.Fields = append(capture.Fields, FormField{Name: name, Filename: form.contentName, ContentType: part.Header.Get("Content-Type"), Size: n})
	if err != nil {
		return reject(http.StatusBadRequest, "Invalid request: reading the uploaded file: "+err.Error())
	}
	return nil
}

// authenticate accepts "__token__" with a minted token that has not
// expired, or a classic API token.
func (s *Server) authenticate(r *http.Request) (uploadAuth, *rejection) {
	user, pass, hasAuth := r.BasicAuth()
	if !hasAuth || user != "__token__" || pass == "" {
		return uploadAuth{}, reject(http.StatusForbidden, authHelp)
	}
	s.mu.Lock()
	tok, minted := s.tokens[pass]
	s.mu.Unlock()
	classic := slices.Contains(s.cfg.apiTokens, pass)
	if !minted && !classic {
		return uploadAuth{}, reject(http.StatusForbidden, "Invalid API Token: token is not valid for this index")
	}
	if minted && time.Now().After(tok.expires) {
		return uploadAuth{}, reject(http.StatusForbidden, "Invalid API Token: token has expired")
	}
	return uploadAuth{tok: tok, minted: minted}, nil
}

func checkProtocol(form *uploadForm) *rejection {
	if a := form.get(":action"); a != "file_upload" {
		return reject(http.StatusBadRequest, fmt.Sprintf("Unknown action: %q.", a))
	}
	if form.get("protocol_version") != "1" {
		return reject(http.StatusBadRequest, "Unknown protocol version.")
	}
	return nil
}

// checkMetadata validates the metadata fields with Warehouse's wording and
// returns the normalised version.
func checkMetadata(form *uploadForm) (string, *rejection) {
	mv := form.get("metadata_version")
	switch mv {
	case "1.0", "1.1", "1.2", "2.0", "2.1", "2.2", "2.3", "2.4":
	case "":
		return "", invalidField(mv, "Metadata-Version", "This field is required.")
	default:
		return "", invalidField(mv, "Metadata-Version", "Use a known metadata version.")
	}
	name := form.get("name")
	if name == "" {
		return "", invalidField(name, "Name", "This field is required.")
	}
	if !pep.ValidName(name) {
		return "", invalidField(name, "Name", "Start and end with a letter or numeral containing only ASCII numeric and '.', '_' and '-'.")
	}
	version := form.get("version")
	if version == "" {
		return "", invalidField(version, "Version", "This field is required.")
	}
	normVersion, err := pypi.NormalizeVersion(version)
	if err != nil {
		return "", invalidField(version, "Version", "Start and end with a letter or numeral containing only ASCII numeric and '.', '_' and '-'.")
	}
	filetype := form.get("filetype")
	switch filetype {
	case "bdist_wheel", "sdist":
	case "":
		return "", invalidField(filetype, "filetype", "This field is required.")
	default:
		return "", invalidField(filetype, "filetype", "Use a known file type.")
	}
	switch pyv := form.get("pyversion"); {
	case filetype != "sdist" && pyv == "":
		return "", reject(http.StatusBadRequest, "Python version is required for binary distribution uploads.")
	case filetype == "sdist" && pyv != "" && pyv != "source":
		return "", reject(http.StatusBadRequest, "Use 'source' as Python version for an sdist.")
	}
	return normVersion, nil
}

// checkDigestFields wants a file and at least one well-formed digest.
func checkDigestFields(form *uploadForm) *rejection {
	if form.content == nil {
		return reject(http.StatusBadRequest, "Upload payload does not have a file.")
	}
	sha, blake, md := form.get("sha256_digest"), form.get("blake2_256_digest"), form.get("md5_digest")
	if sha == "" && blake == "" && md == "" {
		return reject(http.StatusBadRequest, "Include at least one message digest.")
	}
	for _, d := range []struct{ v, field string }{{sha, "sha256_digest"}, {blake, "blake2_256_digest"}} {
		if d.v != "" && !hexOK(strings.ToLower(d.v), 64) {
			return invalidField(d.v, d.field, "Use a valid, hex-encoded, SHA256 message digest.")
		}
	}
	if md != "" && !hexOK(strings.ToLower(md), 32) {
		return invalidField(md, "md5_digest", "Use a valid, hex-encoded, MD5 message digest.")
	}
	return nil
}

// checkScope refuses a minted token scoped to another project.
func checkScope(auth uploadAuth, name string) *rejection {
	if auth.minted && auth.tok.project != "" && normalize(auth.tok.project) != normalize(name) {
		return reject(http.StatusForbidden, fmt.Sprintf("The given token isn't valid for project %q.", name))
	}
	return nil
}

// checkFilename wants a plain file name whose extension fits the file
// type, and whose project and version agree with the form.
func checkFilename(form *uploadForm, normVersion string) *rejection {
	filename, name, version, filetype := form.contentName, form.get("name"), form.get("version"), form.get("filetype")
	if filename == "" || filename != filepath.Base(filename) || strings.ContainsAny(filename, "/\\\x00") {
		return reject(http.StatusBadRequest, "Cannot upload a file with '/' or '\\' in the name.")
	}
	var prefix, fileVersion string
	switch {
	case strings.HasSuffix(filename, ".whl"):
		if filetype != "bdist_wheel" {
			return reject(http.StatusBadRequest, "Invalid file extension: filetype sdist needs a .tar.gz file.")
		}
		wf, err := pypi.ParseWheelFilename(filename)
		if err != nil {
			return reject(http.StatusBadRequest, fmt.Sprintf("Invalid wheel filename (invalid version): %s", filename))
		}
		prefix, fileVersion = wf.Name, wf.Version
	case strings.HasSuffix(filename, ".tar.gz"):
		if filetype != "sdist" {
			return reject(http.StatusBadRequest, "Invalid file extension: filetype bdist_wheel needs a .whl file.")
		}
		stem := strings.TrimSuffix(filename, ".tar.gz")
		i := strings.LastIndexByte(stem, '-')
		if i <= 0 {
			return reject(http.StatusBadRequest, fmt.Sprintf("Invalid source distribution filename: %s", filename))
		}
		prefix, fileVersion = stem[:i], stem[i+1:]
	default:
		return reject(http.StatusBadRequest, "Invalid file extension: Use .tar.gz, .whl or .zip extension. See https://www.python.org/dev/peps/pep-0527 and https://peps.python.org/pep-0715/ for more information")
	}
	if normalize(prefix) != normalize(name) {
		return reject(http.StatusBadRequest, fmt.Sprintf("Start filename for '%s' with '%s'.", name, strings.ReplaceAll(normalize(name), "-", "_")))
	}
	if nv, err := pypi.NormalizeVersion(fileVersion); err != nil || nv != normVersion {
		return reject(http.StatusBadRequest, fmt.Sprintf("Version in filename should be '%s' not '%s'.", version, fileVersion))
	}
	return nil
}

// uploadSums are the uploaded file's digests as computed, lower-case hex.
type uploadSums struct{ sha, blake, md string }

func (f *uploadForm) sums() uploadSums {
	return uploadSums{
		sha:   hex.EncodeToString(f.hs.sha.Sum(nil)),
		blake: hex.EncodeToString(f.hs.blake.Sum(nil)),
		md:    hex.EncodeToString(f.hs.md.Sum(nil)),
	}
}

// checkDigests compares the digests the form gives with the file's.
func checkDigests(form *uploadForm) *rejection {
	got := form.sums()
	sha, blake, md := form.get("sha256_digest"), form.get("blake2_256_digest"), form.get("md5_digest")
	if (sha != "" && !strings.EqualFold(sha, got.sha)) || (blake != "" && !strings.EqualFold(blake, got.blake)) || (md != "" && !strings.EqualFold(md, got.md)) {
		return reject(http.StatusBadRequest, "The digest supplied does not match a digest calculated from the uploaded file.")
	}
	return nil
}

// checkDuplicate reports done for a re-upload of the same file (accepted
// without change) and refuses a different file under a used name.
func (s *Server) checkDuplicate(filename string, sums uploadSums) (done bool, _ *rejection) {
	s.mu.Lock()
	existing, dup := s.files[filename]
	s.mu.Unlock()
	if !dup {
		return false, nil
	}
	if existing.BLAKE2b256 == sums.blake && existing.SHA256 == sums.sha {
		return true, nil
	}
	return false, reject(http.StatusBadRequest, fmt.Sprintf("File already exists ('%s', with blake2_256 hash '%s'). See https://pypi.org/help/#file-name-reuse for more information.", filename, sums.blake))
}

// storeDistribution moves the file into place (unless WithDiscardContent)
// and checks that it is a valid distribution agreeing with the form. It
// returns where the file is.
func (s *Server) storeDistribution(form *uploadForm, sums uploadSums) (string, *rejection) {
	dir := filepath.Join(s.dir, sums.sha)
	final := filepath.Join(dir, form.contentName)
	if s.cfg.discard {
		return final, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", reject(http.StatusInternalServerError, err.Error())
	}
	if err := form.content.Close(); err != nil {
		return "", reject(http.StatusInternalServerError, err.Error())
	}
	if err := os.Rename(form.content.Name(), final); err != nil {
		return "", reject(http.StatusInternalServerError, err.Error())
	}
	form.content = nil
	name, version := form.get("name"), form.get("version")
	d, err := pypi.OpenDistribution(final)
	if err != nil {
		os.RemoveAll(dir)
		return "", reject(http.StatusBadRequest, "Invalid distribution file. "+strings.TrimPrefix(err.Error(), "pypi: "))
	}
	if normalize(d.Name) != normalize(name) || d.Version != version {
		os.RemoveAll(dir)
		return "", reject(http.StatusBadRequest, fmt.Sprintf("Invalid distribution file: its metadata says %s %s but the form says %s %s.", d.Name, d.Version, name, version))
	}
	return final, nil
}

// checkUploadAttestations verifies PEP 740 attestations, which only
// Trusted Publishing may send; a refusal removes the stored file.
func (s *Server) checkUploadAttestations(form *uploadForm, auth uploadAuth, sums uploadSums, final string) *rejection {
	a, ok := form.values["attestations"]
	if !ok {
		return nil
	}
	if !auth.minted {
		return s.rejectAfterStore(filepath.Dir(final), "Attestations are only supported when using Trusted Publishing")
	}
	if err := s.checkAttestations(a[0], form.contentName, sums.sha); err != nil {
		return s.rejectAfterStore(filepath.Dir(final), "Invalid attestations supplied during upload: "+err.Error())
	}
	return nil
}

// record adds the accepted file to the index (the first of two racing
// uploads wins).
func (s *Server) record(form *uploadForm, sums uploadSums, final string, capture *Capture) {
	var atts json.RawMessage
	if a, ok := form.values["attestations"]; ok {
		atts = json.RawMessage(a[0])
	}
	filename := form.contentName
	f := &File{
		Filename: filename, Project: form.get("name"), Version: form.get("version"), Filetype: form.get("filetype"),
		PyVersion: form.get("pyversion"), RequiresPython: form.get("requires_python"),
		Size: form.hs.n, SHA256: sums.sha, BLAKE2b256: sums.blake, MD5: sums.md,
		UploadTime: time.Now().UTC(), Attestations: atts,
		Form: append([]FormField(nil), capture.Fields...),
	}
	if !s.cfg.discard {
		f.path = final
	}
	s.mu.Lock()
	if _, raced := s.files[filename]; !raced {
		s.files[filename] = f
		s.order = append(s.order, filename)
	}
	s.mu.Unlock()
}

func (s *Server) rejectAfterStore(dir, msg string) *rejection {
	if !s.cfg.discard {
		os.RemoveAll(dir)
	}
	return reject(http.StatusBadRequest, msg)
}

func normalize(name string) string { return pypi.NormalizeName(name) }

// attestation is PyPI's attestation object (pypi-attestations).
type attestation struct {
	Version              int `json:"version"`
	VerificationMaterial struct {
		Certificate         string            `json:"certificate"`
		TransparencyEntries []json.RawMessage `json:"transparency_entries"`
	} `json:"verification_material"`
	Envelope struct {
		Statement string `json:"statement"`
		Signature string `json:"signature"`
	} `json:"envelope"`
}

type statement struct {
	Type    string `json:"_type"`
	Subject []struct {
		Name   string            `json:"name"`
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
	PredicateType string `json:"predicateType"`
}

// PAE is the DSSE pre-authentication encoding.
func PAE(payloadType string, payload []byte) []byte {
	return []byte(fmt.Sprintf("DSSEv1 %d %s %d %s", len(payloadType), payloadType, len(payload), payload))
}

func (s *Server) checkAttestations(raw, filename, sha string) error {
	var list []json.RawMessage
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		return errors.New("the attestations field is not a JSON array")
	}
	if len(list) != 1 {
		return fmt.Errorf("only a single attestation per file is supported (got %d)", len(list))
	}
	var a attestation
	dec := json.NewDecoder(strings.NewReader(string(list[0])))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return fmt.Errorf("malformed attestation: %v", err)
	}
	if a.Version != 1 {
		return fmt.Errorf("unsupported attestation version %d", a.Version)
	}
	stmtBytes, err := base64.StdEncoding.DecodeString(a.Envelope.Statement)
	if err != nil {
		return errors.New("envelope statement is not base64")
	}
	sig, err := base64.StdEncoding.DecodeString(a.Envelope.Signature)
	if err != nil {
		return errors.New("envelope signature is not base64")
	}
	der, err := base64.StdEncoding.DecodeString(a.VerificationMaterial.Certificate)
	if err != nil {
		return errors.New("certificate is not base64")
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("certificate: %v", err)
	}
	if len(a.VerificationMaterial.TransparencyEntries) == 0 {
		return errors.New("no transparency log entries")
	}
	var st statement
	if err := json.Unmarshal(stmtBytes, &st); err != nil {
		return errors.New("statement is not JSON")
	}
	if st.Type != "https://in-toto.io/Statement/v1" {
		return fmt.Errorf("statement _type %q is not https://in-toto.io/Statement/v1", st.Type)
	}
	if st.PredicateType != PublishPredicateType && st.PredicateType != "https://slsa.dev/provenance/v1" {
		return fmt.Errorf("unknown predicate type %q", st.PredicateType)
	}
	if len(st.Subject) != 1 {
		return fmt.Errorf("statement has %d subjects, expected 1", len(st.Subject))
	}
	if st.Subject[0].Name != filename {
		return fmt.Errorf("subject name %q does not match the distribution %q", st.Subject[0].Name, filename)
	}
	if !strings.EqualFold(st.Subject[0].Digest["sha256"], sha) {
		return fmt.Errorf("subject digest %q does not match the distribution's sha256 %s", st.Subject[0].Digest["sha256"], sha)
	}
	if err := verifySig(cert, PAE("application/vnd.in-toto+json", stmtBytes), sig); err != nil {
		return fmt.Errorf("signature: %v", err)
	}
	if s.cfg.attestVerifier != nil {
		if err := s.cfg.attestVerifier(AttestationCheck{
			Filename: filename, SHA256: sha, Certificate: cert,
			Statement: stmtBytes, Signature: sig,
			TransparencyEntries: a.VerificationMaterial.TransparencyEntries, Raw: list[0],
		}); err != nil {
			return err
		}
	}
	return nil
}

func verifySig(cert *x509.Certificate, msg, sig []byte) error {
	switch pub := cert.PublicKey.(type) {
	case *ecdsa.PublicKey:
		var digest []byte
		switch pub.Curve.Params().BitSize {
		case 384:
			h := sha512.Sum384(msg)
			digest = h[:]
		case 521:
			h := sha512.Sum512(msg)
			digest = h[:]
		default:
			h := sha256.Sum256(msg)
			digest = h[:]
		}
		if !ecdsa.VerifyASN1(pub, digest, sig) {
			return errors.New("does not verify with the certificate's key")
		}
		return nil
	case ed25519.PublicKey:
		if !ed25519.Verify(pub, msg, sig) {
			return errors.New("does not verify with the certificate's key")
		}
		return nil
	case *rsa.PublicKey:
		h := sha256.Sum256(msg)
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig)
	}
	return fmt.Errorf("unsupported certificate key type %T", cert.PublicKey)
}
