package signtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// Workflow is the GitHub Actions run the issuer mints tokens for. Empty
// fields take the defaults of DefaultWorkflow().
type Workflow struct {
	Repository        string // "owner/name"
	RepositoryID      string
	OwnerID           string
	Visibility        string // "public"
	WorkflowPath      string // ".github/workflows/release.yml"
	Ref               string // "refs/tags/v1.0.0" (a bare "v1.0.0" means that tag)
	SHA               string // commit SHA (40 hex)
	EventName         string // "push"
	Environment       string // deployment environment, "" for none
	RunID             string
	RunAttempt        string
	RunnerEnvironment string // "github-hosted"
	Actor             string
	// JobWorkflowRef overrides the called (reusable) workflow ref; default
	// "<Repository>/<WorkflowPath>@<Ref>".
	JobWorkflowRef string
}

// DefaultWorkflow returns the run tokens describe unless configured
// otherwise: octo-org/octo-repo, .github/workflows/release.yml, tag v1.0.0,
// push event.
func DefaultWorkflow() Workflow {
	return Workflow{
		Repository:        "octo-org/octo-repo",
		RepositoryID:      "123456789",
		OwnerID:           "987654",
		Visibility:        "public",
		WorkflowPath:      ".github/workflows/release.yml",
		Ref:               "refs/tags/v1.0.0",
		SHA:               "0123456789abcdef0123456789abcdef01234567",
		EventName:         "push",
		RunID:             "4242424242",
		RunAttempt:        "1",
		RunnerEnvironment: "github-hosted",
		Actor:             "octocat",
	}
}

func (w Workflow) withDefaults() Workflow {
	d := DefaultWorkflow()
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&d.Repository, w.Repository)
	set(&d.RepositoryID, w.RepositoryID)
	set(&d.OwnerID, w.OwnerID)
	set(&d.Visibility, w.Visibility)
	set(&d.WorkflowPath, strings.TrimPrefix(w.WorkflowPath, "/"))
	set(&d.Ref, w.Ref)
	set(&d.SHA, w.SHA)
	set(&d.EventName, w.EventName)
	d.Environment = w.Environment
	set(&d.RunID, w.RunID)
	set(&d.RunAttempt, w.RunAttempt)
	set(&d.RunnerEnvironment, w.RunnerEnvironment)
	set(&d.Actor, w.Actor)
	d.JobWorkflowRef = w.JobWorkflowRef
	if !strings.HasPrefix(d.Ref, "refs/") {
		d.Ref = "refs/tags/" + d.Ref
	}
	return d
}

func (w Workflow) owner() string {
	o, _, _ := strings.Cut(w.Repository, "/")
	return o
}

func (w Workflow) workflowRef() string { return w.Repository + "/" + w.WorkflowPath + "@" + w.Ref }

func (w Workflow) jobWorkflowRef() string {
	if w.JobWorkflowRef != "" {
		return w.JobWorkflowRef
	}
	return w.workflowRef()
}

// Identity is the certificate identity (SAN) Fulcio issues for w:
// "https://github.com/<job_workflow_ref>".
func (w Workflow) Identity() string { return "https://github.com/" + w.withDefaults().jobWorkflowRef() }

// Claims returns the GitHub Actions ID token claims for w (without iss, aud,
// iat, exp, nbf, jti).
func (w Workflow) Claims() map[string]any {
	w = w.withDefaults()
	refType := "branch"
	if strings.HasPrefix(w.Ref, "refs/tags/") {
		refType = "tag"
	}
	sub := "repo:" + w.Repository + ":ref:" + w.Ref
	if w.Environment != "" {
		sub = "repo:" + w.Repository + ":environment:" + w.Environment
	}
	name := strings.TrimSuffix(w.WorkflowPath[strings.LastIndex(w.WorkflowPath, "/")+1:], ".yml")
	c := map[string]any{
		"sub":                   sub,
		"ref":                   w.Ref,
		"ref_type":              refType,
		"ref_protected":         "false",
		"sha":                   w.SHA,
		"repository":            w.Repository,
		"repository_id":         w.RepositoryID,
		"repository_owner":      w.owner(),
		"repository_owner_id":   w.OwnerID,
		"repository_visibility": w.Visibility,
		"actor":                 w.Actor,
		"actor_id":              "1",
		"run_id":                w.RunID,
		"run_number":            "1",
		"run_attempt":           w.RunAttempt,
		"runner_environment":    w.RunnerEnvironment,
		"workflow":              name,
		"workflow_ref":          w.workflowRef(),
		"workflow_sha":          w.SHA,
		"job_workflow_ref":      w.jobWorkflowRef(),
		"job_workflow_sha":      w.SHA,
		"event_name":            w.EventName,
		"head_ref":              "",
		"base_ref":              "",
	}
	if w.Environment != "" {
		c["environment"] = w.Environment
	}
	return c
}

