// Package ghworkflow renders GitHub Actions workflows from plain data, and
// is the one home of the rules that make such a workflow safe to write:
// YAML and POSIX shell quoting, the checks on every value written into it,
// and the table of actions pinned by commit.
//
// The contract: [Render] takes a [Workflow] (jobs in order, each with its
// needs, permissions, environment, timeout, steps, one command it runs and
// the artifacts it downloads and uploads) and returns the workflow's bytes,
// or an error naming the first value it refuses. It writes the same bytes
// for the same Workflow (maps are written in key order). It never grants a
// permission at the workflow level (permissions: {}), gives secrets to the
// run step of their job only, checks the repository out without persisting
// the token, and refers to every action through the action table ([Pin],
// [DefaultActions]) by commit unless [Tags] or [MajorTags] are asked for.
// What it cannot quote safely it refuses: control characters anywhere,
// GitHub expressions (${{ }}) in names, labels and run lines (GitHub
// evaluates them before the shell sees the line), secrets and tokens in
// env blocks that several steps share, paths that leave the workspace.
//
// [Export] is the release workflow of a pipeline on top of Render: the
// defaults of its [Options] and their checks, one job per pipeline job
// running one command for it, the header comment, each job's timeout in
// whole minutes, and the artifacts that hand a job's state file and its
// Paths to the jobs after it (given, per job, the set of jobs before it).
// release.WorkflowOptions is its [Options] type, and its error texts name
// the options so ("set WorkflowOptions.Version").
//
// The package knows nothing of what the jobs do: release.Pipeline
// translates its jobs into an Export (its GitHubWorkflow method), and
// re-exports the pin table and [Step] as its public API.
//
// [ModuleVersion] and [GoVersion] read the versions an exported workflow
// pins (the module to run, the Go release to set up) from the build
// information of the running binary.
package ghworkflow
