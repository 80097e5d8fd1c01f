package release

import (
	"strings"
)

// ciCredentialVars are the CI's credentials, by name: none of them reaches
// the project's build (a compromised build dependency could otherwise mint
// an OIDC token and have any file certified as the release identity, or
// publish with the tokens).
var ciCredentialVars = []string{
	"ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL",
	"ACTIONS_RUNTIME_TOKEN", "ACTIONS_RUNTIME_URL", "ACTIONS_RESULTS_URL", "ACTIONS_CACHE_URL",
	"GITHUB_TOKEN", "GH_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN",
	"PYPI_TOKEN", "PYPI_API_TOKEN", "TWINE_USERNAME", "TWINE_PASSWORD",
	"SIGSTORE_ID_TOKEN", "DOCKER_PASSWORD", "REGISTRY_PASSWORD", "CR_PAT",
}

// credentialWords mark a variable as a credential whatever its prefix.
var credentialWords = []string{"TOKEN", "SECRET", "PASSWORD", "PASSWD", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL"}

// isCredentialVar reports whether an environment variable is (or may
// carry) a credential.
func isCredentialVar(name string) bool {
	u := strings.ToUpper(name)
	for _, v := range ciCredentialVars {
		if u == v {
			return true
		}
	}
	for _, w := range credentialWords {
		if strings.Contains(u, w) {
			return true
		}
	}
	return false
}

// buildEnviron returns environ without the CI's credentials, and the
// values it removed (with every credential getenv knows of) for redacting
// the build's output.
func buildEnviron(environ []string, getenv func(string) string) (env []string, secrets []string) {
	for _, kv := range environ {
		name, val, _ := strings.Cut(kv, "=")
		if isCredentialVar(name) {
			if val != "" && !strings.HasSuffix(strings.ToUpper(name), "_URL") {
				secrets = append(secrets, val)
			}
			continue
		}
		env = append(env, kv)
	}
	if getenv != nil {
		for _, name := range ciCredentialVars {
			if v := getenv(name); v != "" && !strings.HasSuffix(name, "_URL") {
				secrets = append(secrets, v)
			}
		}
	}
	return env, secrets
}
