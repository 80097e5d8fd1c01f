package sigstack

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tagship/tagship/internal/interop"
)

// Tool describes one real binary the stack runs.
type Tool struct {
	Name    string // tools/bin name: "cosign", "fulcio", "tesseract", …
	Path    string // absolute path of the binary
	Module  string // Go module it was built from, e.g. "github.com/sigstore/fulcio"
	Version string // module version, e.g. "v1.8.8"
}

// String renders the tool as "name version (module)".
func (t Tool) String() string {
	return t.Name + " " + t.Version + " (" + t.Module + ")"
}

// Stack is a running local Sigstore. All fields are read-only.
type Stack struct {
	// Dir is the stack's working directory: keys, chains, storage, one
	// <service>.log per service, trusted_root.json and signing_config.json.
	Dir string

	// IssuerURL is the OIDC issuer Fulcio trusts (the argument to Start).
	IssuerURL string
	// FulcioURL is Fulcio's HTTP base URL (http://127.0.0.1:PORT).
	FulcioURL string
	// FulcioGRPCAddr is Fulcio's gRPC address (127.0.0.1:PORT).
	FulcioGRPCAddr string
	// CTLogURL is TesseraCT's base URL (…/ct/v1/add-chain lives below it).
	CTLogURL string
	// RekorURL is Rekor v2's HTTP base URL (…/api/v2/log/entries below it).
	RekorURL string
	// TSAURL is the timestamp endpoint itself (…/api/v1/timestamp).
	TSAURL string
	// RekorOrigin is Rekor's checkpoint origin, "127.0.0.1".
	RekorOrigin string

	// TrustedRootPath is trusted_root.json, written by cosign trusted-root create.
	TrustedRootPath string
	// SigningConfigPath is signing_config.json (v0.2), written by cosign
	// signing-config create, with Rekor api-version 2.
	SigningConfigPath string
	// FulcioChainPath holds Fulcio's PEM chain (intermediates first, root last).
	FulcioChainPath string
	// TSAChainPath holds the timestamp authority's PEM chain.
	TSAChainPath string
	// CTLogPublicKeyPath and RekorPublicKeyPath hold PEM public keys.
	CTLogPublicKeyPath string
	RekorPublicKeyPath string

	// Tools lists the binaries in use, with versions, in start order
	// (cosign first).
	Tools []Tool

	cosign  string
	tufRoot string

	procs     []*proc
	unlock    func()
	removeDir string
	closeOnce sync.Once
}

type options struct {
	clientID    string
	issuerType  string
	lockTimeout time.Duration
	readyWithin time.Duration
}

// Option configures Start.
type Option func(*options) error

// WithClientID sets the OIDC client ID (token audience) Fulcio accepts for
// the issuer. Default "sigstore", what cosign and sigstore-go request.
func WithClientID(id string) Option {
	return func(o *options) error {
		if id == "" {
			return errors.New("sigstack: WithClientID: empty client ID")
		}
		o.clientID = id
		return nil
	}
}

// WithIssuerType sets Fulcio's issuer type for the issuer. Default
// "github-workflow", which requires every GitHub Actions claim and puts the
// GitHub extensions into certificates. "email" or "uri" suit plain issuers.
func WithIssuerType(typ string) Option {
	return func(o *options) error {
		if typ == "" {
			return errors.New("sigstack: WithIssuerType: empty type")
		}
		o.issuerType = typ
		return nil
	}
}

// WithLockTimeout bounds how long Start waits for another stack in the same
// network namespace to stop. Default 5 minutes.
func WithLockTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("sigstack: WithLockTimeout: want a positive duration, got %v", d)
		}
		o.lockTimeout = d
		return nil
	}
}

// WithReadyTimeout bounds how long each start attempt waits for the
// services to answer. Default 60 seconds (the stack normally needs under 2).
func WithReadyTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("sigstack: WithReadyTimeout: want a positive duration, got %v", d)
		}
		o.readyWithin = d
		return nil
	}
}

