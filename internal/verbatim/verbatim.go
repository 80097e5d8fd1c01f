// Package verbatim finds the shell commands that release notes publish and
// says which real verifiers run them in CI, so that every published
// command is executed exactly as written (DESIGN.md, rule 11).
//
// [Commands] extracts every command of every ```sh block (continuation
// lines included, as published); [Shape] reduces a command to its shape —
// program, subcommand and flags, with every value replaced by <arg> — and
// [Runs] is the table of shapes the verbatim check (.ci/verbatim.sh,
// internal/verbatim/cmd/verbatim) knows how to run, with the verifiers that
// run each. A rendered command whose shape is not in Runs has no verifier
// run: the package's test fails, and so does the check itself.
package verbatim

import (
	"fmt"
	"sort"
	"strings"
)

// Command is one command of a release notes' shell block.
type Command struct {
	Block int    // 1-based index of the ```sh block
	Line  int    // 1-based line of the command's first line in the notes
	Text  string // as published, continuation lines ("\\\n") included
}

// Commands returns every command of every ```sh (or ```bash, ```shell)
// block of markdown, in order. Blank lines and comment lines are skipped;
// a line ending in a backslash continues on the next line.
func Commands(markdown string) []Command {
	var out []Command
	lines := strings.Split(strings.ReplaceAll(markdown, "\r\n", "\n"), "\n")
	block, in := 0, false
	var cur []string
	start := 0
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if !in {
			if t == "```sh" || t == "```bash" || t == "```shell" || t == "```console" {
				in = true
				block++
			}
			continue
		}
		if strings.HasPrefix(t, "```") {
			in = false
			cur = nil
			continue
		}
		if len(cur) == 0 && (t == "" || strings.HasPrefix(t, "#")) {
			continue
		}
		if len(cur) == 0 {
			start = i + 1
		}
		cur = append(cur, l)
		if strings.HasSuffix(l, "\\") {
			continue
		}
		out = append(out, Command{Block: block, Line: start, Text: strings.Join(cur, "\n")})
		cur = nil
	}
	return out
}

// Words splits a command into words as a POSIX shell would for the
// subset release notes use: blanks separate words, single quotes quote
// literally, a backslash before a newline joins lines, "&&" is a word.
// Double quotes, $ expansions and other backslashes are refused: the notes
// never use them, and a check that guessed their meaning would not be
// running the command verbatim.
func Words(cmd string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord, quoted := false, false
	flush := func() {
		if inWord {
			words = append(words, w.String())
		}
		w.Reset()
		inWord = false
	}
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		switch {
		case quoted:
			if c == '\'' {
				quoted = false
			} else {
				w.WriteByte(c)
			}
		case c == '\'':
			quoted, inWord = true, true
		case c == '\\' && i+1 < len(cmd) && cmd[i+1] == '\n':
			i++
			flush()
		case c == ' ' || c == '\t' || c == '\n':
			flush()
		case c == '"' || c == '$' || c == '\\' || c == '`' || c == ';' || c == '|' || c == '>' || c == '<' || c == '(' || c == ')':
			return nil, fmt.Errorf("verbatim: %q: %q is outside the shell subset the notes use", cmd, c)
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("verbatim: %q: unterminated single quote", cmd)
	}
	flush()
	return words, nil
}

// subcommands is how many words after each program name the command's
// subcommand takes. A program not listed has no shape.
var subcommands = map[string]int{
	"cosign":    1, // cosign verify-blob, cosign verify
	"gh":        2, // gh release download
	"pip":       1, // pip download
	"sigstore":  2, // sigstore verify identity
	"cd":        0,
	"sha256sum": 0,
}

