package sign

import (
	"cmp"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// Option configures a Signer.
type Option func(*options) error

type rekorService struct {
	url     string
	version uint32
}

type options struct {
	tokenSource       TokenSource
	audience          string
	fulcioURL         string
	rekors            []rekorService
	tsaURLs           []string
	signingConfig     *root.SigningConfig
	signingConfigFile string
	trusted           root.TrustedMaterial
	trustedRootFile   string
	httpClient        *http.Client
	logger            *slog.Logger
	bundlePath        func(string) string
	insecure          bool
	attempts          int
	minBackoff        time.Duration
	maxBackoff        time.Duration
	requestTimeout    time.Duration
	sctThreshold      int
	signingKey        crypto.Signer
}

func defaultOptions() *options {
	return &options{
		audience:       DefaultAudience,
		logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		bundlePath:     DefaultBundlePath,
		attempts:       5,
		minBackoff:     500 * time.Millisecond,
		maxBackoff:     10 * time.Second,
		requestTimeout: 2 * time.Minute,
		sctThreshold:   -1,
	}
}

// DefaultBundlePath is the default bundle location for a file: path + ".sigstore.json".
func DefaultBundlePath(path string) string { return path + ".sigstore.json" }

// WithTokenSource sets where ID tokens come from (default: DefaultTokenSource()).
func WithTokenSource(ts TokenSource) Option {
	return func(o *options) error {
		if ts == nil {
			return fmt.Errorf("%w: WithTokenSource(nil)", ErrConfig)
		}
		o.tokenSource = ts
		return nil
	}
}

// WithAudience sets the ID token audience requested (default "sigstore").
func WithAudience(aud string) Option {
	return func(o *options) error {
		if aud == "" {
			return fmt.Errorf("%w: empty audience", ErrConfig)
		}
		o.audience = aud
		return nil
	}
}

// WithFulcioURL sets the Fulcio base URL (default: from the signing config).
func WithFulcioURL(u string) Option {
	return func(o *options) error { o.fulcioURL = u; return nil }
}

// WithRekorURL adds a transparency log: its base URL and API major version
// (1 for Rekor v1, 2 for Rekor v2). Repeat for several logs. Default: the
// logs selected from the signing config. Rekor v2 entries carry no
// integrated time, so a timestamp authority is needed with v2.
func WithRekorURL(u string, version uint32) Option {
	return func(o *options) error {
		if version != 1 && version != 2 {
			return fmt.Errorf("%w: Rekor API version %d: want 1 or 2", ErrConfig, version)
		}
		o.rekors = append(o.rekors, rekorService{url: u, version: version})
		return nil
	}
}

// WithTSAURL adds an RFC 3161 timestamp authority by its full endpoint URL
// (e.g. https://timestamp.sigstore.dev/api/v1/timestamp). Repeatable.
// Default: the authorities selected from the signing config.
func WithTSAURL(u string) Option {
	return func(o *options) error { o.tsaURLs = append(o.tsaURLs, u); return nil }
}

// WithSigningConfigFile reads services from a signing_config.json (v0.2).
// Explicit With…URL options override the services of that kind.
func WithSigningConfigFile(path string) Option {
	return func(o *options) error { o.signingConfigFile = path; return nil }
}

// WithSigningConfig uses sc for services (see WithSigningConfigFile).
// Default, when neither a signing config nor explicit URLs are given: the
// public-good signing config from the Sigstore TUF repository (network).
func WithSigningConfig(sc *root.SigningConfig) Option {
	return func(o *options) error {
		if sc == nil {
			return fmt.Errorf("%w: WithSigningConfig(nil)", ErrConfig)
		}
		o.signingConfig = sc
		return nil
	}
}

// WithTrustedRootFile reads the trust material used for self-verification
// from a trusted_root.json. Default: the public-good trusted root via TUF.
func WithTrustedRootFile(path string) Option {
	return func(o *options) error { o.trustedRootFile = path; return nil }
}

// WithTrustedMaterial uses tm for self-verification (see WithTrustedRootFile).
func WithTrustedMaterial(tm root.TrustedMaterial) Option {
	return func(o *options) error {
		if tm == nil {
			return fmt.Errorf("%w: WithTrustedMaterial(nil)", ErrConfig)
		}
		o.trusted = tm
		return nil
	}
}

// WithHTTPClient sets the client whose Transport carries all service
// requests (default: http.DefaultTransport). Its Timeout is not used; see
// WithRequestTimeout.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) error {
		if c == nil {
			return fmt.Errorf("%w: WithHTTPClient(nil)", ErrConfig)
		}
		o.httpClient = c
		return nil
	}
}

