package ghrelease

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tagship/tagship/ghrelease/ghreleasetest"
	"github.com/tagship/tagship/internal/interop"
)

// ghEnv runs the real gh CLI against srv over TLS, isolated from the
// machine's gh configuration.
func ghEnv(t *testing.T, srv *ghreleasetest.Server) []string {
	t.Helper()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, srv.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "GH_CONFIG_DIR=" + filepath.Join(dir, "gh"),
		"GH_HOST=" + srv.Host(), "GH_ENTERPRISE_TOKEN=" + srv.Token(), "SSL_CERT_FILE=" + ca,
		"GH_NO_UPDATE_NOTIFIER=1", "GH_PROMPT_DISABLED=1", "NO_COLOR=1", "GH_SPINNER_DISABLED=1",
	}
}

func runGH(t *testing.T, gh string, env []string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, gh, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gh %s: %v\n%s\n%s", strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return out
}

// TestInteropGHCLI: the real gh CLI reads what Publish published.
func TestInteropGHCLI(t *testing.T) {
	t.Parallel()
	gh := interop.Tool(t, "gh")
	srv := ghreleasetest.New(t, ghreleasetest.WithTLS())

	contents := map[string]string{
		"securescan-0.11.0-py3-none-any.whl":               strings.Repeat("wheel", 50000),
		"securescan-0.11.0-py3-none-any.whl.sigstore.json": `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`,
		"securescan-0.11.0.tar.gz":                         strings.Repeat("sdist", 40000),
		"securescan-0.11.0.tar.gz.sigstore.json":           `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","x":1}`,
	}
	f := makeFiles(t, contents)
	sbomPath := filepath.Join(f.dir, SBOMAssetName("securescan", "0.11.0"))
	sb, err := SBOM(context.Background(), SBOMInput{Name: "securescan", Version: "0.11.0", Files: []string{f.paths["securescan-0.11.0-py3-none-any.whl"], f.paths["securescan-0.11.0.tar.gz"]}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sbomPath, sb, 0o644); err != nil {
		t.Fatal(err)
	}
	contents[filepath.Base(sbomPath)] = string(sb)

	d := refData()
	notes, err := Notes(d)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := newPub(t, srv)
	assets := f.assets("securescan-0.11.0-py3-none-any.whl", "securescan-0.11.0-py3-none-any.whl.sigstore.json", "securescan-0.11.0.tar.gz", "securescan-0.11.0.tar.gz.sigstore.json")
	assets = append(assets, Asset{Path: sbomPath})
	if _, err := p.Publish(context.Background(), Release{Owner: "Metbcy", Repo: "securescan", Tag: "v0.11.0", Body: notes, Assets: assets}); err != nil {
		t.Fatal(err)
	}

	env := ghEnv(t, srv)
	repo := srv.Host() + "/Metbcy/securescan"
	text := runGH(t, gh, env, "release", "view", "v0.11.0", "-R", repo)
	for _, want := range []string{"Verifying signed artifacts", "sigstore verify identity", "cosign verify-blob", "securescan-0.11.0.tar.gz.sigstore.json"} {
		if !bytes.Contains(text, []byte(want)) {
			t.Errorf("gh release view does not show %q:\n%s", want, text)
		}
	}
	var view struct {
		Body    string `json:"body"`
		IsDraft bool   `json:"isDraft"`
		TagName string `json:"tagName"`
		Assets  []struct {
			Name string `json:"name"`
			Size int64  `json:"size"`
		} `json:"assets"`
	}
	if err := json.Unmarshal(runGH(t, gh, env, "release", "view", "v0.11.0", "-R", repo, "--json", "body,isDraft,tagName,assets"), &view); err != nil {
		t.Fatal(err)
	}
	if view.Body != notes || view.IsDraft || view.TagName != "v0.11.0" || len(view.Assets) != 6 {
		t.Fatalf("gh sees body-equal=%v draft=%v tag=%q assets=%d", view.Body == notes, view.IsDraft, view.TagName, len(view.Assets))
	}

	out := t.TempDir()
	runGH(t, gh, env, "release", "download", "v0.11.0", "-R", repo, "-D", out)
	sums, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := ParseChecksums(sums)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range contents {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Errorf("gh did not download %s: %v", name, err)
			continue
		}
		h := sha256.Sum256(got)
		if hex.EncodeToString(h[:]) != hexsum(c) || parsed[name] != hexsum(c) {
			t.Errorf("%s: downloaded sha256 %x, local %s, SHA256SUMS %s", name, h, hexsum(c), parsed[name])
		}
	}
	// The checksums file is what coreutils expects.
	if sha, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command(sha, "-c", "SHA256SUMS")
		cmd.Dir = out
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("sha256sum -c SHA256SUMS: %v\n%s", err, msg)
		}
	}
}

// octokitFixtures starts @octokit/fixtures-server (recorded api.github.com
// answers) on 127.0.0.1 through testdata/octokit-fixtures-server.mjs.
func octokitFixtures(t *testing.T) string {
	t.Helper()
	node := interop.Tool(t, "node")
	mods := os.Getenv("TAGSHIP_NODE_MODULES")
	if mods == "" {
		if root, ok := interop.RepoRoot(); ok {
			mods = filepath.Join(root, "tools", "node", "node_modules")
		}
	}
	if _, err := os.Stat(filepath.Join(mods, "@octokit", "fixtures-server", "index.js")); err != nil {
		msg := "interop: npm @octokit/fixtures-server@8.1.7 not found in " + mods + " (set TAGSHIP_NODE_MODULES or run tools/build.sh)"
		if interop.Required() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "octokit-fixtures-server.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, script, mods)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		if s.Scan() {
			line <- s.Text()
		}
		close(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case l, ok := <-line:
		var ready struct{ URL string }
		if !ok || json.Unmarshal([]byte(l), &ready) != nil || !strings.HasPrefix(ready.URL, "http://127.0.0.1:") {
			t.Fatalf("fixtures server did not start: %q", l)
		}
		return ready.URL
	case <-time.After(30 * time.Second):
		t.Fatal("fixtures server did not start within 30s")
	}
	return ""
}

