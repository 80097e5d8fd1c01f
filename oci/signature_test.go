package oci

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/tagship/tagship/oci/ocitest"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

type signEnv struct {
	reg      *ocitest.Registry
	st       *signtest.Sigstore
	signer   *sign.Signer
	verifier *sign.Verifier
	push     *PushResult
	ref      string
}

func newSignEnv(t *testing.T, regOpts ...ocitest.Option) *signEnv {
	t.Helper()
	e := &signEnv{reg: ocitest.New(t, regOpts...), st: signtest.New(t)}
	var err error
	if e.signer, err = e.st.NewSigner(); err != nil {
		t.Fatal(err)
	}
	if e.verifier, err = e.st.NewVerifier(); err != nil {
		t.Fatal(err)
	}
	e.ref = e.reg.Host() + "/octo/app:v1.0.0"
	if e.push, err = Push(context.Background(), twoPlatformIndex(t), e.ref, testLogger(t)); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestSignVerify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		regOpt []ocitest.Option
	}{
		{"referrers tag fallback", nil},
		{"referrers API", []ocitest.Option{ocitest.WithReferrersAPI()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newSignEnv(t, tc.regOpt...)
			sres, err := Sign(ctx, e.signer, e.push.DigestRef(), WithRecursive(), testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(sres.Targets) != 3 || sres.Targets[0].Digest != e.push.Digest {
				t.Fatalf("signed targets %+v, want the index then 2 platforms", sres.Targets)
			}
			res, err := Verify(ctx, e.ref, e.st.Policy(), e.verifier, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			if res.Digest != e.push.Digest || len(res.Signatures) != 2 {
				t.Fatalf("verify: digest %s, %d signatures (rejected %v)", res.Digest, len(res.Signatures), res.Rejected)
			}
			formats := map[Format]bool{}
			for _, s := range res.Signatures {
				formats[s.Format] = true
				if s.Verification.Identity != e.st.Identity() {
					t.Errorf("identity %s", s.Verification.Identity)
				}
			}
			if !formats[FormatLegacy] || !formats[FormatBundle] {
				t.Fatalf("formats verified: %v", formats)
			}
			for p, d := range e.push.Platforms {
				r, err := Verify(ctx, e.reg.Host()+"/octo/app@"+d.String(), e.st.Policy(), e.verifier)
				if err != nil {
					t.Fatalf("platform %s: %v", p, err)
				}
				if len(r.Signatures) != 2 {
					t.Fatalf("platform %s: %d signatures", p, len(r.Signatures))
				}
			}
			// Signing again keeps the earlier legacy signature.
			if _, err := Sign(ctx, e.signer, e.push.DigestRef(), WithFormats(FormatLegacy)); err != nil {
				t.Fatal(err)
			}
			res, err = Verify(ctx, e.ref, e.st.Policy(), e.verifier)
			if err != nil || len(res.Signatures) != 3 {
				t.Fatalf("after re-signing: %v, %d signatures", err, len(res.Signatures))
			}
		})
	}
}

func TestSignFormatsAlone(t *testing.T) {
	t.Parallel()
	for _, f := range []Format{FormatLegacy, FormatBundle} {
		t.Run(map[Format]string{FormatLegacy: "legacy", FormatBundle: "bundle"}[f], func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := newSignEnv(t)
			if _, err := Sign(ctx, e.signer, e.push.DigestRef(), WithFormats(f)); err != nil {
				t.Fatal(err)
			}
			res, err := Verify(ctx, e.ref, e.st.Policy(), e.verifier)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Signatures) != 1 || res.Signatures[0].Format != f {
				t.Fatalf("signatures %+v", res.Signatures)
			}
		})
	}
}