// toolNames are the binaries Start needs, in the order Stack.Tools lists them.
var toolNames = [...]string{"cosign", "fulcio", "tesseract", "timestamp-server", "rekor-server"}

// ErrToolMissing reports that a binary of the stack was not found in
// $TAGSHIP_TOOLS_BIN, tools/bin or $PATH (see internal/interop).
var ErrToolMissing = errors.New("sigstack: tool not found (looked in $TAGSHIP_TOOLS_BIN, tools/bin and $PATH); run .ci/install.sh or bash tools/build.sh")

// Start starts Fulcio, TesseraCT, the timestamp authority and Rekor v2 on
// 127.0.0.1, trusting the OIDC issuer at issuerURL, writes the trusted root
// and signing config with the real cosign, and registers their shutdown with
// t.Cleanup. It skips t (fails it under TAGSHIP_INTEROP=1) when a binary is
// missing and fails t when the stack does not come up. It is [Launch] for
// tests.
func Start(t testing.TB, issuerURL string, opts ...Option) *Stack {
	t.Helper()
	o, err := buildOptions(issuerURL, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range toolNames {
		interop.Tool(t, name) // skips, or fails under TAGSHIP_INTEROP=1
	}
	s, err := launch(context.Background(), t.TempDir(), false, issuerURL, t.Logf, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopAll(s.procs)
		if t.Failed() {
			dumpLogs(t.Logf, s.procs)
		}
		s.Close()
	})
	return s
}

// Launch is [Start] outside a test (benchmarks, local experiments): it
// starts the stack in a fresh temporary directory and returns it running;
// the caller must call [Stack.Close], which stops the services, releases the
// per-namespace lock and removes the directory. logf receives the same
// progress lines Start logs on its test (nil discards them). ctx bounds the
// wait for the lock and for the services to come up, not the stack's
// lifetime. A missing binary is an error wrapping [ErrToolMissing].
func Launch(ctx context.Context, issuerURL string, logf func(format string, args ...any), opts ...Option) (*Stack, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	o, err := buildOptions(issuerURL, opts)
	if err != nil {
		return nil, err
	}
	base, err := os.MkdirTemp("", "tagship-sigstack-")
	if err != nil {
		return nil, fmt.Errorf("sigstack: %w", err)
	}
	s, err := launch(ctx, base, true, issuerURL, logf, o)
	if err != nil {
		os.RemoveAll(base)
		return nil, err
	}
	return s, nil
}

// Close stops every service of the stack, releases the per-namespace lock
// and, for a stack from [Launch], removes its directory. It is safe to call
// more than once.
func (s *Stack) Close() {
	s.closeOnce.Do(func() {
		stopAll(s.procs)
		if s.unlock != nil {
			s.unlock()
		}
		if s.removeDir != "" {
			os.RemoveAll(s.removeDir)
		}
	})
}

func buildOptions(issuerURL string, opts []Option) (options, error) {
	o := options{
		clientID:    "sigstore",
		issuerType:  "github-workflow",
		lockTimeout: 5 * time.Minute,
		readyWithin: 60 * time.Second,
	}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return o, err
		}
	}
	u, err := url.Parse(issuerURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return o, fmt.Errorf("sigstack: issuer URL %q: want an absolute http(s) URL such as the one signtest's issuer reports", issuerURL)
	}
	return o, nil
}

