package safehttp

import (
	"context"
	"encoding/base64"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Redacted replaces every secret in redacted text.
const Redacted = "[REDACTED]"

// minSecret is the shortest value treated as a secret: shorter values
// (empty passwords, "x") would redact ordinary text.
const minSecret = 4

// prefixLen is how much of a long secret (or of one of its encodings)
// must appear for the text from there on to be redacted as far as it
// agrees with the secret: a server quoting the first 40 characters of a
// token leaks most of it.
const prefixLen = 12

// Redactor knows the secrets of one client (or one run) and removes them
// from text. It is safe for concurrent use; a nil *Redactor redacts
// nothing.
type Redactor struct {
	mu    sync.RWMutex
	forms []string // longest first
}

// NewRedactor returns a Redactor that knows secrets.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add registers secrets, with their base64 forms (standard and URL
// alphabets, padded and raw).
func (r *Redactor) Add(secrets ...string) {
	var forms []string
	for _, s := range secrets {
		if len(s) < minSecret {
			continue
		}
		forms = append(forms, s,
			base64.StdEncoding.EncodeToString([]byte(s)), base64.URLEncoding.EncodeToString([]byte(s)),
			base64.RawStdEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s)))
	}
	r.addForms(forms...)
}

// AddBasic registers an HTTP Basic credential: the password and the
// header's base64 of "user:password".
func (r *Redactor) AddBasic(user, password string) {
	if len(password) < minSecret {
		return
	}
	r.Add(password)
	r.addForms(base64.StdEncoding.EncodeToString([]byte(user + ":" + password)))
}

// AddAuthorization registers the credential in an Authorization header
// value ("Basic …", "Bearer …", "token …", or a bare value).
func (r *Redactor) AddAuthorization(v string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return
	}
	scheme, cred, ok := strings.Cut(v, " ")
	if !ok {
		r.Add(v)
		return
	}
	cred = strings.TrimSpace(cred)
	if strings.EqualFold(scheme, "basic") {
		r.addForms(cred)
		if raw, err := base64.StdEncoding.DecodeString(cred); err == nil {
			if user, pass, ok := strings.Cut(string(raw), ":"); ok {
				r.AddBasic(user, pass)
				return
			}
		}
	}
	r.Add(cred)
}

func (r *Redactor) addForms(forms ...string) {
	if r == nil || len(forms) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range forms {
		if len(f) >= minSecret && !slices.Contains(r.forms, f) {
			r.forms = append(r.forms, f)
		}
	}
	slices.SortFunc(r.forms, func(a, b string) int { return len(b) - len(a) })
}

// Redact returns s with every known secret, each of its encodings and any
// quoted prefix of at least 12 characters of them replaced by [REDACTED].
// Matches of all secrets are found first and merged, so two tokens that
// share a prefix (every JWT's header) are both cut whole.
func (r *Redactor) Redact(s string) string {
	if r == nil || s == "" {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	type span struct{ from, to int }
	var spans []span
	for _, f := range r.forms {
		k := len(f)
		if k >= 2*prefixLen {
			k = prefixLen
		}
		for off := 0; off < len(s); {
			i := strings.Index(s[off:], f[:k])
			if i < 0 {
				break
			}
			i += off
			n := k
			for n < len(f) && i+n < len(s) && s[i+n] == f[n] {
				n++
			}
			spans = append(spans, span{i, i + n})
			off = i + 1
		}
	}
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b span) int { return a.from - b.from })
	var b strings.Builder
	last := 0
	for i := 0; i < len(spans); {
		from, to := spans[i].from, spans[i].to
		for i++; i < len(spans) && spans[i].from <= to; i++ {
			to = max(to, spans[i].to)
		}
		b.WriteString(s[last:from])
		b.WriteString(Redacted)
		last = to
	}
	b.WriteString(s[last:])
	return b.String()
}

// Error returns err with its message redacted (errors.Is and errors.As
// still see the original chain). nil stays nil.
func (r *Redactor) Error(err error) error {
	if err == nil || r == nil {
		return err
	}
	msg := err.Error()
	red := r.Redact(msg)
	if red == msg {
		return err
	}
	return &redactedError{msg: red, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// Truncate cuts s to at most n bytes on a rune boundary, marking the cut.
// Redact first: Truncate knows no secrets.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// RedactText is the one way server text is quoted: secrets out first,
// then truncated to n bytes.
func (r *Redactor) RedactText(s string, n int) string { return Truncate(r.Redact(s), n) }

// RedactHandler returns a slog.Handler that redacts the message and every
// attribute (strings, errors, Stringers, groups) before h sees them.
func RedactHandler(h slog.Handler, r *Redactor) slog.Handler {
	if rh, ok := h.(*redactHandler); ok && rh.r == r {
		return h
	}
	return &redactHandler{h: h, r: r}
}

type redactHandler struct {
	h slog.Handler
	r *Redactor
}

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.h.Enabled(ctx, l) }

func (h *redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.Redact(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.h.Handle(ctx, out)
}

func (h *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.Redact(v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]slog.Attr, len(g))
		for i, x := range g {
			out[i] = h.attr(x)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, h.r.Redact(x.Error()))
		case interface{ String() string }:
			return slog.String(a.Key, h.r.Redact(x.String()))
		case []string:
			out := make([]string, len(x))
			for i, s := range x {
				out[i] = h.r.Redact(s)
			}
			return slog.Any(a.Key, out)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

func (h *redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = h.attr(a)
	}
	return &redactHandler{h: h.h.WithAttrs(out), r: h.r}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{h: h.h.WithGroup(name), r: h.r}
}