// Shape reduces a command to program, subcommand and flags, every value
// replaced by "<arg>"; a flag repeated with a value in a row ("--pattern
// a --pattern b") is shown once followed by "…". Commands chained with
// "&&" keep the "&&".
func Shape(cmd string) (string, error) {
	words, err := Words(cmd)
	if err != nil {
		return "", err
	}
	if len(words) == 0 {
		return "", fmt.Errorf("verbatim: empty command")
	}
	var out []string
	for i := 0; i < len(words); {
		prog := words[i]
		n, ok := subcommands[prog]
		if !ok {
			return "", fmt.Errorf("verbatim: %q: unknown program %q: add it to the shapes and to the verbatim check", cmd, prog)
		}
		out = append(out, prog)
		i++
		for j := 0; j < n && i < len(words); j++ {
			out = append(out, words[i])
			i++
		}
		prevFlag := ""
		for i < len(words) && words[i] != "&&" {
			wd := words[i]
			i++
			if !strings.HasPrefix(wd, "-") {
				out = append(out, "<arg>")
				continue
			}
			// A flag with a value ("--bundle x"): values never start
			// with "-" in the notes.
			takesValue := i < len(words) && words[i] != "&&" && !strings.HasPrefix(words[i], "-") && !valueless[wd]
			if takesValue {
				i++
				if wd == prevFlag {
					if out[len(out)-1] != "…" {
						out = append(out, "…")
					}
					continue
				}
				out = append(out, wd, "<arg>")
				prevFlag = wd
				continue
			}
			out = append(out, wd)
			prevFlag = ""
		}
		if i < len(words) && words[i] == "&&" {
			out = append(out, "&&")
			i++
		}
	}
	return strings.Join(out, " "), nil
}

// valueless are the flags of the published commands that take no value.
var valueless = map[string]bool{
	"--use-signed-timestamps": true,
	"--new-bundle-format":     true,
	"--no-deps":               true,
	"--check":                 true,
	"--ignore-missing":        true,
}

// Verifiers of a shape, as named in [Runs].
const (
	CosignV2   = "cosign v2.6.5"
	CosignV3   = "cosign v3.1.3"
	SigstoreJS = "sigstore-js @sigstore/verify 3.x (for sigstore-python's command)"
	GH         = "gh release download (Debian gh 2.23)"
	Pip        = "pip download"
	Shell      = "sh (coreutils sha256sum)"
)

// Runs maps every command shape the default release notes publish to the
// verifiers that run it verbatim in CI, and says whether negatives (the
// same command with another identity) are run. It is the golden list: a
// change to the notes that changes a shape must come with a change here,
// and with the runner in cmd/verbatim that makes it true.
var Runs = map[string]Run{
	"pip download <arg> --no-deps -d <arg>":                                {Verifiers: []string{Pip}},
	"gh release download <arg> --repo <arg> --dir <arg> --pattern <arg> …": {Verifiers: []string{GH}},
	"cosign verify-blob --use-signed-timestamps --bundle <arg> --certificate-identity <arg> --certificate-oidc-issuer <arg> <arg>": {
		Verifiers: []string{CosignV2, CosignV3}, Negatives: true},
	"sigstore verify identity --cert-identity <arg> --cert-oidc-issuer <arg> --bundle <arg> <arg>": {
		Verifiers: []string{SigstoreJS}, Negatives: true},
	"cd <arg> && sha256sum --check --ignore-missing <arg>": {Verifiers: []string{Shell}},
	"cosign verify-blob-attestation --use-signed-timestamps --new-bundle-format --type <arg> --bundle <arg> --certificate-identity <arg> --certificate-oidc-issuer <arg> <arg>": {
		Verifiers: []string{CosignV2, CosignV3}, Negatives: true},
	"cosign verify --use-signed-timestamps <arg> --certificate-identity <arg> --certificate-oidc-issuer <arg>": {
		Verifiers: []string{CosignV2, CosignV3}, Negatives: true},
}

// Run says how the verbatim check runs one shape.
type Run struct {
	Verifiers []string
	Negatives bool // the same command for another identity must fail
}

// Shapes returns the sorted distinct shapes of cmds.
func Shapes(cmds []Command) ([]string, error) {
	seen := map[string]bool{}
	for _, c := range cmds {
		s, err := Shape(c.Text)
		if err != nil {
			return nil, err
		}
		seen[s] = true
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out, nil
}