// launch brings the stack up under base (removed by Close when own).
func launch(ctx context.Context, base string, own bool, issuerURL string, logf func(string, ...any), o options) (*Stack, error) {
	var tools []Tool
	bins := map[string]string{}
	for _, name := range toolNames {
		p, ok := interop.Lookup(name)
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrToolMissing, name)
		}
		bins[name] = p
		tools = append(tools, describeTool(name, p))
	}
	for _, tl := range tools {
		logf("sigstack: %s", tl)
	}

	unlock, err := lockNamespace(ctx, logf, o.lockTimeout)
	if err != nil {
		return nil, err
	}
	if err := checkPortFree(":2112"); err != nil {
		unlock()
		return nil, fmt.Errorf("sigstack: the timestamp authority needs port 2112 on all interfaces (its metrics port, hard-coded) but it is taken: %v; stop whatever listens there or run inside .ci/interop.sh (unshare -n)", err)
	}

	start := time.Now()
	const attempts = 3
	var lastErr error
	for i := 1; i <= attempts; i++ {
		dir := filepath.Join(base, "attempt"+strconv.Itoa(i))
		s, procs, err := startOnce(ctx, dir, issuerURL, bins, o)
		if err == nil {
			s.Tools = tools
			s.procs = procs
			s.unlock = unlock
			if own {
				s.removeDir = base
			}
			logf("sigstack: up in %v: fulcio %s, ct %s, tsa %s, rekor %s, trusted root %s",
				time.Since(start).Round(time.Millisecond), s.FulcioURL, s.CTLogURL, s.TSAURL, s.RekorURL, s.TrustedRootPath)
			return s, nil
		}
		stopAll(procs)
		lastErr = err
		var exited *exitedError
		if !errors.As(err, &exited) || i == attempts || ctx.Err() != nil {
			dumpLogs(logf, procs)
			break
		}
		// A service that exits during start-up most likely lost a port
		// race with another process: try again on fresh ports.
		logf("sigstack: attempt %d failed (%v); retrying on new ports", i, err)
	}
	unlock()
	return nil, fmt.Errorf("sigstack: starting the local Sigstore stack: %w", lastErr)
}

// Env returns the environment the stack runs cosign with: the calling
// process's environment without SIGSTORE_*, COSIGN_*, TUF_ROOT and
// ACTIONS_ID_TOKEN_* variables, plus TUF_ROOT pointing into the stack.
func (s *Stack) Env() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "SIGSTORE_") || strings.HasPrefix(k, "COSIGN_") ||
			strings.HasPrefix(k, "ACTIONS_ID_TOKEN_") || k == "TUF_ROOT" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "TUF_ROOT="+s.tufRoot)
}

// CosignPath returns the path of the pinned cosign binary.
func (s *Stack) CosignPath() string { return s.cosign }

// CosignCmd returns an unstarted command running the pinned cosign with
// args and [Stack.Env]. The caller sets Dir, Stdin, Stdout, Stderr as needed.
func (s *Stack) CosignCmd(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, s.cosign, args...)
	cmd.Env = s.Env()
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// Cosign runs the pinned cosign with args (2 minute limit) and returns its
// combined stdout and stderr; err is non-nil when cosign exits non-zero.
// The command line and its output are logged on t, with a raw
// --identity-token value masked in both. Note that cosign v2.6.5 takes an
// --identity-token value as a raw token only when it parses as an RS256
// JWT; anything else (an ES256 token, say) is read as a file name, so
// passing the path of a file holding the token works for every algorithm
// and keeps the token off the command line.
func (s *Stack) Cosign(t testing.TB, args ...string) (string, error) {
	t.Helper()
	return s.RunCosign(t, s.cosign, args...)
}

// RunCosign is [Stack.Cosign] for another cosign binary, e.g. cosign v3
// (tools/bin/cosign3, found with interop.Tool(t, "cosign3")).
func (s *Stack) RunCosign(t testing.TB, bin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = s.Env()
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdout = &out
	cmd.Stderr = &out
	began := time.Now()
	err := cmd.Run()
	status := "ok"
	if err != nil {
		status = err.Error()
	}
	output := out.String()
	for _, tok := range rawTokens(args) {
		output = strings.ReplaceAll(output, tok, "***")
	}
	t.Logf("$ %s %s  [%s, %v]\n%s", filepath.Base(bin), strings.Join(maskTokens(args), " "), status,
		time.Since(began).Round(time.Millisecond), strings.TrimRight(output, "\n"))
	if err != nil {
		return output, fmt.Errorf("%s %s: %w", filepath.Base(bin), firstWord(args), err)
	}
	return output, nil
}

