package provenance_test

import (
	"context"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/internal/interop"
	"github.com/tagship/tagship/internal/sigstack"
	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/oci/ocitest"
	"github.com/tagship/tagship/provenance"
	"github.com/tagship/tagship/sign"
	"github.com/tagship/tagship/sign/signtest"
)

// sigstoreJSVerify verifies a DSSE bundle with sigstore-js (@sigstore/verify,
// an independent implementation): exact SAN and issuer, one log entry, one
// SCT, one signed timestamp.
const sigstoreJSVerify = `'use strict';
const fs = require('fs');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');
const { bundleFromJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');
const [rootPath, bundlePath, san, issuer] = process.argv.slice(2);
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
try {
  const root = TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(rootPath, 'utf8')));
  const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(bundlePath, 'utf8')));
  const v = new Verifier(toTrustMaterial(root), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 });
  const signer = v.verify(toSignedEntity(bundle), { subjectAlternativeName: '^' + esc(san) + '$', extensions: { issuer } });
  const st = JSON.parse(Buffer.from(bundle.content.dsseEnvelope.payload).toString('utf8'));
  process.stdout.write('OK ' + st.predicateType + ' ' + signer.identity.subjectAlternativeName + '\n');
} catch (e) {
  process.stderr.write((e.code || e.name) + ': ' + e.message + '\n');
  process.exit(1);
}
`

