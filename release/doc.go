// Package release runs a release as a pipeline of jobs with dependency
// edges, and builds the standard tag-triggered release from tagship's
// packages. It holds the engine ([Pipeline]) and the standard release
// ([Standard]) only: the maintainer's checklist before the tag lives in
// release/prepare, the downstream user's verification of a published
// release in release/verify.
//
// # Pipeline
//
// A [Pipeline] is a validated DAG of [Job]s: [New] refuses duplicate names,
// unknown dependencies and cycles, naming the jobs involved. [Pipeline.Run]
// starts each job as soon as every job it needs has succeeded, at most
// [WithMaxParallel] at once. A failed job's dependents are skipped with the
// reason; independent jobs keep going unless [WithFailFast]. Cancelling the
// context stops everything promptly and the [Report] says which jobs were
// cancelled. A panicking job fails; it does not crash the release.
//
// Jobs hand results to later jobs through the pipeline, never through
// globals: a job's Run returns a JSON-marshalable value which dependent
// jobs read with [Get] (only along the graph's edges). With
// [WithStateDir], every job's status, input fingerprint and output are
// recorded (one file per job), so a rerun of the same tag skips the jobs
// that already succeeded with the same inputs and re-runs only the failed
// ones — the reference workflow's "re-run failed jobs". The state directory
// is locked during a run: a second concurrent run of the same release gets
// [ErrRunInProgress].
//
// Progress is reported as [Event]s to a callback ([WithEvents]) and to an
// injected *slog.Logger ([WithLogger]); nothing is printed. [Report.Table]
// is the final summary; [Pipeline.Plan] is the dry run.
//
// # GitHub Actions
//
// [Pipeline.GitHubWorkflow] exports the same pipeline as a workflow: strict
// version tags as the only trigger (no manual runs: their signing identity
// is branch-based), a concurrency group per ref, one job per pipeline job
// with needs: from the edges, results handed between jobs as workflow
// artifacts, each job running [Pipeline.RunJob] by name. It is
// least-privilege by construction: nothing is granted at the workflow
// level, each job gets its [Job.Permissions] only, secrets reach only the
// run step of the jobs that name them ([Job.Secrets]), and every action is
// pinned by commit ([DefaultActions]).
//
// # Permissions
//
// A job's declared permissions also hold in-process: the engine gives its
// Run a context that knows them, and [Require], [CheckedTokenSource] and
// [CheckedTransport] refuse a capability the job was not granted with a
// [*PermissionError], as GitHub would on the runner. A test that runs the
// pipeline therefore fails when a job uses more than it declares.
package release