// WithLogger sets the logger (default: discard). Tokens are never logged.
// WithLogger(nil) is the same as the default: nothing is logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		o.logger = cmp.Or(l, slog.New(slog.DiscardHandler))
		return nil
	}
}

// WithBundlePath sets where SignFile writes the bundle of a file (default
// DefaultBundlePath: path + ".sigstore.json").
func WithBundlePath(f func(path string) string) Option {
	return func(o *options) error {
		if f == nil {
			return fmt.Errorf("%w: WithBundlePath(nil)", ErrConfig)
		}
		o.bundlePath = f
		return nil
	}
}

// WithRetry sets the attempts per service request (default 5) and the
// exponential backoff bounds (default 500ms to 10s). Retried: connection
// errors, 5xx and 429 (honouring Retry-After, capped at one minute); never
// other 4xx.
func WithRetry(attempts int, minBackoff, maxBackoff time.Duration) Option {
	return func(o *options) error {
		if attempts < 1 || minBackoff < 0 || maxBackoff < minBackoff {
			return fmt.Errorf("%w: WithRetry(%d, %v, %v)", ErrConfig, attempts, minBackoff, maxBackoff)
		}
		o.attempts, o.minBackoff, o.maxBackoff = attempts, minBackoff, maxBackoff
		return nil
	}
}

// WithRequestTimeout bounds each service call including its retries
// (default 2 minutes). One attempt may take a third of it: a server that
// stalls longer is asked again, within the same bound.
func WithRequestTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("%w: WithRequestTimeout(%v)", ErrConfig, d)
		}
		o.requestTimeout = d
		return nil
	}
}

// WithSCTThreshold sets how many embedded signed certificate timestamps the
// self-verification requires (default: 1 when the trusted root lists a CT
// log, else 0; to sign without SCTs, use a trusted root without CT logs).
func WithSCTThreshold(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("%w: WithSCTThreshold(%d)", ErrConfig, n)
		}
		o.sctThreshold = n
		return nil
	}
}

// WithInsecureHTTPUnsafe allows plain http:// service URLs to non-loopback
// hosts. Loopback http is always allowed (local test stacks).
func WithInsecureHTTPUnsafe() Option {
	return func(o *options) error { o.insecure = true; return nil }
}

// WithSigningKey signs with k, a long-lived key the caller holds (a file, an
// HSM or a cloud KMS behind crypto.Signer), instead of an ephemeral key
// certified by Fulcio for an OIDC identity (the default). No token is
// requested and no Fulcio is needed; the bundle carries a hint of k's
// public key instead of a certificate, is still logged in the
// transparency log(s) and timestamped, and is verified before it is
// returned with KeyPolicy(k.Public()). Keys: ECDSA P-256 (ASN.1
// signatures) or RSA of at least 2048 bits (PKCS #1 v1.5), over SHA-256.
// Prefer keyless signing where the CI offers OIDC: a key must be kept
// secret and rotated, an identity need not.
func WithSigningKey(k crypto.Signer) Option {
	return func(o *options) error {
		if k == nil {
			return fmt.Errorf("%w: WithSigningKey(nil)", ErrConfig)
		}
		switch pub := k.Public().(type) {
		case *ecdsa.PublicKey:
			if pub.Curve != elliptic.P256() {
				return fmt.Errorf("%w: WithSigningKey: ECDSA curve %s, want P-256", ErrConfig, pub.Curve.Params().Name)
			}
		case *rsa.PublicKey:
			if pub.N.BitLen() < 2048 {
				return fmt.Errorf("%w: WithSigningKey: RSA key of %d bits, want at least 2048", ErrConfig, pub.N.BitLen())
			}
		default:
			return fmt.Errorf("%w: WithSigningKey: unsupported key type %T (want ECDSA P-256 or RSA)", ErrConfig, pub)
		}
		o.signingKey = k
		return nil
	}
}
