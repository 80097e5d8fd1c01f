// Command verbatim makes a release with tagship's standard pipeline against
// the real local Sigstore stack (Fulcio + CT log + TSA + Rekor v2,
// internal/sigstack) and the doubles for PyPI, GitHub (over TLS) and the
// registry, then takes the release notes as published on the release and
// runs every command of every shell block exactly as written, with the
// real verifiers:
//
//   - cosign v2.6.5 and v3.1.3 (tools/bin/cosign, tools/bin/cosign3) for
//     every cosign command, adding only --trusted-root (a private Sigstore);
//   - sigstore-js's @sigstore/verify (tools/node) for every sigstore-python
//     command, through internal/verbatim/sigstore-verify.cjs given the same
//     identity, issuer, bundle and file, plus the trusted root;
//   - gh release download (Debian's gh, GH_HOST pointing at the GitHub
//     double) and pip download (PIP_INDEX_URL pointing at the PyPI double),
//     as written;
//   - sh for the sha256sum check, as written.
//
// Every identity-pinned command is run again with the identity of
// refs/heads/main, of another tag and of another repository: each must
// fail. A command whose shape is not in internal/verbatim.Runs, a Runs
// entry no command exercised, or any verifier missing is a failure.
//
// Run it inside .ci/interop.sh (private loopback), from the repository root:
//
//	bash .ci/interop.sh go run ./internal/verbatim/cmd/verbatim
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/ghrelease/ghreleasetest"
	"github.com/tagship/tagship/internal/interop"
	"github.com/tagship/tagship/internal/shell"
	"github.com/tagship/tagship/internal/sigstack"
	"github.com/tagship/tagship/internal/verbatim"
	"github.com/tagship/tagship/release"
	"github.com/tagship/tagship/release/releasetest"
	"github.com/tagship/tagship/release/verify"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fs := flag.NewFlagSet("verbatim", flag.ContinueOnError)
	work := fs.String("work", "", "keep everything in this directory (default: a temporary one, removed)")
	verbose := fs.Bool("v", false, "print every command's output")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if err := run(ctx, *work, *verbose, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "verbatim: %v\n", err)
		os.Exit(1)
	}
}

// verifiers are the real tools the check needs.
type verifiers struct {
	cosign   map[string]string // verifier name → binary
	gh, pip  string
	node     string
	script   string // sigstore-verify.cjs
	nodePath string
}

func findVerifiers() (*verifiers, error) {
	root, ok := interop.RepoRoot()
	if !ok {
		return nil, errors.New("cannot find the repository root")
	}
	v := &verifiers{cosign: map[string]string{}, script: filepath.Join(root, "internal", "verbatim", "sigstore-verify.cjs"),
		nodePath: filepath.Join(root, "tools", "node", "node_modules")}
	var missing []string
	need := func(name, hint string) string {
		p, ok := interop.Lookup(name)
		if !ok {
			missing = append(missing, name+" ("+hint+")")
		}
		return p
	}
	v.cosign[verbatim.CosignV2] = need("cosign", "tools/build.sh")
	v.cosign[verbatim.CosignV3] = need("cosign3", "tools/build.sh")
	v.gh = need("gh", "apt-get install gh")
	v.pip = need("pip", "apt-get install python3-pip")
	v.node = need("node", "apt-get install nodejs")
	if _, err := os.Stat(filepath.Join(v.nodePath, "@sigstore", "verify", "package.json")); err != nil {
		missing = append(missing, "@sigstore/verify (.ci/install.sh installs it into tools/node)")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing verifiers: %s", strings.Join(missing, ", "))
	}
	return v, nil
}

