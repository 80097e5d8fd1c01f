package ghworkflow_test

import (
	"fmt"
	"strings"

	"github.com/tagship/tagship/internal/ghworkflow"
)

// A one-job workflow: triggered by tags only, nothing granted at the
// workflow level, the job's actions pinned by commit from the table.
func ExampleRender() {
	out, err := ghworkflow.Render(ghworkflow.Workflow{
		Name: "release", Tags: []string{"v[0-9]+.[0-9]+.[0-9]+"}, Concurrency: "release-${{ github.ref }}",
		RunsOn: "ubuntu-latest", GoVersion: "1.26.8", RetentionDays: 7, Actions: ghworkflow.DefaultActions(),
		Jobs: []ghworkflow.Job{{
			ID: "hello", TimeoutMinutes: 5, Permissions: map[string]string{"contents": "read"}, Checkout: true,
			Run: "echo", Args: []string{"hello, world"},
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(out))
	// Output:
	// name: release
	// on:
	//   push:
	//     tags:
	//       - 'v[0-9]+.[0-9]+.[0-9]+'
	// permissions: {}
	// concurrency:
	//   group: 'release-${{ github.ref }}'
	//   cancel-in-progress: true
	// jobs:
	//   hello:
	//     name: hello
	//     runs-on: ubuntu-latest
	//     timeout-minutes: 5
	//     permissions:
	//       contents: read
	//     steps:
	//       - name: Check out the repository
	//         uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
	//         with:
	//           persist-credentials: false
	//       - name: Set up Go
	//         uses: actions/setup-go@b7ad1dad31e06c5925ef5d2fc7ad053ef454303e # v7.0.0
	//         with:
	//           go-version: 1.26.8
	//           cache: false
	//       - name: Run hello
	//         run: 'echo ''hello, world'''
}

// An action outside the table is refused, not written unpinned.
func ExampleErrNotPinned() {
	_, err := ghworkflow.Render(ghworkflow.Workflow{
		Name: "ci", RunsOn: "ubuntu-latest", GoVersion: "1.26.8", RetentionDays: 1, Actions: ghworkflow.DefaultActions(),
		Jobs: []ghworkflow.Job{{ID: "lint", TimeoutMinutes: 5, Run: "true",
			Steps: []ghworkflow.Step{{Uses: "golangci/golangci-lint-action"}}}},
	})
	fmt.Println(err)
	// Output: action golangci/golangci-lint-action: action not pinned by commit: it is not in the action table; add a pin for it
}

// A two-job pipeline as a release workflow: build hands its state and
// dist/ to publish as artifacts. Shown: the jobs and their steps.
func ExampleExport() {
	out, err := ghworkflow.Export{
		Options: ghworkflow.Options{Name: "release", Version: "v0.4.0", GoVersion: "1.26.8"},
		Module:  "example.com/tool", Package: "example.com/tool/cmd/release", Tags: []string{"v[0-9]+.[0-9]+.[0-9]+"},
		Jobs: []ghworkflow.ExportJob{
			{Job: ghworkflow.Job{ID: "build", Permissions: map[string]string{"contents": "read"}, Checkout: true}, Paths: []string{"dist/"}},
			{Job: ghworkflow.Job{ID: "publish", Needs: []string{"build"}}, After: map[string]bool{"build": true}},
		},
	}.Render()
	if err != nil {
		fmt.Println(err)
		return
	}
	_, jobs, _ := strings.Cut(string(out), "\njobs:\n")
	for _, line := range strings.Split(jobs, "\n") {
		if strings.HasSuffix(line, ":") && !strings.HasPrefix(line, "   ") || strings.Contains(line, "- name:") || strings.Contains(line, "run:") {
			fmt.Println(line)
		}
	}
	// Output:
	//   build:
	//       - name: Check out the repository
	//       - name: Set up Go
	//       - name: Run build
	//         run: 'go run example.com/tool/cmd/release@v0.4.0 -state .tagship -job build'
	//       - name: Upload .tagship/build.json
	//       - name: Upload dist/
	//   publish:
	//       - name: Set up Go
	//       - name: Download the state of earlier jobs
	//       - name: Download dist/ from build
	//       - name: Run publish
	//         run: 'go run example.com/tool/cmd/release@v0.4.0 -state .tagship -job publish'
	//       - name: Upload .tagship/publish.json
}
