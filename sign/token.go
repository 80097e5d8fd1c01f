package sign

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/tagship/tagship/internal/safehttp"
)

// DefaultAudience is the audience Fulcio expects in ID tokens.
const DefaultAudience = "sigstore"

// Environment variables read by the token sources.
const (
	EnvActionsTokenRequestURL   = "ACTIONS_ID_TOKEN_REQUEST_URL"
	EnvActionsTokenRequestToken = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
	EnvSigstoreIDToken          = "SIGSTORE_ID_TOKEN"
)

// TokenSource yields an OIDC ID token for an audience. Implementations never
// put the token (or any credential used to get it) in an error.
type TokenSource interface {
	Token(ctx context.Context, audience string) (string, error)
}

// StaticToken is a TokenSource that always returns itself, whatever the
// audience.
type StaticToken string

// Token returns the token, or ErrNoToken if it is empty.
func (t StaticToken) Token(ctx context.Context, _ string) (string, error) {
	if t == "" {
		return "", fmt.Errorf("%w: the static token is empty", ErrNoToken)
	}
	return string(t), nil
}

// TokenOption configures the environment-based token sources.
type TokenOption func(*tokenOptions) error

type tokenOptions struct {
	getenv func(string) string
	client *http.Client
}

func newTokenOptions(opts []TokenOption) (*tokenOptions, error) {
	o := &tokenOptions{getenv: os.Getenv, client: &http.Client{Timeout: 30 * time.Second}}
	for _, opt := range opts {
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	// Wrapped once here, not per request: a fresh copy per fetch would
	// build a new transport (and connection pool) every time.
	o.client = safeClient(o.client)
	return o, nil
}

// WithTokenEnv makes the token source read variables with getenv instead of
// os.Getenv (default). Tests use it to inject ACTIONS_ID_TOKEN_REQUEST_*.
func WithTokenEnv(getenv func(string) string) TokenOption {
	return func(o *tokenOptions) error {
		if getenv == nil {
			return fmt.Errorf("%w: WithTokenEnv(nil)", ErrConfig)
		}
		o.getenv = getenv
		return nil
	}
}

// WithTokenHTTPClient sets the HTTP client used for the GitHub Actions token
// endpoint (default: a client with a 30 s timeout).
func WithTokenHTTPClient(c *http.Client) TokenOption {
	return func(o *tokenOptions) error {
		if c == nil {
			return fmt.Errorf("%w: WithTokenHTTPClient(nil)", ErrConfig)
		}
		o.client = c
		return nil
	}
}

type errTokenSource struct{ err error }

func (e errTokenSource) Token(context.Context, string) (string, error) { return "", e.err }

// GitHubActionsTokenSource requests an ID token from the GitHub Actions token
// endpoint named by ACTIONS_ID_TOKEN_REQUEST_URL, authenticated with
// ACTIONS_ID_TOKEN_REQUEST_TOKEN, for the requested audience. Variables are
// read on each Token call. A missing variable yields ErrNoToken with a hint
// that the workflow job needs `permissions: id-token: write`. 5xx and 429
// answers and connection errors are retried (3 attempts with backoff).
func GitHubActionsTokenSource(opts ...TokenOption) TokenSource {
	o, err := newTokenOptions(opts)
	if err != nil {
		return errTokenSource{err}
	}
	return &actionsTokenSource{o: o}
}

type actionsTokenSource struct{ o *tokenOptions }

const idTokenHint = "the GitHub Actions job must grant `permissions: id-token: write` (job or workflow level) so the runner sets ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN"

func (s *actionsTokenSource) Token(ctx context.Context, audience string) (string, error) {
	reqURL := s.o.getenv(EnvActionsTokenRequestURL)
	reqTok := s.o.getenv(EnvActionsTokenRequestToken)
	if reqURL == "" || reqTok == "" {
		return "", fmt.Errorf("%w: %s or %s is not set: %s", ErrNoToken, EnvActionsTokenRequestURL, EnvActionsTokenRequestToken, idTokenHint)
	}
	if audience == "" {
		audience = DefaultAudience
	}
	u, err := url.Parse(reqURL)
	if err != nil {
		return "", fmt.Errorf("%w: %s is not a URL", ErrNoToken, EnvActionsTokenRequestURL)
	}
	q := u.Query()
	q.Set("audience", audience)
	u.RawQuery = q.Encode()
	safeURL := u.Scheme + "://" + u.Host + u.Path

	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 {
			if err := safehttp.Sleep(ctx, time.Duration(attempt)*500*time.Millisecond); err != nil {
				return "", err
			}
		}
		tok, retry, err := s.fetch(ctx, u.String(), reqTok)
		if err == nil {
			return tok, nil
		}
		lastErr = redactError(err, reqTok)
		if ctx.Err() != nil {
			lastErr = ctx.Err()
			break
		}
		if !retry {
			break
		}
	}
	return "", &ServiceError{Service: "oidc", URL: safeURL, Err: fmt.Errorf("%w: %w", ErrNoToken, lastErr)}
}

func (s *actionsTokenSource) fetch(ctx context.Context, u, reqTok string) (token string, retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", false, errors.New("building token request failed")
	}
	req.Header.Set("Authorization", "bearer "+reqTok)
	req.Header.Set("Accept", "application/json")
	resp, err := s.o.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", false, ctx.Err()
		}
		return "", true, fmt.Errorf("token request failed: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", true, fmt.Errorf("reading token response: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		retry := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
		return "", retry, fmt.Errorf("token endpoint answered %s", resp.Status)
	}
	var v struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.Value == "" {
		return "", false, errors.New(`token endpoint answer has no "value"`)
	}
	return v.Value, false, nil
}