func TestLegacyPayloadAndAnnotations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSignEnv(t)
	if _, err := Sign(ctx, e.signer, e.push.DigestRef(), WithFormats(FormatLegacy)); err != nil {
		t.Fatal(err)
	}
	tag, _ := name.NewTag(e.reg.Host() + "/octo/app:" + strings.Replace(e.push.Digest.String(), ":", "-", 1) + ".sig")
	img, err := remote.Image(tag)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := img.Manifest()
	if len(m.Layers) != 1 || m.Layers[0].MediaType != SimpleSigningMediaType {
		t.Fatalf("layers %+v", m.Layers)
	}
	for _, k := range []string{AnnotationSignature, AnnotationCertificate, AnnotationChain, AnnotationRekorBundle, AnnotationRFC3161Timestamp, AnnotationSigstoreBundle} {
		if m.Layers[0].Annotations[k] == "" {
			t.Errorf("annotation %s missing", k)
		}
	}
	payload, err := readBlob(img, m.Layers[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"critical":{"identity":{"docker-reference":"` + e.reg.Host() + `/octo/app"},"image":{"docker-manifest-digest":"` + e.push.Digest.String() + `"},"type":"cosign container image signature"},"optional":null}`
	if string(payload) != want {
		t.Fatalf("payload\n%s\nwant\n%s", payload, want)
	}
	var rb struct {
		SignedEntryTimestamp []byte
		Payload              struct {
			Body           string `json:"body"`
			IntegratedTime int64  `json:"integratedTime"`
			LogID          string `json:"logID"`
		}
	}
	if err := json.Unmarshal([]byte(m.Layers[0].Annotations[AnnotationRekorBundle]), &rb); err != nil || len(rb.SignedEntryTimestamp) == 0 || rb.Payload.IntegratedTime == 0 || rb.Payload.LogID == "" {
		t.Fatalf("rekor bundle annotation %v %+v", err, rb)
	}
}

func TestVerifyFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSignEnv(t)
	host := e.reg.Host()

	if _, err := Verify(ctx, e.ref, e.st.Policy(), e.verifier); !errors.Is(err, ErrNoSignature) {
		t.Fatalf("unsigned: err = %v, want ErrNoSignature", err)
	}
	if _, err := Sign(ctx, e.signer, e.push.DigestRef()); err != nil {
		t.Fatal(err)
	}
	if _, err := Sign(ctx, e.signer, e.ref); !errors.Is(err, ErrNotDigest) {
		t.Fatalf("signing a tag: err = %v, want ErrNotDigest", err)
	}

	t.Run("wrong identity", func(t *testing.T) {
		p := e.st.Policy()
		p.Identity = "https://github.com/evil/repo/.github/workflows/release.yml@refs/tags/v1.0.0"
		_, err := Verify(ctx, e.ref, p, e.verifier)
		if !errors.Is(err, sign.ErrIdentityMismatch) {
			t.Fatalf("err = %v, want sign.ErrIdentityMismatch", err)
		}
	})
	t.Run("wrong issuer", func(t *testing.T) {
		p := e.st.Policy()
		p.Issuer = "https://accounts.example.com"
		if _, err := Verify(ctx, e.ref, p, e.verifier); !errors.Is(err, sign.ErrIssuerMismatch) {
			t.Fatalf("err = %v, want sign.ErrIssuerMismatch", err)
		}
	})
	t.Run("no identity in policy", func(t *testing.T) {
		if _, err := Verify(ctx, e.ref, sign.Policy{}, e.verifier); !errors.Is(err, sign.ErrInvalidPolicy) {
			t.Fatalf("err = %v, want sign.ErrInvalidPolicy", err)
		}
	})

	// An attacker pushes another image and re-points a second tag to it,
	// copying the legacy signature of the released digest.
	other := twoPlatformIndex(t)
	od, _ := other.Digest()
	tamperedRef := host + "/octo/app:v1.0.1"
	if _, err := Push(ctx, other, tamperedRef); err != nil {
		t.Fatal(err)
	}
	t.Run("tag re-pointed, unsigned", func(t *testing.T) {
		if _, err := Verify(ctx, tamperedRef, e.st.Policy(), e.verifier); !errors.Is(err, ErrNoSignature) {
			t.Fatalf("err = %v, want ErrNoSignature", err)
		}
		_, err := Verify(ctx, tamperedRef, e.st.Policy(), e.verifier, WithExpectedDigest(e.push.Digest))
		if !errors.Is(err, ErrDigestMismatch) {
			t.Fatalf("err = %v, want ErrDigestMismatch", err)
		}
	})
	t.Run("signature copied to another digest", func(t *testing.T) {
		src, _ := name.NewTag(host + "/octo/app:" + strings.Replace(e.push.Digest.String(), ":", "-", 1) + ".sig")
		dst, _ := name.NewTag(host + "/octo/app:" + strings.Replace(od.String(), ":", "-", 1) + ".sig")
		desc, err := remote.Get(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Tag(dst, desc); err != nil {
			t.Fatal(err)
		}
		_, err = Verify(ctx, tamperedRef, e.st.Policy(), e.verifier)
		if !errors.Is(err, ErrDigestMismatch) {
			t.Fatalf("err = %v, want ErrDigestMismatch", err)
		}
		if !strings.Contains(err.Error(), e.push.Digest.String()) || !strings.Contains(err.Error(), od.String()) {
			t.Fatalf("error does not name both digests: %v", err)
		}
	})
	t.Run("released tag moved by the registry admin", func(t *testing.T) {
		tag, _ := name.NewTag(e.ref)
		desc, err := remote.Get(mustDigestRef(t, host+"/octo/app@"+od.String()))
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Tag(tag, desc); err != nil {
			t.Fatal(err)
		}
		_, err = Verify(ctx, e.ref, e.st.Policy(), e.verifier, WithExpectedDigest(e.push.Digest))
		if !errors.Is(err, ErrDigestMismatch) {
			t.Fatalf("err = %v, want ErrDigestMismatch", err)
		}
		// Verifying by the released digest still works.
		if _, err := Verify(ctx, e.push.DigestRef(), e.st.Policy(), e.verifier); err != nil {
			t.Fatal(err)
		}
	})
}

func mustDigestRef(t *testing.T, s string) name.Digest {
	t.Helper()
	d, err := name.NewDigest(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// rewriteLegacy replaces the .sig image of digest with one whose single
// layer carries the same payload and the annotations edit returns.
func rewriteLegacy(t *testing.T, host string, digest v1.Hash, edit func(map[string]string)) {
	t.Helper()
	tag, _ := name.NewTag(host + "/octo/app:" + strings.Replace(digest.String(), ":", "-", 1) + ".sig")
	img, err := remote.Image(tag)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := img.Manifest()
	payload, err := readBlob(img, m.Layers[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	ann := map[string]string{}
	for k, v := range m.Layers[0].Annotations {
		ann[k] = v
	}
	edit(ann)
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	out, err := mutate.Append(base, mutate.Addendum{Layer: static.NewLayer(payload, SimpleSigningMediaType), Annotations: ann})
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, out); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyCosignMadeLegacy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSignEnv(t)
	if _, err := Sign(ctx, e.signer, e.push.DigestRef(), WithFormats(FormatLegacy)); err != nil {
		t.Fatal(err)
	}
	// What cosign v2 writes with a Rekor v1 log: no full bundle, the rest.
	rewriteLegacy(t, e.reg.Host(), e.push.Digest, func(a map[string]string) { delete(a, AnnotationSigstoreBundle) })
	res, err := Verify(ctx, e.ref, e.st.Policy(), e.verifier)
	if err != nil {
		t.Fatalf("cosign-style legacy signature: %v", err)
	}
	if len(res.Signatures) != 1 || res.Signatures[0].Format != FormatLegacy || res.Signatures[0].Verification.Identity != e.st.Identity() {
		t.Fatalf("verified %+v", res.Signatures)
	}
	// A tampered signature annotation fails.
	rewriteLegacy(t, e.reg.Host(), e.push.Digest, func(a map[string]string) {
		sig, _ := base64.StdEncoding.DecodeString(a[AnnotationSignature])
		sig[len(sig)-1] ^= 1
		a[AnnotationSignature] = base64.StdEncoding.EncodeToString(sig)
	})
	if _, err := Verify(ctx, e.ref, e.st.Policy(), e.verifier); err == nil || errors.Is(err, ErrNoSignature) {
		t.Fatalf("tampered signature: err = %v", err)
	}
	// Without log evidence (what a Rekor v2 log leaves in the annotations)
	// the log check fails.
	rewriteLegacy(t, e.reg.Host(), e.push.Digest, func(a map[string]string) {
		delete(a, AnnotationRekorBundle)
		sig, _ := base64.StdEncoding.DecodeString(a[AnnotationSignature]) // undo the tampering above: one defect at a time
		sig[len(sig)-1] ^= 1
		a[AnnotationSignature] = base64.StdEncoding.EncodeToString(sig)
	})
	if _, err := Verify(ctx, e.ref, e.st.Policy(), e.verifier); !errors.Is(err, sign.ErrNotInLog) {
		t.Fatalf("no Rekor bundle: err = %v, want sign.ErrNotInLog", err)
	}
}

func TestSignVerifyRegistryFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newSignEnv(t)
	// Transient failures while writing signatures are retried.
	e.reg.AddFault(ocitest.Fault{Match: ocitest.MatchManifestPut, Status: 503, Header: http.Header{"Retry-After": {"0"}}, Times: 2})
	e.reg.AddFault(ocitest.Fault{Match: ocitest.MatchBlobUpload, Reset: true})
	if _, err := Sign(ctx, e.signer, e.push.DigestRef(), fastRetry); err != nil {
		t.Fatalf("sign through transient faults: %v", err)
	}
	if _, err := Verify(ctx, e.ref, e.st.Policy(), e.verifier, fastRetry); err != nil {
		t.Fatal(err)
	}
	// A registry that keeps failing is an error, never "no signature".
	e.reg.AddFault(ocitest.Fault{Match: ocitest.MatchManifestRead, Status: 500, Times: -1})
	_, err := Verify(ctx, e.ref, e.st.Policy(), e.verifier, fastRetry)
	if err == nil || errors.Is(err, ErrNoSignature) {
		t.Fatalf("verify against a failing registry: err = %v", err)
	}
}
