package pep

import (
	"fmt"
	"strings"
	"unicode"
)

// WheelFilename is a parsed PEP 427 wheel file name.
type WheelFilename struct {
	Name, Version, BuildTag, PythonTag, ABITag, PlatformTag string
}

// ParseWheelFilename splits a wheel file name
// "{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl" and checks
// each part. A refused name is an [*Error] of Kind "wheel file name" whose
// Reason cites PEP 427.
func ParseWheelFilename(filename string) (WheelFilename, error) {
	var w WheelFilename
	bad := func(reason string) (WheelFilename, error) {
		return w, &Error{Kind: "wheel file name", Input: filename, Reason: reason + " (PEP 427: {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl)"}
	}
	if !strings.HasSuffix(filename, ".whl") {
		return bad("a wheel file name must end in .whl")
	}
	parts := strings.Split(strings.TrimSuffix(filename, ".whl"), "-")
	switch len(parts) {
	case 5:
		w = WheelFilename{parts[0], parts[1], "", parts[2], parts[3], parts[4]}
	case 6:
		w = WheelFilename{parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]}
		if w.BuildTag == "" || w.BuildTag[0] < '0' || w.BuildTag[0] > '9' {
			return bad(fmt.Sprintf("build tag %q must start with a digit", w.BuildTag))
		}
	default:
		return bad(fmt.Sprintf("wheel file name has %d dash-separated parts, expected 5 or 6", len(parts)))
	}
	if !ValidName(w.Name) || strings.ContainsAny(w.Name, "-") {
		return bad(fmt.Sprintf("name part %q is not a valid escaped project name", w.Name))
	}
	if _, err := NormalizeVersion(w.Version); err != nil {
		return bad(fmt.Sprintf("version part %q is not a PEP 440 version", w.Version))
	}
	for _, t := range []string{w.BuildTag, w.PythonTag, w.ABITag, w.PlatformTag} {
		for _, r := range t {
			if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.')) {
				return bad(fmt.Sprintf("tag %q contains %q", t, r))
			}
		}
	}
	if w.PythonTag == "" || w.ABITag == "" || w.PlatformTag == "" {
		return bad("empty compatibility tag")
	}
	return w, nil
}

// ParseSdistFilename splits a PEP 625 sdist file name
// "{normalized_name}-{version}.tar.gz". The name part must already be
// normalised ([SdistName]). A refused name is an [*Error] of Kind
// "sdist file name" whose Reason cites PEP 625.
func ParseSdistFilename(filename string) (name, version string, err error) {
	bad := func(reason string) (string, string, error) {
		return "", "", &Error{Kind: "sdist file name", Input: filename, Reason: reason + " (PEP 625: {normalized_name}-{version}.tar.gz)"}
	}
	if !strings.HasSuffix(filename, ".tar.gz") {
		return bad("an sdist file name must end in .tar.gz")
	}
	stem := strings.TrimSuffix(filename, ".tar.gz")
	i := strings.LastIndexByte(stem, '-')
	if i <= 0 {
		return bad("missing '-' between name and version")
	}
	name, version = stem[:i], stem[i+1:]
	if !ValidName(name) || SdistName(name) != name {
		return bad(fmt.Sprintf("name part %q is not normalised; expected %q", name, SdistName(name)))
	}
	if _, err := NormalizeVersion(version); err != nil {
		return bad(fmt.Sprintf("version part %q is not a PEP 440 version", version))
	}
	return name, version, nil
}

// DistFileVersion reports, for the file name of a distribution on an
// index, whether it is a wheel or sdist of the project whose PEP 503 name
// is norm, and if so its version as written in the file name and its file
// type ("bdist_wheel" or "sdist"; legacy ".zip" sdists count). It does not
// require the sdist name part to be PEP 625 normalised, as indexes still
// serve older files. It returns ("", "") for anything else.
func DistFileVersion(norm, filename string) (version, filetype string) {
	lower := strings.ToLower(filename)
	switch {
	case strings.HasSuffix(lower, ".whl"):
		w, err := ParseWheelFilename(filename)
		if err != nil || NormalizeName(w.Name) != norm {
			return "", ""
		}
		return w.Version, "bdist_wheel"
	case strings.HasSuffix(lower, ".tar.gz"), strings.HasSuffix(lower, ".zip"):
		stem := filename[:len(filename)-len(".zip")]
		if strings.HasSuffix(lower, ".tar.gz") {
			stem = filename[:len(filename)-len(".tar.gz")]
		}
		i := strings.LastIndexByte(stem, '-')
		if i <= 0 || NormalizeName(stem[:i]) != norm {
			return "", ""
		}
		if _, err := NormalizeVersion(stem[i+1:]); err != nil {
			return "", ""
		}
		return stem[i+1:], "sdist"
	}
	return "", ""
}