// TestInteropCosign makes file provenance and image attestations against the
// real Sigstore stack (Fulcio + CT log, Rekor v2, TSA; internal/sigstack) and
// has the real verifiers accept them for the release identity and refuse
// them for another: cosign v2.6.5 (and v3 when built) verify-blob-attestation
// and verify-attestation, and sigstore-js when installed.
func TestInteropCosign(t *testing.T) {
	ctx := context.Background()
	wf := signtest.Workflow{Repository: "octo-org/hello", Ref: "refs/tags/v1.2.3", RunID: "99", RunAttempt: "3"}
	st := signtest.New(t, signtest.WithIssuerSelfURL(), signtest.WithWorkflow(wf))
	stack := sigstack.Start(t, st.Issuer())
	signer, err := sign.NewSigner(sign.WithSigningConfigFile(stack.SigningConfigPath), sign.WithTrustedRootFile(stack.TrustedRootPath),
		sign.WithTokenSource(st.TokenSource()))
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := sign.NewVerifier(sign.WithVerifierTrustedRootFile(stack.TrustedRootPath))
	if err != nil {
		t.Fatal(err)
	}
	identity, issuer := wf.Identity(), st.Issuer()
	const wrongIdentity = "https://github.com/evil/hello/.github/workflows/release.yml@refs/tags/v1.2.3"
	run, err := provenance.GitHubRunFromEnv(getenv(wf.Env()))
	if err != nil {
		t.Fatal(err)
	}
	build := provenance.Build{Run: run}
	cosign3, haveV3 := interop.Lookup("cosign3")

	// The release files and their provenance bundle.
	dir := t.TempDir()
	var subjects []provenance.Subject
	files := map[string]string{"hello-1.2.3.tar.gz": "sdist bytes\n", "hello-1.2.3-py3-none-any.whl": "wheel bytes\n"}
	for n, c := range files {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		sum, _, err := sign.SHA256File(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		subjects = append(subjects, provenance.Subject{Name: n, SHA256: hex.EncodeToString(sum)})
	}
	stmt, err := build.Statement(subjects...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := signer.SignDSSE(ctx, provenance.PayloadType, stmt)
	if err != nil {
		t.Fatal(err)
	}
	bj, _ := b.MarshalJSON()
	bundlePath := filepath.Join(dir, "hello-1.2.3.provenance.sigstore.json")
	if err := os.WriteFile(bundlePath, bj, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := provenance.Verify(ctx, verifier, b, sign.Policy{Identity: identity, Issuer: issuer},
		provenance.Expect{Repository: "octo-org/hello", Ref: "v1.2.3", WorkflowPath: sign.DefaultWorkflowPath, Subjects: subjects}); err != nil {
		t.Fatalf("our own verification: %v", err)
	}

	blobArgs := func(id, file string) []string {
		return []string{"verify-blob-attestation", "--bundle", bundlePath, "--type", "slsaprovenance1",
			"--trusted-root", stack.TrustedRootPath, "--certificate-identity", id, "--certificate-oidc-issuer", issuer, file}
	}
	t.Run("file provenance, cosign verify-blob-attestation", func(t *testing.T) {
		for n := range files {
			if _, err := stack.Cosign(t, append(blobArgs(identity, filepath.Join(dir, n)), "--use-signed-timestamps", "--new-bundle-format")...); err != nil {
				t.Fatalf("cosign v2.6.5 rejects the provenance of %s: %v", n, err)
			}
			if haveV3 {
				if _, err := stack.RunCosign(t, cosign3, blobArgs(identity, filepath.Join(dir, n))...); err != nil {
					t.Fatalf("cosign v3 rejects the provenance of %s: %v", n, err)
				}
			}
		}
		if _, err := stack.Cosign(t, append(blobArgs(wrongIdentity, filepath.Join(dir, "hello-1.2.3.tar.gz")), "--use-signed-timestamps", "--new-bundle-format")...); err == nil {
			t.Fatal("cosign v2.6.5 accepted the provenance for another identity")
		}
		other := filepath.Join(dir, "other.tar.gz")
		os.WriteFile(other, []byte("not released\n"), 0o644)
		if _, err := stack.Cosign(t, append(blobArgs(identity, other), "--use-signed-timestamps", "--new-bundle-format")...); err == nil {
			t.Fatal("cosign v2.6.5 accepted the provenance for a file it does not describe")
		}
		if haveV3 {
			if _, err := stack.RunCosign(t, cosign3, blobArgs(wrongIdentity, filepath.Join(dir, "hello-1.2.3.tar.gz"))...); err == nil {
				t.Fatal("cosign v3 accepted the provenance for another identity")
			}
		}
	})

	t.Run("file provenance, sigstore-js", func(t *testing.T) {
		node, err := exec.LookPath("node")
		root, ok := interop.RepoRoot()
		modules := filepath.Join(root, "tools", "node", "node_modules")
		if _, serr := os.Stat(filepath.Join(modules, "@sigstore", "verify")); err != nil || !ok || serr != nil {
			t.Skip("sigstore-js (@sigstore/verify in tools/node) or node not installed")
		}
		script := filepath.Join(t.TempDir(), "verify.cjs")
		os.WriteFile(script, []byte(sigstoreJSVerify), 0o644)
		js := func(root, bundle, id string) (string, error) {
			cmd := exec.Command(node, script, root, bundle, id, issuer)
			cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
			out, err := cmd.CombinedOutput()
			t.Logf("$ node verify.cjs %s %s\n%s", filepath.Base(bundle), id, out)
			return string(out), err
		}
		// Against Rekor v2, sigstore-go v1.3.0 logs a DSSE envelope as a
		// hashedrekord v0.0.2 entry over the envelope's PAE (what cosign
		// and sigstore-go verify); @sigstore/verify 3.x compares that digest
		// with the payload's and refuses. Pin that known difference so a
		// change shows up here.
		if out, err := js(stack.TrustedRootPath, bundlePath, identity); err == nil || !strings.Contains(out, "TLOG_BODY_ERROR") {
			t.Fatalf("sigstore-js and a Rekor v2 DSSE bundle: err = %v, output %q; expected the known TLOG_BODY_ERROR — if sigstore-js now accepts it, update this test and the README", err, out)
		}
		// With a Rekor v1 log (dsse v0.0.1 entries; the signtest double),
		// sigstore-js verifies the same statement signed the same way.
		st1 := signtest.New(t, signtest.WithWorkflow(wf))
		s1, err := st1.NewSigner()
		if err != nil {
			t.Fatal(err)
		}
		b1, err := s1.SignDSSE(ctx, provenance.PayloadType, stmt)
		if err != nil {
			t.Fatal(err)
		}
		d1 := t.TempDir()
		root1, bundle1 := filepath.Join(d1, "trusted_root.json"), filepath.Join(d1, "provenance.sigstore.json")
		if err := st1.WriteTrustedRoot(root1); err != nil {
			t.Fatal(err)
		}
		j1, _ := b1.MarshalJSON()
		os.WriteFile(bundle1, j1, 0o644)
		issuer := st1.Issuer()
		js1 := func(id string) (string, error) {
			cmd := exec.Command(node, script, root1, bundle1, id, issuer)
			cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
			out, err := cmd.CombinedOutput()
			t.Logf("$ node verify.cjs (Rekor v1) %s\n%s", id, out)
			return string(out), err
		}
		if out, err := js1(identity); err != nil || !strings.Contains(out, "OK "+provenance.PredicateType) {
			t.Fatalf("sigstore-js rejects the provenance bundle: %v", err)
		}
		if _, err := js1(wrongIdentity); err == nil {
			t.Fatal("sigstore-js accepted the provenance for another identity")
		}
	})

	t.Run("image attestations, cosign verify-attestation", func(t *testing.T) {
		reg := ocitest.StartDockerRegistry(t)
		pred, err := build.PredicateJSON()
		if err != nil {
			t.Fatal(err)
		}
		// Two images: one attested in both forms, one in the .att form only
		// (so that cosign cannot fall back to the referrer for the .att check).
		attested := map[oci.Format]string{}
		for repo, format := range map[string]oci.Format{"hello": oci.FormatLegacy | oci.FormatBundle, "hello-att": oci.FormatLegacy} {
			idx, err := oci.Assemble(ctx, []oci.PlatformSource{
				{Platform: "linux/amd64", Layer: oci.LayerSpec{Dir: dir, Prefix: "/" + repo}},
				{Platform: "linux/arm64", Layer: oci.LayerSpec{Dir: dir, Prefix: "/" + repo}},
			}, oci.WithTempDir(t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			defer idx.Close()
			pr, err := oci.Push(ctx, idx, reg.Host+"/octo-org/"+repo+":v1.2.3")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := oci.Attest(ctx, signer, pr.DigestRef(), provenance.PredicateType, pred, oci.WithFormats(format)); err != nil {
				t.Fatal(err)
			}
			sbom, err := ghrelease.SBOM(ctx, ghrelease.SBOMInput{Name: "hello", Version: "1.2.3", Repository: "octo-org/hello",
				Image: reg.Host + "/octo-org/" + repo, ImageDigest: pr.Digest.String(), ImageTag: "v1.2.3"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := oci.Attest(ctx, signer, pr.DigestRef(), ghrelease.CycloneDXPredicateType, sbom, oci.WithFormats(format)); err != nil {
				t.Fatal(err)
			}
			for _, pt := range []string{provenance.PredicateType, ghrelease.CycloneDXPredicateType} {
				res, err := oci.VerifyAttestations(ctx, pr.Reference, pt, sign.Policy{Identity: identity, Issuer: issuer}, verifier)
				if err != nil {
					t.Fatalf("our verification of %s: %v", pt, err)
				}
				if p, err := provenance.Parse(res.Attestations[0].Statement); pt == provenance.PredicateType && (err != nil || p.Subjects[0].SHA256 != pr.Digest.Hex) {
					t.Fatalf("image provenance: %v %+v", err, p)
				}
			}
			attested[format] = pr.DigestRef()
		}
		both, attOnly := attested[oci.FormatLegacy|oci.FormatBundle], attested[oci.FormatLegacy]
		args := func(ref, id, typ string, extra ...string) []string {
			return append([]string{"verify-attestation", "--type", typ, "--trusted-root", stack.TrustedRootPath,
				"--certificate-identity", id, "--certificate-oidc-issuer", issuer, "--allow-http-registry"}, append(extra, ref)...)
		}
		// cosign v2.6.5 reads a trusted_root.json only for the bundle form;
		// for the .att form it takes the Fulcio chain, the CT log key and
		// the TSA chain separately. Rekor v2 gives no signed entry timestamp
		// for the cosign annotations, so the .att form is checked by its RFC
		// 3161 timestamp with the log check off (as for .sig signatures).
		legacy := func(ref, id, typ string) error {
			cmd := stack.CosignCmd(ctx, "verify-attestation", "--type", typ, "--certificate-identity", id, "--certificate-oidc-issuer", issuer,
				"--allow-http-registry", "--insecure-ignore-tlog", "--use-signed-timestamps", "--timestamp-certificate-chain", stack.TSAChainPath, ref)
			cmd.Env = append(cmd.Env, "SIGSTORE_ROOT_FILE="+stack.FulcioChainPath, "SIGSTORE_CT_LOG_PUBLIC_KEY_FILE="+stack.CTLogPublicKeyPath)
			out, err := cmd.CombinedOutput()
			t.Logf("$ SIGSTORE_ROOT_FILE=… cosign verify-attestation --type %s --certificate-identity %s … --insecure-ignore-tlog --timestamp-certificate-chain … %s [%v]\n%s", typ, id, ref, err, out)
			return err
		}
		for _, typ := range []string{"slsaprovenance1", "cyclonedx"} {
			// The bundle referrer: logged in Rekor v2, timestamped.
			if _, err := stack.Cosign(t, args(both, identity, typ, "--new-bundle-format", "--use-signed-timestamps")...); err != nil {
				t.Fatalf("cosign v2.6.5 rejects the %s bundle attestation: %v", typ, err)
			}
			// The .att form: Rekor v2 gives no signed entry timestamp for the
			// cosign annotations, so cosign v2.6.5 checks it by its RFC 3161
			// timestamp with the log check off (as for .sig signatures).
			if err := legacy(attOnly, identity, typ); err != nil {
				t.Fatalf("cosign v2.6.5 rejects the %s .att attestation: %v", typ, err)
			}
			if _, err := stack.Cosign(t, args(both, wrongIdentity, typ, "--new-bundle-format", "--use-signed-timestamps")...); err == nil {
				t.Fatalf("cosign v2.6.5 accepted the %s attestation for another identity", typ)
			}
			if err := legacy(attOnly, wrongIdentity, typ); err == nil {
				t.Fatalf("cosign v2.6.5 accepted the %s .att attestation for another identity", typ)
			}
			if haveV3 {
				if _, err := stack.RunCosign(t, cosign3, args(both, identity, typ)...); err != nil {
					t.Fatalf("cosign v3 rejects the %s attestation: %v", typ, err)
				}
				if _, err := stack.RunCosign(t, cosign3, args(both, wrongIdentity, typ)...); err == nil {
					t.Fatalf("cosign v3 accepted the %s attestation for another identity", typ)
				}
			}
		}
	})
}
