package shell_test

import (
	"fmt"

	"github.com/tagship/tagship/internal/shell"
)

func ExampleQuote() {
	fmt.Println(shell.Quote("dist/"), shell.Quote("python3 -m build"), shell.Quote("it's"))
	// Output: dist/ 'python3 -m build' 'it'\''s'
}

func ExampleReadable() {
	fmt.Println("git tag -a v0.11.0 -m", shell.Readable("Release v0.11.0"))
	// Output: git tag -a v0.11.0 -m "Release v0.11.0"
}
