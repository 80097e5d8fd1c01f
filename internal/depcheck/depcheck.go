// Package depcheck locks the package graph of the module in tests, in the
// manner of go-containerregistry's internal/depcheck: each package has a
// depcheck_test.go that states which packages of the module it may depend
// on ([AssertOnlyDependencies]) and which it must not ([AssertNoDependency]),
// transitively. A failure prints the import chain that brought the
// dependency in, so the edge to cut is plain.
//
// The graph is the one `go list -deps` reports for the package without its
// tests: what a user who imports the package compiles.
package depcheck

import (
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// Module is the module path; names given to the assertions are relative to
// it ("sign", "internal/...") unless they contain a dot in their first
// element (third-party paths, "github.com/sigstore/sigstore-go/...").
const Module = "github.com/tagship/tagship"

// Graph is the transitive import graph of one package.
type Graph struct {
	// Root is the package the graph was loaded for.
	Root string
	// Packages lists every package Root depends on, Root included, sorted.
	Packages []string
	// importers maps a package to the packages of the graph importing it.
	importers map[string][]string
}

// Load runs `go list -deps` for pkg (a full import path, or one relative
// to [Module]) and returns its graph. It fails tb when go list fails.
func Load(tb testing.TB, pkg string) *Graph {
	tb.Helper()
	pkg = full(pkg)
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", pkg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("depcheck: go list -deps %s: %v\n%s", pkg, err, stderr.Bytes())
	}
	g := &Graph{Root: pkg, importers: map[string][]string{}}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		g.Packages = append(g.Packages, f[0])
		for _, imp := range f[1:] {
			g.importers[imp] = append(g.importers[imp], f[0])
		}
	}
	slices.Sort(g.Packages)
	return g
}

// full turns a name relative to Module into an import path.
func full(name string) string {
	first, _, _ := strings.Cut(name, "/")
	if strings.Contains(first, ".") || name == Module || strings.HasPrefix(name, Module+"/") {
		return name
	}
	return Module + "/" + name
}

// match reports whether pkg is pattern: an import path, or a path ending
// in "/..." meaning that path and everything below it. A third-party
// pattern never matches the module's own packages ("github.com/..." bans
// every dependency hosted on GitHub, not tagship itself).
func match(pattern, pkg string) bool {
	inModule := func(p string) bool { return p == Module || strings.HasPrefix(p, Module+"/") }
	if !inModule(full(strings.TrimSuffix(pattern, "/..."))) && inModule(pkg) {
		return false
	}
	if p, ok := strings.CutSuffix(pattern, "/..."); ok {
		p = full(p)
		return pkg == p || strings.HasPrefix(pkg, p+"/")
	}
	return pkg == full(pattern)
}

// Chain returns an import chain from the root to pkg ("a → b → pkg"), or
// "" when pkg is not in the graph.
func (g *Graph) Chain(pkg string) string {
	if _, ok := slices.BinarySearch(g.Packages, pkg); !ok {
		return ""
	}
	chain := []string{pkg}
	seen := map[string]bool{pkg: true}
	for cur := pkg; cur != g.Root; {
		imps := slices.Clone(g.importers[cur])
		slices.Sort(imps)
		next := ""
		for _, i := range imps {
			if !seen[i] {
				next = i
				break
			}
		}
		if next == "" {
			break
		}
		seen[next] = true
		chain = append(chain, next)
		cur = next
	}
	slices.Reverse(chain)
	for i, c := range chain {
		chain[i] = strings.TrimPrefix(c, Module+"/")
	}
	return strings.Join(chain, " → ")
}

// Problems lists, for each package of g matching one of banned, the import
// chain that brings it in.
func (g *Graph) Problems(banned ...string) []string {
	var out []string
	for _, p := range g.Packages {
		for _, b := range banned {
			if match(b, p) {
				out = append(out, fmt.Sprintf("%s depends on %s (banned: %s) through %s", g.Root, p, b, g.Chain(p)))
				break
			}
		}
	}
	return out
}

// Unexpected lists, for each package of the module in g (other than the
// root) that matches none of allowed, the import chain that brings it in.
func (g *Graph) Unexpected(allowed ...string) []string {
	var out []string
	for _, p := range g.Packages {
		if p == g.Root || !match(Module+"/...", p) {
			continue
		}
		if !slices.ContainsFunc(allowed, func(a string) bool { return match(a, p) }) {
			out = append(out, fmt.Sprintf("%s depends on %s, which is not in its allowed list %v, through %s", g.Root, p, allowed, g.Chain(p)))
		}
	}
	return out
}

// AssertNoDependency fails t when pkg depends, transitively, on a package
// matching one of banned (import paths, or "path/..." for a whole tree;
// relative to [Module] unless third-party).
func AssertNoDependency(t testing.TB, pkg string, banned ...string) {
	t.Helper()
	for _, p := range Load(t, pkg).Problems(banned...) {
		t.Error(p)
	}
}

// AssertOnlyDependencies fails t when pkg depends, transitively, on a
// package of the module that matches none of allowed. Third-party and
// standard-library packages are not restricted (use [AssertNoDependency]
// for those).
func AssertOnlyDependencies(t testing.TB, pkg string, allowed ...string) {
	t.Helper()
	for _, p := range Load(t, pkg).Unexpected(allowed...) {
		t.Error(p)
	}
}

// AssertLeaf fails t unless pkg is an internal leaf: it depends on no
// other package of the module and on nothing outside the standard library
// ("github.com/...", "golang.org/..."). It is [AssertOnlyDependencies]
// with nothing allowed and [AssertNoDependency] of those two trees, with
// the graph loaded once.
func AssertLeaf(t testing.TB, pkg string) {
	t.Helper()
	g := Load(t, pkg)
	for _, p := range g.Unexpected() {
		t.Error(p)
	}
	for _, p := range g.Problems("github.com/...", "golang.org/...") {
		t.Error(p)
	}
}

// AssertDouble fails t unless the test double double depends only on the
// package it fakes, what that package depends on, and the module's
// internal helpers: a double never reaches into other parts of the SDK.
// faked is "" for a double that imports nothing of the SDK it fakes.
func AssertDouble(t testing.TB, double, faked string) {
	t.Helper()
	allowed := []string{"internal/..."}
	if faked != "" {
		allowed = append(allowed, Load(t, faked).Packages...)
	}
	AssertOnlyDependencies(t, double, allowed...)
}

// AssertNoDirectImport fails t when pkg itself imports a package matching
// one of banned (its dependencies may): for programs that must use the
// public API only.
func AssertNoDirectImport(t testing.TB, pkg string, banned ...string) {
	t.Helper()
	g := Load(t, pkg)
	for imp, importers := range g.importers {
		if !slices.Contains(importers, g.Root) {
			continue
		}
		for _, b := range banned {
			if match(b, imp) {
				t.Errorf("%s imports %s (banned: %s)", g.Root, imp, b)
			}
		}
	}
}
