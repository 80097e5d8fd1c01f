// Package ghreleasetest is an in-process fake of the GitHub REST API for
// releases and release assets, for tests, in the spirit of net/http/httptest.
//
// It runs the real HTTP protocol on 127.0.0.1 (optionally over TLS) with the
// paths of GitHub Enterprise Server, so go-github talks to it unchanged:
//
//	srv := ghreleasetest.New(t) // closed when the test ends
//
// or, outside a test (a sandbox, an Example), srv, err :=
// ghreleasetest.NewServer() and defer srv.Close():
//
//	client := srv.Client() // go-github, authenticated, WithEnterpriseURLs
//
// The real gh CLI talks to it too when it runs over TLS
// (GH_HOST=srv.Host(), GH_ENTERPRISE_TOKEN=srv.Token(),
// SSL_CERT_FILE=a file holding srv.CACertPEM()).
//
// Semantics follow github.com where tagship depends on them:
//
//   - every request needs "Authorization: token X" or "Bearer X" (401
//     otherwise); every answer carries X-RateLimit-* headers;
//   - GET /repos/{o}/{r}/releases lists drafts too (newest first, per_page
//     default 30 and at most 100, Link header), while
//     GET …/releases/tags/{tag} never returns a draft (404);
//   - POST …/releases with a tag that already has a published release → 422
//     already_exists on tag_name;
//   - assets are uploaded on the uploads host
//     (POST /api/uploads/repos/{o}/{r}/releases/{id}/assets?name=…&label=…,
//     raw body, Content-Type and Content-Length required); a duplicate name
//     → 422 {"message":"Validation Failed","errors":[{"resource":
//     "ReleaseAsset","code":"already_exists","field":"name"}]}; names are
//     rewritten like GitHub does ([RewriteAssetName]);
//   - GET …/releases/assets/{id} answers JSON, or the bytes with
//     "Accept: application/octet-stream";
//   - with [WithImmutableReleases], a published release refuses asset
//     uploads and deletions with 422, and carries "immutable": true;
//   - POST /api/graphql answers a minimal, well-formed GraphQL reply.
//
// Faults ([Fault]: status, Retry-After, primary/secondary rate limit,
// connection reset, stall, truncated answer; per route, a number of times)
// and a free-form hook ([Server.SetHook]) let tests exercise a client's
// error handling. Accessors ([Server.Releases], [Server.AssetData],
// [Server.UploadAttempts], [Server.Requests]) expose the state.
//
// Asset bytes are held in memory: this is a test double, keep assets small.
package ghreleasetest
