// Package interop finds the real third-party tools that tagship's interop
// tests run against (cosign, fulcio, crane, twine, gh, docker-registry, …).
//
// A test calls [Tool] for each binary it needs. When the tool is missing the
// test is skipped with a message naming it — unless the environment sets
// TAGSHIP_INTEROP=1 (as .ci/run does), in which case a missing tool fails
// the test: CI must never pass by skipping the real interop suite.
//
// Tools are looked up, in order, in $TAGSHIP_TOOLS_BIN, in the repository's
// tools/bin directory (where .ci/run builds the pinned Go tools), and on
// $PATH.
package interop

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Required reports whether the environment demands the interop suite
// (TAGSHIP_INTEROP=1): missing tools are then failures, not skips.
func Required() bool { return os.Getenv("TAGSHIP_INTEROP") == "1" }

// Tool returns the absolute path of the named tool, or skips (fails under
// TAGSHIP_INTEROP=1) the test when it cannot be found.
func Tool(t testing.TB, name string) string {
	t.Helper()
	if p, ok := Lookup(name); ok {
		return p
	}
	msg := "interop: tool " + name + " not found (looked in $TAGSHIP_TOOLS_BIN, tools/bin and $PATH); run .ci/run or bash tools/build.sh to install it"
	if Required() {
		t.Fatal(msg + " — TAGSHIP_INTEROP=1 makes a missing tool a failure")
	}
	t.Skip(msg)
	return ""
}

// Lookup finds the named tool without involving a test.
func Lookup(name string) (string, bool) {
	var dirs []string
	if d := os.Getenv("TAGSHIP_TOOLS_BIN"); d != "" {
		dirs = append(dirs, d)
	}
	if root, ok := RepoRoot(); ok {
		dirs = append(dirs, filepath.Join(root, "tools", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, true
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs, true
		}
		return p, true
	}
	return "", false
}

// RepoRoot returns the directory holding the module's go.mod.
func RepoRoot() (string, bool) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", false
	}
	// file is <root>/internal/interop/interop.go
	root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return "", false
	}
	return root, true
}