func run(ctx context.Context, work string, verbose bool, w io.Writer) error {
	start := time.Now()
	vs, err := findVerifiers()
	if err != nil {
		return err
	}
	if work == "" {
		tmp, err := os.MkdirTemp("", "tagship-verbatim-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		work = tmp
	}
	if work, err = filepath.Abs(work); err != nil {
		return err
	}

	// 1. The services: the doubles (GitHub over TLS, for gh) and the real
	// Sigstore trusting the double's OIDC issuer.
	env, err := releasetest.NewEnv(
		releasetest.WithSigstoreOptions(signtest.WithIssuerSelfURL(), signtest.WithTokenLifetime(30*time.Minute)),
		releasetest.WithGitHubOptions(ghreleasetest.WithTLS()))
	if err != nil {
		return err
	}
	defer env.Close()
	stack, err := sigstack.Launch(ctx, env.Sigstore.Issuer(), func(f string, a ...any) {
		if verbose {
			fmt.Fprintf(w, "  sigstack: "+f+"\n", a...)
		}
	})
	if err != nil {
		return fmt.Errorf("the real Sigstore stack: %w", err)
	}
	defer stack.Close()
	fmt.Fprintf(w, "== real Sigstore: %s\n", toolList(stack.Tools))

	// 2. The release, as the tag push would make it.
	dir := filepath.Join(work, "project")
	if _, err := env.PrepareProject(ctx, dir); err != nil {
		return err
	}
	cfg, err := env.Config(dir)
	if err != nil {
		return err
	}
	tokens := sign.GitHubActionsTokenSource(sign.WithTokenEnv(env.Getenv))
	cfg.Issuer = env.Sigstore.Issuer()
	cfg.SignerOptions = []sign.Option{sign.WithSigningConfigFile(stack.SigningConfigPath),
		sign.WithTrustedRootFile(stack.TrustedRootPath), sign.WithTokenSource(tokens)}
	cfg.VerifierOptions = []sign.VerifierOption{sign.WithVerifierTrustedRootFile(stack.TrustedRootPath)}
	p, err := release.Standard(cfg)
	if err != nil {
		return err
	}
	report, err := p.Run(ctx)
	if err != nil {
		if report != nil {
			fmt.Fprintln(w, report.Table())
		}
		return fmt.Errorf("the release: %w", err)
	}
	owner, repo, _ := strings.Cut(env.Repository, "/")
	rel, ok := env.GitHub.ReleaseByTag(owner, repo, env.Tag)
	if !ok || rel.Draft {
		return fmt.Errorf("no published release %s on the GitHub double", env.Tag)
	}
	notesPath := filepath.Join(work, "release-notes.md")
	if err := os.WriteFile(notesPath, []byte(rel.Body), 0o644); err != nil {
		return err
	}
	identity := sign.GitHubWorkflowIdentity(env.Repository, "", env.Tag)
	fmt.Fprintf(w, "== released %s of %s in %s; notes as published: %s\n", env.Tag, env.Repository, time.Since(start).Round(time.Millisecond), notesPath)

	// 3. The user's side: an empty directory, the tools, the trust root.
	user := filepath.Join(work, "user")
	home := filepath.Join(work, "home")
	for _, d := range []string{user, home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	root := filepath.Join(work, "trusted_root.json")
	if err := copyFile(stack.TrustedRootPath, root); err != nil {
		return err
	}
	ca := filepath.Join(work, "github-ca.pem")
	if err := os.WriteFile(ca, env.GitHub.CACertPEM(), 0o644); err != nil {
		return err
	}
	baseEnv := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "LANG=C.UTF-8",
		"TUF_ROOT=" + filepath.Join(work, "tuf"), // cosign: never the public TUF CDN
		// gh: the GitHub double is "the" GitHub for this user.
		"GH_HOST=" + env.GitHub.Host(), "GH_ENTERPRISE_TOKEN=" + env.GitHub.Token(), "SSL_CERT_FILE=" + ca,
		"GH_CONFIG_DIR=" + filepath.Join(home, "gh"), "GH_NO_UPDATE_NOTIFIER=1", "GH_PROMPT_DISABLED=1", "NO_COLOR=1",
		// pip: the PyPI double is the index.
		"PIP_INDEX_URL=" + env.PyPI.SimpleURL(), "PIP_CONFIG_FILE=/dev/null", "PIP_NO_CACHE_DIR=1",
		"PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_INPUT=1",
	}
	r := &runner{w: w, verbose: verbose, dir: user, env: baseEnv, vs: vs, root: root, identity: identity,
		wrong: map[string]string{
			"refs/heads/main":    sign.GitHubWorkflowIdentity(env.Repository, "", "refs/heads/main"),
			"another tag":        sign.GitHubWorkflowIdentity(env.Repository, "", "v0.10.0"),
			"another repository": sign.GitHubWorkflowIdentity(owner+"/other-project", "", env.Tag),
		},
		binDirs: map[string]string{}, covered: map[string]map[string]bool{}}
	for name, bin := range vs.cosign {
		d := filepath.Join(work, "bin-"+strings.ReplaceAll(strings.ReplaceAll(name, " ", "-"), ".", "_"))
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		if err := os.Symlink(bin, filepath.Join(d, "cosign")); err != nil {
			return err
		}
		r.binDirs[name] = d
		out, _ := exec.CommandContext(ctx, bin, "version").CombinedOutput()
		got := gitVersion(out)
		if !strings.HasSuffix(name, " "+got) {
			return fmt.Errorf("%s is %s, not %s: rebuild the tools (tools/build.sh)", bin, got, name)
		}
		fmt.Fprintf(w, "== %s: %s\n", name, bin)
	}
	if wrongBranch := r.wrong["refs/heads/main"]; !strings.HasSuffix(wrongBranch, "@refs/heads/main") {
		return fmt.Errorf("branch identity %q", wrongBranch)
	}

	// The verification section is what the release publishes for users to
	// run; code blocks of the changelog section are the project's own text.
	_, verification, ok := strings.Cut(rel.Body, "## Verifying signed artifacts")
	if !ok {
		return errors.New("the published notes have no \"## Verifying signed artifacts\" section")
	}
	cmds := verbatim.Commands(verification)
	if len(cmds) == 0 {
		return errors.New("the published notes have no shell commands")
	}
	for _, c := range cmds {
		r.command(ctx, c)
	}
	for shape, run := range verbatim.Runs {
		for _, v := range run.Verifiers {
			if !r.covered[shape][v] {
				r.failf("%s: no published command of this shape was run with %s", shape, v)
			}
		}
	}
	// 4. The other direction: what cosign itself signs against the same
	// Rekor v2 passes tagship's whole-release verification.
	r.otherDirection(ctx, env, stack, vs, filepath.Join(user, "out"), work, cfg.Issuer)

	fmt.Fprintf(w, "\n== %d commands from %d shell blocks, %d runs (%d negatives refused), %d failures, in %s\n",
		len(cmds), cmds[len(cmds)-1].Block, r.runs, r.negatives, len(r.failures), time.Since(start).Round(time.Millisecond))
	if len(r.failures) > 0 {
		return fmt.Errorf("%d failures:\n  %s", len(r.failures), strings.Join(r.failures, "\n  "))
	}
	fmt.Fprintln(w, "every published command works verbatim with every tested verifier")
	return nil
}

type runner struct {
	w        io.Writer
	verbose  bool
	dir      string
	env      []string
	vs       *verifiers
	root     string
	identity string
	wrong    map[string]string
	binDirs  map[string]string

	covered   map[string]map[string]bool
	runs      int
	negatives int
	failures  []string
}

func (r *runner) failf(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	r.failures = append(r.failures, msg)
	fmt.Fprintf(r.w, "  FAIL %s\n", msg)
}

// command runs one published command with every verifier of its shape.
func (r *runner) command(ctx context.Context, c verbatim.Command) {
	shape, err := verbatim.Shape(c.Text)
	if err != nil {
		r.failf("notes line %d: %v", c.Line, err)
		return
	}
	run, ok := verbatim.Runs[shape]
	if !ok {
		r.failf("notes line %d: %q has the shape %q, which no verifier run covers (internal/verbatim.Runs)", c.Line, c.Text, shape)
		return
	}
	fmt.Fprintf(r.w, "\n$ %s\n", c.Text)
	for _, v := range run.Verifiers {
		if r.covered[shape] == nil {
			r.covered[shape] = map[string]bool{}
		}
		r.covered[shape][v] = true
		out, err := r.exec(ctx, v, c.Text)
		r.runs++
		if err != nil {
			r.failf("%s: %q: %v\n%s", v, firstLine(c.Text), err, indent(out))
			continue
		}
		fmt.Fprintf(r.w, "  ok   %s\n", v)
		if r.verbose {
			fmt.Fprint(r.w, indent(out))
		}
		if !run.Negatives {
			continue
		}
		if !strings.Contains(c.Text, r.identity) {
			r.failf("%s: %q does not pin the release identity %s", v, firstLine(c.Text), r.identity)
			continue
		}
		for _, why := range []string{"refs/heads/main", "another tag", "another repository"} {
			bad := strings.ReplaceAll(c.Text, r.identity, r.wrong[why])
			out, err := r.exec(ctx, v, bad)
			r.runs++
			if err == nil {
				r.failf("%s accepted the identity of %s (%s):\n%s", v, why, r.wrong[why], indent(out))
				continue
			}
			r.negatives++
			fmt.Fprintf(r.w, "  ok   %s refuses the identity of %s\n", v, why)
		}
	}
}

// exec runs text with verifier v, in the user's directory.
func (r *runner) exec(ctx context.Context, v, text string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	var cmd *exec.Cmd
	env := append([]string(nil), r.env...)
	switch v {
	case verbatim.CosignV2, verbatim.CosignV3:
		// The published command, with --trusted-root added right after
		// the subcommand: nothing else changes.
		words := strings.SplitN(text, " ", 3)
		if len(words) < 3 || words[0] != "cosign" {
			return "", fmt.Errorf("not a cosign command")
		}
		text = words[0] + " " + words[1] + " --trusted-root " + shell.Single(r.root) + " " + words[2]
		env[0] = "PATH=" + r.binDirs[v] + string(os.PathListSeparator) + os.Getenv("PATH")
		cmd = exec.CommandContext(ctx, "sh", "-c", text)
	case verbatim.SigstoreJS:
		args, err := sigstoreArgs(text)
		if err != nil {
			return "", err
		}
		cmd = exec.CommandContext(ctx, r.vs.node, append([]string{r.vs.script, "--trusted-root", r.root}, args...)...)
		env = append(env, "NODE_PATH="+r.vs.nodePath)
	default:
		cmd = exec.CommandContext(ctx, "sh", "-c", text)
	}
	cmd.Dir, cmd.Env = r.dir, env
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// otherDirection re-signs the downloaded release with each cosign —
// sign-blob for every file, SHA256SUMS (rewritten for the new bundles) and
// the SBOM; sign for a copy of the image — and checks that verify.Release
// accepts the result, offline for the files and against the registry for
// the image. cosign v2.6.5's image bundles are the known exception (a
// Rekor v2 dsse entry Sigstore has dropped; see oci/interop_test.go): they
// must be refused, for that reason.
func (r *runner) otherDirection(ctx context.Context, env *releasetest.Env, stack *sigstack.Stack, vs *verifiers, out, work, issuer string) {
	tok, err := env.Sigstore.MintToken("sigstore")
	if err != nil {
		r.failf("other direction: token: %v", err)
		return
	}
	tokenPath := filepath.Join(work, "cosign-token")
	if err := os.WriteFile(tokenPath, []byte(tok), 0o600); err != nil {
		r.failf("other direction: %v", err)
		return
	}
	verifier, err := sign.NewVerifier(sign.WithVerifierTrustedRootFile(stack.TrustedRootPath))
	if err != nil {
		r.failf("other direction: %v", err)
		return
	}
	crane, ok := interop.Lookup("crane")
	if !ok {
		r.failf("other direction: crane missing (tools/build.sh)")
		return
	}
	ents, err := os.ReadDir(out)
	if err != nil {
		r.failf("other direction: %v", err)
		return
	}
	version := strings.TrimPrefix(env.Tag, "v")
	for _, v := range []string{verbatim.CosignV2, verbatim.CosignV3} {
		bin := vs.cosign[v]
		slug := strings.NewReplacer(" ", "-", ".", "-").Replace(v)
		dir := filepath.Join(work, "resigned-"+slug)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			r.failf("%v", err)
			return
		}
		cosign := func(args ...string) error {
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Env = append(os.Environ(), "TUF_ROOT="+filepath.Join(work, "tuf"))
			b, err := cmd.CombinedOutput()
			if err != nil {
				return fmt.Errorf("cosign %s: %v\n%s", args[0], err, indent(string(b)))
			}
			return nil
		}
		signArgs := func(sub string, extra ...string) []string {
			a := []string{sub, "--yes", "--signing-config", stack.SigningConfigPath, "--trusted-root", stack.TrustedRootPath,
				"--identity-token", tokenPath}
			if v == verbatim.CosignV2 {
				a = append(a, "--new-bundle-format")
			}
			return append(a, extra...)
		}
		// Files: the distributions and the SBOM, then a SHA256SUMS over
		// them and their new bundles.
		sums := map[string]string{}
		failed := false
		for _, e := range ents {
			n := e.Name()
			if strings.HasSuffix(n, ".provenance.sigstore.json") {
				// The build provenance is tagship's signed statement
				// about the files, not a signature of one: it goes along
				// unchanged (and into SHA256SUMS), as on the release.
				p := filepath.Join(dir, n)
				if err := copyFile(filepath.Join(out, n), p); err != nil {
					r.failf("%v", err)
					return
				}
				d, _, err := sign.SHA256File(ctx, p)
				if err != nil {
					r.failf("%v", err)
					return
				}
				sums[n] = fmt.Sprintf("%x", d)
				continue
			}
			if e.IsDir() || strings.HasSuffix(n, ".sigstore.json") || n == ghrelease.ChecksumsAssetName {
				continue
			}
			if err := copyFile(filepath.Join(out, n), filepath.Join(dir, n)); err != nil {
				r.failf("%v", err)
				return
			}
			p := filepath.Join(dir, n)
			if err := cosign(signArgs("sign-blob", "--bundle", p+".sigstore.json", p)...); err != nil {
				r.failf("other direction: %s: %v", v, err)
				failed = true
				continue
			}
			for _, f := range []string{p, p + ".sigstore.json"} {
				d, _, err := sign.SHA256File(ctx, f)
				if err != nil {
					r.failf("%v", err)
					return
				}
				sums[filepath.Base(f)] = fmt.Sprintf("%x", d)
			}
		}
		sumsPath := filepath.Join(dir, ghrelease.ChecksumsAssetName)
		if err := os.WriteFile(sumsPath, ghrelease.FormatChecksums(sums), 0o644); err != nil {
			r.failf("%v", err)
			return
		}
		if err := cosign(signArgs("sign-blob", "--bundle", sumsPath+".sigstore.json", sumsPath)...); err != nil {
			r.failf("other direction: %s: %v", v, err)
			failed = true
		}
		if !failed {
			rep, err := verify.Release(ctx, verify.Config{Repository: env.Repository, Version: version, Project: "hello-release",
				Dir: dir, Verifier: verifier, Issuer: issuer})
			r.runs++
			if err != nil {
				r.failf("other direction: verify.Release refuses the files, SHA256SUMS and SBOM as signed by %s: %v\n%s", v, err, indent(rep.String()))
			} else {
				fmt.Fprintf(r.w, "  ok   verify.Release accepts the files, SHA256SUMS and SBOM as signed by %s (%d artifacts)\n", v, len(rep.Artifacts))
			}
		}

		// The image: a copy under another repository, signed by cosign
		// alone, verified by verify.Release against the registry (with
		// the original release's SBOM, which names the same digest).
		src := env.ImageRepository() + ":" + env.Tag
		dstRepo := env.RegistryHost + "/cosign-signed/" + slug
		if b, err := exec.CommandContext(ctx, crane, "copy", src, dstRepo+":"+env.Tag).CombinedOutput(); err != nil {
			r.failf("other direction: crane copy: %v\n%s", err, b)
			continue
		}
		digest, err := exec.CommandContext(ctx, crane, "digest", dstRepo+":"+env.Tag).Output()
		if err != nil {
			r.failf("other direction: crane digest: %v", err)
			continue
		}
		ref := dstRepo + "@" + strings.TrimSpace(string(digest))
		// The release's provenance and SBOM attestations travel with the
		// image in cosign's ".att" form, as `cosign copy` would take them;
		// the signature verified is cosign's alone (no ".sig" is copied).
		att := ":" + strings.Replace(strings.TrimSpace(string(digest)), ":", "-", 1) + ".att"
		if b, err := exec.CommandContext(ctx, crane, "copy", env.ImageRepository()+att, dstRepo+att).CombinedOutput(); err != nil {
			r.failf("other direction: crane copy of the attestations: %v\n%s", err, b)
			continue
		}
		if err := cosign(signArgs("sign", "--allow-http-registry", ref)...); err != nil {
			r.failf("other direction: %s: %v", v, err)
			continue
		}
		// The legacy form (".sig" tag): cosign makes it only with a Rekor
		// v1 log, which this stack (like Sigstore's Rekor v2) is not.
		legacy := []string{"sign", "--yes", "--trusted-root", stack.TrustedRootPath, "--identity-token", tokenPath,
			"--fulcio-url", stack.FulcioURL, "--rekor-url", stack.RekorURL, "--allow-http-registry"}
		if v == verbatim.CosignV3 {
			legacy = append(legacy, "--new-bundle-format=false", "--use-signing-config=false")
		}
		if err := cosign(append(legacy, dstRepo+"-legacy@"+strings.TrimSpace(string(digest)))...); err != nil {
			fmt.Fprintf(r.w, "  n/a  %s does not sign the legacy .sig form against Rekor v2: %s\n", v, firstLine(strings.TrimSpace(lastLine(err.Error()))))
		} else {
			r.failf("other direction: %s signed the legacy form against Rekor v2: add its verification here", v)
		}
		rep, err := verify.Release(ctx, verify.Config{Repository: env.Repository, Version: version, Project: "hello-release",
			Dir: filepath.Join(work, "user", "out"), Image: dstRepo, Verifier: verifier, Issuer: issuer})
		r.runs++
		switch {
		case v == verbatim.CosignV2 && err != nil && strings.Contains(chainText(err), "dsse") && strings.Contains(chainText(err), "0.0.2"):
			fmt.Fprintf(r.w, "  ok   verify.Release refuses the image as signed by %s, as documented: its Rekor v2 dsse v0.0.2 entry is a type Sigstore dropped\n", v)
		case v == verbatim.CosignV2 && err == nil:
			r.failf("other direction: verify.Release now accepts cosign v2.6.5's image bundle: update the README and oci/interop_test.go")
		case err != nil:
			r.failf("other direction: verify.Release refuses the image as signed by %s: %v\n%s", v, err, indent(rep.String()))
		default:
			fmt.Fprintf(r.w, "  ok   verify.Release accepts the image as signed by %s\n", v)
		}
	}
}

// chainText is the text of err and of every error it wraps (reports may
// shorten a message; the cause deep in the chain is what is checked).
func chainText(err error) string {
	if err == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(err.Error())
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		b.WriteString("\n" + chainText(u.Unwrap()))
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			b.WriteString("\n" + chainText(e))
		}
	}
	return b.String()
}

// sigstoreArgs takes sigstore-python's "sigstore verify identity …"
// command apart: the same flags go to the sigstore-js script.
func sigstoreArgs(text string) ([]string, error) {
	words, err := verbatim.Words(text)
	if err != nil {
		return nil, err
	}
	if len(words) < 3 || words[0] != "sigstore" || words[1] != "verify" || words[2] != "identity" {
		return nil, fmt.Errorf("not a sigstore verify identity command")
	}
	return words[3:], nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return strings.TrimSuffix(strings.TrimSpace(l), " \\")
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	return "       " + strings.ReplaceAll(s, "\n", "\n       ") + "\n"
}

func gitVersion(out []byte) string {
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "GitVersion:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "GitVersion:"))
		}
	}
	return "unknown version"
}

func toolList(tools []sigstack.Tool) string {
	var s []string
	for _, t := range tools {
		s = append(s, t.Name+" "+t.Version)
	}
	return strings.Join(s, ", ")
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}