const octokitToken = "0000000000000000000000000000000000000001"

// loadScenario returns the API and uploads roots for a fresh copy of a
// recorded scenario.
func loadScenario(t *testing.T, server, scenario string) (api, uploads string) {
	t.Helper()
	resp, err := http.Post(server+"/fixtures", "application/json", strings.NewReader(fmt.Sprintf(`{"scenario":%q}`, scenario)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var fx struct{ ID, URL string }
	if err := json.NewDecoder(resp.Body).Decode(&fx); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("loading scenario %s: %d %v", scenario, resp.StatusCode, err)
	}
	return fx.URL + "/", server + "/uploads.github.com/" + fx.ID + "/"
}

// TestInteropOctokitFixtures replays recorded api.github.com answers.
func TestInteropOctokitFixtures(t *testing.T) {
	t.Parallel()
	server := octokitFixtures(t)
	f := makeFiles(t, map[string]string{"test-upload.txt": "Hello, world!\n"})
	asset := []Asset{{Path: f.paths["test-upload.txt"], Label: "test"}}

	t.Run("release-assets", func(t *testing.T) {
		api, uploads := loadScenario(t, server, "release-assets")
		p, err := New(WithBaseURL(api, uploads), WithToken(octokitToken), WithChecksumsAsset(""), WithoutReadBackUnsafe(), WithRetry(fastRetry))
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.Publish(context.Background(), Release{Owner: "octokit-fixture-org", Repo: "release-assets", Tag: "v1.0.0", Assets: asset})
		if err != nil {
			t.Fatal(err)
		}
		if !res.AlreadyPublished || res.ReleaseID != 1000 || len(res.Assets) != 1 || res.Assets[0].Action != AssetUploaded || res.Assets[0].ID != 1000 {
			t.Fatalf("result = %+v", res)
		}
		// The rest of the recording, through the same go-github client.
		ctx := context.Background()
		list, _, err := p.gh.Repositories.ListReleaseAssets(ctx, "octokit-fixture-org", "release-assets", 1000, nil)
		if err != nil || len(list) != 1 || list[0].GetName() != "test-upload.txt" || list[0].GetSize() != 14 || list[0].GetContentType() != "text/plain" || list[0].GetLabel() != "test" {
			t.Fatalf("list assets: %v %v", list, err)
		}
		a, _, err := p.gh.Repositories.GetReleaseAsset(ctx, "octokit-fixture-org", "release-assets", 1000)
		if err != nil || a.GetID() != 1000 {
			t.Fatalf("get asset: %v %v", a, err)
		}
		// go-github's PATCH sends "application/json" and a trailing newline;
		// the recording wants exactly what octokit sent.
		body := `{"name":"new-filename.txt","label":"new label"}`
		req, _ := http.NewRequest(http.MethodPatch, api+"repos/octokit-fixture-org/release-assets/releases/assets/1000", strings.NewReader(body))
		req.Header.Set("Accept", "application/vnd.github.v3+json")
		req.Header.Set("Authorization", "token "+octokitToken)
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("patch asset: %v %v", resp, err)
		} else {
			resp.Body.Close()
		}
		if _, err := p.gh.Repositories.DeleteReleaseAsset(ctx, "octokit-fixture-org", "release-assets", 1000); err != nil {
			t.Fatalf("delete asset (last recorded request): %v", err)
		}
	})

	t.Run("release-assets-conflict/replace", func(t *testing.T) {
		api, uploads := loadScenario(t, server, "release-assets-conflict")
		p, err := New(WithBaseURL(api, uploads), WithToken(octokitToken), WithChecksumsAsset(""), WithoutReadBackUnsafe(), WithReplaceAssets(), WithRetry(fastRetry))
		if err != nil {
			t.Fatal(err)
		}
		// GET by tag → upload → 422 already_exists → list → delete → upload:
		// exactly the recorded sequence.
		res, err := p.Publish(context.Background(), Release{Owner: "octokit-fixture-org", Repo: "release-assets-conflict", Tag: "v1.0.0", Assets: asset})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Assets) != 1 || res.Assets[0].Action != AssetReplaced || res.Assets[0].ID != 1001 {
			t.Fatalf("result = %+v", res)
		}
	})

	t.Run("release-assets-conflict/no-replace", func(t *testing.T) {
		api, uploads := loadScenario(t, server, "release-assets-conflict")
		p, err := New(WithBaseURL(api, uploads), WithToken(octokitToken), WithChecksumsAsset(""), WithoutReadBackUnsafe(), WithRetry(fastRetry))
		if err != nil {
			t.Fatal(err)
		}
		// Without WithReplaceAssets the same-size asset must be compared by
		// hash: Publish downloads it, which the recording does not contain
		// (it deletes instead), so the answer is an error — and nothing was
		// deleted.
		_, err = p.Publish(context.Background(), Release{Owner: "octokit-fixture-org", Repo: "release-assets-conflict", Tag: "v1.0.0", Assets: asset})
		if err == nil || !strings.Contains(err.Error(), "downloading it to compare hashes failed") {
			t.Fatalf("err = %v, want the comparison download to fail", err)
		}
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound {
			t.Fatalf("err = %v, want the fixture server's 404 for the unrecorded download", err)
		}
	})
}
