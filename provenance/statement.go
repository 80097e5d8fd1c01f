package provenance

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	slsa1 "github.com/in-toto/attestation/go/predicates/provenance/v1"
	attv1 "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Types of the statements this package writes and reads.
const (
	// StatementType is the in-toto Statement v1 type.
	StatementType = attv1.StatementTypeUri
	// PredicateType is SLSA Provenance v1 (cosign's --type slsaprovenance1).
	PredicateType = "https://slsa.dev/provenance/v1"
	// PayloadType is the DSSE payload type of an in-toto statement.
	PayloadType = "application/vnd.in-toto+json"
	// BuildTypeGitHubWorkflow is GitHub's build type for a top-level
	// workflow run (https://github.com/actions/buildtypes/tree/main/workflow/v1).
	BuildTypeGitHubWorkflow = "https://actions.github.io/buildtypes/workflow/v1"
)

// Subject is one artifact a statement is about.
type Subject struct {
	// Name is the file name ("pkg-1.0.0.tar.gz") or the image repository
	// ("ghcr.io/owner/repo").
	Name string
	// SHA256 is the lower-case hex SHA-256 of the file, or of the image
	// manifest (the digest without "sha256:").
	SHA256 string
}

func (s Subject) String() string { return s.Name + " sha256:" + s.SHA256 }

// Build is one run's provenance predicate: the run, and optionally when the
// build started and finished.
type Build struct {
	Run        GitHubRun
	StartedOn  time.Time
	FinishedOn time.Time
}

// Predicate returns the SLSA Provenance v1 predicate of b, validated by the
// in-toto bindings.
func (b Build) Predicate() (*slsa1.Provenance, error) {
	r := b.Run
	if err := r.Validate(); err != nil {
		return nil, err
	}
	ext, err := structpb.NewStruct(map[string]any{
		"workflow": map[string]any{"repository": r.RepositoryURL(), "ref": r.Ref, "path": r.WorkflowPath},
	})
	if err != nil {
		return nil, err
	}
	gh := map[string]any{"event_name": r.EventName}
	for k, v := range map[string]string{"repository_id": r.RepositoryID, "repository_owner_id": r.RepositoryOwnerID, "runner_environment": r.RunnerEnvironment} {
		if v != "" {
			gh[k] = v
		}
	}
	internal, err := structpb.NewStruct(map[string]any{"github": gh})
	if err != nil {
		return nil, err
	}
	md := &slsa1.BuildMetadata{InvocationId: r.InvocationID()}
	if !b.StartedOn.IsZero() {
		md.StartedOn = timestamppb.New(b.StartedOn.UTC().Truncate(time.Second))
	}
	if !b.FinishedOn.IsZero() {
		md.FinishedOn = timestamppb.New(b.FinishedOn.UTC().Truncate(time.Second))
	}
	p := &slsa1.Provenance{
		BuildDefinition: &slsa1.BuildDefinition{
			BuildType:          BuildTypeGitHubWorkflow,
			ExternalParameters: ext,
			InternalParameters: internal,
			ResolvedDependencies: []*attv1.ResourceDescriptor{{
				Uri: r.SourceURI(), Digest: map[string]string{"gitCommit": r.SHA},
			}},
		},
		RunDetails: &slsa1.RunDetails{
			Builder:  &slsa1.Builder{Id: r.BuilderID()},
			Metadata: md,
		},
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("provenance: predicate invalid: %w", err)
	}
	return p, nil
}

// PredicateJSON is the predicate alone as compact JSON (what
// oci.Attest takes, and `cosign attest --predicate` reads).
func (b Build) PredicateJSON() ([]byte, error) {
	p, err := b.Predicate()
	if err != nil {
		return nil, err
	}
	return stableJSON(p)
}

// Statement returns the in-toto statement of b about subjects as compact
// JSON: the payload to sign.
func (b Build) Statement(subjects ...Subject) ([]byte, error) {
	p, err := b.Predicate()
	if err != nil {
		return nil, err
	}
	pj, err := stableJSON(p)
	if err != nil {
		return nil, err
	}
	return Statement(PredicateType, pj, subjects...)
}

