// Command ward is AWS IAM, exact, fast and self-hosted: it decides
// authorization requests the way AWS does (`ward sim`) and knows AWS's
// actions and managed policies (`ward actions`, `ward describe`,
// `ward policy show`).
package main

import (
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit statuses shared by the commands.
const (
	exitOK       = 0
	exitFindings = 1 // an expectation failed
	exitInvalid  = 2 // unusable input or usage
)

const usage = `ward decides AWS IAM authorization requests exactly as AWS does.

Usage:
  ward sim [flags] FILE...    decide the scenarios in FILE ("-" for stdin)
  ward sim --policy FILE --principal ARN --action ACTION --resource ARN
                              decide one request without a scenario file
  ward check [flags] PATH...  check policies for errors, security risks and breadth
  ward summarize POLICY...    what a policy grants, by service and access level
  ward diff OLD NEW           what NEW allows that OLD does not, and the reverse, each shown by a request
  ward prove QUESTION POLICY  --never ACTIONS [--on RESOURCES], --within REF or --equivalent OTHER
  ward generate INPUT...      the least policy for what CloudTrail or the decision log shows a principal did
  ward doc [--check DOC] INPUT  the permission document of a policy, in Markdown
  ward serve [flags]          run an IAM and STS endpoint for the AWS CLI and SDKs
  ward account create ID      add an account to ward serve's data folder
  ward oidc keys ARN JWKS     set the keys that sign an OIDC provider's tokens
  ward log [flags]            read the decision log of ward serve
  ward actions PATTERN...     list the actions a pattern matches, with access levels
  ward describe ACTION        an action's access level, resource types, condition keys
  ward policy show ARN|NAME   print an AWS managed policy
  ward version                print the version and the catalog's date
  ward help                   print this help

Run "ward sim -h" for the flags of sim.
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitInvalid
	}
	switch args[0] {
	case "sim":
		return runSim(args[1:], stdin, stdout, stderr)
	case "check":
		return runCheck(args[1:], stdin, stdout, stderr)
	case "serve":
		return runServe(args[1:], stdout, stderr)
	case "account":
		return runAccount(args[1:], stdout, stderr)
	case "oidc":
		return runOIDC(args[1:], stdout, stderr)
	case "log":
		return runLog(args[1:], stdout, stderr)
	case "summarize":
		return runSummarize(args[1:], stdin, stdout, stderr)
	case "diff":
		return runDiff(args[1:], stdout, stderr)
	case "prove":
		return runProve(args[1:], stdout, stderr)
	case "generate":
		return runGenerate(args[1:], stdout, stderr)
	case "doc":
		return runDoc(args[1:], stdout, stderr)
	case "actions":
		return runActions(args[1:], stdout, stderr)
	case "describe":
		return runDescribe(args[1:], stdout, stderr)
	case "policy":
		return runPolicy(args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "ward %s\n", version)
		if c := openCatalog(stderr); c != nil {
			for _, s := range c.Sources() {
				fmt.Fprintf(stdout, "catalog: %s %s (data of %s)\n", s.Source, s.Version, s.Date)
			}
		}
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "ward: unknown command %q\n\n%s", args[0], usage)
	return exitInvalid
}
