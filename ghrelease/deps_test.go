package ghrelease

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// ghrelease takes the signing identity and issuer as data: it must not
// import sign (or anything but changelog and internal leaves of the
// module), which would pull the whole Sigstore client into a package that
// renders notes and uploads files.
func TestImportsOnlyChangelog(t *testing.T) {
	t.Parallel()
	ents, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	const mod = "github.com/tagship/tagship/"
	for _, e := range ents {
		n := e.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), n, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, mod) && p != mod+"changelog" && !strings.HasPrefix(p, mod+"internal/") {
				t.Errorf("%s imports %s: ghrelease may depend only on changelog and internal leaves", n, p)
			}
		}
	}
}
