package pypitest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// oidcClaims are the GitHub Actions claims Warehouse looks at.
type oidcClaims struct {
	jwt.Claims
	Repository     string `json:"repository"`
	RepositoryID   string `json:"repository_id"`
	Owner          string `json:"repository_owner"`
	Workflow       string `json:"workflow"`
	WorkflowRef    string `json:"workflow_ref"`
	JobWorkflowRef string `json:"job_workflow_ref"`
	Ref            string `json:"ref"`
	Environment    string `json:"environment"`
	EventName      string `json:"event_name"`
}

var signatureAlgorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

func mintError(w http.ResponseWriter, code, desc string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"message": "Token request failed",
		"errors":  []map[string]string{{"code": code, "description": desc}},
	})
}

func (s *Server) handleMint(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "405 Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	if s.cfg.tpDisabled {
		mintError(w, "not-enabled", "Trusted publishing functionality not enabled")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		mintError(w, "invalid-payload", "could not read request body")
		return
	}
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		mintError(w, "invalid-payload", "malformed JSON")
		return
	}
	raw, ok := req["token"].(string)
	if !ok {
		mintError(w, "invalid-payload", "token is missing or not a string")
		return
	}
	claims, err := s.verifyOIDC(r.Context(), raw)
	if err != nil {
		mintError(w, "invalid-token", "malformed or invalid token: "+err.Error())
		return
	}
	pub, ok := s.matchPublisher(claims)
	if !ok {
		mintError(w, "invalid-publisher", "valid token, but no corresponding publisher (Publisher with matching claims was not found)")
		return
	}
	s.mu.Lock()
	if claims.ID != "" && s.jtis[claims.ID] {
		s.mu.Unlock()
		mintError(w, "invalid-reuse-token", "invalid token: already used")
		return
	}
	if claims.ID != "" {
		s.jtis[claims.ID] = true
	}
	tok := randomToken()
	exp := time.Now().Add(s.cfg.lifetime)
	s.tokens[tok] = mintedToken{project: pub.Project, expires: exp, oidc: true}
	s.mints++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "token": tok, "expires": exp.Unix()})
}

func (s *Server) keys(ctx context.Context) (*jose.JSONWebKeySet, error) {
	if !s.cfg.discover {
		if s.cfg.issuerKeys == nil {
			return nil, errors.New("no OIDC issuer is configured on this index")
		}
		return s.cfg.issuerKeys, nil
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := getJSON(ctx, s.cfg.discoveryURL+"/.well-known/openid-configuration", &doc); err != nil {
		return nil, fmt.Errorf("OIDC discovery: %w", err)
	}
	if doc.JWKSURI == "" {
		return nil, errors.New("OIDC discovery document has no jwks_uri")
	}
	var ks jose.JSONWebKeySet
	if err := getJSON(ctx, doc.JWKSURI, &ks); err != nil {
		return nil, fmt.Errorf("fetching JWKS: %w", err)
	}
	return &ks, nil
}

func getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v)
}

func (s *Server) verifyOIDC(ctx context.Context, raw string) (*oidcClaims, error) {
	tok, err := jwt.ParseSigned(raw, signatureAlgorithms)
	if err != nil {
		return nil, errors.New("not a signed JWT")
	}
	ks, err := s.keys(ctx)
	if err != nil {
		return nil, err
	}
	var candidates []jose.JSONWebKey
	if len(tok.Headers) > 0 && tok.Headers[0].KeyID != "" {
		candidates = ks.Key(tok.Headers[0].KeyID)
		if len(candidates) == 0 {
			// Keys without a kid still apply.
			for _, k := range ks.Keys {
				if k.KeyID == "" {
					candidates = append(candidates, k)
				}
			}
		}
	} else {
		candidates = ks.Keys
	}
	var claims oidcClaims
	verified := false
	for _, k := range candidates {
		if err := tok.Claims(k.Key, &claims); err == nil {
			verified = true
			break
		}
	}
	if !verified {
		return nil, errors.New("signature does not verify with the issuer's keys")
	}
	if err := claims.ValidateWithLeeway(jwt.Expected{
		Issuer:      s.cfg.issuer,
		AnyAudience: jwt.Audience{s.cfg.audience},
		Time:        time.Now(),
	}, 30*time.Second); err != nil {
		return nil, err
	}
	return &claims, nil
}

