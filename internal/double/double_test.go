package double

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tagship/tagship/internal/depcheck"
)

type fake struct{ closed *bool }

func (f fake) Close() { *f.closed = true }

func TestStart(t *testing.T) {
	t.Parallel()
	closed := false
	t.Run("ok", func(t *testing.T) {
		d := Start(t, "fake", func() (fake, error) { return fake{&closed}, nil })
		if closed || d.closed != &closed {
			t.Fatal("closed before the test ended")
		}
	})
	if !closed {
		t.Fatal("not closed when the test ended")
	}
	var tb fatalRecorder
	tb.TB = t
	func() {
		defer func() { recover() }()
		Start(&tb, "fake", func() (fake, error) { return fake{}, errors.New("boom") })
	}()
	if tb.msg != "fake: boom" {
		t.Fatalf("Fatalf message = %q", tb.msg)
	}
}

// fatalRecorder records Fatalf and stops the call like testing does.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}
func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic("fatal")
}

func TestDependencies(t *testing.T) {
	t.Parallel()
	depcheck.AssertLeaf(t, "internal/double")
}
