package ghworkflow

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// sample is a two-job workflow that uses every field.
func sample() Workflow {
	return Workflow{
		Comment: []string{"generated"}, Name: "release", Tags: []string{"v[0-9]+"},
		Concurrency: "release-${{ github.ref }}", Env: map[string]string{"B": "2", "A": "yes"},
		RunsOn: "ubuntu-latest", GoVersion: "1.26", RetentionDays: 7, Actions: DefaultActions(),
		Jobs: []Job{
			{ID: "build", TimeoutMinutes: 10, Permissions: map[string]string{"contents": "read", "id-token": "write"}, Checkout: true,
				Steps: []Step{{Name: "Set up Python", Uses: SetupPython, With: map[string]string{"python-version": "3.x"}}, {Run: "echo hi", Env: map[string]string{"X": "1"}}},
				Run:   "go run ./cmd", Args: []string{"-job", "build", "two words"},
				Secrets: map[string]string{"GITHUB_TOKEN": "GITHUB_TOKEN"},
				Uploads: []Artifact{{Name: "state-build", Path: "state/build.json"}, {Name: "files-build-0", Path: "dist/"}}},
			{ID: "publish", Needs: []string{"build"}, TimeoutMinutes: 5, ContinueOnError: true,
				Environment: "pypi", EnvironmentURL: "https://pypi.org/p/x", Env: map[string]string{"Y": "${{ github.ref_name }}"},
				Downloads: []Artifact{{Step: "Download the state", Name: "state-*", Path: "state"}, {Name: "files-build-0", Path: "dist/"}},
				Run:       "go run ./cmd", Args: []string{"-image-build", `push "oci:$LAYOUT"`}},
		},
	}
}

// doc is what the tests read back from a rendered workflow.
type doc struct {
	Name        string
	On          struct{ Push struct{ Tags []string } }
	Permissions map[string]string
	Env         map[string]string
	Jobs        map[string]docJob
}

type docJob struct {
	Needs           []string
	TimeoutMinutes  int  `yaml:"timeout-minutes"`
	ContinueOnError bool `yaml:"continue-on-error"`
	Permissions     map[string]string
	Environment     struct{ Name, URL string }
	Env             map[string]string
	Steps           []docStep
}

type docStep struct {
	Name, Uses, Run string
	With            map[string]any
	Env             map[string]string
}

func TestRender(t *testing.T) {
	t.Parallel()
	out, err := Render(sample())
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Render(sample())
	if !bytes.Equal(out, again) {
		t.Error("two renders of the same workflow differ")
	}
	var d doc
	if err := yaml.Unmarshal(out, &d); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "# generated\n") || d.Name != "release" || d.On.Push.Tags[0] != "v[0-9]+" ||
		d.Permissions == nil || len(d.Permissions) != 0 || d.Env["A"] != "yes" {
		t.Errorf("workflow level wrong:\n%s", out)
	}
	var names []string
	for _, s := range d.Jobs["build"].Steps {
		names = append(names, s.Name)
	}
	want := "Check out the repository|Set up Go|Set up Python|echo hi|Run build|Upload state/build.json|Upload dist/"
	if got := strings.Join(names, "|"); got != want {
		t.Errorf("build steps %s, want %s", got, want)
	}
	build, publish := d.Jobs["build"], d.Jobs["publish"]
	for _, tc := range []struct {
		what      string
		got, want any
	}{
		{"checkout token", build.Steps[0].With["persist-credentials"], false},
		{"go version", build.Steps[1].With["go-version"], "1.26"},
		{"pin", build.Steps[2].Uses, SetupPython + "@5fda3b95a4ea91299a34e894583c3862153e4b97"},
		{"run line", build.Steps[4].Run, "go run ./cmd -job build 'two words'"},
		{"secret", build.Steps[4].Env["GITHUB_TOKEN"], "${{ secrets.GITHUB_TOKEN }}"},
		{"retention", build.Steps[6].With["retention-days"], 7},
		{"permissions", build.Permissions["id-token"], "write"},
		{"needs", publish.Needs[0], "build"},
		{"continue-on-error", publish.ContinueOnError, true},
		{"environment", publish.Environment.URL, "https://pypi.org/p/x"},
		{"no checkout", publish.Steps[0].Name, "Set up Go"},
		{"merged download", publish.Steps[1].With["merge-multiple"], true},
		{"named download", publish.Steps[2].Name + " " + publish.Steps[2].With["name"].(string), "Download dist/ files-build-0"},
		{"shellcheck", strings.HasPrefix(publish.Steps[3].Run, "# shellcheck disable=SC2016"), true},
		{"timeout", publish.TimeoutMinutes, 5},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %v, want %v", tc.what, tc.got, tc.want)
		}
	}
}

