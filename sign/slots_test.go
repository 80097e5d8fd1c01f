package sign

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// TestVerifierBoundsConcurrentVerifications: a Verifier has GOMAXPROCS
// slots; a verification that finds them all taken waits, and gives up
// with its context.
func TestVerifierBoundsConcurrentVerifications(t *testing.T) {
	t.Parallel()
	v, err := newVerifier(&root.BaseTrustedMaterial{}, verifierConfig{tlog: 1, observerTS: 1}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cap(v.slots), runtime.GOMAXPROCS(0); got != want {
		t.Fatalf("%d slots, want GOMAXPROCS (%d)", got, want)
	}
	for range cap(v.slots) {
		v.slots <- struct{}{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := v.verify(ctx, nil, nil, Policy{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("with every slot taken: err = %v, want the context's deadline", err)
	}
	<-v.slots // one verification ends: the next one runs (and fails on its input, not on waiting)
	if _, err := v.verify(context.Background(), nil, nil, Policy{}); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("with a free slot: err = %v, want the policy's or bundle's error", err)
	}
	if len(v.slots) != cap(v.slots)-1 {
		t.Errorf("%d slots taken after the verification returned, want %d (its slot given back)", len(v.slots), cap(v.slots)-1)
	}
}
