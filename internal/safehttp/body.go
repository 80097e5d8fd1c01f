package safehttp

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// ReadAll reads at most n bytes of r; a longer body is ErrTooLarge rather
// than silently cut.
func ReadAll(r io.Reader, n int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, n+1))
	if err != nil {
		return b, err
	}
	if int64(len(b)) > n {
		return b[:n], fmt.Errorf("%w: more than %d bytes", ErrTooLarge, n)
	}
	return b, nil
}

// IsJSON reports whether a Content-Type names JSON (application/json or
// any +json type).
func IsJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// ReadJSON believes a success answer only when it is what the call
// answers: a 2xx status, a JSON media type, a body within n bytes that
// decodes into v, and every field named in required present (non-null)
// at the top level.
func ReadJSON(resp *http.Response, n int64, v any, required ...string) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%w: HTTP %d", ErrUnexpectedAnswer, resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !IsJSON(ct) {
		return fmt.Errorf("%w: HTTP %d with Content-Type %q, expected JSON (a proxy or login page?)", ErrUnexpectedAnswer, resp.StatusCode, ct)
	}
	b, err := ReadAll(resp.Body, n)
	if err != nil {
		return err
	}
	return DecodeJSON(b, v, required...)
}

// DecodeJSON decodes b into v after checking the required top-level
// fields are present and not null.
func DecodeJSON(b []byte, v any, required ...string) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return fmt.Errorf("%w: body is not a JSON object: %v", ErrUnexpectedAnswer, err)
	}
	var missing []string
	for _, f := range required {
		if raw, ok := top[f]; !ok || string(raw) == "null" {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: JSON answer lacks %s", ErrUnexpectedAnswer, strings.Join(missing, ", "))
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %v", ErrUnexpectedAnswer, err)
	}
	return nil
}
