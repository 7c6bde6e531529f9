package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/wardhq/ward/internal/server"
)

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// runAccount handles "ward account create ID": another account in a data
// folder, with its own root credentials, so cross-account access can be
// tried. The folder must not be in use by a running ward serve (it is
// locked while open): stop the server, add the account, start it again.
func runAccount(args []string, stdout, stderr io.Writer) int {
	usage := "Usage: ward account create [--data DIR] ACCOUNT_ID\n"
	if wantsHelp(args) {
		fmt.Fprint(stderr, usage)
		return exitOK
	}
	if len(args) < 2 || args[0] != "create" {
		fmt.Fprint(stderr, usage)
		return exitInvalid
	}
	data, id := defaultDataDir(), ""
	rest := args[1:]
	for len(rest) > 0 {
		switch {
		case rest[0] == "--data" && len(rest) > 1:
			data, rest = rest[1], rest[2:]
		case id == "" && accountID.MatchString(rest[0]):
			id, rest = rest[0], rest[1:]
		default:
			fmt.Fprintf(stderr, "ward account: unexpected %q\n%s", rest[0], usage)
			return exitInvalid
		}
	}
	if id == "" {
		fmt.Fprintf(stderr, "ward account: an account ID is 12 digits\n%s", usage)
		return exitInvalid
	}
	srv, err := server.Open(server.Config{DataDir: data})
	if err != nil {
		fmt.Fprintf(stderr, "ward account: %v\n", err)
		return exitInvalid
	}
	defer srv.Close()
	key, secret, created, err := srv.Service.Bootstrap(id, "", "")
	if err != nil {
		fmt.Fprintf(stderr, "ward account: %v\n", err)
		return exitInvalid
	}
	if !created {
		fmt.Fprintf(stderr, "ward account: account %s already exists\n", id)
		return exitInvalid
	}
	profile := "ward-" + id
	f, err := os.OpenFile(filepath.Join(data, "credentials"), os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		fmt.Fprintf(stderr, "ward account: %v\n", err)
		return exitInvalid
	}
	defer f.Close()
	fmt.Fprintf(f, "\n[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\nregion = us-east-1\n", profile, key, secret)
	fmt.Fprintf(stdout, "account %s created; its root credentials are in %s (profile %s)\n", id, filepath.Join(data, "credentials"), profile)
	return exitOK
}

// runOIDC handles "ward oidc keys PROVIDER_ARN JWKS_FILE": the public keys
// that sign an OpenID Connect provider's tokens. ward serve verifies web
// identity tokens offline, with these keys, and fetches nothing itself;
// the JWKS is what the issuer publishes at its jwks_uri.
func runOIDC(args []string, stdout, stderr io.Writer) int {
	usage := "Usage: ward oidc keys [--data DIR] PROVIDER_ARN JWKS_FILE\n"
	if wantsHelp(args) {
		fmt.Fprint(stderr, usage)
		return exitOK
	}
	if len(args) < 1 || args[0] != "keys" {
		fmt.Fprint(stderr, usage)
		return exitInvalid
	}
	data := defaultDataDir()
	var pos []string
	for rest := args[1:]; len(rest) > 0; {
		if rest[0] == "--data" && len(rest) > 1 {
			data, rest = rest[1], rest[2:]
			continue
		}
		pos, rest = append(pos, rest[0]), rest[1:]
	}
	if len(pos) != 2 {
		fmt.Fprint(stderr, usage)
		return exitInvalid
	}
	arn, file := pos[0], pos[1]
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || !accountID.MatchString(parts[4]) || !strings.HasPrefix(parts[5], "oidc-provider/") {
		fmt.Fprintf(stderr, "ward oidc: %q is not an OIDC provider ARN (arn:aws:iam::ACCOUNT:oidc-provider/HOST)\n", arn)
		return exitInvalid
	}
	jwks, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "ward oidc: %v\n", err)
		return exitInvalid
	}
	srv, err := server.Open(server.Config{DataDir: data})
	if err != nil {
		fmt.Fprintf(stderr, "ward oidc: %v\n", err)
		return exitInvalid
	}
	defer srv.Close()
	if err := srv.Service.SetOIDCKeys(parts[4], strings.TrimPrefix(parts[5], "oidc-provider/"), jwks); err != nil {
		fmt.Fprintf(stderr, "ward oidc: %s: %v\n", file, err)
		return exitInvalid
	}
	fmt.Fprintf(stdout, "keys of %s set from %s\n", arn, file)
	return exitOK
}