type oidcIssuer struct {
	key *rsa.PrivateKey
	kid string
}

func newOIDCIssuer() (*oidcIssuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(key.PublicKey.N.Bytes())
	return &oidcIssuer{key: key, kid: base64.RawURLEncoding.EncodeToString(h[:8])}, nil
}

func (o *oidcIssuer) sign(claims map[string]any) (string, error) {
	hdr, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": o.kid})
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := base64.RawURLEncoding.EncodeToString(hdr) + "." + base64.RawURLEncoding.EncodeToString(payload)
	h := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, o.key, crypto.SHA256, h[:])
	if err != nil {
		return "", err
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// verify checks the signature and returns the claims.
func (o *oidcIssuer) verify(tok string) (map[string]any, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a JWT")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, errors.New("bad signature encoding")
	}
	h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&o.key.PublicKey, crypto.SHA256, h[:], sig); err != nil {
		return nil, errors.New("token signature does not verify with the issuer key")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, errors.New("bad payload encoding")
	}
	var c map[string]any
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, errors.New("payload is not JSON")
	}
	return c, nil
}

func (o *oidcIssuer) jwks() map[string]any {
	pub := o.key.PublicKey
	return map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": o.kid,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}}
}

// MintToken returns a signed GitHub-Actions-shaped ID token for audience
// ("" means "sigstore") describing the current workflow (SetWorkflow).
func (s *Sigstore) MintToken(audience string) (string, error) {
	return s.MintTokenFor(s.Workflow(), audience)
}

// MintTokenFor returns a token for workflow w (defaults filled in).
func (s *Sigstore) MintTokenFor(w Workflow, audience string) (string, error) {
	if audience == "" {
		audience = "sigstore"
	}
	now := s.now()
	c := w.Claims()
	c["iss"] = s.issuer
	c["aud"] = audience
	c["iat"] = now.Unix()
	c["nbf"] = now.Add(-5 * time.Second).Unix()
	c["exp"] = now.Add(s.tokenTTL).Unix()
	jti := make([]byte, 8)
	rand.Read(jti)
	c["jti"] = fmt.Sprintf("%x", jti)
	tok, err := s.oidc.sign(c)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.minted++
	s.mu.Unlock()
	return tok, nil
}

func (s *Sigstore) issuerHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                s.issuer,
			"jwks_uri":                              s.issuerSrv.URL + "/.well-known/jwks",
			"subject_types_supported":               []string{"public", "pairwise"},
			"response_types_supported":              []string{"id_token"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"scopes_supported":                      []string{"openid"},
			"claims_supported": []string{"sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "sha", "repository",
				"repository_id", "repository_owner", "repository_owner_id", "run_id", "run_number", "run_attempt", "actor",
				"actor_id", "workflow", "workflow_ref", "workflow_sha", "head_ref", "base_ref", "event_name", "ref_type",
				"ref_protected", "environment", "job_workflow_ref", "job_workflow_sha", "runner_environment", "repository_visibility"},
		})
	})
	mux.HandleFunc("GET /.well-known/jwks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.oidc.jwks())
	})
	mux.HandleFunc("GET /token", func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		scheme, tok, _ := strings.Cut(auth, " ")
		if !strings.EqualFold(scheme, "bearer") || tok != s.requestToken {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials: Authorization must be 'bearer <ACTIONS_ID_TOKEN_REQUEST_TOKEN>'"})
			return
		}
		aud := r.URL.Query().Get("audience")
		jwt, err := s.MintToken(aud)
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"message": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"count": 1, "value": jwt})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}