// ToolVersion reads the module path and version a Go binary was built from
// out of its build information, e.g. ("github.com/sigstore/fulcio",
// "v1.8.8"). For a binary built from a dependency of another module (as
// tools/build.sh does) it is the dependency providing the main package.
func ToolVersion(path string) (module, version string, err error) {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return "", "", fmt.Errorf("sigstack: reading Go build information of %s: %w", path, err)
	}
	best := &info.Main
	for _, d := range info.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		if (info.Path == d.Path || strings.HasPrefix(info.Path, d.Path+"/")) && len(d.Path) > len(best.Path) {
			best = d
		}
	}
	if best.Path == "" {
		return info.Path, "(unknown)", nil
	}
	return best.Path, best.Version, nil
}

func describeTool(name, path string) Tool {
	mod, ver, err := ToolVersion(path)
	if err != nil {
		mod, ver = "not a Go binary", "(unknown)"
	}
	return Tool{Name: name, Path: path, Module: mod, Version: ver}
}

// startOnce makes one attempt at bringing the whole stack up in dir. On
// error the returned processes (possibly some) must still be stopped.
func startOnce(parent context.Context, dir, issuerURL string, bins map[string]string, o options) (*Stack, []*proc, error) {
	var procs []*proc
	fail := func(err error) (*Stack, []*proc, error) { return nil, procs, err }
	for _, d := range []string{"ct", "rekor", "tuf"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return fail(err)
		}
	}
	s := &Stack{
		Dir:                dir,
		IssuerURL:          issuerURL,
		RekorOrigin:        "127.0.0.1",
		TrustedRootPath:    filepath.Join(dir, "trusted_root.json"),
		SigningConfigPath:  filepath.Join(dir, "signing_config.json"),
		FulcioChainPath:    filepath.Join(dir, "fulcio-chain.pem"),
		TSAChainPath:       filepath.Join(dir, "tsa-chain.pem"),
		CTLogPublicKeyPath: filepath.Join(dir, "ctlog.pub"),
		RekorPublicKeyPath: filepath.Join(dir, "rekor.pub"),
		cosign:             bins["cosign"],
		tufRoot:            filepath.Join(dir, "tuf"),
	}

	// Keys: TesseraCT wants a SEC1 ("EC PRIVATE KEY") P-256 key, Rekor v2
	// an ed25519 PKCS#8 key.
	ctKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fail(err)
	}
	ctDER, err := x509.MarshalECPrivateKey(ctKey)
	if err != nil {
		return fail(err)
	}
	if err := writePEM(filepath.Join(dir, "ctlog.key"), "EC PRIVATE KEY", ctDER); err != nil {
		return fail(err)
	}
	if err := writePublicKey(s.CTLogPublicKeyPath, ctKey.Public()); err != nil {
		return fail(err)
	}
	rekorPub, rekorPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fail(err)
	}
	rekorDER, err := x509.MarshalPKCS8PrivateKey(rekorPriv)
	if err != nil {
		return fail(err)
	}
	if err := writePEM(filepath.Join(dir, "rekor.key"), "PRIVATE KEY", rekorDER); err != nil {
		return fail(err)
	}
	if err := writePublicKey(s.RekorPublicKeyPath, rekorPub); err != nil {
		return fail(err)
	}

	// Fulcio's configuration: the caller's issuer.
	cfg, err := json.Marshal(map[string]any{
		"OIDCIssuers": map[string]any{
			issuerURL: map[string]string{"IssuerURL": issuerURL, "ClientID": o.clientID, "Type": o.issuerType},
		},
	})
	if err != nil {
		return fail(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "fulcio.json"), cfg, 0o600); err != nil {
		return fail(err)
	}

	ports, err := freePorts(8)
	if err != nil {
		return fail(err)
	}
	fulcioHTTP, fulcioGRPC, fulcioMetrics, ctPort := ports[0], ports[1], ports[2], ports[3]
	tsaPort, rekorHTTP, rekorGRPC, rekorMetrics := ports[4], ports[5], ports[6], ports[7]
	s.FulcioURL = "http://127.0.0.1:" + fulcioHTTP
	s.FulcioGRPCAddr = "127.0.0.1:" + fulcioGRPC
	s.CTLogURL = "http://127.0.0.1:" + ctPort
	s.TSAURL = "http://127.0.0.1:" + tsaPort + "/api/v1/timestamp"
	s.RekorURL = "http://127.0.0.1:" + rekorHTTP
	var sock [8]byte
	if _, err := rand.Read(sock[:]); err != nil {
		return fail(err)
	}

	start := func(name string, env []string, args ...string) error {
		p, err := startProc(dir, name, bins[name], env, args...)
		if err != nil {
			return err
		}
		procs = append(procs, p)
		return nil
	}
	if err := start("fulcio", nil, "serve",
		"--ca=ephemeralca",
		"--config-path=fulcio.json",
		"--log_type=dev",
		"--host=127.0.0.1", "--port="+fulcioHTTP,
		"--grpc-host=127.0.0.1", "--grpc-port="+fulcioGRPC,
		"--metrics-port="+fulcioMetrics,
		// Abstract sockets are per network namespace: a unique name
		// keeps two Fulcios in one namespace apart.
		"--legacy-unix-domain-socket=@tagship-sigstack-fulcio-"+hex.EncodeToString(sock[:]),
		"--ct-log-url="+s.CTLogURL,
		"--ct-log-public-key-path=ctlog.pub",
	); err != nil {
		return fail(err)
	}
	if err := start("timestamp-server", nil, "serve",
		"--host=127.0.0.1", "--port="+tsaPort,
		"--timestamp-signer=memory",
		"--disable-ntp-monitoring",
	); err != nil {
		return fail(err)
	}
	if err := start("rekor-server", nil, "serve",
		"--hostname="+s.RekorOrigin,
		"--http-address=127.0.0.1", "--http-port="+rekorHTTP,
		"--grpc-address=127.0.0.1", "--grpc-port="+rekorGRPC,
		"--http-metrics-port="+rekorMetrics,
		"--storage-dir=rekor",
		"--signer-filepath=rekor.key",
		"--checkpoint-interval=1s",
	); err != nil {
		return fail(err)
	}

	ctx, cancel := context.WithTimeout(parent, o.readyWithin)
	defer cancel()
	client := &http.Client{Timeout: 5 * time.Second}

	// Fulcio's chain seeds the CT log's accepted roots.
	body, err := waitFor(ctx, client, procs[0], s.FulcioURL+"/api/v2/trustBundle")
	if err != nil {
		return fail(err)
	}
	chain, err := fulcioChain(body)
	if err != nil {
		return fail(err)
	}
	if err := os.WriteFile(s.FulcioChainPath, chain, 0o600); err != nil {
		return fail(err)
	}
	// TesseraCT always pushes OTLP metrics to localhost:4318; make that a
	// once-a-day push (it still tries once at shutdown and logs a refusal).
	if err := start("tesseract", []string{"OTEL_METRIC_EXPORT_INTERVAL=86400000"},
		"--http_endpoint=127.0.0.1:"+ctPort,
		"--origin=127.0.0.1",
		"--storage_dir=ct",
		"--private_key=ctlog.key",
		"--roots_pem_file=fulcio-chain.pem",
		"--ext_key_usages=CodeSigning",
	); err != nil {
		return fail(err)
	}

	tsaChain, err := waitFor(ctx, client, procs[1], s.TSAURL+"/certchain")
	if err != nil {
		return fail(err)
	}
	if !bytes.Contains(tsaChain, []byte("-----BEGIN CERTIFICATE-----")) {
		return fail(fmt.Errorf("timestamp authority certificate chain: want PEM certificates, got %.200q", tsaChain))
	}
	if err := os.WriteFile(s.TSAChainPath, tsaChain, 0o600); err != nil {
		return fail(err)
	}
	if _, err := waitFor(ctx, client, procs[2], s.RekorURL+"/healthz"); err != nil {
		return fail(err)
	}
	if _, err := waitFor(ctx, client, procs[3], s.CTLogURL+"/ct/v1/get-roots"); err != nil {
		return fail(err)
	}

	// Describe the stack with the real cosign.
	since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	trArgs := []string{"trusted-root", "create",
		"--fulcio", "url=" + s.FulcioURL + ",certificate-chain=fulcio-chain.pem",
		"--ctfe", "url=" + s.CTLogURL + ",public-key=ctlog.pub,start-time=" + since,
		"--tsa", "url=" + s.TSAURL + ",certificate-chain=tsa-chain.pem",
		"--rekor", "url=" + s.RekorURL + ",public-key=rekor.pub,start-time=" + since + ",origin=" + s.RekorOrigin,
		"--out", "trusted_root.json",
	}
	if err := runIn(ctx, dir, s, trArgs...); err != nil {
		return fail(err)
	}
	svc := func(u, v string) string {
		return "url=" + u + ",api-version=" + v + ",start-time=" + since + ",operator=tagship-sigstack"
	}
	scArgs := []string{"signing-config", "create",
		"--fulcio", svc(s.FulcioURL, "1"),
		"--rekor", svc(s.RekorURL, "2"),
		"--tsa", svc(s.TSAURL, "1"),
		"--oidc-provider", svc(issuerURL, "1"),
		"--rekor-config=ANY", "--tsa-config=ANY",
		"--out", "signing_config.json",
	}
	if err := runIn(ctx, dir, s, scArgs...); err != nil {
		return fail(err)
	}
	return s, procs, nil
}

