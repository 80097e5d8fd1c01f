package oci

import (
	"errors"
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// DefaultPlatforms returns the platforms [Assemble] expects when
// [WithPlatforms] is not given: linux/amd64 and linux/arm64.
func DefaultPlatforms() []string { return []string{"linux/amd64", "linux/arm64"} }

// Platform conditions reported by [*PlatformError]; test with errors.Is.
var (
	// ErrPlatformMissing: an expected platform has no image.
	ErrPlatformMissing = errors.New("oci: expected platform has no image")
	// ErrPlatformDuplicate: two sources were filed under the same platform.
	ErrPlatformDuplicate = errors.New("oci: platform given more than once")
	// ErrPlatformMismatch: an image's config says it is another platform
	// than the one it was filed under.
	ErrPlatformMismatch = errors.New("oci: image config does not match its platform")
	// ErrPlatformUnexpected: a source is filed under a platform that is not
	// in the expected set.
	ErrPlatformUnexpected = errors.New("oci: platform not in the expected set")
	// ErrPlatformInvalid: a platform string is not os/arch[/variant].
	ErrPlatformInvalid = errors.New("oci: invalid platform")
)

// PlatformError reports a problem with one platform of an index.
type PlatformError struct {
	// Platform is the platform concerned, as "os/arch[/variant]".
	Platform string
	// Found is what was found instead (the image config's platform for
	// ErrPlatformMismatch, the offending input for ErrPlatformInvalid).
	Found string
	// Source describes the source (path or reference), when known.
	Source string
	// Err is one of the ErrPlatform… sentinels.
	Err error
}

func (e *PlatformError) Error() string {
	src := ""
	if e.Source != "" {
		src = " (source " + e.Source + ")"
	}
	switch {
	case errors.Is(e.Err, ErrPlatformMissing):
		return fmt.Sprintf("oci: platform %s is expected but no source provides it; add a source for it or drop it with WithPlatforms", e.Platform)
	case errors.Is(e.Err, ErrPlatformDuplicate):
		return fmt.Sprintf("oci: platform %s is given more than once%s; give exactly one source per platform", e.Platform, src)
	case errors.Is(e.Err, ErrPlatformMismatch):
		return fmt.Sprintf("oci: image filed under %s has config platform %s%s; file it under its real platform or rebuild it for %s", e.Platform, e.Found, src, e.Platform)
	case errors.Is(e.Err, ErrPlatformUnexpected):
		return fmt.Sprintf("oci: platform %s is not in the expected set%s; add it with WithPlatforms or remove the source", e.Platform, src)
	case errors.Is(e.Err, ErrPlatformInvalid):
		return fmt.Sprintf("oci: invalid platform %q%s: expected os/arch or os/arch/variant, e.g. linux/arm64 or linux/arm/v7", e.Found, src)
	}
	return fmt.Sprintf("oci: platform %s: %v%s", e.Platform, e.Err, src)
}

func (e *PlatformError) Unwrap() error { return e.Err }

// ParsePlatform parses "os/arch[/variant]" into a v1.Platform. The
// variant of arm64 is normalised: "linux/arm64/v8" and "linux/arm64" are
// the same platform (the form without variant is returned).
func ParsePlatform(s string) (v1.Platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return v1.Platform{}, &PlatformError{Found: s, Err: ErrPlatformInvalid}
	}
	for _, p := range parts {
		if p == "" || strings.TrimSpace(p) != p || strings.ContainsAny(p, " \t:@") {
			return v1.Platform{}, &PlatformError{Found: s, Err: ErrPlatformInvalid}
		}
	}
	p := v1.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return normalise(p), nil
}

// normalise applies the containerd conventions that matter for equality:
// arm64's default variant v8 is dropped.
func normalise(p v1.Platform) v1.Platform {
	out := v1.Platform{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant}
	if out.Architecture == "arm64" && out.Variant == "v8" {
		out.Variant = ""
	}
	return out
}

// platformString formats p as "os/arch[/variant]".
func platformString(p v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

func samePlatform(a, b v1.Platform) bool {
	a, b = normalise(a), normalise(b)
	return a.OS == b.OS && a.Architecture == b.Architecture && a.Variant == b.Variant
}

// isAttestation reports whether a manifest descriptor is a BuildKit
// attestation manifest (unknown/unknown with vnd.docker.reference.type).
func isAttestation(d v1.Descriptor) bool {
	if d.Annotations[annotationReferenceType] == "" {
		return false
	}
	return d.Platform == nil || (d.Platform.OS == "unknown" && d.Platform.Architecture == "unknown")
}

const (
	annotationReferenceType   = "vnd.docker.reference.type"
	annotationReferenceDigest = "vnd.docker.reference.digest"
)
