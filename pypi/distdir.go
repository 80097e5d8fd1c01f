package pypi

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ErrDist reports a dist directory that does not hold exactly one
// release's files: a file of another version or project, an invalid
// distribution, no wheel or no sdist.
var ErrDist = errors.New("pypi: bad dist directory")

// OpenDistDir opens every wheel (*.whl) and sdist (*.tar.gz) in dir, the
// output directory of a build ("python -m build --outdir dist"), and checks
// that together they are one release: all of version (a tag "v1.2.3" or a
// version "1.2.3", PEP 440 normalised), all of one project (PEP 503
// normalised names), at least one wheel and one sdist. Other files and
// subdirectories are ignored. Every problem is named in one error that
// wraps [ErrDist]; a file that is not a valid distribution is reported
// with [OpenDistribution]'s reason. The distributions come back in file
// name order.
func OpenDistDir(dir, version string) ([]*Distribution, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDist, err)
	}
	var dists []*Distribution
	var problems []string
	kinds := map[string]int{}
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".whl") || strings.HasSuffix(name, ".tar.gz")) {
			continue
		}
		d, err := OpenDistribution(filepath.Join(dir, name))
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if err := d.CheckVersion(version); err != nil {
			problems = append(problems, fmt.Sprintf("%s is version %s, not %s: remove files of other releases from %s before building", name, d.Version, version, dir))
			continue
		}
		if len(dists) > 0 && NormalizeName(d.Name) != NormalizeName(dists[0].Name) {
			problems = append(problems, fmt.Sprintf("%s belongs to project %s, but %s to %s: one release publishes one project", name, d.Name, dists[0].Filename, dists[0].Name))
			continue
		}
		kinds[d.Filetype]++
		dists = append(dists, d)
	}
	if kinds["bdist_wheel"] == 0 {
		problems = append(problems, "no wheel (*.whl) for version "+version+" in "+dir)
	}
	if kinds["sdist"] == 0 {
		problems = append(problems, "no sdist (*.tar.gz) for version "+version+" in "+dir)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrDist, strings.Join(problems, "; "))
	}
	sort.Slice(dists, func(i, j int) bool { return dists[i].Filename < dists[j].Filename })
	return dists, nil
}

// CheckProject reports the distributions that are not of project (names
// compared PEP 503 normalised), so that a stray file in a dist directory
// is refused before it is signed or published under project's name. The
// error wraps [ErrDist] and names each such file with its project. An
// empty project checks nothing.
func CheckProject(project string, dists ...*Distribution) error {
	if project == "" {
		return nil
	}
	var bad []string
	for _, d := range dists {
		if NormalizeName(d.Name) != NormalizeName(project) {
			bad = append(bad, fmt.Sprintf("%s (project %s)", d.Filename, d.Name))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: expected only files of project %s, found %s: remove them, or fix the build", ErrDist, project, strings.Join(bad, ", "))
	}
	return nil
}

// Upload URLs of the two public indexes.
const (
	DefaultUploadURL  = "https://upload.pypi.org/legacy/"
	TestPyPIUploadURL = "https://test.pypi.org/legacy/"
)

// ProjectURL is the web page of project on the index whose upload URL is
// uploadURL: https://pypi.org/p/NAME for [DefaultUploadURL],
// https://test.pypi.org/p/NAME for [TestPyPIUploadURL], and "" for any
// other index (whose pages this package cannot know) or an empty project.
func ProjectURL(uploadURL, project string) string {
	switch {
	case project == "":
		return ""
	case uploadURL == DefaultUploadURL:
		return "https://pypi.org/p/" + project
	case uploadURL == TestPyPIUploadURL:
		return "https://test.pypi.org/p/" + project
	}
	return ""
}
