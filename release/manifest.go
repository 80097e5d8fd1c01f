package release

import (
	"fmt"
	"os"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/tagship/tagship/pypi"
)

// manifestProject returns the project name a pyproject.toml declares
// ([project].name, or [tool.poetry].name), "" when the manifest is not a
// TOML file or names none.
func manifestProject(path string) (string, error) {
	if !strings.HasSuffix(path, ".toml") {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var m struct {
		Project struct {
			Name string `toml:"name"`
		} `toml:"project"`
		Tool struct {
			Poetry struct {
				Name string `toml:"name"`
			} `toml:"poetry"`
		} `toml:"tool"`
	}
	if err := toml.Unmarshal(b, &m); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if m.Project.Name != "" {
		return m.Project.Name, nil
	}
	return m.Tool.Poetry.Name, nil
}

// checkDistProject refuses, before anything is signed, distributions of
// another project than the manifest's: a stray file in dist/ must not be
// certified and published under this release.
func checkDistProject(manifest string, dists []*pypi.Distribution) error {
	want, err := manifestProject(manifest)
	if err != nil || want == "" {
		return err
	}
	var bad []string
	for _, d := range dists {
		if pypi.NormalizeName(d.Name) != pypi.NormalizeName(want) {
			bad = append(bad, fmt.Sprintf("%s (project %s)", d.Filename, d.Name))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s declares project %s, but the build produced %s: remove them, or fix the build", ErrDist, manifest, want, strings.Join(bad, ", "))
	}
	return nil
}