func TestRenderRefuses(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		mod       func(*Workflow)
		notPinned bool
	}{
		"expression in name":     {mod: func(w *Workflow) { w.Name = "${{ x }}" }},
		"newline in comment":     {mod: func(w *Workflow) { w.Comment = []string{"a\nname: x"} }},
		"secret in workflow env": {mod: func(w *Workflow) { w.Env = map[string]string{"T": "${{ secrets.T }}"} }},
		"retention":              {mod: func(w *Workflow) { w.RetentionDays = 91 }},
		"no retention":           {mod: func(w *Workflow) { w.RetentionDays = 0 }},
		"unknown refs":           {mod: func(w *Workflow) { w.Refs = 9 }},
		"bad pin":                {mod: func(w *Workflow) { w.Actions = append(w.Actions, Pin{Checkout, "v7", "abc"}) }},
		"no pin":                 {mod: func(w *Workflow) { w.Actions = nil }, notPinned: true},
		"bad job id":             {mod: func(w *Workflow) { w.Jobs[0].ID = "a b" }},
		"bad needs":              {mod: func(w *Workflow) { w.Jobs[1].Needs = []string{"x]"} }},
		"no timeout":             {mod: func(w *Workflow) { w.Jobs[0].TimeoutMinutes = 0 }},
		"bad permission":         {mod: func(w *Workflow) { w.Jobs[0].Permissions["contents"] = "read\nx" }},
		"url without env":        {mod: func(w *Workflow) { w.Jobs[0].EnvironmentURL = "https://x" }},
		"secret in job env":      {mod: func(w *Workflow) { w.Jobs[0].Env = map[string]string{"X": "${{ secrets.X }}"} }},
		"bad secret name":        {mod: func(w *Workflow) { w.Jobs[0].Secrets = map[string]string{"X": "A B"} }},
		"uses and run":           {mod: func(w *Workflow) { w.Jobs[0].Steps[0].Run = "x" }},
		"neither uses nor run":   {mod: func(w *Workflow) { w.Jobs[0].Steps[0].Uses = "" }},
		"expression in run":      {mod: func(w *Workflow) { w.Jobs[0].Steps[1].Run = "echo ${{ github.head_ref }}" }},
		"bad with key":           {mod: func(w *Workflow) { w.Jobs[0].Steps[0].With = map[string]string{"a b": "x"} }},
		"secret in step env":     {mod: func(w *Workflow) { w.Jobs[0].Steps[1].Env = map[string]string{"T": "${{ secrets.T }}"} }},
		"unpinned step":          {mod: func(w *Workflow) { w.Jobs[0].Steps[0].Uses = "someone/action@v1" }, notPinned: true},
		"expression in command":  {mod: func(w *Workflow) { w.Jobs[0].Run = "go run ${{ x }}" }},
		"newline in argument":    {mod: func(w *Workflow) { w.Jobs[0].Args = []string{"a\nb"} }},
		"path outside":           {mod: func(w *Workflow) { w.Jobs[0].Uploads[0].Path = "../x" }},
		"absolute path":          {mod: func(w *Workflow) { w.Jobs[1].Downloads[1].Path = "/x" }},
		"empty artifact":         {mod: func(w *Workflow) { w.Jobs[0].Uploads[0].Name = "" }},
		"step name with colon":   {mod: func(w *Workflow) { w.Jobs[1].Downloads[0].Step = "Download: x" }},
	} {
		w := sample()
		tc.mod(&w)
		_, err := Render(w)
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if errors.Is(err, ErrNotPinned) != tc.notPinned {
			t.Errorf("%s: %v: errors.Is(ErrNotPinned) = %v", name, err, !tc.notPinned)
		}
	}
}

// FuzzRender puts arbitrary text in every free-text field: Render refuses
// it or writes YAML that reads back with the value unchanged.
func FuzzRender(f *testing.F) {
	for _, s := range []string{"x", "", "it's", "a: b", "${{ x }}", "1.20", "yes", "$HOME", "- x", "# y", "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w := sample()
		w.Name, w.Env["A"], w.RunsOn = s, s, s
		j := &w.Jobs[0]
		j.Env = map[string]string{"S": s}
		j.Steps[0].With["python-version"] = s
		j.Steps[1].Run = s
		j.Steps[1].Name = s
		out, err := Render(w)
		if err != nil {
			return
		}
		var d doc
		if err := yaml.Unmarshal(out, &d); err != nil {
			t.Fatalf("%q: %v\n%s", s, err, out)
		}
		b := d.Jobs["build"]
		if d.Name != s || d.Env["A"] != s || b.Env["S"] != s || b.Steps[2].With["python-version"] != s || b.Steps[3].Run != s {
			t.Fatalf("%q did not read back:\n%s", s, out)
		}
	})
}
