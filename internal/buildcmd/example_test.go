package buildcmd_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/tagship/tagship/internal/buildcmd"
)

// The build sees no credential variable, and a token it prints anyway (one
// it found elsewhere) is cut from its log lines and from the error.
func ExampleRun() {
	getenv := func(name string) string {
		if name == "GITHUB_TOKEN" {
			return "ghs_example0123456789abcdef"
		}
		return ""
	}
	err := buildcmd.Run(context.Background(), buildcmd.Command{
		Argv:   []string{"sh", "-c", `echo "GITHUB_TOKEN=[$GITHUB_TOKEN] OUT=[$OUT]"; echo "found ghs_example0123456789abcdef"; exit 2`},
		Env:    []string{"OUT=dist"},
		Getenv: getenv,
		Log:    func(line string) { fmt.Println("log:", line) },
	})
	var be *buildcmd.Error
	if errors.As(err, &be) {
		fmt.Println("found:", be.Found)
		fmt.Println("failed:", errors.Is(err, buildcmd.ErrFailed))
	}
	// Output:
	// log: GITHUB_TOKEN=[] OUT=[dist]
	// log: found [REDACTED]
	// found: exit status 2
	// failed: true
}

func ExampleEnviron() {
	env, secrets := buildcmd.Environ([]string{
		"PATH=/usr/bin",
		"GITHUB_TOKEN=ghs_example0123456789abcdef",
		"ACTIONS_ID_TOKEN_REQUEST_URL=https://token.actions.example/",
		"MY_DEPLOY_SECRET=deploy-secret-value",
	}, nil)
	fmt.Println(env)
	fmt.Println(secrets)
	// Output:
	// [PATH=/usr/bin]
	// [ghs_example0123456789abcdef deploy-secret-value]
}
