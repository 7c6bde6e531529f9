package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wardhq/ward/internal/decisionlog"
	"github.com/wardhq/ward/internal/glob"
	"github.com/wardhq/ward/internal/server"
)

// runLog reads and filters the decision log of a data folder.
func runLog(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ward log", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", defaultDataDir(), "data folder of ward serve")
	caller := fs.String("caller", "", "only decisions for this principal ARN (wildcards * and ?)")
	action := fs.String("action", "", "only this action (wildcards, case-insensitive), e.g. 'iam:Create*'")
	decision := fs.String("decision", "", "only Allowed, ExplicitDeny or ImplicitDeny; 'denied' for both denials")
	since := fs.Duration("since", 0, "only decisions newer than this, e.g. 1h")
	format := fs.String("format", "text", "output format: text or json (the log's own lines)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: ward log [--data DIR] [--caller ARN] [--action PATTERN] [--decision D] [--since DURATION] [--format text|json]\n\nPrints the decisions ward serve made, oldest first, across rotated files.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	args, code, ok := parseOrExit(fs, args)
	if !ok {
		return code
	}
	if len(args) > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q (it takes flags only)\n", "ward log", args[0])
		return exitInvalid
	}
	if *decision != "" && !oneOf(stderr, "ward log", "decision", *decision, "Allowed", "ExplicitDeny", "ImplicitDeny", "denied") ||
		!oneOf(stderr, "ward log", "format", *format, "text", "json") {
		return exitInvalid
	}
	files := decisionlog.Files(filepath.Join(*data, "decisions.log"))
	if len(files) == 0 {
		fmt.Fprintf(stderr, "ward log: no decision log in %s\n", *data)
		return exitInvalid
	}
	cutoff := time.Time{}
	if *since > 0 {
		cutoff = time.Now().Add(-*since)
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(stderr, "ward log: %v\n", err)
			return exitInvalid
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for line := 1; sc.Scan(); line++ {
			var r decisionlog.Record
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				fmt.Fprintf(stderr, "ward log: %s:%d: %v\n", name, line, err)
				continue
			}
			switch {
			case *caller != "" && !glob.Match(*caller, r.Caller):
				continue
			case *action != "" && !glob.Match(strings.ToLower(*action), strings.ToLower(r.Action)):
				continue
			case *decision == "denied" && r.Decision == "Allowed":
				continue
			case *decision != "" && *decision != "denied" && r.Decision != *decision:
				continue
			case !cutoff.IsZero() && r.Time.Before(cutoff):
				continue
			}
			if *format == "json" {
				fmt.Fprintf(stdout, "%s\n", sc.Bytes())
				continue
			}
			fmt.Fprintf(stdout, "%s  %-12s  %s  %s  %s\n", r.Time.Format(time.RFC3339), r.Decision, r.Caller, r.Action, r.Resource)
		}
		f.Close()
	}
	return exitOK
}

// defaultDataDir is the data folder the commands use when --data is not
// given: ward serve's default (server.DefaultDataDir), or ward-data in
// the working directory when no home folder is known.
func defaultDataDir() string {
	if dir, err := server.DefaultDataDir(); err == nil {
		return dir
	}
	return "ward-data"
}
