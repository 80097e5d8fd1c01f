package verify

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/tagship/tagship/ghrelease"
	"github.com/tagship/tagship/oci"
	"github.com/tagship/tagship/provenance"
	"github.com/tagship/tagship/sign"
)

// provenanceExpect is what the release's provenance must say.
func (r *verifyRun) provenanceExpect() provenance.Expect {
	return provenance.Expect{Repository: r.cfg.Repository, Ref: r.report.Tag, WorkflowPath: r.cfg.WorkflowPath}
}

// fileProvenance verifies the release's provenance bundle: signed by the
// pinned identity, built by the release workflow from the repository at the
// tag, by the run that signed it, and describing every distribution
// verified above byte for byte.
func (r *verifyRun) fileProvenance(ctx context.Context) {
	assetName := ghrelease.ProvenanceAssetName(r.cfg.Project, r.cfg.Version)
	a := Artifact{Name: assetName, Kind: KindProvenance, Source: r.source()}
	defer func() { r.report.Artifacts = append(r.report.Artifacts, a) }()
	path, err := r.fetchAsset(ctx, assetName)
	if err != nil {
		a.Checks = append(a.Checks, r.fail(assetName, CheckFetch, verifyReasonOf(err), assetName+" (SLSA provenance, a Sigstore bundle)", "none",
			"the release carries no build provenance: it was made without it (NoProvenance, or a tagship before provenance), or the asset was deleted; without it the build's source and run cannot be checked", err))
		return
	}
	if r.keep {
		a.Path = path
	}
	a.Checks = append(a.Checks, Check{Name: CheckFetch, Status: Passed, Detail: "read " + assetName})
	if d, _, err := sign.SHA256File(ctx, path); err == nil {
		a.SHA256 = hex.EncodeToString(d)
		a.Checks = append(a.Checks, r.sumsCheck(assetName, a.SHA256))
	}
	b, err := sign.LoadBundle(path)
	if err != nil {
		a.Checks = append(a.Checks, r.fail(assetName, CheckSignature, ErrSignature, "a Sigstore bundle holding a DSSE-signed statement", "", "the asset is not a valid bundle (truncated, or another file uploaded under its name)", err))
		return
	}
	e := r.provenanceExpect()
	for _, d := range r.report.Artifacts {
		if (d.Kind == KindWheel || d.Kind == KindSdist) && d.SHA256 != "" {
			e.Subjects = append(e.Subjects, provenance.Subject{Name: d.Name, SHA256: d.SHA256})
		}
	}
	p, res, err := provenance.Verify(ctx, r.v, b, r.policy, e)
	if res == nil {
		x := verifyExplain(err, r.policy)
		reason, exp, found, hint := x.condition, x.expected, x.found, x.hint
		if errors.Is(err, sign.ErrInvalidBundle) {
			hint = "the provenance bundle holds no DSSE-signed statement (a plain signature was attached under its name?)"
		}
		a.Checks = append(a.Checks, r.fail(assetName, CheckSignature, reason, exp, found, hint, err))
		return
	}
	a.Checks = append(a.Checks, Check{Name: CheckSignature, Status: Passed, Detail: verifySignedDetail(res)})
	a.Checks = append(a.Checks, r.provenanceChecks(assetName, p, err, len(e.Subjects))...)
}

// provenanceChecks turns provenance.Verify's statement errors into the
// source and subject checks.
func (r *verifyRun) provenanceChecks(artifact string, p *provenance.Provenance, err error, subjects int) []Check {
	if errors.Is(err, provenance.ErrMalformed) || (err != nil && p == nil) {
		return []Check{r.fail(artifact, CheckProvenanceSource, ErrProvenance, "an in-toto Statement v1 with SLSA Provenance v1", "", "the signed payload is not SLSA provenance", err)}
	}
	var source, subject []*provenance.MismatchError
	for _, e := range unjoin(err) {
		var me *provenance.MismatchError
		if errors.As(e, &me) {
			if errors.Is(me, provenance.ErrSubject) {
				subject = append(subject, me)
			} else {
				source = append(source, me)
			}
		}
	}
	var out []Check
	if len(source) == 0 {
		out = append(out, Check{Name: CheckProvenanceSource, Status: Passed,
			Detail: fmt.Sprintf("built by %s from %s at %s (commit %s), run %s", p.WorkflowPath, p.WorkflowRepository, p.WorkflowRef, verifyShort(p.SourceCommit), p.InvocationID)})
	}
	for _, me := range source {
		out = append(out, r.fail(artifact, CheckProvenanceSource, ErrProvenance, me.Expected, me.Found, me.Field+": "+me.Hint, me))
	}
	if len(subject) == 0 {
		out = append(out, Check{Name: CheckProvenanceSubject, Status: Passed, Detail: describesDetail(subjects)})
	}
	for _, me := range subject {
		out = append(out, r.fail(artifact, CheckProvenanceSubject, ErrProvenance, me.Expected, me.Found, me.Hint, me))
	}
	return out
}

// imageAttestations verifies the provenance and SBOM attestations of the
// image digest.
func (r *verifyRun) imageAttestations(ctx context.Context, a *Artifact, ref, digestRef, hexDigest string, opts []oci.Option) {
	for _, pt := range []string{provenance.PredicateType, ghrelease.CycloneDXPredicateType} {
		check := CheckProvenanceSource
		if pt == ghrelease.CycloneDXPredicateType {
			check = CheckSBOMAttestation
		}
		res, err := oci.VerifyAttestations(ctx, digestRef, pt, r.policy, r.v, opts...)
		if err != nil {
			x := verifyExplain(err, r.policy)
			reason, exp, found, hint := x.condition, x.expected, x.found, x.hint
			if errors.Is(err, oci.ErrNoAttestation) {
				reason, exp, found, hint = ErrMissing, "a "+pt+" attestation signed by "+r.policy.Identity, "none",
					"the image carries no such attestation: it was released without it, or the attestations were not copied with the image"
			}
			a.Checks = append(a.Checks, r.fail(ref, check, reason, exp, found, hint, err))
			continue
		}
		if pt != provenance.PredicateType {
			a.Checks = append(a.Checks, Check{Name: check, Status: Passed, Detail: fmt.Sprintf("CycloneDX SBOM attested (%d form(s))", len(res.Attestations))})
			continue
		}
		e := r.provenanceExpect()
		e.Subjects = []provenance.Subject{{SHA256: hexDigest}}
		p, perr := provenance.CheckStatement(res.Attestations[0].Statement, res.Attestations[0].Verification, e)
		a.Checks = append(a.Checks, r.provenanceChecks(ref, p, perr, 1)...)
	}
}

func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// describesDetail says what a provenance's subjects covered.
func describesDetail(subjects int) string {
	if subjects == 1 {
		return "describes the released artifact byte for byte"
	}
	return fmt.Sprintf("describes the %d released files byte for byte", subjects)
}