// workflowFile extracts "release.yml" from
// "owner/repo/.github/workflows/release.yml@refs/tags/v1".
func workflowFile(ref string) (repo, file string) {
	ref, _, _ = strings.Cut(ref, "@")
	i := strings.Index(ref, "/.github/workflows/")
	if i < 0 {
		return "", ""
	}
	return ref[:i], path.Base(ref[i+len("/.github/workflows/"):])
}

func (s *Server) matchPublisher(c *oidcClaims) (Publisher, bool) {
	ref := c.JobWorkflowRef
	if ref == "" {
		ref = c.WorkflowRef
	}
	refRepo, file := workflowFile(ref)
	for _, p := range s.cfg.publishers {
		if p.Issuer != "" && p.Issuer != c.Issuer {
			continue
		}
		if !strings.EqualFold(p.Repository, c.Repository) || !strings.EqualFold(refRepo, c.Repository) {
			continue
		}
		if file != p.Workflow {
			continue
		}
		if p.Environment != "" && !strings.EqualFold(p.Environment, c.Environment) {
			continue
		}
		return p, true
	}
	return Publisher{}, false
}

// Issuer is a minimal OIDC token issuer for tests that do not need a
// whole Sigstore stack: it signs GitHub Actions-shaped tokens with an
// ECDSA P-256 key. Pass Issuer.Option() to NewServer.
type Issuer struct {
	URL string
	key *ecdsa.PrivateKey
	kid string
}

// NewIssuer creates an issuer named url (default
// "https://token.actions.githubusercontent.com").
func NewIssuer(url string) (*Issuer, error) {
	if url == "" {
		url = "https://token.actions.githubusercontent.com"
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 8)
	rand.Read(b)
	return &Issuer{URL: url, key: k, kid: hex.EncodeToString(b)}, nil
}

// PublicKey returns the verification key.
func (i *Issuer) PublicKey() crypto.PublicKey { return i.key.Public() }

// KeySet returns the JWKS.
func (i *Issuer) KeySet() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: i.key.Public(), KeyID: i.kid, Algorithm: string(jose.ES256), Use: "sig"}}}
}

// Option configures a Server to trust this issuer.
func (i *Issuer) Option() Option { return WithIssuerKeys(i.URL, i.KeySet()) }

// GitHubClaims describe a GitHub Actions OIDC token.
type GitHubClaims struct {
	Repository  string // owner/repo
	Workflow    string // file name, e.g. release.yml
	Ref         string // e.g. refs/tags/v1.0.0
	Environment string
	Audience    string        // default "pypi"
	Lifetime    time.Duration // default 5 minutes; negative for an expired token
}

// Sign returns a signed JWT with arbitrary claims (iss defaults to the
// issuer's URL).
func (i *Issuer) Sign(claims map[string]any) (string, error) {
	if _, ok := claims["iss"]; !ok {
		claims["iss"] = i.URL
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: i.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", i.kid))
	if err != nil {
		return "", err
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

// GitHubToken returns a GitHub Actions-shaped OIDC token with a fresh jti.
func (i *Issuer) GitHubToken(c GitHubClaims) (string, error) {
	if c.Audience == "" {
		c.Audience = DefaultAudience
	}
	if c.Lifetime == 0 {
		c.Lifetime = 5 * time.Minute
	}
	if c.Ref == "" {
		c.Ref = "refs/tags/v0.0.0"
	}
	now := time.Now()
	jti := make([]byte, 16)
	rand.Read(jti)
	owner, _, _ := strings.Cut(c.Repository, "/")
	wref := c.Repository + "/.github/workflows/" + c.Workflow + "@" + c.Ref
	sub := "repo:" + c.Repository + ":ref:" + c.Ref
	if c.Environment != "" {
		sub = "repo:" + c.Repository + ":environment:" + c.Environment
	}
	iat := now
	if c.Lifetime < 0 {
		iat = now.Add(2 * c.Lifetime)
	}
	claims := map[string]any{
		"jti":              hex.EncodeToString(jti),
		"sub":              sub,
		"aud":              c.Audience,
		"iat":              iat.Unix(),
		"nbf":              iat.Unix(),
		"exp":              now.Add(c.Lifetime).Unix(),
		"repository":       c.Repository,
		"repository_owner": owner,
		"workflow":         "release",
		"workflow_ref":     wref,
		"job_workflow_ref": wref,
		"ref":              c.Ref,
		"ref_type":         "tag",
		"environment":      c.Environment,
		"event_name":       "push",
	}
	if c.Environment == "" {
		delete(claims, "environment")
	}
	return i.Sign(claims)
}