// EnvTokenSource returns the ID token stored in the environment variable
// name (e.g. SIGSTORE_ID_TOKEN), whatever the audience.
func EnvTokenSource(name string, opts ...TokenOption) TokenSource {
	o, err := newTokenOptions(opts)
	if err != nil {
		return errTokenSource{err}
	}
	return &envTokenSource{name: name, o: o}
}

type envTokenSource struct {
	name string
	o    *tokenOptions
}

func (s *envTokenSource) Token(context.Context, string) (string, error) {
	v := strings.TrimSpace(s.o.getenv(s.name))
	if v == "" {
		return "", fmt.Errorf("%w: environment variable %s is empty or not set", ErrNoToken, s.name)
	}
	return v, nil
}

// DefaultTokenSource uses the GitHub Actions token endpoint when its variables
// are set, else SIGSTORE_ID_TOKEN, else fails with ErrNoToken explaining that a
// GitHub Actions job needs `permissions: id-token: write`. The choice is made
// on each Token call.
func DefaultTokenSource(opts ...TokenOption) TokenSource {
	o, err := newTokenOptions(opts)
	if err != nil {
		return errTokenSource{err}
	}
	return &defaultTokenSource{o: o, gh: &actionsTokenSource{o: o}, env: &envTokenSource{name: EnvSigstoreIDToken, o: o}}
}

type defaultTokenSource struct {
	o   *tokenOptions
	gh  *actionsTokenSource
	env *envTokenSource
}

func (s *defaultTokenSource) Token(ctx context.Context, audience string) (string, error) {
	if s.o.getenv(EnvActionsTokenRequestURL) != "" && s.o.getenv(EnvActionsTokenRequestToken) != "" {
		return s.gh.Token(ctx, audience)
	}
	if strings.TrimSpace(s.o.getenv(EnvSigstoreIDToken)) != "" {
		return s.env.Token(ctx, audience)
	}
	msg := "no ID token source: neither ACTIONS_ID_TOKEN_REQUEST_URL/ACTIONS_ID_TOKEN_REQUEST_TOKEN nor SIGSTORE_ID_TOKEN is set; in GitHub Actions, " + idTokenHint
	if s.o.getenv("GITHUB_ACTIONS") == "true" {
		msg = "running in GitHub Actions but ACTIONS_ID_TOKEN_REQUEST_URL/ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set: " + idTokenHint
	}
	return "", fmt.Errorf("%w: %s", ErrNoToken, msg)
}

// TokenClaims are the non-secret claims of an ID token, decoded without
// verifying the signature (Fulcio verifies it). Use them for messages only.
type TokenClaims struct {
	Issuer            string    `json:"iss"`
	Subject           string    `json:"sub"`
	Audience          []string  `json:"-"`
	Repository        string    `json:"repository,omitempty"`
	RepositoryOwner   string    `json:"repository_owner,omitempty"`
	Ref               string    `json:"ref,omitempty"`
	RefType           string    `json:"ref_type,omitempty"`
	SHA               string    `json:"sha,omitempty"`
	Workflow          string    `json:"workflow,omitempty"`
	WorkflowRef       string    `json:"workflow_ref,omitempty"`
	JobWorkflowRef    string    `json:"job_workflow_ref,omitempty"`
	JobWorkflowSHA    string    `json:"job_workflow_sha,omitempty"`
	Environment       string    `json:"environment,omitempty"`
	EventName         string    `json:"event_name,omitempty"`
	RunnerEnvironment string    `json:"runner_environment,omitempty"`
	Expiry            time.Time `json:"-"`
	IssuedAt          time.Time `json:"-"`
}

// ParseTokenClaims decodes the payload of a JWT without verifying it.
func ParseTokenClaims(token string) (*TokenClaims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: not a JWT (want 3 dot-separated parts, found %d)", ErrNoToken, len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, fmt.Errorf("%w: JWT payload is not base64url", ErrNoToken)
	}
	var raw struct {
		TokenClaims
		Aud json.RawMessage `json:"aud"`
		Exp json.Number     `json:"exp"`
		Iat json.Number     `json:"iat"`
	}
	if err := json.Unmarshal(payload, &raw); err != nil {
		return nil, fmt.Errorf("%w: JWT payload is not a JSON object", ErrNoToken)
	}
	c := raw.TokenClaims
	if len(raw.Aud) > 0 {
		var one string
		if json.Unmarshal(raw.Aud, &one) == nil {
			c.Audience = []string{one}
		} else if json.Unmarshal(raw.Aud, &c.Audience) != nil {
			return nil, fmt.Errorf("%w: JWT aud claim is neither a string nor a list", ErrNoToken)
		}
	}
	c.Expiry = numericDate(raw.Exp)
	c.IssuedAt = numericDate(raw.Iat)
	return &c, nil
}

func numericDate(n json.Number) time.Time {
	if n == "" {
		return time.Time{}
	}
	f, err := n.Float64()
	if err != nil || f <= 0 || f > 1e12 {
		return time.Time{}
	}
	return time.Unix(int64(f), 0).UTC()
}

// String describes the token's identity for error messages (never the token).
func (c *TokenClaims) String() string {
	if c == nil {
		return "<no claims>"
	}
	s := fmt.Sprintf("iss=%q sub=%q aud=%q", c.Issuer, c.Subject, c.Audience)
	if c.JobWorkflowRef != "" {
		s += fmt.Sprintf(" job_workflow_ref=%q", c.JobWorkflowRef)
	}
	if !c.Expiry.IsZero() {
		s += " exp=" + c.Expiry.Format(time.RFC3339)
	}
	return s
}
