package ocitest

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tagship/tagship/internal/interop"
)

// DockerRegistry is a running Debian docker-registry (distribution 2.8).
type DockerRegistry struct {
	// Host is "127.0.0.1:PORT".
	Host string
	// Dir is the filesystem storage root.
	Dir string
	// User and Pass are the basic-auth credentials ("" without auth).
	User, Pass string

	cmd  *exec.Cmd
	logs *bytes.Buffer
}

// DockerOption configures [StartDockerRegistry].
type DockerOption func(*dockerConfig)

type dockerConfig struct{ user, pass string }

// WithHtpasswd protects the registry with htpasswd basic auth (bcrypt
// entry made by apache2-utils' htpasswd). Default: no auth.
func WithHtpasswd(user, pass string) DockerOption {
	return func(c *dockerConfig) { c.user, c.pass = user, pass }
}

// StartDockerRegistry starts the real docker-registry on 127.0.0.1 with
// filesystem storage in a temporary directory, waits until it answers, and
// stops it when the test ends. The tool is found with interop.Tool
// (skipped when missing, failed under TAGSHIP_INTEROP=1).
func StartDockerRegistry(t testing.TB, opts ...DockerOption) *DockerRegistry {
	t.Helper()
	var c dockerConfig
	for _, o := range opts {
		o(&c)
	}
	bin := interop.Tool(t, "docker-registry")
	dir := t.TempDir()
	storage := filepath.Join(dir, "storage")
	if err := os.MkdirAll(storage, 0o755); err != nil {
		t.Fatal(err)
	}
	auth := ""
	if c.user != "" {
		htpasswd := interop.Tool(t, "htpasswd")
		out, err := exec.Command(htpasswd, "-Bbn", c.user, c.pass).Output()
		if err != nil {
			t.Fatalf("htpasswd: %v", err)
		}
		hp := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(hp, bytes.TrimSpace(out), 0o600); err != nil {
			t.Fatal(err)
		}
		auth = fmt.Sprintf("auth:\n  htpasswd:\n    realm: ocitest\n    path: %s\n", hp)
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		host := fmt.Sprintf("127.0.0.1:%d", port)
		cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n%s", storage, host, auth)
		cfgPath := filepath.Join(dir, "config.yml")
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		logs := &bytes.Buffer{}
		cmd := exec.Command(bin, "serve", cfgPath)
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting docker-registry: %v", err)
		}
		r := &DockerRegistry{Host: host, Dir: storage, User: c.user, Pass: c.pass, cmd: cmd, logs: logs}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		if err := r.waitReady(5*time.Second, exited); err != nil {
			cmd.Process.Kill()
			<-exited
			lastErr = fmt.Errorf("%v; logs:\n%s", err, logs.String())
			continue
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			<-exited
			if t.Failed() {
				t.Logf("docker-registry logs:\n%s", tail(logs.String(), 4000))
			}
		})
		return r
	}
	t.Fatalf("docker-registry did not start: %v", lastErr)
	return nil
}

func (r *DockerRegistry) waitReady(max time.Duration, exited <-chan struct{}) error {
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + r.Host + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("docker-registry exited (port %s taken?)", r.Host)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("docker-registry not ready on %s after %s", r.Host, max)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
