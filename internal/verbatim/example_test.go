package verbatim_test

import (
	"fmt"

	"github.com/tagship/tagship/internal/verbatim"
)

func ExampleShape() {
	notes := "```sh\ncosign verify-blob --use-signed-timestamps \\\n  --bundle ./out/a.whl.sigstore.json \\\n" +
		"  --certificate-identity 'https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1.0.0' \\\n" +
		"  --certificate-oidc-issuer 'https://token.actions.githubusercontent.com' \\\n  ./out/a.whl\n```\n"
	for _, c := range verbatim.Commands(notes) {
		shape, err := verbatim.Shape(c.Text)
		if err != nil {
			panic(err)
		}
		fmt.Println(shape)
		fmt.Println(verbatim.Runs[shape].Verifiers, verbatim.Runs[shape].Negatives)
	}
	// Output:
	// cosign verify-blob --use-signed-timestamps --bundle <arg> --certificate-identity <arg> --certificate-oidc-issuer <arg> <arg>
	// [cosign v2.6.5 cosign v3.1.3] true
}
