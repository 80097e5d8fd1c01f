package release

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tagship/tagship/internal/interop"
	"github.com/tagship/tagship/oci"
)

var update = flag.Bool("update", false, "rewrite golden files")

// standardForExport is the standard release as a project exports it: a
// wheel, a ghcr.io image from a layout, PyPI and the GitHub release.
func standardForExport(t *testing.T, mod func(*StandardConfig)) *Pipeline {
	t.Helper()
	cfg := StandardConfig{Repository: "octo-org/hello-release", Tag: "vX.Y.Z", PyPIProject: "hello-release",
		ImageRepository: "ghcr.io/octo-org/hello-release",
		Platforms: []oci.PlatformSource{{Platform: "linux/amd64", Layout: "oci-layout"},
			{Platform: "linux/arm64", Layout: "oci-layout"}},
		Getenv: func(string) string { return "" }}
	if mod != nil {
		mod(&cfg)
	}
	p, err := Standard(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// exportOptions pin what would otherwise come from the test binary.
var exportOptions = WorkflowOptions{Version: "v0.4.0", GoVersion: "1.26.8"}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./release -run Golden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("workflow differs from %s (rerun with -update if intended):\n%s", golden, got)
	}
}

func TestGitHubWorkflowGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		golden string
		mod    func(*StandardConfig)
		opts   func(*WorkflowOptions)
	}{
		{golden: "release.yml.golden"},
		{golden: "release-options.yml.golden",
			mod: func(c *StandardConfig) {
				c.Python, c.PyPIContinueOnError, c.ImageRepository, c.Platforms, c.IndexURL = "none", true, "", nil, "https://test.pypi.org/legacy/"
			},
			opts: func(o *WorkflowOptions) {
				o.ActionRefs = ActionMajorTags
				o.Args = []string{"-build", "python3 -m build --outdir dist", "-repo", "octo-org/hello-release"}
				o.RetentionDays, o.TimeoutMinutes = 3, 20
				o.Env = map[string]string{"PIP_DISABLE_PIP_VERSION_CHECK": "1"}
			}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			t.Parallel()
			o := exportOptions
			if tc.opts != nil {
				tc.opts(&o)
			}
			got, err := standardForExport(t, tc.mod).GitHubWorkflow(o)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.golden, got)
		})
	}
}

// workflowDoc is the part of a workflow the tests read back.
type workflowDoc struct {
	On          map[string]any `yaml:"on"`
	Permissions map[string]string
	Env         map[string]string
	Jobs        map[string]struct {
		Needs           []string
		Permissions     map[string]string
		TimeoutMinutes  int  `yaml:"timeout-minutes"`
		ContinueOnError bool `yaml:"continue-on-error"`
		Environment     struct{ Name, URL string }
		Env             map[string]string
		Steps           []struct {
			Name string
			Uses string
			With map[string]any
			Env  map[string]string
			Run  string
		}
	}
}

func parseWorkflow(t *testing.T, wf []byte) workflowDoc {
	t.Helper()
	var doc workflowDoc
	if err := yaml.Unmarshal(wf, &doc); err != nil {
		t.Fatalf("exported workflow is not YAML: %v\n%s", err, wf)
	}
	return doc
}

