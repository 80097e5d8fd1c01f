package oci

import (
	"archive/tar"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// LayerSpec describes a reproducible tar layer built from local files.
//
// Entries are written sorted by path, with every modification time set to
// the layer time (see [WithLayerTime], default the Unix epoch), uid/gid 0,
// no user or group names, and normalised modes: directories 0755, files
// 0755 when any execute bit is set and 0644 otherwise, symlinks 0777.
// Set-id and sticky bits, owners, xattrs and access times never leak into
// the layer. Hard links are stored as regular files; devices, sockets and
// FIFOs are refused.
type LayerSpec struct {
	// Dir is a local directory whose contents are placed under Prefix.
	Dir string
	// Prefix is the absolute directory in the image where Dir lands
	// (default "/").
	Prefix string
	// Files maps an absolute path in the image to a local file, e.g.
	// {"/usr/local/bin/app": "dist/app-linux-arm64"}. The local file's
	// execute bit decides the mode as for Dir.
	Files map[string]string
}

func (s LayerSpec) empty() bool { return s.Dir == "" && len(s.Files) == 0 }

type layerEntry struct {
	name   string // in-archive path, no leading slash; dirs end without slash
	local  string // local path ("" for synthesised directories)
	typ    byte
	mode   int64
	link   string
	size   int64
	origin string // for error messages
}

// fileLayer is a v1.Layer backed by a compressed temp file whose digests
// were computed while it was written.
type fileLayer struct {
	path      string
	digest    v1.Hash
	diffID    v1.Hash
	size      int64
	mediaType types.MediaType
}

func (l *fileLayer) Digest() (v1.Hash, error)            { return l.digest, nil }
func (l *fileLayer) DiffID() (v1.Hash, error)            { return l.diffID, nil }
func (l *fileLayer) Size() (int64, error)                { return l.size, nil }
func (l *fileLayer) MediaType() (types.MediaType, error) { return l.mediaType, nil }
func (l *fileLayer) Compressed() (io.ReadCloser, error)  { return os.Open(l.path) }
func (l *fileLayer) Uncompressed() (io.ReadCloser, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &readCloser{Reader: zr, close: func() error { zr.Close(); return f.Close() }}, nil
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r *readCloser) Close() error { return r.close() }

// BuildLayer writes the reproducible layer described by spec, gzip
// compressed, into a new file under tmpDir, hashing the uncompressed and
// compressed streams while writing; nothing is held in memory. The layer
// stays valid while the file exists.
func BuildLayer(spec LayerSpec, tmpDir string, mtime time.Time) (v1.Layer, error) {
	entries, err := collectEntries(spec)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(tmpDir, "layer-*.tar.gz")
	if err != nil {
		return nil, fmt.Errorf("oci: creating layer file: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	compressedHash := sha256.New()
	cw := &countWriter{w: io.MultiWriter(f, compressedHash)}
	zw, err := gzip.NewWriterLevel(cw, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	diffHash := sha256.New()
	tw := tar.NewWriter(io.MultiWriter(zw, diffHash))
	for _, e := range entries {
		if err := writeEntry(tw, e, mtime); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("oci: finishing layer tar: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("oci: finishing layer gzip: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("oci: writing layer file: %w", err)
	}
	ok = true
	return &fileLayer{
		path:      f.Name(),
		digest:    hashOf(compressedHash),
		diffID:    hashOf(diffHash),
		size:      cw.n,
		mediaType: types.OCILayer,
	}, nil
}

func hashOf(h hash.Hash) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: fmt.Sprintf("%x", h.Sum(nil))}
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func writeEntry(tw *tar.Writer, e layerEntry, mtime time.Time) error {
	hdr := &tar.Header{
		Typeflag: e.typ,
		Name:     e.name,
		Linkname: e.link,
		Mode:     e.mode,
		Size:     e.size,
		ModTime:  mtime,
		Format:   tar.FormatPAX,
	}
	if e.typ == tar.TypeDir {
		hdr.Name += "/"
	}
	if len(hdr.Name) < 100 && len(hdr.Linkname) < 100 {
		hdr.Format = tar.FormatUSTAR
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("oci: layer entry %s: %w", e.origin, err)
	}
	if e.typ != tar.TypeReg {
		return nil
	}
	f, err := os.Open(e.local)
	if err != nil {
		return fmt.Errorf("oci: layer entry: %w", err)
	}
	defer f.Close()
	n, err := io.Copy(tw, f)
	if err != nil {
		return fmt.Errorf("oci: copying %s into layer: %w", e.local, err)
	}
	if n != e.size {
		return fmt.Errorf("oci: %s changed size while building the layer (expected %d bytes, read %d); do not modify inputs during Assemble", e.local, e.size, n)
	}
	return nil
}

// cleanImagePath turns an absolute image path into an archive name.
func cleanImagePath(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("oci: image path %q must be absolute (start with /)", p)
	}
	c := path.Clean(p)
	return strings.TrimPrefix(c, "/"), nil
}

func collectEntries(spec LayerSpec) ([]layerEntry, error) {
	byName := map[string]layerEntry{}
	addParents := func(name string) {
		for d := path.Dir(name); d != "." && d != "/" && d != ""; d = path.Dir(d) {
			if _, ok := byName[d]; !ok {
				byName[d] = layerEntry{name: d, typ: tar.TypeDir, mode: 0o755, origin: "/" + d}
			}
		}
	}
	add := func(e layerEntry) error {
		if old, ok := byName[e.name]; ok && !(old.typ == tar.TypeDir && e.typ == tar.TypeDir) {
			return fmt.Errorf("oci: layer path /%s is given twice (%s and %s); give each image path once", e.name, old.origin, e.origin)
		}
		byName[e.name] = e
		addParents(e.name)
		return nil
	}
	if spec.Dir != "" {
		prefix := spec.Prefix
		if prefix == "" {
			prefix = "/"
		}
		base, err := cleanImagePath(prefix)
		if err != nil {
			return nil, err
		}
		if base != "" {
			if err := add(layerEntry{name: base, typ: tar.TypeDir, mode: 0o755, origin: spec.Dir}); err != nil {
				return nil, err
			}
		}
		err = filepath.WalkDir(spec.Dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("oci: reading layer directory: %w", err)
			}
			rel, err := filepath.Rel(spec.Dir, p)
			if err != nil {
				return err
			}
			if rel == "." {
				if !d.IsDir() {
					return fmt.Errorf("oci: layer Dir %s is not a directory", spec.Dir)
				}
				return nil
			}
			name := path.Join(base, filepath.ToSlash(rel))
			e, err := entryFor(p, name)
			if err != nil {
				return err
			}
			return add(e)
		})
		if err != nil {
			return nil, err
		}
	}
	for imgPath, local := range spec.Files {
		name, err := cleanImagePath(imgPath)
		if err != nil {
			return nil, err
		}
		if name == "" {
			return nil, fmt.Errorf("oci: layer file %s cannot be placed at /", local)
		}
		e, err := entryFor(local, name)
		if err != nil {
			return nil, err
		}
		if e.typ == tar.TypeDir {
			return nil, fmt.Errorf("oci: layer file %s is a directory; use LayerSpec.Dir for directories", local)
		}
		if err := add(e); err != nil {
			return nil, err
		}
	}
	out := make([]layerEntry, 0, len(byName))
	for _, e := range byName {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

func entryFor(local, name string) (layerEntry, error) {
	fi, err := os.Lstat(local)
	if err != nil {
		return layerEntry{}, fmt.Errorf("oci: layer input: %w", err)
	}
	e := layerEntry{name: name, local: local, origin: local}
	switch m := fi.Mode(); {
	case m.IsDir():
		e.typ, e.mode = tar.TypeDir, 0o755
	case m&fs.ModeSymlink != 0:
		target, err := os.Readlink(local)
		if err != nil {
			return layerEntry{}, fmt.Errorf("oci: layer input: %w", err)
		}
		e.typ, e.mode, e.link = tar.TypeSymlink, 0o777, filepath.ToSlash(target)
	case m.IsRegular():
		e.typ, e.size, e.mode = tar.TypeReg, fi.Size(), 0o644
		if m.Perm()&0o111 != 0 {
			e.mode = 0o755
		}
	default:
		return layerEntry{}, fmt.Errorf("oci: layer input %s has unsupported type %s: only regular files, directories and symlinks can go into a layer", local, m.Type())
	}
	return e, nil
}
