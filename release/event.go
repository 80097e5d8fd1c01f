package release

import (
	"context"
	"log/slog"
	"time"
)

// Status is the state of a job in a run.
type Status string

// Job statuses.
const (
	StatusPending   Status = "pending"
	StatusRunning   Status = "running"
	StatusSucceeded Status = "succeeded"
	// StatusReused: an earlier run recorded a success with the same
	// fingerprint; its output was reused and the job was not run again.
	StatusReused    Status = "reused"
	StatusFailed    Status = "failed"
	StatusSkipped   Status = "skipped"   // a job it needs did not succeed
	StatusCancelled Status = "cancelled" // ctx was cancelled, or fail-fast
)

// Done reports whether s is final and successful (succeeded or reused).
func (s Status) Done() bool { return s == StatusSucceeded || s == StatusReused }

// EventKind says what an [Event] reports.
type EventKind string

// Event kinds.
const (
	EventStarted  EventKind = "started"
	EventFinished EventKind = "finished" // Status says how
	EventProgress EventKind = "progress" // Done/Total bytes of Item
	EventLog      EventKind = "log"      // Message from the job
	// EventPermission: the job used a capability it is granted; Item is
	// the grant ("id-token: write"), Message the use (see [Require]).
	EventPermission EventKind = "permission"
)

// Event is one thing that happened in a run, delivered to [WithEvents] and
// logged to [WithLogger]. Events carry no secrets: jobs must not put
// tokens in Message or Item.
type Event struct {
	Time     time.Time
	Job      string
	Kind     EventKind
	Status   Status        // for EventFinished
	Duration time.Duration // for EventFinished
	Err      error         // for a failed job
	Reason   string        // why a job was skipped, reused or cancelled
	Item     string        // for EventProgress: the file or blob
	Done     int64         // for EventProgress: bytes done
	Total    int64         // for EventProgress: bytes in all, or -1
	Message  string        // for EventLog
}

func (o *options) emit(e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if o.onEvent != nil {
		o.onEvent(e)
	}
	attrs := []slog.Attr{slog.String("job", e.Job), slog.String("event", string(e.Kind))}
	level := slog.LevelInfo
	switch e.Kind {
	case EventFinished:
		attrs = append(attrs, slog.String("status", string(e.Status)), slog.Duration("duration", e.Duration))
		if e.Err != nil {
			level = slog.LevelError
			attrs = append(attrs, slog.String("error", e.Err.Error()))
		}
		if e.Reason != "" {
			attrs = append(attrs, slog.String("reason", e.Reason))
		}
	case EventProgress:
		level = slog.LevelDebug
		attrs = append(attrs, slog.String("item", e.Item), slog.Int64("done", e.Done), slog.Int64("total", e.Total))
	case EventLog:
		attrs = append(attrs, slog.String("message", e.Message))
	case EventPermission:
		level = slog.LevelDebug
		attrs = append(attrs, slog.String("grant", e.Item), slog.String("use", e.Message))
	}
	o.logger.LogAttrs(context.Background(), level, "release "+string(e.Kind), attrs...)
}
