package pypi_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/tagship/tagship/pypi"
)

func TestParseTokenClaimsShapes(t *testing.T) {
	t.Parallel()
	jwt := func(payload string) string {
		return "e30." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".sig"
	}
	tests := []struct {
		name string
		tok  string
		want pypi.TokenClaims
	}{
		{"list audience", jwt(`{"iss":"i","aud":["pypi","other"]}`), pypi.TokenClaims{Issuer: "i", Audience: "pypi,other"}},
		{"workflow_ref fallback", jwt(`{"sub":"s","workflow_ref":"o/r/.github/workflows/a.yml@refs/tags/v1"}`),
			pypi.TokenClaims{Subject: "s", JobWorkflowRef: "o/r/.github/workflows/a.yml@refs/tags/v1"}},
		{"job_workflow_ref wins", jwt(`{"workflow_ref":"a","job_workflow_ref":"b","workflow":"w","environment":"prod"}`),
			pypi.TokenClaims{JobWorkflowRef: "b", Workflow: "w", Environment: "prod"}},
		{"padded payload", strings.Replace(jwt(`{"iss":"i"}`), ".sig", "==.sig", 1), pypi.TokenClaims{Issuer: "i"}},
		{"two parts", "a.b", pypi.TokenClaims{}},
		{"not base64", "a.!!!.c", pypi.TokenClaims{}},
		{"array payload", jwt(`[]`), pypi.TokenClaims{}},
		{"oversized payload", jwt(`{"iss":"i","x":"` + strings.Repeat("x", 64<<10) + `"}`), pypi.TokenClaims{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := pypi.ParseTokenClaims(tt.tok); got != tt.want {
				t.Errorf("ParseTokenClaims = %+v, want %+v", got, tt.want)
			}
		})
	}
}
