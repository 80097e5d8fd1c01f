package preflight

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
	"github.com/tagship/tagship/internal/pep"
)

// ErrNoVersion means a manifest has no version at all: no
// [project].version, no [tool.poetry].version, an empty VERSION file.
var ErrNoVersion = errors.New("preflight: manifest has no version")

// ErrDynamicVersion means the manifest's version is computed at build time
// (PEP 621 dynamic = ["version"], e.g. setuptools-scm or hatch-vcs, or
// poetry-dynamic-versioning), so it cannot be checked against a tag, nor
// bumped, by editing the manifest.
var ErrDynamicVersion = errors.New("preflight: manifest version is dynamic (computed at build time)")

// ErrManifest is the condition behind a [*ManifestError] that is not one of
// the more specific conditions: unreadable TOML, a version that is not a
// simple string, a malformed VERSION file.
var ErrManifest = errors.New("preflight: malformed manifest")

// ManifestError reports a manifest whose version cannot be read or written.
// It unwraps to [ErrNoVersion], [ErrDynamicVersion], [ErrManifest], or the
// underlying I/O or TOML error.
type ManifestError struct {
	Path   string // the manifest, e.g. "pyproject.toml"
	Reason string // what is wrong and how to fix it
	Err    error
}

func (e *ManifestError) Error() string {
	return fmt.Sprintf("preflight: %s: %s", e.Path, e.Reason)
}

// Unwrap returns the condition or underlying error.
func (e *ManifestError) Unwrap() error { return e.Err }

// Keys naming where a pyproject.toml keeps its version.
const (
	KeyProjectVersion = "[project].version"     // PEP 621
	KeyPoetryVersion  = "[tool.poetry].version" // Poetry before 2.0, or with [project] dynamic = ["version"]
)

// dynamicReason explains ErrDynamicVersion; %s is the key that made it dynamic.
const dynamicReason = "%s, so the version is computed at build time (setuptools-scm, hatch-vcs, poetry-dynamic-versioning, …) " +
	"and cannot be compared with the tag nor bumped before the build; " +
	"give [project] a static version = \"X.Y.Z\" and remove \"version\" from dynamic (or disable the plugin), " +
	"or pass a VersionSource that computes the version the way your build backend does"

// PyprojectVersion returns the version declared in the pyproject.toml at
// path: [project].version (PEP 621) when present, else
// [tool.poetry].version. The value is returned as written; compare it with
// [NormalizePEP440].
//
// Errors are [*ManifestError]s: a missing file (wrapping [fs.ErrNotExist]),
// invalid TOML, a version that is not a string, no version at all
// ([ErrNoVersion]), or a dynamic version ([ErrDynamicVersion]: PEP 621
// dynamic = ["version"] without a Poetry version, or
// [tool.poetry-dynamic-versioning] enable = true).
func PyprojectVersion(path string) (string, error) {
	src, err := readManifest(path)
	if err != nil {
		return "", err
	}
	v, _, err := pyprojectVersion(path, src)
	return v, err
}

// readManifest reads the manifest at path; the error is a
// [*ManifestError] wrapping the I/O error.
func readManifest(path string) ([]byte, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, &ManifestError{Path: path, Reason: "cannot read the manifest: " + err.Error(), Err: err}
	}
	return src, nil
}

// pyprojectVersion reads the version of a pyproject.toml document and says
// which key held it.
func pyprojectVersion(path string, src []byte) (version, key string, err error) {
	fail := func(sentinel error, format string, args ...any) (string, string, error) {
		return "", "", &ManifestError{Path: path, Reason: fmt.Sprintf(format, args...), Err: sentinel}
	}
	doc, err := parsePyproject(path, src)
	if err != nil {
		return "", "", err
	}

	project, err := subTable(doc, "project")
	if err != nil {
		return fail(ErrManifest, "%v", err)
	}
	dynamic := false
	if d, ok := project["dynamic"]; ok {
		list, ok := d.([]any)
		if !ok {
			return fail(ErrManifest, "[project].dynamic is a TOML %s, not an array of strings", tomlType(d))
		}
		dynamic = slices.Contains(list, any("version"))
	}
	if pv, ok := project["version"]; ok {
		if dynamic {
			return fail(ErrManifest, "[project].version is set and [project].dynamic also lists \"version\" (PEP 621 forbids both); remove one of them")
		}
		s, ok := pv.(string)
		if !ok {
			return fail(ErrManifest, "%s is a TOML %s, not a string; write version = \"X.Y.Z\"", KeyProjectVersion, tomlType(pv))
		}
		return s, KeyProjectVersion, nil
	}

	tool, poetry, err := poetryTable(doc)
	if err != nil {
		return fail(ErrManifest, "%v", err)
	}
	if pv, ok := poetry["version"]; ok {
		plugin, _ := tool["poetry-dynamic-versioning"].(map[string]any)
		if enabled, _ := plugin["enable"].(bool); enabled {
			return fail(ErrDynamicVersion, dynamicReason, "[tool.poetry-dynamic-versioning] has enable = true")
		}
		s, ok := pv.(string)
		if !ok {
			return fail(ErrManifest, "%s is a TOML %s, not a string; write version = \"X.Y.Z\"", KeyPoetryVersion, tomlType(pv))
		}
		return s, KeyPoetryVersion, nil
	}
	if dynamic {
		return fail(ErrDynamicVersion, dynamicReason, "[project].dynamic lists \"version\"")
	}
	return fail(ErrNoVersion, "no version: neither %s nor %s is set; add version = \"X.Y.Z\" to the [project] table", KeyProjectVersion, KeyPoetryVersion)
}

