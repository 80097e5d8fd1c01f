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
	"net/http"
	"os"
	"path/filepath"
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

func reply(status int, msg string) (int, string) { return status, msg }

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

func (s *Server) upload(w http.ResponseWriter, r *http.Request, capture *Capture) (int, string) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		return reply(http.StatusMethodNotAllowed, "Method not allowed.")
	}
	user, pass, hasAuth := r.BasicAuth()
	capture.User = user
	mr, err := r.MultipartReader()
	if err != nil {
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<30))
		return reply(http.StatusBadRequest, "Invalid request: the body must be multipart/form-data.")
	}

	// Read the whole form; the content part goes to a temporary file and
	// is hashed on the way.
	values := map[string][]string{}
	var content *os.File
	var contentName string
	hs := &hashSet{sha: sha256.New(), md: md5.New()} //nolint:gosec
	hs.blake, _ = blake2b.New256(nil)
	defer func() {
		if content != nil {
			content.Close()
			os.Remove(content.Name())
		}
	}()
	total := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return reply(http.StatusBadRequest, "Invalid request: malformed multipart body: "+err.Error())
		}
		name := part.FormName()
		if part.FileName() != "" || name == "content" {
			if name != "content" || content != nil {
				// Unknown file parts are drained and recorded.
				n, _ := io.Copy(io.Discard, part)
				capture.Fields = append(capture.Fields, FormField{Name: name, Filename: part.FileName(), ContentType: part.Header.Get("Content-Type"), Size: n})
				continue
			}
			f, err := os.CreateTemp(s.dir, "upload-*")
			if err != nil {
				return reply(http.StatusInternalServerError, err.Error())
			}
			content = f
			contentName = part.FileName()
			var dst io.Writer = io.MultiWriter(f, hs)
			if s.cfg.discard {
				dst = hs
			}
			n, err := io.Copy(dst, part)
			capture.Fields = append(capture.Fields, FormField{Name: name, Filename: contentName, ContentType: part.Header.Get("Content-Type"), Size: n})
			if err != nil {
				return reply(http.StatusBadRequest, "Invalid request: reading the uploaded file: "+err.Error())
			}
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFieldSize+1))
		if err != nil {
			return reply(http.StatusBadRequest, "Invalid request: "+err.Error())
		}
		if len(b) > maxFieldSize {
			return reply(http.StatusRequestEntityTooLarge, fmt.Sprintf("Field %q is larger than %d bytes.", name, maxFieldSize))
		}
		total += len(b)
		if total > maxFormSize {
			return reply(http.StatusRequestEntityTooLarge, "Form fields are too large.")
		}
		capture.Fields = append(capture.Fields, FormField{Name: name, Value: string(b)})
		values[name] = append(values[name], string(b))
	}
	get := func(k string) string {
		if v := values[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}

	// Authentication.
	if !hasAuth || user != "__token__" || pass == "" {
		return reply(http.StatusForbidden, authHelp)
	}
	s.mu.Lock()
	tok, minted := s.tokens[pass]
	s.mu.Unlock()
	classic := false
	for _, t := range s.cfg.apiTokens {
		if t == pass {
			classic = true
		}
	}
	if !minted && !classic {
		return reply(http.StatusForbidden, "Invalid API Token: token is not valid for this index")
	}
	if minted && time.Now().After(tok.expires) {
		return reply(http.StatusForbidden, "Invalid API Token: token has expired")
	}

	if a := get(":action"); a != "file_upload" {
		return reply(http.StatusBadRequest, fmt.Sprintf("Unknown action: %q.", a))
	}
	if get("protocol_version") != "1" {
		return reply(http.StatusBadRequest, "Unknown protocol version.")
	}

	// Metadata validation, Warehouse's wording.
	invalid := func(value, field, msg string) (int, string) {
		return reply(http.StatusBadRequest, fmt.Sprintf("'%s' is an invalid value for %s. Error: %s", value, field, msg)+metaHelp)
	}
	mv := get("metadata_version")
	switch mv {
	case "1.0", "1.1", "1.2", "2.0", "2.1", "2.2", "2.3", "2.4":
	case "":
		return invalid(mv, "Metadata-Version", "This field is required.")
	default:
		return invalid(mv, "Metadata-Version", "Use a known metadata version.")
	}
	name := get("name")
	if name == "" {
		return invalid(name, "Name", "This field is required.")
	}
	if !pep.ValidName(name) {
		return invalid(name, "Name", "Start and end with a letter or numeral containing only ASCII numeric and '.', '_' and '-'.")
	}
	version := get("version")
	if version == "" {
		return invalid(version, "Version", "This field is required.")
	}
	normVersion, err := pypi.NormalizeVersion(version)
	if err != nil {
		return invalid(version, "Version", "Start and end with a letter or numeral containing only ASCII numeric and '.', '_' and '-'.")
	}
	filetype := get("filetype")
	switch filetype {
	case "bdist_wheel", "sdist":
	case "":
		return invalid(filetype, "filetype", "This field is required.")
	default:
		return invalid(filetype, "filetype", "Use a known file type.")
	}
	switch pyv := get("pyversion"); {
	case filetype != "sdist" && pyv == "":
		return reply(http.StatusBadRequest, "Python version is required for binary distribution uploads.")
	case filetype == "sdist" && pyv != "" && pyv != "source":
		return reply(http.StatusBadRequest, "Use 'source' as Python version for an sdist.")
	}
	if content == nil {
		return reply(http.StatusBadRequest, "Upload payload does not have a file.")
	}
	sha, blake, md := get("sha256_digest"), get("blake2_256_digest"), get("md5_digest")
	if sha == "" && blake == "" && md == "" {
		return reply(http.StatusBadRequest, "Include at least one message digest.")
	}
	for _, d := range []struct{ v, field string }{{sha, "sha256_digest"}, {blake, "blake2_256_digest"}} {
		if d.v != "" && !hexOK(strings.ToLower(d.v), 64) {
			return invalid(d.v, d.field, "Use a valid, hex-encoded, SHA256 message digest.")
		}
	}
	if md != "" && !hexOK(strings.ToLower(md), 32) {
		return invalid(md, "md5_digest", "Use a valid, hex-encoded, MD5 message digest.")
	}

	// Project scoping of minted tokens.
	if minted && tok.project != "" && normalize(tok.project) != normalize(name) {
		return reply(http.StatusForbidden, fmt.Sprintf("The given token isn't valid for project %q.", name))
	}

	// File name.
	filename := contentName
	if filename == "" || filename != filepath.Base(filename) || strings.ContainsAny(filename, "/\\\x00") {
		return reply(http.StatusBadRequest, "Cannot upload a file with '/' or '\\' in the name.")
	}
	var prefix, fileVersion string
	switch {
	case strings.HasSuffix(filename, ".whl"):
		if filetype != "bdist_wheel" {
			return reply(http.StatusBadRequest, "Invalid file extension: filetype sdist needs a .tar.gz file.")
		}
		wf, err := pypi.ParseWheelFilename(filename)
		if err != nil {
			return reply(http.StatusBadRequest, fmt.Sprintf("Invalid wheel filename (invalid version): %s", filename))
		}
		prefix, fileVersion = wf.Name, wf.Version
	case strings.HasSuffix(filename, ".tar.gz"):
		if filetype != "sdist" {
			return reply(http.StatusBadRequest, "Invalid file extension: filetype bdist_wheel needs a .whl file.")
		}
		stem := strings.TrimSuffix(filename, ".tar.gz")
		i := strings.LastIndexByte(stem, '-')
		if i <= 0 {
			return reply(http.StatusBadRequest, fmt.Sprintf("Invalid source distribution filename: %s", filename))
		}
		prefix, fileVersion = stem[:i], stem[i+1:]
	default:
		return reply(http.StatusBadRequest, "Invalid file extension: Use .tar.gz, .whl or .zip extension. See https://www.python.org/dev/peps/pep-0527 and https://peps.python.org/pep-0715/ for more information")
	}
	if normalize(prefix) != normalize(name) {
		return reply(http.StatusBadRequest, fmt.Sprintf("Start filename for '%s' with '%s'.", name, strings.ReplaceAll(normalize(name), "-", "_")))
	}
	if nv, err := pypi.NormalizeVersion(fileVersion); err != nil || nv != normVersion {
		return reply(http.StatusBadRequest, fmt.Sprintf("Version in filename should be '%s' not '%s'.", version, fileVersion))
	}

	// Digests.
	gotSHA := hex.EncodeToString(hs.sha.Sum(nil))
	gotBlake := hex.EncodeToString(hs.blake.Sum(nil))
	gotMD := hex.EncodeToString(hs.md.Sum(nil))
	if (sha != "" && !strings.EqualFold(sha, gotSHA)) || (blake != "" && !strings.EqualFold(blake, gotBlake)) || (md != "" && !strings.EqualFold(md, gotMD)) {
		return reply(http.StatusBadRequest, "The digest supplied does not match a digest calculated from the uploaded file.")
	}

	// Duplicate file names.
	s.mu.Lock()
	existing, dup := s.files[filename]
	s.mu.Unlock()
	if dup {
		if existing.BLAKE2b256 == gotBlake && existing.SHA256 == gotSHA {
			return http.StatusOK, ""
		}
		return reply(http.StatusBadRequest, fmt.Sprintf("File already exists ('%s', with blake2_256 hash '%s'). See https://pypi.org/help/#file-name-reuse for more information.", filename, gotBlake))
	}

	// The distribution itself must be valid and agree with the form.
	dir := filepath.Join(s.dir, gotSHA)
	final := filepath.Join(dir, filename)
	if !s.cfg.discard {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return reply(http.StatusInternalServerError, err.Error())
		}
		if err := content.Close(); err != nil {
			return reply(http.StatusInternalServerError, err.Error())
		}
		if err := os.Rename(content.Name(), final); err != nil {
			return reply(http.StatusInternalServerError, err.Error())
		}
		content = nil
		d, err := pypi.OpenDistribution(final)
		if err != nil {
			os.RemoveAll(dir)
			return reply(http.StatusBadRequest, "Invalid distribution file. "+strings.TrimPrefix(err.Error(), "pypi: "))
		}
		if normalize(d.Name) != normalize(name) || d.Version != version {
			os.RemoveAll(dir)
			return reply(http.StatusBadRequest, fmt.Sprintf("Invalid distribution file: its metadata says %s %s but the form says %s %s.", d.Name, d.Version, name, version))
		}
	}

	// PEP 740 attestations.
	var atts json.RawMessage
	if a, ok := values["attestations"]; ok {
		if !minted {
			return s.rejectAfterStore(dir, "Attestations are only supported when using Trusted Publishing")
		}
		if err := s.checkAttestations(a[0], filename, gotSHA); err != nil {
			return s.rejectAfterStore(dir, "Invalid attestations supplied during upload: "+err.Error())
		}
		atts = json.RawMessage(a[0])
	}

	f := &File{
		Filename: filename, Project: name, Version: version, Filetype: filetype,
		PyVersion: get("pyversion"), RequiresPython: get("requires_python"),
		Size: hs.n, SHA256: gotSHA, BLAKE2b256: gotBlake, MD5: gotMD,
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
	return http.StatusOK, ""
}

func (s *Server) rejectAfterStore(dir, msg string) (int, string) {
	if !s.cfg.discard {
		os.RemoveAll(dir)
	}
	return reply(http.StatusBadRequest, msg)
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
