// Package changelog reads, cuts and lints CHANGELOG.md files written in the
// Keep a Changelog 1.1.0 format (https://keepachangelog.com/en/1.1.0/).
//
// # Round trip
//
// Parse keeps the input bytes. Bytes returns them unchanged — UTF-8 BOM,
// CRLF or LF line endings, trailing white space, a missing final newline —
// until Cut edits the document, and Cut changes only the lines it inserts
// or rewrites. Parse fails only when a version (or [Unreleased]) has two
// sections: a *DuplicateError naming both lines, wrapping
// ErrDuplicateRelease. Anything else that is odd is accepted and reported
// by Lint.
//
// # What is a release heading
//
// A level-2 ATX heading ("## …", at most three spaces of indentation) whose
// first word, with or without [brackets] and with or without a leading "v",
// is "Unreleased" (any case) or a semantic version MAJOR.MINOR.PATCH. Semver
// pre-release and build suffixes are accepted ("1.0.0-rc.1", "2.0.0+build")
// because old entries use them; "1.2", "01.2.3" and "1.2.3.4" are not
// versions: such a heading is not a release, its lines stay in the section
// above, and Lint reports it as an error (not-semver). After the version an
// optional separator ("-", "–" or "—") and a date, which Release.Date holds
// as written ("2024-05-01", also from "(2024-05-01)"); "[YANKED]" anywhere
// after the version sets Release.Yanked. The conventional-changelog form
// "## [1.2.0](URL) (2024-05-01)" is accepted too; its URL is the release's
// Link when no reference definition exists.
//
// Lines inside fenced code blocks (``` or ~~~, closed by a fence of the same
// character at least as long) and inside HTML comment blocks (a line
// starting with "<!--" up to the line containing "-->") are never headings
// or link references. "###" headings inside a release are its Sections, in
// order, repeated names kept. Other level-2 headings are ordinary text of the
// section they are in.
//
// # Bodies and link references
//
// A link reference definition "[label]: URL" on one line is recorded
// wherever it is (Links). One whose label is a release ("[Unreleased]",
// "[1.2.0]", "[v1.2.0]") starts the link-reference block: the Body of the
// section it is in ends before it, so the compare links and any text
// interleaved with them at the bottom of the file belong to no Body. Bodies
// are normalised to "\n" line endings, leading blank lines and trailing
// white space removed. Link returns the URL of a release's reference
// ("[1.2.0]: URL", or the heading's inline link) or of any other label;
// Notes returns a Body plus the definitions it uses from elsewhere in the
// file, ready to paste into a release page.
//
// # Cut
//
// Cut performs the maintainer's checklist for a release: the [Unreleased]
// entries become a new "## [X.Y.Z] - YYYY-MM-DD" section below
// "## [Unreleased]", which keeps only what the maintainer put above the
// entries (blank lines and HTML comments such as "<!-- New features land
// here on each PR. -->"), and the compare links at the bottom are updated
// ("[Unreleased]: …/compare/vX.Y.Z...HEAD", a new "[X.Y.Z]:
// …/compare/vPREV...vX.Y.Z", or "…/releases/tag/vX.Y.Z" for a first
// release) in the GitHub or GitLab form and tag naming the file already
// uses. It refuses an invalid version, a missing or empty [Unreleased], an
// existing version and a version not greater (semver) than the newest
// release, with an *Error wrapping the matching sentinel, and leaves the
// document unchanged. After Cut the model (Releases, Release, Links)
// describes the new document; *Release values obtained before Cut describe
// the old one.
//
// # Lint
//
// Lint reports, with line numbers: missing or non-ISO dates and versions out
// of descending order (errors); a release without a link reference when
// others have one and a subsection outside Added, Changed, Deprecated,
// Removed, Fixed, Security (warnings); and a few more listed with the Code
// constants.
//
// Contained reports whether a section's Markdown leaves something open (a
// code fence of any kind and length, an HTML comment or block) that would
// swallow what a release page shows after it; Seal closes it; HasContent
// tells a section of only headings or comments from one that says
// something. They are judged by a CommonMark parser (goldmark with GFM),
// not a line scan.
//
// Parse is linear in the size of the input and uses no regular expressions.
package changelog
