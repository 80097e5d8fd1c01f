package preflight

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"

	"github.com/tagship/tagship/internal/pep"
)

// A VersionSource reads the version a project declares for itself: a
// manifest such as pyproject.toml, Cargo.toml or package.json, or a plain
// VERSION file. [Check] compares every configured source with the tag.
//
// Implementations return the version as written; Check normalises it
// (PEP 440) before comparing. Errors should say what was expected and how to
// fix it; wrap [ErrNoVersion] or [ErrDynamicVersion] when they apply.
type VersionSource interface {
	// Name identifies the source in reports, e.g. "pyproject.toml".
	Name() string
	// Version reads the declared version.
	Version(ctx context.Context) (string, error)
}

// A FileSource is a VersionSource backed by one file whose version can be
// rewritten in place. Release preparation uses it to bump the version with
// a minimal edit and to show the diff before writing.
type FileSource interface {
	VersionSource
	// Path is the file read by Version.
	Path() string
	// SetVersion returns src (the file's content) with the version set to
	// version and every other byte unchanged.
	SetVersion(src []byte, version string) ([]byte, error)
}

// Pyproject is the VersionSource for a pyproject.toml file: see
// [PyprojectVersion] and [SetPyprojectVersion].
func Pyproject(path string) FileSource { return pyprojectSource{path: path} }

type pyprojectSource struct{ path string }

func (s pyprojectSource) Name() string { return s.path }
func (s pyprojectSource) Path() string { return s.path }

func (s pyprojectSource) Version(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return PyprojectVersion(s.path)
}

func (s pyprojectSource) SetVersion(src []byte, version string) ([]byte, error) {
	out, err := SetPyprojectVersion(src, version)
	var me *ManifestError
	if errors.As(err, &me) {
		c := *me
		c.Path = s.path
		return nil, &c
	}
	return out, err
}

// VersionFile is the VersionSource for a plain text file holding only the
// version, e.g. VERSION: one line, surrounding whitespace and a UTF-8 byte
// order mark ignored. An empty file is [ErrNoVersion]; more than one
// non-blank line is [ErrManifest].
func VersionFile(path string) FileSource { return versionFileSource{path: path} }

type versionFileSource struct{ path string }

func (s versionFileSource) Name() string { return s.path }
func (s versionFileSource) Path() string { return s.path }

func (s versionFileSource) Version(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	src, err := os.ReadFile(s.path)
	if err != nil {
		return "", &ManifestError{Path: s.path, Reason: "cannot read the version file: " + err.Error(), Err: err}
	}
	_, v, _, err := splitVersionFile(s.path, src)
	return v, err
}

func (s versionFileSource) SetVersion(src []byte, version string) ([]byte, error) {
	return setVersionFile(s.path, src, version)
}

// SetVersionFile returns src, the content of a plain VERSION file, with its
// version replaced by version; the byte order mark, surrounding whitespace
// and line ending are kept. version must be a valid PEP 440 version without
// whitespace.
func SetVersionFile(src []byte, version string) ([]byte, error) {
	return setVersionFile("VERSION", src, version)
}

func setVersionFile(path string, src []byte, version string) ([]byte, error) {
	if _, err := ParsePEP440(version); err != nil {
		return nil, err
	}
	if strings.Trim(version, pep.Whitespace) != version {
		return nil, &VersionError{Version: version, Reason: "it has surrounding whitespace"}
	}
	before, _, after, err := splitVersionFile(path, src)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(before)+len(version)+len(after))
	out = append(append(append(out, before...), version...), after...)
	return out, nil
}

// utf8BOM is the UTF-8 byte order mark some editors write.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// splitVersionFile splits a VERSION file into the bytes before the version,
// the version, and the bytes after it.
func splitVersionFile(path string, src []byte) (before []byte, version string, after []byte, err error) {
	body := bytes.TrimPrefix(src, utf8BOM)
	lead := len(src) - len(body) + len(body) - len(bytes.TrimLeft(body, pep.Whitespace))
	trimmed := bytes.Trim(body, pep.Whitespace)
	if len(trimmed) == 0 {
		return nil, "", nil, &ManifestError{Path: path, Reason: "the version file is empty; write the version, e.g. 1.2.3, on its only line", Err: ErrNoVersion}
	}
	if bytes.ContainsAny(trimmed, "\r\n") {
		return nil, "", nil, &ManifestError{Path: path, Reason: "the version file has more than one non-blank line; it must hold only the version, on one line", Err: ErrManifest}
	}
	return src[:lead], string(trimmed), src[lead+len(trimmed):], nil
}
