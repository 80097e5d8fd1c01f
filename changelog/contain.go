package changelog

import (
	"errors"
	"fmt"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// ErrUncontained: a section's Markdown does not end where its text ends —
// an unclosed code fence (``` or ~~~, of any length) or an unclosed HTML
// block (a comment, <pre>, <script>…) swallows whatever is rendered after
// it, such as the verification commands of a release page.
var ErrUncontained = errors.New("changelog: section leaks into what follows it")

// UncontainedError says what is left open and where.
type UncontainedError struct {
	// What is open: "code fence ```", "code fence ~~~~", "HTML comment",
	// "HTML block".
	What string
	// Line is the 1-based line of the section where it opens.
	Line int
}

func (e *UncontainedError) Error() string {
	return fmt.Sprintf("changelog: the section's %s opened on line %d is never closed, so everything after the section (the release page's verification commands) would be swallowed; close it", e.What, e.Line)
}

// Unwrap returns ErrUncontained.
func (e *UncontainedError) Unwrap() error { return ErrUncontained }

const sentinel = "tagship-contained-sentinel-5c1e"

var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))

// Contained reports whether body, rendered as GitHub-flavoured CommonMark
// with a heading after it, leaves that heading a heading: nil when it
// does, an *UncontainedError (wrapping ErrUncontained) when an open block
// swallows it. The parser judges, not a line scan.
func Contained(body string) error {
	src := []byte(body + "\n\n## " + sentinel + "\n")
	doc := markdown.Parser().Parse(text.NewReader(src))
	for c := doc.FirstChild(); c != nil; c = c.NextSibling() {
		if h, ok := c.(*ast.Heading); ok && h.Lines().Len() > 0 && strings.Contains(string(h.Lines().Value(src)), sentinel) {
			return nil
		}
	}
	// Find the top-level block that swallowed the sentinel.
	last := doc.LastChild()
	e := &UncontainedError{What: "block", Line: 1}
	if last == nil {
		return e
	}
	var deepest ast.Node = last
	ast.Walk(last, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering || n.Type() != ast.TypeBlock {
			return ast.WalkContinue, nil
		}
		if l := n.Lines(); l.Len() > 0 && strings.Contains(string(l.Value(src)), sentinel) {
			deepest = n
		}
		return ast.WalkContinue, nil
	})
	start, before := -1, 0 // before: the newlines ahead of start
	if l := deepest.Lines(); l.Len() > 0 {
		start = l.At(0).Start
		before = strings.Count(string(src[:start]), "\n")
	}
	switch n := deepest.(type) {
	case *ast.FencedCodeBlock:
		e.What = "code fence"
		if start >= 0 {
			// The opening fence is the line before the first content line.
			line := lineBefore(src, start)
			if ch, k, ok := opensFence(strings.TrimLeft(line, " \t>-*+0123456789.)")); ok {
				e.What += " " + strings.Repeat(string(ch), k)
			}
			e.Line = before
		}
	case *ast.HTMLBlock:
		e.What = "HTML block"
		if n.HTMLBlockType == ast.HTMLBlockType2 {
			e.What = "HTML comment <!--"
		}
		if start >= 0 {
			e.Line = before + 1
		}
	default:
		if start >= 0 {
			e.Line = before + 1
		}
	}
	return e
}

func lineBefore(src []byte, start int) string {
	s := string(src[:start])
	s = strings.TrimSuffix(s, "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// Seal returns body unchanged when it is Contained; otherwise body with
// the closers that end what is open (a fence of the right character and
// length, "-->", a closing tag), each checked with the parser. When no
// closer works it returns body as literal text inside a tilde fence longer
// than any in it, so that nothing after it can ever be hidden.
func Seal(body string) string {
	open := Contained(body)
	if open == nil {
		return body
	}
	bt, tl := longestRun(body, '`'), longestRun(body, '~')
	closers := []string{
		strings.Repeat("`", max(bt, 3)), strings.Repeat("~", max(tl, 3)),
		"-->", "?>", "]]>", ">", "</pre>", "</script>", "</style>", "</textarea>",
	}
	cur := body
	opens := make([]error, len(closers))
	// Several blocks may be open inside one another (a comment in a
	// list, then a fence): close step by step, keeping each closer that
	// makes progress. open is what Contained says of cur: never nil here.
	for range 4 {
		for i, c := range closers {
			try := cur + "\n" + c
			if opens[i] = Contained(try); opens[i] == nil {
				return try
			}
		}
		progressed := false
		for i, c := range closers {
			if !sameOpen(open, opens[i]) {
				cur, open, progressed = cur+"\n"+c, opens[i], true
				break
			}
		}
		if !progressed {
			break
		}
	}
	fence := strings.Repeat("~", max(tl+1, 3))
	return fence + "text\n" + body + "\n" + fence
}

// sameOpen reports whether two results of Contained name the same open
// block at the same line.
func sameOpen(ea, eb error) bool {
	var ua, ub *UncontainedError
	if !errors.As(ea, &ua) || !errors.As(eb, &ub) {
		return false
	}
	return *ua == *ub
}

// longestRun is the longest run of c in s.
func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// HasContent reports whether a section's Markdown says anything: a
// section of nothing but headings ("### Added" with no entries), HTML
// comments and thematic breaks is empty, however many bytes it has.
func HasContent(body string) bool {
	src := []byte(body)
	doc := markdown.Parser().Parse(text.NewReader(src))
	for c := doc.FirstChild(); c != nil; c = c.NextSibling() {
		switch n := c.(type) {
		case *ast.Heading, *ast.ThematicBreak:
			continue
		case *ast.HTMLBlock:
			if n.HTMLBlockType == ast.HTMLBlockType2 {
				continue
			}
		}
		return true
	}
	return false
}
