package pypi

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/gzip"
	"crypto/md5" //nolint:gosec // md5_digest is a legacy upload field, not used for security
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tagship/tagship/internal/pep"
	"golang.org/x/crypto/blake2b"
)

// Limits applied while reading a distribution. They make hostile archives
// fail with an error instead of exhausting memory or time.
const (
	// maxEntries bounds the number of archive members.
	maxEntries = 1 << 20
	// maxSdistUncompressed bounds the bytes decompressed from an sdist's
	// gzip stream (all members together) to this or
	// maxSdistRatio × the compressed size, whichever is larger.
	maxSdistUncompressed = 256 << 20
	maxSdistRatio        = 100
	// maxSdistAbsolute is a hard ceiling on an sdist's decompressed bytes.
	maxSdistAbsolute = 16 << 30
)

// Distribution is a wheel or sdist opened and checked by OpenDistribution.
// The hashes are of the whole file, computed in one streaming pass.
type Distribution struct {
	Path     string // as given to OpenDistribution
	Filename string // base name, e.g. demo-1.0.0-py3-none-any.whl
	Name     string // Name as in the metadata
	Version  string // Version as in the metadata
	Filetype string // "bdist_wheel" or "sdist"
	// PyVersion is the wheel's Python tag ("py3", "cp312.cp313"), and
	// "source" for an sdist.
	PyVersion string
	Metadata  *Metadata
	// MetadataFile is the member the metadata was read from
	// ("demo-1.0.0.dist-info/METADATA", "demo-1.0.0/PKG-INFO").
	MetadataFile string
	// Wheel filename tags; empty for an sdist.
	BuildTag, ABITag, PlatformTag string

	Size       int64
	SHA256     string // hex
	BLAKE2b256 string // hex
	MD5        string // hex; only sent because the legacy upload API has the field

	modTime int64
}

// WheelFilename is a parsed PEP 427 wheel file name: Name, Version,
// BuildTag, PythonTag, ABITag and PlatformTag.
type WheelFilename = pep.WheelFilename

// ParseWheelFilename splits a wheel file name
// "{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl" and checks
// each part. Errors wrap ErrInvalidDistribution.
func ParseWheelFilename(filename string) (WheelFilename, error) {
	w, err := pep.ParseWheelFilename(filename)
	if err != nil {
		return w, distFilenameError(filename, err)
	}
	return w, nil
}

// ParseSdistFilename splits a PEP 625 sdist file name
// "{normalized_name}-{version}.tar.gz". The name part must already be
// normalised (lower case, "_" for runs of "-_."). Errors wrap
// ErrInvalidDistribution.
func ParseSdistFilename(filename string) (name, version string, err error) {
	name, version, err = pep.ParseSdistFilename(filename)
	if err != nil {
		return "", "", distFilenameError(filename, err)
	}
	return name, version, nil
}

// distFilenameError turns internal/pep's refusal of a file name into a
// [*DistributionError].
func distFilenameError(filename string, err error) error {
	return &DistributionError{Path: filename, Reason: pep.Reason(err)}
}

// OpenDistribution opens the wheel (.whl) or sdist (.tar.gz) at path,
// validates its file name, reads and parses its core metadata, checks that
// the metadata name and version agree with the file name, and hashes the
// whole file (sha256, blake2b-256, md5) in one streaming pass. Any problem
// yields a *DistributionError (matching ErrInvalidDistribution). Hostile
// archives (oversized metadata, decompression bombs, absolute or ".."
// member paths, duplicate or multiple metadata directories, truncated or
// non-gzip data) are rejected; memory use is bounded independent of the
// file size.
func OpenDistribution(path string) (*Distribution, error) {
	filename := filepath.Base(path)
	d := &Distribution{Path: path, Filename: filename}
	var err error
	switch {
	case strings.HasSuffix(filename, ".whl"):
		err = d.openWheel()
	case strings.HasSuffix(filename, ".tar.gz"):
		err = d.openSdist()
	case strings.HasSuffix(filename, ".zip"), strings.HasSuffix(filename, ".tar.bz2"), strings.HasSuffix(filename, ".egg"), strings.HasSuffix(filename, ".exe"):
		err = &DistributionError{Path: path, Reason: "legacy distribution format; PyPI only accepts wheels (.whl) and .tar.gz sdists (PEP 625)"}
	default:
		err = &DistributionError{Path: path, Reason: "unknown distribution type; expected a .whl or .tar.gz file"}
	}
	if err != nil {
		var de *DistributionError
		if errors.As(err, &de) {
			de.Path = path
			return nil, de
		}
		return nil, &DistributionError{Path: path, Reason: "cannot read", Err: err}
	}
	return d, nil
}

