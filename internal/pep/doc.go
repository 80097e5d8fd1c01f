// Package pep is the module's one home for the Python packaging standards
// tagship applies: PEP 440 versions ([ParseVersion], [NormalizeVersion]),
// PEP 503 project names ([NormalizeName], [ValidName]), PEP 508 dependency
// specifications ([ParseRequirement]) and the distribution file names of
// PEP 427 (wheels, [ParseWheelFilename]) and PEP 625 (sdists,
// [ParseSdistFilename], [SdistName]).
//
// It is a leaf: it imports only the standard library. The exported
// packages re-export what their users need as thin wrappers that add their
// own sentinel errors: preflight.ParsePEP440 and preflight.NormalizePEP440,
// pypi.NormalizeVersion, pypi.NormalizeName and pypi.ParseWheelFilename,
// ghrelease.ParseRequirement and ghrelease.NormalizeName.
//
// Errors carry the input and the reason it was refused ([*Error]); the
// wrappers turn them into their package's error types. The rules are
// checked against the reference implementation, python3-packaging, in this
// package's tests.
package pep
