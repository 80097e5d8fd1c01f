package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tagship/tagship/sign"
)

// inTotoPayloadType is the DSSE payload type of in-toto statements.
const inTotoPayloadType = "application/vnd.in-toto+json"

// maxStatement bounds an in-toto statement read by sign-bundle --in-toto.
const maxStatement = 16 << 20

// signBundle is the Sigstore conformance CLI protocol's sign command
// (github.com/sigstore/sigstore-conformance, docs/cli_protocol.md):
//
//	sign sign-bundle [--staging] [--in-toto] --identity-token TOKEN --bundle FILE [--trusted-root F] [--signing-config F] FILE
//
// It signs FILE (or, with --in-toto, the in-toto statement in FILE as a DSSE
// envelope) with the given token and writes the bundle to --bundle. Exit
// codes as run's.
func signBundle(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sign-bundle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	staging := fs.Bool("staging", false, "use the Sigstore staging instance (not supported: pass its --trusted-root and --signing-config)")
	inToto := fs.Bool("in-toto", false, "FILE is an in-toto statement: sign it as a DSSE envelope")
	token := fs.String("identity-token", "", "OIDC identity token to sign with (required)")
	bundlePath := fs.String("bundle", "", "path to write the bundle to (required)")
	trustedRoot := fs.String("trusted-root", "", "trusted_root.json to verify the bundle against (default: public-good via TUF)")
	signingConfig := fs.String("signing-config", "", "signing_config.json (v0.2) naming the services (default: public-good via TUF)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: sign sign-bundle [--in-toto] --identity-token TOKEN --bundle FILE [--trusted-root F] [--signing-config F] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 || *token == "" || *bundlePath == "" {
		fs.Usage()
		return 2
	}
	if *staging {
		fmt.Fprintln(stderr, "sign-bundle: --staging is not supported: pass the staging instance's --trusted-root and --signing-config")
		return 2
	}
	file := fs.Arg(0)

	opts := []sign.Option{
		sign.WithTokenSource(sign.StaticToken(*token)),
		sign.WithBundlePath(func(string) string { return *bundlePath }),
	}
	if *trustedRoot != "" {
		opts = append(opts, sign.WithTrustedRootFile(*trustedRoot))
	}
	if *signingConfig != "" {
		opts = append(opts, sign.WithSigningConfigFile(*signingConfig))
	}
	signer, err := sign.NewSigner(opts...)
	if err != nil {
		fmt.Fprintln(stderr, "sign-bundle:", err)
		return 2
	}

	if !*inToto {
		res, err := signer.SignFile(ctx, file)
		if err != nil {
			fmt.Fprintln(stderr, "sign-bundle:", err)
			return 1
		}
		fmt.Fprintf(stdout, "signed %s sha256:%s -> %s\n", file, res.SHA256Hex(), res.BundlePath)
		return 0
	}

	statement, err := readStatement(file)
	if err != nil {
		fmt.Fprintln(stderr, "sign-bundle:", err)
		return 1
	}
	b, err := signer.SignDSSE(ctx, inTotoPayloadType, statement)
	if err != nil {
		fmt.Fprintln(stderr, "sign-bundle:", err)
		return 1
	}
	data, err := b.MarshalJSON()
	if err == nil {
		err = writeFile(*bundlePath, data)
	}
	if err != nil {
		fmt.Fprintln(stderr, "sign-bundle: writing the bundle:", err)
		return 1
	}
	fmt.Fprintf(stdout, "signed in-toto statement %s -> %s\n", file, *bundlePath)
	return 0
}

// readStatement reads an in-toto statement and checks that it is one: a
// JSON object with a _type, at least one subject and a predicateType.
func readStatement(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxStatement+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxStatement {
		return nil, fmt.Errorf("%s: statement larger than %d bytes", path, maxStatement)
	}
	var st struct {
		Type          string            `json:"_type"`
		Subject       []json.RawMessage `json:"subject"`
		PredicateType string            `json:"predicateType"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%s: not an in-toto statement: %v", path, err)
	}
	if st.Type == "" || len(st.Subject) == 0 || st.PredicateType == "" {
		return nil, errors.New(path + ": not an in-toto statement: want _type, subject and predicateType")
	}
	return data, nil
}

// writeFile writes data atomically (temporary file in the same directory,
// then rename).
func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
