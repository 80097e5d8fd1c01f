package ghperm_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/tagship/tagship/internal/ghperm"
)

func ExamplePermissions() {
	p := ghperm.Permissions{ghperm.ScopeContents: ghperm.Read, ghperm.ScopeIDToken: ghperm.Write}
	fmt.Println(p)
	fmt.Println(p.Allows(ghperm.ScopeContents, ghperm.Write), p.Allows(ghperm.ScopeIDToken, ghperm.Read))
	fmt.Println(ghperm.Permissions{ghperm.ScopeIDToken: ghperm.Read}.Validate())
	// Output:
	// contents: read, id-token: write
	// false true
	// permission id-token: "read": GitHub only grants id-token: write
}

// A transport for the client that carries GITHUB_TOKEN, checked against
// one job's grants: the POST that needs contents: write is never sent.
func ExampleTransport() {
	granted := ghperm.Permissions{ghperm.ScopeContents: ghperm.Read}
	check := func(ctx context.Context, scope string, need ghperm.Access, use string) error {
		if !granted.Allows(scope, need) {
			return &ghperm.PermissionError{Job: "publish", Scope: scope, Need: need, Have: granted, Use: use}
		}
		return nil
	}
	client := &http.Client{Transport: ghperm.Transport(nil, ghperm.ScopeContents, check)}
	_, err := client.Post("https://api.github.com/repos/o/r/releases", "application/json", nil)
	fmt.Println(errors.Is(err, ghperm.ErrPermission))
	var pe *ghperm.PermissionError
	if errors.As(err, &pe) {
		fmt.Println(pe.Use)
	}
	// Output:
	// true
	// POST api.github.com/repos/o/r/releases
}

// The context of a running job: Require allows what the job is granted,
// reporting the use, and refuses the rest.
func ExampleRequire() {
	ctx := ghperm.WithJob(context.Background(), "build-wheel", ghperm.Permissions{ghperm.ScopeContents: ghperm.Read},
		func(scope string, need ghperm.Access, use string) {
			fmt.Printf("granted %s: %s to %s\n", scope, need, use)
		})
	fmt.Println(ghperm.Require(ctx, ghperm.ScopeContents, ghperm.Read, "check out the repository"))
	fmt.Println(ghperm.Require(ctx, ghperm.ScopeIDToken, ghperm.Write, "sign the wheel"))
	// Output:
	// granted contents: read to check out the repository
	// <nil>
	// release: job build-wheel tried to sign the wheel, which needs id-token: write, but the job is granted contents: read; add id-token: write to its Permissions
}