// parsePyproject decodes a pyproject.toml document; errors are
// [*ManifestError]s matching [ErrManifest].
func parsePyproject(path string, src []byte) (map[string]any, error) {
	if bytes.HasPrefix(src, utf8BOM) {
		return nil, &ManifestError{Path: path, Err: ErrManifest,
			Reason: "the file starts with a UTF-8 byte order mark, which TOML parsers (pip's tomllib included) refuse; save it as UTF-8 without BOM"}
	}
	var doc map[string]any
	if err := toml.Unmarshal(src, &doc); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return nil, &ManifestError{Path: path, Err: errors.Join(ErrManifest, err), Reason: fmt.Sprintf("invalid TOML at line %d, column %d: %s", row, col, de.Error())}
		}
		return nil, &ManifestError{Path: path, Err: errors.Join(ErrManifest, err), Reason: fmt.Sprintf("invalid TOML: %v", err)}
	}
	return doc, nil
}

// PyprojectName returns the project name declared in the pyproject.toml at
// path: [project].name (PEP 621) when set, else [tool.poetry].name, as
// written (compare names after PEP 503 normalisation). It is "" with no
// error when the manifest names no project. Errors are [*ManifestError]s:
// a missing file (wrapping [fs.ErrNotExist]), invalid TOML or a name that
// is not a string ([ErrManifest]).
func PyprojectName(path string) (string, error) {
	src, err := readManifest(path)
	if err != nil {
		return "", err
	}
	return pyprojectName(path, src)
}

func pyprojectName(path string, src []byte) (string, error) {
	doc, err := parsePyproject(path, src)
	if err != nil {
		return "", err
	}
	name := func(table map[string]any, key string) (string, error) {
		v, ok := table["name"]
		if !ok {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", &ManifestError{Path: path, Err: ErrManifest, Reason: fmt.Sprintf("%s is a TOML %s, not a string; write name = \"your-project\"", key, tomlType(v))}
		}
		return s, nil
	}
	project, err := subTable(doc, "project")
	if err != nil {
		return "", &ManifestError{Path: path, Err: ErrManifest, Reason: err.Error()}
	}
	if n, err := name(project, "[project].name"); err != nil || n != "" {
		return n, err
	}
	_, poetry, err := poetryTable(doc)
	if err != nil {
		return "", &ManifestError{Path: path, Err: ErrManifest, Reason: err.Error()}
	}
	return name(poetry, "[tool.poetry].name")
}

// poetryTable returns doc's [tool] and [tool.poetry] tables (nil when
// absent); the error says which of them is not a table.
func poetryTable(doc map[string]any) (tool, poetry map[string]any, err error) {
	if tool, err = subTable(doc, "tool"); err != nil {
		return nil, nil, err
	}
	if poetry, err = subTable(tool, "poetry"); err != nil {
		return nil, nil, errors.New("[tool." + strings.TrimPrefix(err.Error(), "["))
	}
	return tool, poetry, nil
}

// subTable returns doc[name] as a table; nil (not an error) when absent.
func subTable(doc map[string]any, name string) (map[string]any, error) {
	v, ok := doc[name]
	if !ok {
		return nil, nil
	}
	t, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("[%s] is a TOML %s, not a table", name, tomlType(v))
	}
	return t, nil
}

func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64:
		return "integer"
	case float64:
		return "float"
	case []any:
		return "array"
	case map[string]any:
		return "table"
	default:
		return "date/time"
	}
}

