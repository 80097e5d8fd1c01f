package ghperm

import "context"

// runningJob is what [WithJob] puts in a context.
type runningJob struct {
	name    string
	perms   Permissions
	granted func(scope string, need Access, use string)
}

type runningJobKey struct{}

// WithJob returns a copy of ctx that carries the running job: its name,
// the permissions it is granted, and granted, which [Require] calls with
// each use it allows (nil: none is reported).
func WithJob(ctx context.Context, name string, perms Permissions, granted func(scope string, need Access, use string)) context.Context {
	return context.WithValue(ctx, runningJobKey{}, &runningJob{name: name, perms: perms, granted: granted})
}

// JobOf returns the name and the granted permissions of the job ctx
// carries (see [WithJob]), and false when it carries none.
func JobOf(ctx context.Context) (name string, granted Permissions, ok bool) {
	rj, ok := ctx.Value(runningJobKey{}).(*runningJob)
	if !ok {
		return "", nil, false
	}
	return rj.name, rj.perms, true
}

// Require is the [Check] of the job ctx carries: it returns a
// [*PermissionError] when the job is not granted need on scope (use says
// what for), and otherwise reports the use to the job's granted callback
// and returns nil. A ctx that carries no job (see [WithJob]) has nothing
// to check: Require returns nil.
func Require(ctx context.Context, scope string, need Access, use string) error {
	rj, ok := ctx.Value(runningJobKey{}).(*runningJob)
	if !ok {
		return nil
	}
	if !rj.perms.Allows(scope, need) {
		return &PermissionError{Job: rj.name, Scope: scope, Need: need, Have: rj.perms, Use: use}
	}
	if rj.granted != nil {
		rj.granted(scope, need, use)
	}
	return nil
}
