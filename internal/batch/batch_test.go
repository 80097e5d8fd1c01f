package batch

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

func TestEach(t *testing.T) {
	t.Parallel()
	errBoom := errors.New("boom")
	tests := []struct {
		name      string
		n, limit  int
		mode      Mode
		fail      map[int]bool // calls that fail with errBoom
		wantErr   string
		wantCalls func(int) bool // how many calls ran
	}{
		{name: "all succeed", n: 20, limit: 4, wantErr: ""},
		{name: "limit above n", n: 3, limit: 100, wantErr: ""},
		{name: "limit below 1 means 1", n: 3, limit: 0, wantErr: ""},
		{name: "independent failures in index order", n: 10, limit: 3, fail: map[int]bool{7: true, 2: true},
			wantErr: "call 2: boom\ncall 7: boom", wantCalls: func(c int) bool { return c == 10 }},
		{name: "fail fast reports only its own failure", n: 50, limit: 4, mode: FailFast, fail: map[int]bool{2: true},
			wantErr: "call 2: boom", wantCalls: func(c int) bool { return c < 50 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var running, peak, calls atomic.Int32
			out := make([]int, tt.n)
			err := Each(context.Background(), tt.n, tt.limit, tt.mode, func(ctx context.Context, i int) error {
				calls.Add(1)
				r := running.Add(1)
				defer running.Add(-1)
				for {
					p := peak.Load()
					if r <= p || peak.CompareAndSwap(p, r) {
						break
					}
				}
				// Random completion order.
				select {
				case <-time.After(time.Duration(rand.N(3000)) * time.Microsecond):
				case <-ctx.Done():
					return fmt.Errorf("call %d: %w", i, ctx.Err())
				}
				if tt.fail[i] {
					return fmt.Errorf("call %d: %w", i, errBoom)
				}
				if tt.mode == FailFast && len(tt.fail) > 0 {
					// Keep the others busy until the failure cancels them.
					select {
					case <-ctx.Done():
						return fmt.Errorf("call %d: %w", i, ctx.Err())
					case <-time.After(2 * time.Second):
					}
				}
				out[i] = i * i
				return nil
			})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Fatalf("error %q, want %q", got, tt.wantErr)
			}
			if lim := max(1, min(tt.limit, tt.n)); int(peak.Load()) > lim {
				t.Errorf("%d calls ran at once, limit %d", peak.Load(), lim)
			}
			if tt.wantCalls != nil && !tt.wantCalls(int(calls.Load())) {
				t.Errorf("%d calls ran", calls.Load())
			}
			if err == nil {
				for i, v := range out {
					if v != i*i {
						t.Fatalf("result %d = %d: results must go to their index", i, v)
					}
				}
			}
		})
	}
}

func TestEachCancelStopsPromptly(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	err := Each(ctx, 1000, 8, Independent, func(ctx context.Context, i int) error {
		calls.Add(1)
		select {
		case <-ctx.Done():
			return fmt.Errorf("call %d: %w", i, ctx.Err())
		case <-time.After(time.Hour):
			return nil
		}
	})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Each returned %s after the cancellation", d)
	}
	if !errors.Is(err, context.Canceled) || err.Error() != context.Canceled.Error() {
		t.Errorf("error %v, want only context.Canceled", err)
	}
	if c := calls.Load(); c != 8 {
		t.Errorf("%d calls started, want 8 (the limit; none after the cancellation)", c)
	}
}

func TestEachCancelAfterCompletionIsNoError(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	err := Each(ctx, 3, 2, FailFast, func(ctx context.Context, i int) error {
		if i == 2 {
			cancel() // the caller gives up as the last call succeeds
		}
		return nil
	})
	if err != nil {
		t.Errorf("every call succeeded, got %v", err)
	}
}

func ExampleEach() {
	names := []string{"a.whl", "b.whl", "c.tar.gz"}
	sizes := make([]int, len(names))
	err := Each(context.Background(), len(names), 8, FailFast, func(ctx context.Context, i int) error {
		sizes[i] = len(names[i]) // each call writes only its own slot
		return nil
	})
	fmt.Println(sizes, err)
	// Output: [5 5 8] <nil>
}
