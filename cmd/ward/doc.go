package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wardhq/ward/internal/analyze"
	"github.com/wardhq/ward/internal/document"
	"github.com/wardhq/ward/internal/inputs"
)

func runDoc(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ward doc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	check := fs.String("check", "", "compare with this committed document instead of printing: exit 1 when it no longer matches the policies")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: ward doc [--check DOC] INPUT

Writes the permission document of INPUT's policies (anything ward check
reads) as Markdown: an overview, a section per service with each action's
description, access level, resources and conditions, the findings of ward
check, and the complete policy. The output is deterministic: commit it, and
run ward doc --check DOC INPUT in CI.

Exit status: 0 when written (or, with --check, when DOC matches), 1 when
DOC no longer matches, 2 when an input cannot be read.

Flags:
`)
		fs.PrintDefaults()
	}
	args, code, ok := parseOrExit(fs, args)
	if !ok {
		return code
	}
	if len(args) != 1 {
		fs.Usage()
		return exitInvalid
	}
	cat := openCatalog(stderr)
	if cat == nil {
		return exitInvalid
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		fmt.Fprintf(stderr, "ward doc: %v\n", err)
		return exitInvalid
	}
	f := inputs.Read(args[0], data, 0)
	if len(f.Errors) > 0 {
		fmt.Fprintf(stderr, "ward doc: %v\n", f.Errors[0])
		return exitInvalid
	}
	doc, err := document.Markdown(f, analyze.CheckFile(f, cat, nil), cat)
	if err != nil {
		fmt.Fprintf(stderr, "ward doc: %v\n", err)
		return exitInvalid
	}
	if *check == "" {
		stdout.Write(doc)
		return exitOK
	}
	old, err := os.ReadFile(*check)
	if err != nil {
		fmt.Fprintf(stderr, "ward doc: --check: %v\n", err)
		return exitInvalid
	}
	if bytes.Equal(old, doc) {
		fmt.Fprintf(stdout, "%s matches %s\n", *check, args[0])
		return exitOK
	}
	line := 1
	for i := 0; i < len(old) && i < len(doc) && old[i] == doc[i]; i++ {
		if old[i] == '\n' {
			line++
		}
	}
	fmt.Fprintf(stdout, "%s no longer matches %s: it differs from line %d; run ward doc %s > %s\n", *check, args[0], line, args[0], *check)
	return exitFindings
}