// runIn runs cosign in dir (relative file names keep commas in temporary
// paths out of cosign's key=value specs).
func runIn(ctx context.Context, dir string, s *Stack, args ...string) error {
	var out bytes.Buffer
	cmd := s.CosignCmd(ctx, args...)
	cmd.Dir = dir
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("cosign %s %s: %w\n%s", args[0], args[1], err, out.String())
	}
	return nil
}

// proc is one running service.
type proc struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	logFile *os.File
	done    chan struct{}
	err     error // valid after done is closed
}

// exitedError reports a service that exited while the stack started.
type exitedError struct {
	Service string
	Err     error
}

func (e *exitedError) Error() string {
	return fmt.Sprintf("%s exited during start-up (%v); see its log", e.Service, e.Err)
}

func (e *exitedError) Unwrap() error { return e.Err }

func startProc(dir, name, bin string, env []string, args ...string) (*proc, error) {
	logPath := filepath.Join(dir, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "$ %s %s\n", name, strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout = f
	cmd.Stderr = f
	cmd.Env = append(os.Environ(), env...)
	// Die with the test binary even if it is killed without cleanup.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, logPath: logPath, logFile: f, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *proc) stop() {
	select {
	case <-p.done:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	}
	p.logFile.Close()
}

func stopAll(procs []*proc) {
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.stop()
		}()
	}
	wg.Wait()
}

