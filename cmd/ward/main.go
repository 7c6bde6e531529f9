// Command ward is AWS IAM, exact, fast and self-hosted: it decides
// authorization requests the way AWS does (`ward sim`).
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
  ward version                print the version
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
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "ward %s\n", version)
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "ward: unknown command %q\n\n%s", args[0], usage)
	return exitInvalid
}