// Statement wraps any predicate (JSON object) of predicateType into an
// in-toto Statement v1 about subjects, validated by the in-toto bindings,
// as compact JSON with a stable field order.
func Statement(predicateType string, predicate []byte, subjects ...Subject) ([]byte, error) {
	if len(subjects) == 0 {
		return nil, fmt.Errorf("%w: a statement needs at least one subject", ErrMalformed)
	}
	var pred structpb.Struct
	if err := protojson.Unmarshal(predicate, &pred); err != nil {
		return nil, fmt.Errorf("%w: predicate is not a JSON object: %v", ErrMalformed, err)
	}
	st := &attv1.Statement{Type: StatementType, PredicateType: predicateType, Predicate: &pred}
	for _, s := range subjects {
		if _, err := hex.DecodeString(s.SHA256); err != nil || len(s.SHA256) != 64 || strings.ToLower(s.SHA256) != s.SHA256 {
			return nil, fmt.Errorf("%w: subject %q: sha256 %q is not 64 lower-case hex digits", ErrMalformed, s.Name, s.SHA256)
		}
		st.Subject = append(st.Subject, &attv1.ResourceDescriptor{Name: s.Name, Digest: map[string]string{"sha256": s.SHA256}})
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return stableJSON(st)
}

// stableJSON encodes m with protojson (proto field order, sorted map keys)
// and removes the whitespace protojson randomises.
func stableJSON(m proto.Message) ([]byte, error) {
	raw, err := protojson.MarshalOptions{UseProtoNames: false}.Marshal(m)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Statement conditions; test with errors.Is.
var (
	// ErrMalformed: not an in-toto Statement v1 with a SLSA Provenance v1
	// predicate of GitHub's workflow build type.
	ErrMalformed = errors.New("provenance: malformed statement")
	// ErrSubject: the statement is not about the expected artifact (a
	// subject missing, or with another digest).
	ErrSubject = errors.New("provenance: subject does not match the artifact")
	// ErrSource: the build's source repository, ref, workflow, commit or
	// run differs from the expected one.
	ErrSource = errors.New("provenance: build source does not match")
)

// MismatchError is one difference between a statement and what was
// expected. It matches its Sentinel (ErrSubject or ErrSource).
type MismatchError struct {
	Field    string // "subject", "workflow.repository", "workflow.ref", …
	Expected string
	Found    string
	Hint     string
	Sentinel error
}

func (e *MismatchError) Error() string {
	s := fmt.Sprintf("%v: %s: expected %s, found %s", e.Sentinel, e.Field, cmp.Or(e.Expected, "-"), cmp.Or(e.Found, "-"))
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

// Unwrap returns the sentinel.
func (e *MismatchError) Unwrap() error { return e.Sentinel }

// Provenance is a parsed statement: the fields verification compares, and
// the in-toto messages for everything else.
type Provenance struct {
	Subjects []Subject
	// BuildType is buildDefinition.buildType.
	BuildType string
	// WorkflowRepository, WorkflowRef and WorkflowPath are
	// externalParameters.workflow.
	WorkflowRepository string
	WorkflowRef        string
	WorkflowPath       string
	// SourceURI and SourceCommit are the resolved dependency with a
	// gitCommit digest.
	SourceURI    string
	SourceCommit string
	// BuilderID and InvocationID are runDetails.builder.id and
	// runDetails.metadata.invocationId.
	BuilderID    string
	InvocationID string
	StartedOn    time.Time
	FinishedOn   time.Time

	Statement *attv1.Statement
	Predicate *slsa1.Provenance
}

// Parse reads an in-toto Statement v1 with a SLSA Provenance v1 predicate.
func Parse(payload []byte) (*Provenance, error) {
	st := &attv1.Statement{}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(payload, st); err != nil {
		return nil, fmt.Errorf("%w: not an in-toto statement: %v", ErrMalformed, err)
	}
	if st.GetType() != StatementType {
		return nil, fmt.Errorf("%w: _type %q, expected %q", ErrMalformed, st.GetType(), StatementType)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if st.GetPredicateType() != PredicateType {
		return nil, fmt.Errorf("%w: predicateType %q, expected %q", ErrMalformed, st.GetPredicateType(), PredicateType)
	}
	pj, err := protojson.Marshal(st.GetPredicate())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	pred := &slsa1.Provenance{}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(pj, pred); err != nil {
		return nil, fmt.Errorf("%w: predicate is not SLSA Provenance v1: %v", ErrMalformed, err)
	}
	if err := pred.Validate(); err != nil {
		return nil, fmt.Errorf("%w: predicate: %v", ErrMalformed, err)
	}
	p := &Provenance{Statement: st, Predicate: pred, BuildType: pred.GetBuildDefinition().GetBuildType(),
		BuilderID: pred.GetRunDetails().GetBuilder().GetId(), InvocationID: pred.GetRunDetails().GetMetadata().GetInvocationId()}
	if t := pred.GetRunDetails().GetMetadata().GetStartedOn(); t != nil {
		p.StartedOn = t.AsTime()
	}
	if t := pred.GetRunDetails().GetMetadata().GetFinishedOn(); t != nil {
		p.FinishedOn = t.AsTime()
	}
	for _, s := range st.GetSubject() {
		p.Subjects = append(p.Subjects, Subject{Name: s.GetName(), SHA256: strings.ToLower(s.GetDigest()["sha256"])})
	}
	if wf, ok := pred.GetBuildDefinition().GetExternalParameters().GetFields()["workflow"]; ok {
		f := wf.GetStructValue().GetFields()
		p.WorkflowRepository = f["repository"].GetStringValue()
		p.WorkflowRef = f["ref"].GetStringValue()
		p.WorkflowPath = f["path"].GetStringValue()
	}
	for _, d := range pred.GetBuildDefinition().GetResolvedDependencies() {
		if c, ok := d.GetDigest()["gitCommit"]; ok {
			p.SourceURI, p.SourceCommit = d.GetUri(), c
			break
		}
	}
	return p, nil
}

// Expect is what a release's provenance must say.
type Expect struct {
	// Repository is "OWNER/REPO".
	Repository string
	// Ref is the release ref, "refs/tags/v1.2.3" (a bare "v1.2.3" means
	// that tag).
	Ref string
	// WorkflowPath is the release workflow, ".github/workflows/release.yml".
	WorkflowPath string
	// ServerURL is the GitHub web address. Default DefaultServerURL.
	ServerURL string
	// Subjects must each be in the statement with the same sha256. Name
	// "" matches any subject with that digest (an image: its repository
	// name may differ between registries).
	Subjects []Subject
}

// Check compares the provenance with e and returns every difference
// (errors.Join of [*MismatchError]s), or nil.
func (p *Provenance) Check(e Expect) error {
	var errs []error
	mis := func(field, exp, found, hint string, sentinel error) {
		errs = append(errs, &MismatchError{Field: field, Expected: exp, Found: found, Hint: hint, Sentinel: sentinel})
	}
	server := strings.TrimSuffix(cmp.Or(e.ServerURL, DefaultServerURL), "/")
	ref := e.Ref
	if ref != "" && !strings.HasPrefix(ref, "refs/") {
		ref = "refs/tags/" + ref
	}
	if p.BuildType != BuildTypeGitHubWorkflow {
		mis("buildType", BuildTypeGitHubWorkflow, p.BuildType, "the provenance was not made by a GitHub Actions workflow build", ErrSource)
	}
	if ref != "" && p.WorkflowRef != ref {
		hint := "built for another ref than the release tag"
		if strings.HasPrefix(p.WorkflowRef, "refs/heads/") {
			hint = "built from the branch " + strings.TrimPrefix(p.WorkflowRef, "refs/heads/") + " (a branch or manual run), not from the release tag"
		}
		mis("workflow.ref", ref, p.WorkflowRef, hint, ErrSource)
	}
	if e.Repository != "" {
		want := server + "/" + e.Repository
		if !strings.EqualFold(p.WorkflowRepository, want) {
			mis("workflow.repository", want, p.WorkflowRepository, "built from another repository (a fork or an impostor)", ErrSource)
		}
		// The resolved source must be the workflow's repository at its ref.
		if wantURI := "git+" + p.WorkflowRepository + "@" + p.WorkflowRef; p.SourceURI != "" && p.SourceURI != wantURI {
			mis("resolvedDependencies", wantURI, p.SourceURI, "the source the build resolved is not the workflow's repository and ref", ErrSource)
		}
	}
	if e.WorkflowPath != "" && p.WorkflowPath != strings.TrimPrefix(e.WorkflowPath, "/") {
		mis("workflow.path", e.WorkflowPath, p.WorkflowPath, "built by another workflow than the release workflow", ErrSource)
	}
	if p.SourceCommit == "" {
		mis("resolvedDependencies", "the source repository with a gitCommit digest", "none", "the provenance does not pin the commit it was built from", ErrSource)
	}
	for _, want := range e.Subjects {
		errs = append(errs, p.checkSubject(want)...)
	}
	return errors.Join(errs...)
}

func (p *Provenance) checkSubject(want Subject) []error {
	var sameName []string
	for _, s := range p.Subjects {
		if want.Name != "" && s.Name != want.Name {
			continue
		}
		if s.SHA256 == strings.ToLower(want.SHA256) {
			return nil
		}
		sameName = append(sameName, s.String())
	}
	if len(sameName) > 0 {
		return []error{&MismatchError{Field: "subject " + want.Name, Expected: "sha256:" + want.SHA256, Found: strings.Join(sameName, ", "), Sentinel: ErrSubject,
			Hint: "the provenance describes other bytes under this name: the artifact was replaced after the build, or the provenance belongs to another build"}}
	}
	var names []string
	for _, s := range p.Subjects {
		names = append(names, s.String())
	}
	sort.Strings(names)
	return []error{&MismatchError{Field: "subject", Expected: want.String(), Found: cmp.Or(strings.Join(names, ", "), "no subjects"), Sentinel: ErrSubject,
		Hint: "the provenance does not describe this artifact: it belongs to another build or release"}}
}

// CertificateFacts are the Fulcio certificate extensions the provenance is
// cross-checked with (sigstore-go's certificate.Extensions carries them).
type CertificateFacts struct {
	// BuildSignerURI is the certificate identity (job workflow ref URL).
	BuildSignerURI string
	// SourceRepositoryDigest is the commit the run built.
	SourceRepositoryDigest string
	// RunInvocationURI is the run URL with its attempt.
	RunInvocationURI string
}

// CheckCertificate compares builder, commit and invocation with the signing
// certificate: the run that signed must be the run the provenance names.
// An empty fact is not compared.
func (p *Provenance) CheckCertificate(c CertificateFacts) error {
	var errs []error
	if c.BuildSignerURI != "" && p.BuilderID != c.BuildSignerURI {
		errs = append(errs, &MismatchError{Field: "runDetails.builder.id", Expected: c.BuildSignerURI + " (the signing certificate)", Found: p.BuilderID, Sentinel: ErrSource,
			Hint: "the provenance names another builder than the workflow that signed it"})
	}
	if c.SourceRepositoryDigest != "" && p.SourceCommit != c.SourceRepositoryDigest {
		errs = append(errs, &MismatchError{Field: "resolvedDependencies.gitCommit", Expected: c.SourceRepositoryDigest + " (the signing certificate)", Found: p.SourceCommit, Sentinel: ErrSource,
			Hint: "the provenance claims another commit than the run that signed it built"})
	}
	if c.RunInvocationURI != "" && p.InvocationID != c.RunInvocationURI {
		errs = append(errs, &MismatchError{Field: "runDetails.metadata.invocationId", Expected: c.RunInvocationURI + " (the signing certificate)", Found: p.InvocationID, Sentinel: ErrSource,
			Hint: "the provenance names another run than the one that signed it"})
	}
	return errors.Join(errs...)
}
