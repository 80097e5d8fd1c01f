package pypi_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/bundle"

	"github.com/tagship/tagship/pypi"
	"github.com/tagship/tagship/pypi/pypitest"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

// pep740Env wires sign/signtest (OIDC issuer, Fulcio, Rekor) to pypitest:
// the index trusts signtest's issuer for Trusted Publishing and verifies
// every attestation with sign.Verifier against the workflow identity.
func pep740Env(t *testing.T) (*signtest.Sigstore, *pypitest.Server, *sign.Signer, *atomic.Int32) {
	t.Helper()
	st, err := signtest.NewServer(signtest.WithWorkflow(signtest.Workflow{Repository: "octo/demo", Ref: "v1.0.0"}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	verifier, err := st.NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	var verified atomic.Int32
	srv, err := pypitest.NewServer(
		pypitest.WithIssuerDiscovery(st.Issuer(), st.IssuerURL()),
		pypitest.WithTrustedPublisher(pypitest.Publisher{Repository: "octo/demo", Workflow: "release.yml"}),
		pypitest.WithAttestationVerifier(func(ac pypitest.AttestationCheck) error {
			var a pypi.Attestation
			if err := json.Unmarshal(ac.Raw, &a); err != nil {
				return err
			}
			b, err := a.Bundle()
			if err != nil {
				return err
			}
			if _, err := verifier.VerifyDSSE(context.Background(), b, st.Policy()); err != nil {
				return err
			}
			verified.Add(1)
			return nil
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	signer, err := st.NewSigner()
	if err != nil {
		t.Fatal(err)
	}
	return st, srv, signer, &verified
}

func TestUploadWithAttestations(t *testing.T) {
	t.Parallel()
	st, srv, signer, verified := pep740Env(t)
	c, err := pypi.New(srv.UploadURL(), pypi.WithTokenSource(st.TokenSource()), pypi.WithAttestations(signer), pypi.WithRetry(fastRetry))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w := open(t, makeWheel(t, dir, "demo", "1.0.0"))
	s := open(t, makeSdist(t, dir, "demo", "1.0.0"))
	res, err := c.Upload(context.Background(), w, s)
	if err != nil {
		t.Fatal(err)
	}
	if verified.Load() != 2 {
		t.Errorf("server verified %d attestations, want 2", verified.Load())
	}
	for i, d := range []*pypi.Distribution{w, s} {
		if res[i].AttestationPath != d.Path+".publish.attestation" {
			t.Errorf("attestation path %q", res[i].AttestationPath)
		}
		raw, err := os.ReadFile(res[i].AttestationPath)
		if err != nil {
			t.Fatal(err)
		}
		var a pypi.Attestation
		if err := json.Unmarshal(raw, &a); err != nil || a.Version != 1 || len(a.VerificationMaterial.TransparencyEntries) == 0 {
			t.Fatalf("attestation file: %v %s", err, raw)
		}
		var stmt struct {
			Subject []struct {
				Name   string
				Digest map[string]string
			}
			PredicateType string
		}
		json.Unmarshal(a.Envelope.Statement, &stmt)
		if stmt.PredicateType != pypi.PublishPredicateType || stmt.Subject[0].Name != d.Filename || stmt.Subject[0].Digest["sha256"] != d.SHA256 {
			t.Errorf("statement %s", a.Envelope.Statement)
		}
		f, _ := srv.File(d.Filename)
		var sent []json.RawMessage
		if err := json.Unmarshal(f.Attestations, &sent); err != nil || len(sent) != 1 {
			t.Errorf("server got attestations %s", f.Attestations)
		}
	}
}

// Attestations signed by another workflow are refused by the index's
// verifier (identity pinned by the policy).
func TestAttestationWrongIdentity(t *testing.T) {
	t.Parallel()
	st, srv, _, _ := pep740Env(t)
	// Sign as a different workflow of another repository, but mint as the
	// trusted one: the attestation's certificate identity is wrong.
	other, err := signtest.NewServer(signtest.WithWorkflow(signtest.Workflow{Repository: "evil/demo", Ref: "v1.0.0"}))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	otherSigner, _ := other.NewSigner()
	c, _ := pypi.New(srv.UploadURL(), pypi.WithTokenSource(st.TokenSource()), pypi.WithAttestations(otherSigner), pypi.WithoutAttestationFiles(), pypi.WithRetry(fastRetry))
	_, err = c.Upload(context.Background(), open(t, makeWheel(t, t.TempDir(), "demo", "1.0.0")))
	var ue *pypi.UploadError
	if !errors.As(err, &ue) || ue.Status != 400 || !strings.Contains(ue.Message, "Invalid attestations supplied during upload") {
		t.Fatalf("err = %v", err)
	}
	if len(srv.Files()) != 0 {
		t.Error("file stored")
	}
}

// tamperSigner signs a different statement than asked.
type tamperSigner struct{ s pypi.DSSESigner }

func (t tamperSigner) SignDSSE(ctx context.Context, pt string, payload []byte) (*bundle.Bundle, error) {
	return t.s.SignDSSE(ctx, pt, []byte(strings.Replace(string(payload), `"sha256":"`, `"sha256":"00`, 1)))
}

func TestAttestationErrors(t *testing.T) {
	t.Parallel()
	_, _, signer, _ := pep740Env(t)
	d := open(t, makeWheel(t, t.TempDir(), "demo", "1.0.0"))
	// A signer that signs something else is caught before upload.
	_, err := pypi.Attest(context.Background(), tamperSigner{signer}, d)
	if !errors.Is(err, pypi.ErrAttestation) {
		t.Errorf("err = %v, want ErrAttestation", err)
	}
	// Attestations with a classic API token: Warehouse refuses them.
	srv2, _ := pypitest.NewServer(pypitest.WithAPIToken("pypi-classic"))
	defer srv2.Close()
	c, _ := pypi.New(srv2.URL, pypi.WithAPIToken("pypi-classic"), pypi.WithAttestations(signer), pypi.WithoutAttestationFiles())
	_, err = c.Upload(context.Background(), d)
	if err == nil || !strings.Contains(err.Error(), "Attestations are only supported when using Trusted Publishing") {
		t.Errorf("err = %v", err)
	}
}
