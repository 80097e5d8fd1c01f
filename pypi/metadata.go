package pypi

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxMetadataSize bounds the core-metadata file (METADATA or PKG-INFO)
// read from a distribution: 1 MiB. Larger files are rejected rather than
// read.
const MaxMetadataSize = 1 << 20

// Field is one raw core-metadata header, as written (the name keeps its
// case; a multi-line value has its continuation lines joined by "\n").
type Field struct {
	Name, Value string
}

// Metadata is a parsed core-metadata file (Metadata-Version 1.0 to 2.4):
// the single-value fields as strings ("" when absent) and the multi-value
// fields as slices in file order.
type Metadata struct {
	MetadataVersion        string
	Name                   string
	Version                string
	Summary                string
	Description            string // the Description header, or the body after the headers (2.1+)
	DescriptionContentType string
	Keywords               string
	HomePage               string
	DownloadURL            string
	Author                 string
	AuthorEmail            string
	Maintainer             string
	MaintainerEmail        string
	License                string
	LicenseExpression      string
	RequiresPython         string

	Platforms          []string
	SupportedPlatforms []string
	Classifiers        []string
	RequiresDist       []string
	ProvidesDist       []string
	ObsoletesDist      []string
	RequiresExternal   []string
	ProjectURLs        []string // "Label, URL"
	ProvidesExtra      []string
	Dynamic            []string
	LicenseFiles       []string
	Requires           []string // Metadata 1.1
	Provides           []string // Metadata 1.1
	Obsoletes          []string // Metadata 1.1

	// Fields holds every header in file order, including unknown ones.
	Fields []Field
}

// supportedMetadataVersions are the core-metadata versions this package
// understands.
var supportedMetadataVersions = map[string]bool{
	"1.0": true, "1.1": true, "1.2": true, "2.0": true,
	"2.1": true, "2.2": true, "2.3": true, "2.4": true,
}

// ParseMetadata parses a core-metadata file (the METADATA of a wheel or the
// PKG-INFO of an sdist): RFC 822-style headers with continuation lines,
// then an optional blank line and description body. It requires
// Metadata-Version (1.0–2.4), Name and Version, valid UTF-8 and at most
// [MaxMetadataSize] bytes. Errors wrap [ErrInvalidMetadata].
func ParseMetadata(data []byte) (*Metadata, error) {
	if len(data) > MaxMetadataSize {
		return nil, metaErr(0, "metadata is %d bytes; the limit is %d", len(data), MaxMetadataSize)
	}
	if !utf8.Valid(data) {
		return nil, metaErr(0, "metadata is not valid UTF-8")
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, metaErr(0, "metadata contains a NUL byte")
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.TrimPrefix(text, "\ufeff")
	lines := strings.Split(text, "\n")

	m := &Metadata{}
	var body string
	hasBody := false
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			// End of headers: the rest is the body.
			rest := strings.Join(lines[i+1:], "\n")
			if strings.TrimSpace(rest) != "" {
				body, hasBody = rest, true
			}
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			return nil, metaErr(i+1, "continuation line without a header before it")
		}
		colon := strings.IndexByte(line, ':')
		if colon <= 0 {
			return nil, metaErr(i+1, "expected a \"Name: value\" header, found %q", clip(line))
		}
		name := line[:colon]
		for _, r := range name {
			if r <= ' ' || r > '~' {
				return nil, metaErr(i+1, "header name %q contains an invalid character", clip(name))
			}
		}
		value := strings.TrimLeft(line[colon+1:], " \t")
		isDesc := strings.EqualFold(name, "Description")
		var cont []string
		for i+1 < len(lines) && lines[i+1] != "" && (lines[i+1][0] == ' ' || lines[i+1][0] == '\t') {
			i++
			c := lines[i]
			if isDesc {
				c = unindentDescription(c)
			} else {
				c = strings.TrimSpace(c)
			}
			cont = append(cont, c)
		}
		if len(cont) > 0 {
			if isDesc {
				value = value + "\n" + strings.Join(cont, "\n")
			} else {
				value = strings.TrimSpace(value + " " + strings.Join(cont, " "))
			}
		}
		if !isDesc {
			value = strings.TrimRight(value, " \t")
		}
		if singleUse(name) {
			for _, f := range m.Fields {
				if strings.EqualFold(f.Name, name) {
					return nil, metaErr(i+1, "header %s appears more than once (installers read the first, other tools the last): keep one", name)
				}
			}
		}
		m.Fields = append(m.Fields, Field{Name: name, Value: value})
		m.set(name, value)
	}
	if hasBody {
		// Metadata 2.1+ puts the description in the body; a body wins over
		// a Description header, as in packaging.
		m.Description = body
	}
	switch {
	case m.MetadataVersion == "":
		return nil, metaErr(0, "missing Metadata-Version header")
	case !supportedMetadataVersions[m.MetadataVersion]:
		return nil, metaErr(0, "unsupported Metadata-Version %q (supported: 1.0, 1.1, 1.2, 2.0–2.4)", clip(m.MetadataVersion))
	case m.Name == "":
		return nil, metaErr(0, "missing Name header")
	case !validName(m.Name):
		return nil, metaErr(0, "Name %q is not a valid project name (letters, digits, '.', '_', '-'; starting and ending with a letter or digit)", clip(m.Name))
	case m.Version == "":
		return nil, metaErr(0, "missing Version header")
	}
	if _, err := NormalizeVersion(m.Version); err != nil {
		return nil, metaErr(0, "Version: %v", err)
	}
	return m, nil
}