// SetPyprojectVersion returns src, a pyproject.toml document, with its
// version set to version, and every other byte unchanged: comments, key
// order, whitespace, line endings (CRLF stays CRLF) and the quoting style of
// the value (a 'literal' string stays literal). It is the format-preserving
// edit a release preparation needs; a TOML re-encode would rewrite the file.
//
// The key edited is the one [PyprojectVersion] reads: [project].version, or
// [tool.poetry].version when [project] has none. When both are present, both
// are set, so Poetry and PEP 621 tools agree. The key is found with a real
// TOML parser, so a "[project]" inside a multi-line string or array is never
// mistaken for a table header; dotted keys (project.version = …) and inline
// tables are handled.
//
// It refuses, with a [*ManifestError], a dynamic version
// ([ErrDynamicVersion]), a missing key ([ErrNoVersion]), and a value that is
// not a single-line string literal, e.g. a multi-line string or a number
// ([ErrManifest]). version must be a valid PEP 440 version without
// surrounding whitespace ([*VersionError] otherwise). The result is verified
// by parsing it again and reading the new version back.
func SetPyprojectVersion(src []byte, version string) ([]byte, error) {
	const path = "pyproject.toml"
	if _, err := ParsePEP440(version); err != nil {
		return nil, err
	}
	if strings.Trim(version, pep.Whitespace) != version {
		return nil, &VersionError{Version: version, Reason: "it has surrounding whitespace"}
	}
	_, key, err := pyprojectVersion(path, src)
	if err != nil {
		return nil, err
	}
	locs, err := locateVersions(src)
	if err != nil {
		return nil, &ManifestError{Path: path, Reason: "cannot locate the version: " + err.Error(), Err: errors.Join(ErrManifest, err)}
	}
	targets := []string{key}
	if key == KeyProjectVersion {
		if _, ok := locs[KeyPoetryVersion]; ok {
			targets = append(targets, KeyPoetryVersion)
		}
	}
	var edits []valueLoc
	for _, k := range targets {
		loc, ok := locs[k]
		if !ok {
			// The semantic parse saw the key; the syntactic walk must too.
			return nil, &ManifestError{Path: path, Reason: "cannot locate " + k + " in the document", Err: ErrManifest}
		}
		if loc.kind != unstable.String {
			return nil, &ManifestError{Path: path, Reason: fmt.Sprintf("%s (line %d) is a TOML %s, not a string literal; write version = \"X.Y.Z\"", k, loc.line, strings.ToLower(loc.kind.String())), Err: ErrManifest}
		}
		if loc.multiline {
			return nil, &ManifestError{Path: path, Reason: fmt.Sprintf("%s (line %d) is a multi-line string; write it as a single-line string version = \"X.Y.Z\"", k, loc.line), Err: ErrManifest}
		}
		edits = append(edits, loc)
	}
	slices.SortFunc(edits, func(a, b valueLoc) int { return int(a.start) - int(b.start) })

	var out bytes.Buffer
	out.Grow(len(src) + len(edits)*len(version))
	last := 0
	for _, e := range edits {
		q := src[e.start] // '"' or '\'': keep the quoting style
		out.Write(src[last:e.start])
		out.WriteByte(q)
		out.WriteString(version)
		out.WriteByte(q)
		last = e.end
	}
	out.Write(src[last:])
	res := out.Bytes()

	got, _, err := pyprojectVersion(path, res)
	if err != nil {
		return nil, fmt.Errorf("preflight: internal error: the edited pyproject.toml does not parse (please report): %w", err)
	}
	if got != version {
		return nil, fmt.Errorf("preflight: internal error: the edited pyproject.toml reads back version %q, not %q (please report)", got, version)
	}
	return res, nil
}

// valueLoc is where a version value sits in a document.
type valueLoc struct {
	kind       unstable.Kind
	start, end int // byte offsets of the raw value, quotes included
	line       int // 1-based
	multiline  bool
}

// locateVersions walks the TOML expressions of src and returns where the
// values of [project].version and [tool.poetry].version are, keyed by
// KeyProjectVersion and KeyPoetryVersion.
func locateVersions(src []byte) (map[string]valueLoc, error) {
	locs := map[string]valueLoc{}
	var p unstable.Parser
	p.Reset(src)
	var table []string
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table:
			table = keyParts(e)
		case unstable.ArrayTable:
			// Keys inside [[x]] belong to an array element: never a
			// version we look for.
			table = append(keyParts(e), "[]")
		case unstable.KeyValue:
			visitKeyValue(src, table, e, locs)
		}
	}
	if err := p.Error(); err != nil {
		return nil, err
	}
	return locs, nil
}

func keyParts(n *unstable.Node) []string {
	var parts []string
	it := n.Key()
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return parts
}

func visitKeyValue(src []byte, prefix []string, kv *unstable.Node, locs map[string]valueLoc) {
	full := append(slices.Clone(prefix), keyParts(kv)...)
	v := kv.Value()
	if v.Kind == unstable.InlineTable {
		it := v.Children()
		for it.Next() {
			if c := it.Node(); c.Kind == unstable.KeyValue {
				visitKeyValue(src, full, c, locs)
			}
		}
		return
	}
	var key string
	switch {
	case slices.Equal(full, []string{"project", "version"}):
		key = KeyProjectVersion
	case slices.Equal(full, []string{"tool", "poetry", "version"}):
		key = KeyPoetryVersion
	default:
		return
	}
	start := int(v.Raw.Offset)
	end := start + int(v.Raw.Length)
	raw := src[start:end]
	locs[key] = valueLoc{
		kind:      v.Kind,
		start:     start,
		end:       end,
		line:      1 + bytes.Count(src[:start], []byte("\n")),
		multiline: bytes.HasPrefix(raw, []byte(`"""`)) || bytes.HasPrefix(raw, []byte(`'''`)),
	}
}