// TestGitHubWorkflowPermissionMatrix reads the export back as YAML: every
// job has exactly the grants of the matrix, and nothing is granted at the
// workflow level.
func TestGitHubWorkflowPermissionMatrix(t *testing.T) {
	t.Parallel()
	wf, err := standardForExport(t, nil).GitHubWorkflow(exportOptions)
	if err != nil {
		t.Fatal(err)
	}
	doc := parseWorkflow(t, wf)
	if doc.Permissions == nil || len(doc.Permissions) != 0 || !bytes.Contains(wf, []byte("\npermissions: {}\n")) {
		t.Errorf("workflow-level permissions %v, want {}", doc.Permissions)
	}
	matrix := []struct {
		job      string
		grants   map[string]string
		checkout bool
		secrets  []string
		env      string
	}{
		{JobPreflight, map[string]string{"contents": "read"}, true, nil, ""},
		{JobBuildWheel, map[string]string{"contents": "read", "id-token": "write"}, true, []string{"GITHUB_TOKEN"}, ""},
		{JobBuildImage, map[string]string{"contents": "read", "id-token": "write", "packages": "write"}, true, []string{"GITHUB_TOKEN"}, ""},
		{JobPublishPyPI, map[string]string{"id-token": "write"}, false, nil, "pypi https://pypi.org/p/hello-release"},
		{JobPublishRelease, map[string]string{"contents": "write", "id-token": "write"}, true, []string{"GITHUB_TOKEN"}, ""},
	}
	if len(doc.Jobs) != len(matrix) {
		t.Fatalf("%d jobs, want %d", len(doc.Jobs), len(matrix))
	}
	for _, m := range matrix {
		j, ok := doc.Jobs[m.job]
		if !ok {
			t.Errorf("no job %s", m.job)
			continue
		}
		if fmt.Sprint(j.Permissions) != fmt.Sprint(m.grants) {
			t.Errorf("%s: permissions %v, want %v", m.job, j.Permissions, m.grants)
		}
		if got := strings.TrimSpace(j.Environment.Name + " " + j.Environment.URL); got != m.env {
			t.Errorf("%s: environment %q, want %q", m.job, got, m.env)
		}
		if j.TimeoutMinutes <= 0 {
			t.Errorf("%s: no timeout-minutes", m.job)
		}
		checkout := false
		var secrets []string
		for _, s := range j.Steps {
			if strings.HasPrefix(s.Uses, ActionCheckout+"@") {
				checkout = true
				if s.With["persist-credentials"] != false {
					t.Errorf("%s: checkout persists credentials: %v", m.job, s.With)
				}
			}
			for k, v := range s.Env {
				if strings.Contains(v, "secrets.") {
					if !strings.HasPrefix(s.Name, "Run ") {
						t.Errorf("%s: secret %s in step %q, not the run step", m.job, k, s.Name)
					}
					secrets = append(secrets, k)
				}
			}
			if strings.HasPrefix(s.Uses, ActionUploadArtifact+"@") && s.With["retention-days"] != 7 {
				t.Errorf("%s: upload %v without retention-days: 7", m.job, s.With)
			}
		}
		if checkout != m.checkout {
			t.Errorf("%s: checkout %v, want %v (only jobs granted contents check out)", m.job, checkout, m.checkout)
		}
		if fmt.Sprint(secrets) != fmt.Sprint(m.secrets) {
			t.Errorf("%s: secrets %v, want %v", m.job, secrets, m.secrets)
		}
		for k, v := range j.Env {
			if strings.Contains(v, "secrets") || k == "GITHUB_TOKEN" {
				t.Errorf("%s: job-level env %s=%s", m.job, k, v)
			}
		}
	}
	if len(doc.Env) != 0 {
		t.Errorf("workflow-level env %v", doc.Env)
	}
}

var pinnedUses = regexp.MustCompile(`^\s+(- )?uses: ([a-z0-9-]+/[a-z0-9-]+)@([0-9a-f]{40}) # (v[0-9]+\.[0-9]+\.[0-9]+)$`)

// TestGitHubWorkflowPinsActions: every uses: is a commit from the table,
// with that release as its comment; tags only when asked for.
func TestGitHubWorkflowPinsActions(t *testing.T) {
	t.Parallel()
	p := standardForExport(t, nil)
	wf, err := p.GitHubWorkflow(exportOptions)
	if err != nil {
		t.Fatal(err)
	}
	table := map[string]ActionPin{}
	for _, a := range DefaultActions() {
		table[a.Repo] = a
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(string(wf), "\n") {
		if !strings.Contains(line, "uses:") {
			continue
		}
		m := pinnedUses.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("not pinned by commit with its release as comment: %s", line)
			continue
		}
		if a := table[m[2]]; a.Commit != m[3] || a.Version != m[4] {
			t.Errorf("%s: not the table's pin %+v", line, a)
		}
		seen[m[2]] = true
	}
	for _, a := range []string{ActionCheckout, ActionSetupGo, ActionSetupPython, ActionUploadArtifact, ActionDownloadArtifact} {
		if !seen[a] {
			t.Errorf("%s not used", a)
		}
	}
	for refs, want := range map[ActionRefs]string{ActionTags: "actions/checkout@v7.0.1\n", ActionMajorTags: "actions/checkout@v7\n"} {
		o := exportOptions
		o.ActionRefs = refs
		wf, err := p.GitHubWorkflow(o)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(wf, []byte(want)) || regexp.MustCompile(`@[0-9a-f]{40}`).Match(wf) {
			t.Errorf("ActionRefs %d: want %q and no commit", refs, want)
		}
	}
	// A pin given in the options replaces the table's.
	o := exportOptions
	o.Actions = []ActionPin{{Repo: ActionCheckout, Version: "v7.1.0", Commit: strings.Repeat("ab", 20)}}
	if wf, err := p.GitHubWorkflow(o); err != nil || !bytes.Contains(wf, []byte("actions/checkout@"+strings.Repeat("ab", 20)+" # v7.1.0")) {
		t.Errorf("override not used: %v", err)
	}
}