// CheckVersion reports whether the distribution's version is the release
// version (a tag such as "v1.2.3" or a version "1.2.3"); both are PEP 440
// normalised before comparing. The error wraps ErrVersionMismatch.
func (d *Distribution) CheckVersion(version string) error {
	want, err := NormalizeVersion(version)
	if err != nil {
		return fmt.Errorf("pypi: release version: %w", err)
	}
	got, err := NormalizeVersion(d.Version)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("%w: %s has version %s but the release is %s; rebuild the distribution from the tagged commit (or fix the version in pyproject.toml)", ErrVersionMismatch, d.Filename, d.Version, version)
	}
	return nil
}

// hashes computes sha256, blake2b-256 and md5 of everything written to
// it, each in its own goroutine (md5 alone is slower than sha256 with
// SHA-NI, so the three in parallel cost about as much as md5). Write
// copies p into one of at most hashBufs buffers, allocated as needed and
// no larger than the file (at most 1 MiB): memory stays bounded, and
// hashing a small file allocates about the file's size, not 4 MiB (a
// release opens every distribution several times).
type hashes struct {
	sha, blake, md hash.Hash
	n              int64
	work           [3]chan *hashBuf
	free           chan *hashBuf
	bufSize        int
	allocated      int
	done           sync.WaitGroup
	pending        *hashBuf
	closed         bool
}

type hashBuf struct {
	data []byte
	refs atomic.Int32
}

const (
	hashBufSize    = 1 << 20
	minHashBufSize = 32 << 10
	hashBufs       = 4
)

// newHashes hashes a file of about size bytes (a hint: any length can be
// written).
func newHashes(size int64) *hashes {
	b, _ := blake2b.New256(nil)
	h := &hashes{sha: sha256.New(), blake: b, md: md5.New(), free: make(chan *hashBuf, hashBufs), //nolint:gosec
		bufSize: int(min(max(size, minHashBufSize), hashBufSize))}
	for i, hh := range []hash.Hash{h.sha, h.blake, h.md} {
		ch := make(chan *hashBuf, hashBufs)
		h.work[i] = ch
		h.done.Add(1)
		go func() {
			defer h.done.Done()
			for buf := range ch {
				hh.Write(buf.data)
				if buf.refs.Add(-1) == 0 {
					buf.data = buf.data[:0]
					h.free <- buf
				}
			}
		}()
	}
	return h
}

func (h *hashes) Write(p []byte) (int, error) {
	n := len(p)
	h.n += int64(n)
	for len(p) > 0 {
		if h.pending == nil {
			h.pending = h.buffer()
		}
		c := copy(h.pending.data[len(h.pending.data):cap(h.pending.data)], p)
		h.pending.data = h.pending.data[:len(h.pending.data)+c]
		p = p[c:]
		if len(h.pending.data) == cap(h.pending.data) {
			h.flush()
		}
	}
	return n, nil
}

// buffer returns a free buffer, allocating one while fewer than hashBufs
// exist.
func (h *hashes) buffer() *hashBuf {
	select {
	case b := <-h.free:
		return b
	default:
	}
	if h.allocated < hashBufs {
		h.allocated++
		return &hashBuf{data: make([]byte, 0, h.bufSize)}
	}
	return <-h.free
}

