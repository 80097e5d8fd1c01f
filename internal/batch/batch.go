// Package batch runs one operation over many files with a bound on how
// many run at once, the one home of tagship's per-file concurrency rule:
//
//   - at most limit calls run at a time (limit < 1 means 1);
//   - results go into the caller's slice by index, so what a batch
//     produces never depends on the order in which calls complete;
//   - the caller's context ending stops the batch promptly: no further
//     call starts and the running ones see a cancelled context;
//   - with FailFast, the first failure cancels the others (as the
//     caller's context would); with Independent, one call failing does not
//     touch the others, which run to completion;
//   - the error is the failures in index order (errors.Join), without the
//     cancellations that a FailFast failure caused, so the same failures
//     give the same error whatever the timing.
package batch

import (
	"context"
	"errors"
	"sync"
)

// Mode says what one failure does to the rest of a batch.
type Mode int

const (
	// Independent: every call runs whatever the others do (signing, where
	// a file's entry in a transparency log is costly to redo: a rerun then
	// redoes only the files that failed).
	Independent Mode = iota
	// FailFast: the first failure cancels the calls still running and no
	// further call starts (publishing, where going on after a failure
	// publishes more of a release that is going to fail).
	FailFast
)

// Each calls fn(ctx, i) for every i in [0, n), at most limit at a time,
// and returns when every started call has returned. The error is nil when
// every call succeeded, else the failures joined in index order; when ctx
// ended before the batch completed, ctx's error is the last of them.
func Each(ctx context.Context, n, limit int, mode Mode, fn func(ctx context.Context, i int) error) error {
	if n <= 0 {
		return ctx.Err()
	}
	limit = max(1, min(limit, n))
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	errs := make([]error, n)
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	started := 0
loop:
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break loop
		}
		if ctx.Err() != nil { // both ready: do not start more work
			<-sem
			break
		}
		started++
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, i); err != nil {
				errs[i] = err
				if mode == FailFast {
					cancel(errFailFast)
				}
			}
		}()
	}
	wg.Wait()
	stopped := context.Cause(ctx) == errFailFast
	parent := parentErr(ctx)
	var out []error
	incomplete := started < n
	for _, err := range errs {
		if err == nil {
			continue
		}
		// A call that only reports a cancellation (the caller's, or the
		// one a FailFast failure caused) is not a failure of its own.
		if (stopped || parent != nil) && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			incomplete = true
			continue
		}
		out = append(out, err)
	}
	if parent != nil && incomplete {
		out = append(out, parent)
	}
	return errors.Join(out...)
}

// errFailFast is the cause a FailFast failure cancels the batch with.
var errFailFast = errors.New("batch: cancelled after another call failed")

// parentErr is the caller's context's error as seen through the batch's
// own context (nil when only a FailFast failure cancelled it).
func parentErr(ctx context.Context) error {
	if ctx.Err() == nil || context.Cause(ctx) == errFailFast {
		return nil
	}
	return ctx.Err()
}
