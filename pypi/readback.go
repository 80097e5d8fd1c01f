package pypi

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrNotListed: the index answered an upload with success, but reading
// it back does not list the file. A success answer alone (an HTML page
// from a proxy, a captive portal) is never believed.
var ErrNotListed = errors.New("pypi: uploaded file not listed by the index")

// confirmUpload reads the index back after a successful upload answer: the
// file must be listed with d's sha256. An index that lists files a moment
// late is asked again by the retry policy (at least 3 times).
func (c *Client) confirmUpload(ctx context.Context, d *Distribution) error {
	p := c.policy()
	tries := max(p.Attempts, 3)
	for attempt := 1; ; attempt++ {
		remote, err := c.lookupSHA256(ctx, d)
		if remote != "" {
			if !strings.EqualFold(remote, d.SHA256) {
				return &ConflictError{Filename: d.Filename, LocalSHA256: d.SHA256, RemoteSHA256: remote}
			}
			return nil
		}
		if attempt >= tries || ctx.Err() != nil {
			why := "it is not listed"
			if err != nil {
				why = err.Error()
			}
			return fmt.Errorf("%w: %s: the upload was answered with success, but %s does not list it after %d reads (%s); the answer may not have come from the index", ErrNotListed, d.Filename, c.lookup, attempt, why)
		}
		c.o.logger.Info("pypi: uploaded file not listed yet; reading the index again", "file", d.Filename, "attempt", attempt)
		if err := sleep(ctx, p.Backoff(attempt)); err != nil {
			return err
		}
	}
}
