package safehttp

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

var (
	// ErrInsecureURL: a URL (configured, or a redirect hop) is plain
	// http:// to a host that is not loopback.
	ErrInsecureURL = errors.New("insecure URL: plain http to a non-loopback host")
	// ErrBadURL: a configured endpoint is not an absolute http(s) URL, or
	// carries credentials, a query or a fragment.
	ErrBadURL = errors.New("bad endpoint URL")
	// ErrRedirect: a redirect that would carry a request body (and with
	// it possibly a credential) to another origin was refused.
	ErrRedirect = errors.New("redirect to another origin refused")
	// ErrTooLarge: an answer is larger than its cap or than it announced.
	ErrTooLarge = errors.New("answer too large")
	// ErrUnexpectedAnswer: a success status whose body is not what the
	// call answers (wrong media type, missing fields).
	ErrUnexpectedAnswer = errors.New("unexpected answer")
)

// Origin is a URL's scheme, host and port, the unit credentials are
// bound to. The port is always explicit (443 for https, 80 for http) and
// the host lower-cased, so equal origins compare equal.
type Origin struct {
	Scheme, Host, Port string
}

// OriginOf returns u's origin.
func OriginOf(u *url.URL) Origin {
	o := Origin{Scheme: strings.ToLower(u.Scheme), Host: strings.ToLower(u.Hostname()), Port: u.Port()}
	if o.Port == "" {
		switch o.Scheme {
		case "https":
			o.Port = "443"
		case "http":
			o.Port = "80"
		}
	}
	return o
}

// ParseOrigin returns the origin of an absolute URL.
func ParseOrigin(raw string) (Origin, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return Origin{}, fmt.Errorf("%w: %q is not an absolute URL", ErrBadURL, raw)
	}
	return OriginOf(u), nil
}

func (o Origin) String() string { return o.Scheme + "://" + net.JoinHostPort(o.Host, o.Port) }

// IsLoopback reports whether host (no port) is localhost or a loopback IP.
func IsLoopback(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// CheckHop refuses a URL that is neither https nor http to a loopback host
// (unless allowHTTP). Transport calls it for every request and redirect.
func CheckHop(u *url.URL, allowHTTP bool) error {
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if allowHTTP || IsLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%w: %s", ErrInsecureURL, Safe(u))
	default:
		return fmt.Errorf("%w: %s: scheme must be https", ErrBadURL, Safe(u))
	}
}

// CheckEndpoint validates a configured endpoint before any request is
// made: an absolute URL, https (or http to loopback, or anything http when
// allowHTTP), no credentials, query or fragment. kind names it in the
// error ("PyPI index", "Fulcio").
func CheckEndpoint(kind, raw string, allowHTTP bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("%w: %s URL %q: expected an absolute https:// URL", ErrBadURL, kind, raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: %s URL %s must not carry credentials (pass them as options)", ErrBadURL, kind, u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: %s URL %s must not have a query or fragment", ErrBadURL, kind, Safe(u))
	}
	if err := CheckHop(u, allowHTTP); err != nil {
		return nil, fmt.Errorf("%s URL: %w; use https (or the client's …InsecureHTTPUnsafe option on a private test network)", kind, err)
	}
	return u, nil
}

// Safe renders u without credentials, query or fragment (for logs).
func Safe(u *url.URL) string {
	if u == nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}
