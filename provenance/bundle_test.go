package provenance_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/bundle"

	"github.com/tagship/tagship/provenance"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

// failingSigner is a DSSESigner whose signing service is down.
type failingSigner struct{}

func (failingSigner) SignDSSE(context.Context, string, []byte) (*bundle.Bundle, error) {
	return nil, errors.New("fulcio unavailable")
}

// sigstore starts the Sigstore double for workflow() and returns a signer,
// a verifier and the workflow's policy.
func sigstore(t *testing.T) (*sign.Signer, *sign.Verifier, sign.Policy) {
	t.Helper()
	st := signtest.New(t, signtest.WithWorkflow(workflow()))
	signer, err := st.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	v, err := st.NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	return signer, v, sign.Policy{Identity: workflow().Identity(), Issuer: st.Issuer()}
}

// TestWriteBundle: WriteBundle writes a bundle only when it verifies as a
// user will verify it, and VerifyBundleFile reads it back.
func TestWriteBundle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	signer, v, policy := sigstore(t)
	expect := provenance.Expect{Repository: "octo-org/hello", Ref: "v1.2.3", WorkflowPath: sign.DefaultWorkflowPath,
		Subjects: []provenance.Subject{{Name: "hello-1.2.3.tar.gz", SHA256: sumA}, {Name: "hello-1.2.3-py3-none-any.whl", SHA256: sumB}}}
	otherIdentity := policy
	otherIdentity.Identity = "https://github.com/evil/hello/.github/workflows/release.yml@refs/tags/v1.2.3"
	otherRef := expect
	otherRef.Ref = "v9.9.9"
	for _, tc := range []struct {
		name   string
		signer provenance.DSSESigner
		policy sign.Policy
		expect provenance.Expect
		fails  bool
		want   error // what a failure matches; nil: any error
	}{
		{"signed and verified", signer, policy, expect, false, nil},
		{"signed by another identity than the policy's", signer, otherIdentity, expect, true, sign.ErrIdentityMismatch},
		{"built from another ref than expected", signer, policy, otherRef, true, provenance.ErrSource},
		{"signing fails", failingSigner{}, policy, expect, true, nil},
		{"no subjects", signer, policy, provenance.Expect{Repository: "octo-org/hello", Ref: "v1.2.3"}, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "hello-1.2.3.provenance.sigstore.json")
			err := provenance.WriteBundle(ctx, tc.signer, v, tc.policy, path, build(t), tc.expect)
			if tc.fails {
				if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
					t.Fatalf("err = %v, want an error matching %v", err, tc.want)
				}
				if _, serr := os.Stat(path); !errors.Is(serr, fs.ErrNotExist) {
					t.Fatalf("a bundle that does not verify was written (%v)", serr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p, res, err := provenance.VerifyBundleFile(ctx, v, path, tc.policy, tc.expect)
			if err != nil {
				t.Fatal(err)
			}
			if res.Identity != policy.Identity || len(p.Subjects) != 2 {
				t.Fatalf("verified %s with %d subjects", res.Identity, len(p.Subjects))
			}
			// The bundle is for these very files: another file's digest
			// does not verify.
			wrong := tc.expect
			wrong.Subjects = []provenance.Subject{{Name: "hello-1.2.3.tar.gz", SHA256: sumB}}
			if _, _, err := provenance.VerifyBundleFile(ctx, v, path, tc.policy, wrong); !errors.Is(err, provenance.ErrSubject) {
				t.Fatalf("err = %v, want ErrSubject", err)
			}
		})
	}
}

func TestVerifyBundleFileRefuses(t *testing.T) {
	t.Parallel()
	v, err := signtest.New(t).NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.sigstore.json")
	if err := os.WriteFile(junk, []byte(`{"mediaType":"nope"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		want       error
	}{
		{"missing file", filepath.Join(dir, "missing.sigstore.json"), fs.ErrNotExist},
		{"not a bundle", junk, sign.ErrInvalidBundle},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, _, err := provenance.VerifyBundleFile(context.Background(), v, tc.path, sign.Policy{}, provenance.Expect{}); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}