// TestGitHubWorkflowQuoting runs the exported run: lines through real
// shells: every argument arrives as one word, byte for byte.
func TestGitHubWorkflowQuoting(t *testing.T) {
	t.Parallel()
	args := []string{
		"plain", "two words", "it's", `say "hi"`, "$HOME", "$(id)", "`id`", `back\slash`, `\`, "", "*", "a;b", "x&&y",
		"'", "''", "--flag=a b", "-build", "python3 -m build --outdir dist", "tab\there", "ünïcode", "~", "#comment", "!bang",
	}
	p, err := New([]Job{{Name: "only", Run: noop}})
	if err != nil {
		t.Fatal(err)
	}
	o := exportOptions
	o.Command = `printf '%s\0'`
	for _, a := range args {
		if strings.ContainsRune(a, '\t') {
			continue // a control character: refused, below
		}
		o.Args = append(o.Args, a)
	}
	wf, err := p.GitHubWorkflow(o)
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, s := range parseWorkflow(t, wf).Jobs["only"].Steps {
		if s.Name == "Run only" {
			line = s.Run
		}
	}
	want := append([]string{"-state", ".tagship", "-job", "only"}, o.Args...)
	for _, sh := range []string{"bash", "sh"} {
		path, err := exec.LookPath(sh)
		if err != nil {
			continue
		}
		out, err := exec.Command(path, "-e", "-c", line).Output()
		if err != nil {
			t.Fatalf("%s -c %s: %v", sh, line, err)
		}
		got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
		if !slices.Equal(got, want) {
			t.Errorf("%s split the run line into\n%q\nwant\n%q\nline: %s", sh, got, want, line)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"}, {"two words", "'two words'"}, {"it's", `'it'\''s'`}, {"", "''"}, {"$HOME", "'$HOME'"},
		{`back\slash`, `'back\slash'`}, {"a=b,c:d/e@f", "a=b,c:d/e@f"},
	} {
		if got := ShellQuote(tc.in); got != tc.want {
			t.Errorf("ShellQuote(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestGitHubWorkflowRefusesUnsafeValues(t *testing.T) {
	t.Parallel()
	p := standardForExport(t, nil)
	for name, o := range map[string]WorkflowOptions{
		"newline in command":     {Command: "go run .\nrm -rf /"},
		"expression in argument": {Args: []string{"${{ github.event.head_commit.message }}"}},
		"newline in argument":    {Args: []string{"a\nb"}},
		"tab in argument":        {Args: []string{"a\tb"}},
		"expression in name":     {Name: "${{ x }}"},
		"secret in workflow env": {Env: map[string]string{"TOKEN": "${{ secrets.PAT }}"}},
		"token in workflow env":  {Env: map[string]string{"GITHUB_TOKEN": "x"}},
		"bad version":            {Version: "v1 && curl evil"},
		"state outside":          {StateDir: "../x"},
		"retention":              {RetentionDays: 400},
		"unknown ref mode":       {ActionRefs: 9},
		"short commit":           {Actions: []ActionPin{{Repo: ActionCheckout, Version: "v7.0.1", Commit: "3d3c42e"}}},
	} {
		if o.Version == "" {
			o.Version = exportOptions.Version
		}
		o.GoVersion = exportOptions.GoVersion
		if _, err := p.GitHubWorkflow(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for name, j := range map[string]Job{
		"unpinned step":      {Steps: []Step{{Uses: "someone/action@v1"}}},
		"unknown action":     {Steps: []Step{{Uses: "someone/action"}}},
		"expression in run":  {Steps: []Step{{Run: "echo ${{ github.head_ref }}"}}},
		"uses and run":       {Steps: []Step{{Uses: ActionSetupPython, Run: "x"}}},
		"secret in job env":  {Env: map[string]string{"X": "${{ secrets.X }}"}},
		"bad secret name":    {Secrets: map[string]string{"X": "A B"}},
		"url without env":    {EnvironmentURL: "https://pypi.org/p/x"},
		"secret in step env": {Steps: []Step{{Run: "true", Env: map[string]string{"T": "${{ secrets.T }}"}}}},
	} {
		j.Name, j.Run = "j", noop
		p, err := New([]Job{j})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := p.GitHubWorkflow(exportOptions); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A step pinned by commit is accepted as given.
	sha := strings.Repeat("0a", 20)
	p2, _ := New([]Job{{Name: "j", Run: noop, Steps: []Step{{Uses: "someone/action@" + sha}}}})
	if wf, err := p2.GitHubWorkflow(exportOptions); err != nil || !bytes.Contains(wf, []byte("someone/action@"+sha+"\n")) {
		t.Errorf("commit-pinned step: %v", err)
	}
	for name, perms := range map[string]Permissions{
		"unknown scope": {"contentz": Read}, "bad level": {ScopeContents: "admin"}, "id-token read": {ScopeIDToken: Read},
	} {
		if _, err := New([]Job{{Name: "j", Run: noop, Permissions: perms}}); err == nil {
			t.Errorf("%s: New accepted %v", name, perms)
		}
	}
}

func TestGitHubWorkflowDefaultCommand(t *testing.T) {
	t.Parallel()
	p := standardForExport(t, nil)
	wf, err := p.GitHubWorkflow(WorkflowOptions{Version: "v0.4.0", GoVersion: "1.26"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"run: 'go run github.com/tagship/tagship/examples/release@v0.4.0 -state .tagship -job build-wheel'",
		"go-version: '1.26'\n", // quoted: a bare 1.26 is a YAML number
	} {
		if !bytes.Contains(wf, []byte(want)) {
			t.Errorf("workflow lacks %q", want)
		}
	}
	if bytes.Contains(wf, []byte("go-version-file")) || bytes.Contains(wf, []byte("./examples")) {
		t.Error("workflow needs the repository to be a Go module")
	}
	// The test binary is a local build: no version to default to.
	if _, ok := ModuleVersion(); !ok {
		if _, err := p.GitHubWorkflow(WorkflowOptions{GoVersion: "1.26"}); err == nil || !strings.Contains(err.Error(), "Version") {
			t.Errorf("no version, no error: %v", err)
		}
	}
}

// TestGitHubWorkflowActionlint runs the real actionlint, with its
// shellcheck integration, over the exports.
func TestGitHubWorkflowActionlint(t *testing.T) {
	t.Parallel()
	bin := interop.Tool(t, "actionlint")
	shellcheck, err := exec.LookPath("shellcheck")
	if err != nil {
		if interop.Required() {
			t.Fatal("shellcheck not on PATH (apt-get install shellcheck)")
		}
		t.Skip("shellcheck not on PATH (apt-get install shellcheck)")
	}
	lint := func(t *testing.T, wf []byte) ([]byte, error) {
		dir := t.TempDir()
		path := filepath.Join(dir, ".github", "workflows", "release.yml")
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, wf, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "-no-color", "-shellcheck", shellcheck, path)
		cmd.Dir = dir
		return cmd.CombinedOutput()
	}
	for _, golden := range []string{"release.yml.golden", "release-options.yml.golden"} {
		wf, err := os.ReadFile(filepath.Join("testdata", golden))
		if err != nil {
			t.Fatal(err)
		}
		if out, err := lint(t, wf); err != nil {
			t.Errorf("actionlint %s: %v\n%s", golden, err, out)
		}
	}
	// The shellcheck integration is live: an unquoted variable in a run:
	// step of the same workflow is reported.
	wf, _ := os.ReadFile(filepath.Join("testdata", "release.yml.golden"))
	bad := bytes.Replace(wf, []byte(`>> "$GITHUB_ENV"`), []byte(`>> $GITHUB_ENV`), 1)
	if out, err := lint(t, bad); err == nil || !bytes.Contains(out, []byte("SC2086")) {
		t.Errorf("actionlint did not report shellcheck's SC2086 (%v):\n%s", err, out)
	}
	if v, err := exec.Command(bin, "-version").Output(); err == nil {
		t.Logf("actionlint %s with %s: clean", strings.SplitN(string(v), "\n", 2)[0], shellcheck)
	}
}
