package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/reason"
)

func runProve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ward prove", flag.ContinueOnError)
	fs.SetOutput(stderr)
	never := fs.String("never", "", "the policy never allows these actions (comma-separated, wildcards allowed)")
	on := fs.String("on", "", "with --never: only on these resources (comma-separated ARN patterns; default every resource)")
	within := fs.String("within", "", "the policy allows nothing this reference policy does not")
	equivalent := fs.String("equivalent", "", "the policy allows exactly what this other policy allows")
	format := fs.String("format", "text", "output format: text or json")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: ward prove QUESTION [flags] POLICY

Answers one question about every request an identity policy allows, PASS or
FAIL; each FAIL comes with a request that shows it, decided by the engine.

  --never ACTIONS [--on RESOURCES]   the policy never allows these
  --within REFERENCE                 it allows nothing REFERENCE does not
  --equivalent OTHER                 it allows exactly what OTHER does

Exit status: 0 for PASS, 1 for FAIL, 2 when an input cannot be read.

Flags:
`)
		fs.PrintDefaults()
	}
	args, code, ok := parseOrExit(fs, args)
	if !ok {
		return code
	}
	questions := 0
	for _, q := range []string{*never, *within, *equivalent} {
		if q != "" {
			questions++
		}
	}
	if len(args) != 1 || questions != 1 || (*on != "" && *never == "") {
		fmt.Fprintln(stderr, "ward prove: give one question (--never, --within or --equivalent) and one policy")
		return exitInvalid
	}
	if !oneOf(stderr, "ward prove", "format", *format, "text", "json") {
		return exitInvalid
	}
	cat := openCatalog(stderr)
	if cat == nil {
		return exitInvalid
	}
	subject, err := proveSide(args[0])
	if err != nil {
		fmt.Fprintf(stderr, "ward prove: %v\n", err)
		return exitInvalid
	}
	var ans proveAnswer
	switch {
	case *never != "":
		ans.Question = fmt.Sprintf("%s never allows %s", args[0], *never)
		if *on != "" {
			ans.Question += " on " + *on
		}
		found, notes, err := reason.NeverGrants(subject, splitList(*never), splitList(*on), cat, reason.Options{})
		if err != nil {
			fmt.Fprintf(stderr, "ward prove: %v\n", err)
			return exitInvalid
		}
		ans.Fail, ans.Notes = groupChanges(found), notes
	default:
		other, name := *within, "within"
		if *equivalent != "" {
			other, name = *equivalent, "equivalent"
		}
		ref, err := proveSide(other)
		if err != nil {
			fmt.Fprintf(stderr, "ward prove: %v\n", err)
			return exitInvalid
		}
		d, err := reason.Compare(ref, subject, cat, reason.Options{})
		if err != nil {
			fmt.Fprintf(stderr, "ward prove: %v\n", err)
			return exitInvalid
		}
		ans.Notes = d.Notes
		ans.Fail = groupChanges(d.Added)
		if name == "within" {
			ans.Question = fmt.Sprintf("%s allows nothing %s does not", args[0], other)
		} else {
			ans.Question = fmt.Sprintf("%s allows exactly what %s allows", args[0], other)
			ans.Missing = groupChanges(d.Removed)
		}
	}
	ans.Pass = len(ans.Fail) == 0 && len(ans.Missing) == 0
	if *format == "json" {
		err = writeProveJSON(stdout, ans)
	} else {
		writeProveText(stdout, ans, cat)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ward prove: %v\n", err)
		return exitInvalid
	}
	if !ans.Pass {
		return exitFindings
	}
	return exitOK
}

type proveAnswer struct {
	Question string
	Pass     bool
	// Fail are requests the policy allows against the question; Missing,
	// for --equivalent, those the other allows and it does not.
	Fail, Missing []reason.Change
	Notes         []reason.Note
}

func proveSide(path string) (reason.Side, error) {
	docs, err := readDiffInput(path)
	if err != nil {
		return reason.Side{}, err
	}
	s := reason.Side{Name: path}
	for _, d := range docs {
		s.Identity = append(s.Identity, d.policy)
	}
	return s, nil
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func writeProveText(w io.Writer, a proveAnswer, cat *catalog.Catalog) {
	verdict := "PASS"
	if !a.Pass {
		verdict = "FAIL"
	}
	fmt.Fprintf(w, "%s: %s\n", verdict, a.Question)
	for _, set := range []struct {
		label   string
		changes []reason.Change
	}{{"allowed", a.Fail}, {"not allowed, though the other allows", a.Missing}} {
		for _, ch := range set.changes {
			fmt.Fprintf(w, "  %s: %s\n", set.label, describeChange(ch, cat))
			proof := "for example"
			if !ch.Proven {
				proof = "possibly (see the notes), for example"
			}
			fmt.Fprintf(w, "    %s %s\n", proof, ch.Witness)
			if len(ch.Gains.Statements) > 0 {
				fmt.Fprintf(w, "    %s\n", decidedText("", ch.Gains))
			}
		}
	}
	for _, n := range a.Notes {
		fmt.Fprintf(w, "  note: %s: %s\n", n.Where, n.What)
	}
}

func writeProveJSON(w io.Writer, a proveAnswer) error {
	conv := changesJSON
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(map[string]any{"question": a.Question, "pass": a.Pass, "allowed": conv(a.Fail), "missing": conv(a.Missing), "notes": a.Notes, "exact": len(a.Notes) == 0})
}