func (h *hashes) flush() {
	if h.pending == nil || len(h.pending.data) == 0 {
		return
	}
	h.pending.refs.Store(int32(len(h.work)))
	for _, ch := range h.work {
		ch <- h.pending
	}
	h.pending = nil
}

// close waits for the workers; it must be called exactly once (fill
// calls it; abandoned hashes must be closed too, to end the goroutines).
func (h *hashes) close() {
	if h.closed {
		return
	}
	h.closed = true
	h.flush()
	for _, ch := range h.work {
		close(ch)
	}
	h.done.Wait()
}

func (h *hashes) fill(d *Distribution) {
	h.close()
	d.Size = h.n
	d.SHA256 = hex.EncodeToString(h.sha.Sum(nil))
	d.BLAKE2b256 = hex.EncodeToString(h.blake.Sum(nil))
	d.MD5 = hex.EncodeToString(h.md.Sum(nil))
}

// checkMemberPath rejects archive member names that could escape or
// confuse extraction.
func checkMemberPath(name string) error {
	switch {
	case name == "":
		return errors.New("empty member name")
	case strings.ContainsRune(name, 0):
		return fmt.Errorf("member name %q contains a NUL byte", clip(name))
	case strings.Contains(name, `\`):
		return fmt.Errorf("member name %q contains a backslash", clip(name))
	case strings.HasPrefix(name, "/"):
		return fmt.Errorf("member name %q is an absolute path", clip(name))
	case len(name) >= 2 && name[1] == ':':
		return fmt.Errorf("member name %q has a drive letter", clip(name))
	case !utf8Valid(name):
		return fmt.Errorf("member name %q is not valid UTF-8", clip(name))
	}
	for _, c := range strings.Split(name, "/") {
		if c == ".." {
			return fmt.Errorf("member name %q contains a '..' component", clip(name))
		}
	}
	return nil
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// openRegular opens the distribution's file, which must be a regular
// file, and records its modification time.
func (d *Distribution) openRegular() (*os.File, os.FileInfo, error) {
	f, err := os.Open(d.Path)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, &DistributionError{Reason: "not a regular file"}
	}
	d.modTime = st.ModTime().UnixNano()
	return f, st, nil
}

func (d *Distribution) openWheel() error {
	wf, err := ParseWheelFilename(d.Filename)
	if err != nil {
		return err
	}
	d.Filetype = "bdist_wheel"
	d.PyVersion = wf.PythonTag
	d.BuildTag, d.ABITag, d.PlatformTag = wf.BuildTag, wf.ABITag, wf.PlatformTag

	f, st, err := d.openRegular()
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		return &DistributionError{Reason: "not a valid zip archive (truncated or corrupt?)", Err: err}
	}
	if len(zr.File) > maxEntries {
		return &DistributionError{Reason: fmt.Sprintf("%d members; the limit is %d", len(zr.File), maxEntries)}
	}
	seen := make(map[string]bool, len(zr.File))
	var distInfo []string
	members := map[string]*zip.File{}
	for _, zf := range zr.File {
		if err := checkMemberPath(zf.Name); err != nil {
			return &DistributionError{Reason: err.Error()}
		}
		// Duplicates by the path an installer writes to: "a/./b", "a//b"
		// and "./a/b" are all "a/b".
		nm := normMember(zf.Name)
		if seen[nm] {
			return &DistributionError{Reason: fmt.Sprintf("member %q appears twice (as %q)", clip(nm), clip(zf.Name))}
		}
		seen[nm] = true
		if zf.Mode()&os.ModeSymlink != 0 {
			return &DistributionError{Reason: fmt.Sprintf("member %q is a symbolic link; a wheel carries none (unzip would create it, and members written through it could land anywhere)", clip(zf.Name))}
		}
		top, rest, _ := strings.Cut(nm, "/")
		if strings.HasSuffix(top, ".dist-info") {
			if !contains(distInfo, top) {
				distInfo = append(distInfo, top)
			}
			if rest == "METADATA" || rest == "WHEEL" {
				members[rest] = zf
			}
		}
	}
	switch len(distInfo) {
	case 0:
		return &DistributionError{Reason: "no .dist-info directory at the top of the wheel"}
	case 1:
	default:
		return &DistributionError{Reason: fmt.Sprintf("%d .dist-info directories (%s); a wheel has exactly one", len(distInfo), strings.Join(distInfo, ", "))}
	}
	di := strings.TrimSuffix(distInfo[0], ".dist-info")
	j := strings.LastIndexByte(di, '-')
	if j <= 0 || NormalizeName(di[:j]) != NormalizeName(wf.Name) || !sameVersion(di[j+1:], wf.Version) {
		return &DistributionError{Reason: fmt.Sprintf(".dist-info directory %q does not match the file name (expected %s-%s.dist-info)", distInfo[0], wf.Name, wf.Version)}
	}
	if members["WHEEL"] == nil {
		return &DistributionError{Reason: fmt.Sprintf("missing %s/WHEEL", distInfo[0])}
	}
	mf := members["METADATA"]
	if mf == nil {
		return &DistributionError{Reason: fmt.Sprintf("missing %s/METADATA", distInfo[0])}
	}
	d.MetadataFile = normMember(mf.Name)
	data, err := readZipMember(mf)
	if err != nil {
		return &DistributionError{Reason: "reading " + mf.Name, Err: err}
	}
	if err := d.setMetadata(data, wf.Name, wf.Version); err != nil {
		return err
	}
	// One streaming pass over the whole file for the hashes.
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	h := newHashes(st.Size())
	defer h.close()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if h.n != st.Size() {
		return fmt.Errorf("file size changed while reading (%d then %d bytes)", st.Size(), h.n)
	}
	h.fill(d)
	return nil
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// readZipMember reads a metadata member, never more than MaxMetadataSize
// decompressed bytes whatever the header claims.
func readZipMember(zf *zip.File) ([]byte, error) {
	if zf.UncompressedSize64 > MaxMetadataSize {
		return nil, fmt.Errorf("declared size %d bytes exceeds the %d-byte metadata limit", zf.UncompressedSize64, MaxMetadataSize)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, MaxMetadataSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxMetadataSize {
		return nil, fmt.Errorf("decompresses to more than the %d-byte metadata limit (the header claimed %d bytes)", MaxMetadataSize, zf.UncompressedSize64)
	}
	return data, nil
}

func sameVersion(a, b string) bool {
	na, err1 := NormalizeVersion(a)
	nb, err2 := NormalizeVersion(b)
	return err1 == nil && err2 == nil && na == nb
}

func (d *Distribution) setMetadata(data []byte, fileName, fileVersion string) error {
	m, err := ParseMetadata(data)
	if err != nil {
		return &DistributionError{Reason: "bad metadata in " + d.MetadataFile, Err: err}
	}
	if NormalizeName(m.Name) != NormalizeName(fileName) {
		return &DistributionError{Reason: fmt.Sprintf("metadata Name %q does not match the file name's %q", m.Name, fileName)}
	}
	if !sameVersion(m.Version, fileVersion) {
		return &DistributionError{Reason: fmt.Sprintf("metadata Version %q does not match the file name's %q", m.Version, fileVersion)}
	}
	d.Metadata, d.Name, d.Version = m, m.Name, m.Version
	return nil
}

// countingReader counts bytes read and fails past a limit.
type countingReader struct {
	r     io.Reader
	n     int64
	limit func() int64
}

var errBomb = errors.New("decompressed size exceeds the limit (decompression bomb?)")

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.limit() {
		return n, errBomb
	}
	return n, err
}

func (d *Distribution) openSdist() error {
	name, version, err := ParseSdistFilename(d.Filename)
	if err != nil {
		return err
	}
	d.Filetype = "sdist"
	d.PyVersion = "source"
	stem := strings.TrimSuffix(d.Filename, ".tar.gz")

	f, st, err := d.openRegular()
	if err != nil {
		return err
	}
	defer f.Close()
	h := newHashes(st.Size())
	defer h.close()
	raw := bufio.NewReaderSize(io.TeeReader(f, h), 64<<10)
	if magic, err := raw.Peek(2); err != nil || magic[0] != 0x1f || magic[1] != 0x8b {
		return &DistributionError{Reason: "not gzip-compressed; an sdist must be a .tar.gz (PEP 625)"}
	}
	gz, err := gzip.NewReader(raw)
	if err != nil {
		return &DistributionError{Reason: "bad gzip header", Err: err}
	}
	limit := func() int64 {
		l := max(int64(maxSdistUncompressed), maxSdistRatio*h.n)
		return min(l, maxSdistAbsolute)
	}
	cr := &countingReader{r: gz, limit: limit}
	tr := tar.NewReader(cr)
	want := stem + "/PKG-INFO"
	var meta []byte
	found := false
	fsys := newLinkTree()
	for entries := 0; ; entries++ {
		if entries > maxEntries {
			return &DistributionError{Reason: fmt.Sprintf("more than %d members", maxEntries)}
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return &DistributionError{Reason: "corrupt or truncated tar.gz", Err: err}
		}
		switch hdr.Typeflag {
		case tar.TypeXGlobalHeader, tar.TypeXHeader, tar.TypeGNULongName, tar.TypeGNULongLink:
			continue
		}
		nm := strings.TrimPrefix(hdr.Name, "./")
		if err := checkMemberPath(nm); err != nil {
			return &DistributionError{Reason: err.Error()}
		}
		if top, _, _ := strings.Cut(nm, "/"); top != stem {
			return &DistributionError{Reason: fmt.Sprintf("member %q is outside the top-level directory %s/ (an sdist unpacks into a single {name}-{version}/ directory)", clip(nm), stem)}
		}
		if err := fsys.add(nm, hdr.Typeflag, hdr.Linkname); err != nil {
			return &DistributionError{Reason: err.Error()}
		}
		if path.Clean(nm) != want {
			continue
		}
		if found {
			return &DistributionError{Reason: want + " appears twice"}
		}
		found = true
		// archive/tar reports the legacy TypeRegA ('\x00') as TypeReg.
		if hdr.Typeflag != tar.TypeReg {
			return &DistributionError{Reason: want + " is not a regular file"}
		}
		if hdr.Size > MaxMetadataSize {
			return &DistributionError{Reason: fmt.Sprintf("%s is %d bytes; the limit is %d", want, hdr.Size, MaxMetadataSize)}
		}
		meta, err = io.ReadAll(io.LimitReader(tr, MaxMetadataSize+1))
		if err != nil {
			return &DistributionError{Reason: "reading " + want, Err: err}
		}
	}
	// Drain the rest of the gzip stream (checks the trailer CRC) and of
	// the file (feeds the hashes).
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return &DistributionError{Reason: "corrupt or truncated gzip stream", Err: err}
	}
	if _, err := io.Copy(io.Discard, raw); err != nil {
		return err
	}
	if !found {
		return &DistributionError{Reason: fmt.Sprintf("missing %s (core metadata of an sdist)", want)}
	}
	d.MetadataFile = want
	if err := d.setMetadata(meta, name, version); err != nil {
		return err
	}
	if h.n != st.Size() {
		return fmt.Errorf("file size changed while reading (%d then %d bytes)", st.Size(), h.n)
	}
	h.fill(d)
	return nil
}

// normMember is the path a member is written to: cleaned, without "./".
func normMember(name string) string {
	dir := strings.HasSuffix(name, "/")
	n := strings.TrimPrefix(path.Clean("/"+name), "/")
	if dir && n != "" {
		n += "/"
	}
	return n
}
