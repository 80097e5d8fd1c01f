package oci

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// pathComponent is the distribution spec's repository path component.
var pathComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$`)

// ErrRepository: an image repository is not a valid "REGISTRY/REPO" (no
// tag, no digest, no scheme).
var ErrRepository = errors.New("oci: invalid image repository")

// NormalizeRepository validates an image repository "REGISTRY/PATH" and
// returns its normal form: lowercase, as the distribution spec requires of
// repository paths (GitHub owner names are often mixed case:
// "ghcr.io/Metbcy/securescan" becomes "ghcr.io/metbcy/securescan", which
// is what docker, buildx and ghcr.io use). It refuses a tag or digest (the
// release picks the tag), a URL scheme, an empty path and a reference
// without a registry host, each with the form expected.
func NormalizeRepository(repo string) (string, error) {
	bad := func(found, hint string) error {
		return fmt.Errorf("%w: expected REGISTRY/REPO such as \"ghcr.io/octo-org/octo-repo\", found %q: %s", ErrRepository, found, hint)
	}
	r := strings.TrimSpace(repo)
	switch {
	case r == "":
		return "", bad(repo, "set the image repository, or leave the image out")
	case strings.Contains(r, "://"):
		return "", bad(repo, "drop the scheme: a repository is HOST/PATH")
	case strings.Contains(r, "@"):
		return "", bad(repo, "drop the digest: the release pushes and signs its own")
	}
	host, path, ok := strings.Cut(r, "/")
	if !ok || path == "" || !(strings.ContainsAny(host, ".:") || host == "localhost") {
		return "", bad(repo, "name the registry host first (\"ghcr.io/OWNER/REPO\", \"docker.io/OWNER/REPO\", \"127.0.0.1:5000/REPO\")")
	}
	if i := strings.LastIndexByte(path, ':'); i >= 0 {
		return "", bad(repo, fmt.Sprintf("drop the tag %q: the release pushes the immutable tag vX.Y.Z itself", path[i+1:]))
	}
	path = strings.ToLower(path)
	for _, c := range strings.Split(path, "/") {
		if !pathComponent.MatchString(c) {
			return "", bad(repo, fmt.Sprintf("path component %q: letters, digits and single separators (. _ __ -) only", c))
		}
	}
	norm := strings.ToLower(host) + "/" + path
	parsed, err := name.NewRepository(norm, name.StrictValidation)
	if err != nil {
		return "", bad(repo, err.Error())
	}
	return parsed.Name(), nil
}