// unindentDescription removes the indentation that distutils/setuptools add
// to continuation lines of a Description header: 8 spaces, or 7 spaces and
// "|", or a single tab.
func unindentDescription(s string) string {
	switch {
	case strings.HasPrefix(s, "       |"):
		return s[8:]
	case strings.HasPrefix(s, "        "):
		return s[8:]
	case strings.HasPrefix(s, "\t"):
		return s[1:]
	}
	return strings.TrimLeft(s, " ")
}

func (m *Metadata) set(name, value string) {
	switch strings.ToLower(name) {
	case "metadata-version":
		m.MetadataVersion = value
	case "name":
		m.Name = value
	case "version":
		m.Version = value
	case "summary":
		m.Summary = value
	case "description":
		m.Description = value
	case "description-content-type":
		m.DescriptionContentType = value
	case "keywords":
		m.Keywords = value
	case "home-page":
		m.HomePage = value
	case "download-url":
		m.DownloadURL = value
	case "author":
		m.Author = value
	case "author-email":
		m.AuthorEmail = value
	case "maintainer":
		m.Maintainer = value
	case "maintainer-email":
		m.MaintainerEmail = value
	case "license":
		m.License = value
	case "license-expression":
		m.LicenseExpression = value
	case "requires-python":
		m.RequiresPython = value
	case "platform":
		m.Platforms = append(m.Platforms, value)
	case "supported-platform":
		m.SupportedPlatforms = append(m.SupportedPlatforms, value)
	case "classifier":
		m.Classifiers = append(m.Classifiers, value)
	case "requires-dist":
		m.RequiresDist = append(m.RequiresDist, value)
	case "provides-dist":
		m.ProvidesDist = append(m.ProvidesDist, value)
	case "obsoletes-dist":
		m.ObsoletesDist = append(m.ObsoletesDist, value)
	case "requires-external":
		m.RequiresExternal = append(m.RequiresExternal, value)
	case "project-url":
		m.ProjectURLs = append(m.ProjectURLs, value)
	case "provides-extra":
		m.ProvidesExtra = append(m.ProvidesExtra, value)
	case "dynamic":
		m.Dynamic = append(m.Dynamic, value)
	case "license-file":
		m.LicenseFiles = append(m.LicenseFiles, value)
	case "requires":
		m.Requires = append(m.Requires, value)
	case "provides":
		m.Provides = append(m.Provides, value)
	case "obsoletes":
		m.Obsoletes = append(m.Obsoletes, value)
	}
}

func metaErr(line int, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if line > 0 {
		return fmt.Errorf("%w: line %d: %s", ErrInvalidMetadata, line, msg)
	}
	return fmt.Errorf("%w: %s", ErrInvalidMetadata, msg)
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// singleUse reports whether a core metadata header may appear at most
// once (core metadata 2.4: every field not marked "multiple use").
func singleUse(name string) bool {
	switch strings.ToLower(name) {
	case "metadata-version", "name", "version", "summary", "description", "description-content-type",
		"home-page", "download-url", "author", "author-email", "maintainer", "maintainer-email",
		"license", "license-expression", "keywords", "requires-python":
		return true
	}
	return false
}