func dumpLogs(logf func(string, ...any), procs []*proc) {
	for _, p := range procs {
		b, err := os.ReadFile(p.logPath)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		if len(lines) > 40 {
			lines = lines[len(lines)-40:]
		}
		logf("sigstack: last lines of %s:\n%s", p.logPath, strings.Join(lines, "\n"))
	}
}

// waitFor polls url until it answers 200 and returns the body; it gives up
// when p exits or ctx ends.
func waitFor(ctx context.Context, client *http.Client, p *proc, url string) ([]byte, error) {
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err == nil {
			body, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && rerr == nil {
				return body, nil
			}
			last = fmt.Errorf("GET %s: status %d, want 200", url, resp.StatusCode)
		} else {
			last = err
		}
		select {
		case <-p.done:
			return nil, &exitedError{Service: p.name, Err: p.err}
		case <-ctx.Done():
			return nil, fmt.Errorf("%s not ready: %w (last: %v)", p.name, ctx.Err(), last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// fulcioChain turns Fulcio's /api/v2/trustBundle answer into one PEM chain.
func fulcioChain(body []byte) ([]byte, error) {
	var tb struct {
		Chains []struct {
			Certificates []string `json:"certificates"`
		} `json:"chains"`
	}
	if err := json.Unmarshal(body, &tb); err != nil {
		return nil, fmt.Errorf("fulcio trust bundle: %w", err)
	}
	if len(tb.Chains) == 0 || len(tb.Chains[0].Certificates) == 0 {
		return nil, fmt.Errorf("fulcio trust bundle: want at least one certificate chain, got %.200q", body)
	}
	var out []byte
	for i, c := range tb.Chains[0].Certificates {
		block, rest := pem.Decode([]byte(c))
		if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
			return nil, fmt.Errorf("fulcio trust bundle: certificate %d: want one PEM CERTIFICATE block, got %.100q", i, c)
		}
		out = append(out, pem.EncodeToMemory(block)...)
	}
	return out, nil
}

func writePEM(path, typ string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
}

func writePublicKey(path string, pub any) error {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return err
	}
	return writePEM(path, "PUBLIC KEY", der)
}

// freePorts reserves n distinct free TCP ports on 127.0.0.1. They are
// released before returning, so a start attempt can still lose a race for
// one: Start retries on fresh ports when a service exits during start-up.
func freePorts(n int) ([]string, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("reserving a free port on 127.0.0.1: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	}
	return ports, nil
}

func checkPortFree(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return l.Close()
}

// lockNamespace takes the per-network-namespace stack lock.
func lockNamespace(ctx context.Context, logf func(string, ...any), timeout time.Duration) (func(), error) {
	ns := "default"
	if link, err := os.Readlink("/proc/self/ns/net"); err == nil {
		// "net:[4026531840]"
		ns = strings.Trim(strings.TrimPrefix(link, "net:"), "[]")
	}
	path := filepath.Join(os.TempDir(), "tagship-sigstack-net-"+ns+".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, fmt.Errorf("sigstack: opening lock file: %w", err)
	}
	deadline := time.Now().Add(timeout)
	logged := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("sigstack: locking %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("sigstack: another Sigstore stack in this network namespace held %s for more than %v; stacks run one at a time (the timestamp authority needs port 2112): share one stack between subtests", path, timeout)
		}
		if !logged {
			logf("sigstack: waiting for another stack in this network namespace to stop (%s)", path)
			logged = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("sigstack: waiting for the stack lock %s: %w", path, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

func maskTokens(args []string) []string {
	out := make([]string, len(args))
	copy(out, args)
	for i, a := range out {
		switch {
		case a == "--identity-token" && i+1 < len(out):
			out[i+1] = "***"
		case strings.HasPrefix(a, "--identity-token="):
			out[i] = "--identity-token=***"
		}
	}
	return out
}

// rawTokens returns the --identity-token values that are JWTs rather than
// file names (cosign echoes an unparsable one in its error messages).
func rawTokens(args []string) []string {
	var toks []string
	for i, a := range args {
		v, ok := strings.CutPrefix(a, "--identity-token=")
		if !ok && a == "--identity-token" && i+1 < len(args) {
			v, ok = args[i+1], true
		}
		if ok && strings.Count(v, ".") == 2 && !strings.ContainsRune(v, '/') {
			toks = append(toks, v)
		}
	}
	return toks
}

func firstWord(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}
