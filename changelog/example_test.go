package changelog_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tagship/tagship/changelog"
)

const doc = `# Changelog

## [Unreleased]

### Added
- Multi-arch container image.

## [0.11.0] - 2024-05-01

### Added
- Sigstore bundles on every release.

### Fixed
- Upload retries honour Retry-After.

## [0.10.0] - 2024-02-02

### Added
- First release.

[Unreleased]: https://github.com/acme/app/compare/v0.11.0...HEAD
[0.11.0]: https://github.com/acme/app/compare/v0.10.0...v0.11.0
[0.10.0]: https://github.com/acme/app/releases/tag/v0.10.0
`

// Extract the notes of one release, as a publish job does.
func ExampleParse() {
	c, err := changelog.Parse([]byte(doc))
	if err != nil {
		panic(err)
	}
	r := c.Release("v0.11.0") // with or without "v"
	fmt.Println(r.Version, r.Date, "line", r.Line)
	fmt.Println(r.Body)
	for _, s := range r.Sections() {
		fmt.Printf("%s at line %d\n", s.Name, s.Line)
	}
	fmt.Println(c.Link(r.Version))
	// Output:
	// 0.11.0 2024-05-01 line 8
	// ### Added
	// - Sigstore bundles on every release.
	//
	// ### Fixed
	// - Upload retries honour Retry-After.
	// Added at line 10
	// Fixed at line 13
	// https://github.com/acme/app/compare/v0.10.0...v0.11.0
}

// Cut the [Unreleased] section into a release before tagging.
func ExampleChangelog_Cut() {
	c, err := changelog.Parse([]byte(doc))
	if err != nil {
		panic(err)
	}
	if err := c.Cut("0.12.0", time.Date(2024, 6, 10, 0, 0, 0, 0, time.UTC)); err != nil {
		panic(err)
	}
	lines := strings.SplitAfter(string(c.Bytes()), "\n")
	fmt.Print(strings.Join(lines[:13], ""))
	fmt.Println("...")
	fmt.Println(c.Link("Unreleased"))
	fmt.Println(c.Link("0.12.0"))

	// Nothing is left to release now.
	err = c.Cut("0.13.0", time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC))
	fmt.Println(errors.Is(err, changelog.ErrEmptyUnreleased))
	// Output:
	// # Changelog
	//
	// ## [Unreleased]
	//
	// ## [0.12.0] - 2024-06-10
	//
	// ### Added
	// - Multi-arch container image.
	//
	// ## [0.11.0] - 2024-05-01
	//
	// ### Added
	// - Sigstore bundles on every release.
	// ...
	// https://github.com/acme/app/compare/v0.12.0...HEAD
	// https://github.com/acme/app/compare/v0.11.0...v0.12.0
	// true
}

func ExampleChangelog_Lint() {
	c, err := changelog.Parse([]byte(`# Changelog

## [1.1.0] - 2024-02-30
### Improvements
- Faster.

## [1.2.0]
### Fixed
- A crash.
`))
	if err != nil {
		panic(err)
	}
	fs := c.Lint()
	for _, f := range fs {
		fmt.Println(f.Line, f.Severity, f.Code)
	}
	fmt.Println("errors:", changelog.HasErrors(fs))
	// Output:
	// 3 error invalid-date
	// 4 warning unknown-subsection
	// 7 error missing-date
	// 7 error version-order
	// errors: true
}

// Release notes for a GitHub release: the section plus the link
// definitions it uses from the bottom of the file, and the compare link.
func ExampleChangelog_Notes() {
	c, err := changelog.Parse([]byte(`## [1.0.1] - 2024-03-18
### Fixed
- Crash on empty config ([#180]).

## [1.0.0] - 2024-02-02
- First release.

[1.0.1]: https://github.com/acme/app/compare/v1.0.0...v1.0.1
[1.0.0]: https://github.com/acme/app/releases/tag/v1.0.0
[#180]: https://github.com/acme/app/issues/180
`))
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Notes("v1.0.1"))
	fmt.Println("Full diff:", c.Link("v1.0.1"))
	// Output:
	// ### Fixed
	// - Crash on empty config ([#180]).
	//
	// [#180]: https://github.com/acme/app/issues/180
	// Full diff: https://github.com/acme/app/compare/v1.0.0...v1.0.1
}
