package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/wardhq/ward/internal/analyze"
	"github.com/wardhq/ward/internal/inputs"
)

// runSummarize prints what policies grant, by service and access level.
func runSummarize(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ward summarize", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text, markdown or json")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: ward summarize [--format text|markdown|json] POLICY...

Says what each policy grants and denies, per service and access level, with
its resources and conditions, as the IAM console summarizes a policy. A
POLICY is a policy file, "-" for standard input, or any input ward check
reads (account details, CloudFormation, Terraform plans).

Flags:
`)
		fs.PrintDefaults()
	}
	args, code, ok := parseOrExit(fs, args)
	if !ok {
		return code
	}
	if len(args) == 0 || (*format != "text" && *format != "markdown" && *format != "json") {
		fs.Usage()
		return exitInvalid
	}
	cat := openCatalog(stderr)
	if cat == nil {
		return exitInvalid
	}
	status := exitOK
	enc := json.NewEncoder(stdout)
	for _, name := range args {
		data, err := readInput(name, stdin)
		if err != nil {
			fmt.Fprintf(stderr, "ward summarize: %v\n", err)
			status = exitInvalid
			continue
		}
		f := inputs.Read(name, data, 0)
		for _, e := range f.Errors {
			fmt.Fprintf(stderr, "%v\n", e)
			status = exitInvalid
		}
		for _, d := range f.Docs {
			sum, err := analyze.Summarize(d.Policy, cat)
			if err != nil {
				fmt.Fprintf(stderr, "ward summarize: %s: %v\n", name, err)
				status = exitInvalid
				continue
			}
			if f.Format == inputs.FormatCloudFormation {
				sum.Rewrite(inputs.StandIns)
			}
			title := name
			if d.Where != "" {
				title += ": " + d.Where
			}
			switch *format {
			case "json":
				enc.Encode(struct {
					Policy string `json:"policy"`
					Kind   string `json:"kind"`
					*analyze.Summary
				}{title, d.Kind.String(), sum})
			case "markdown":
				writeSummaryMarkdown(stdout, title, sum)
			default:
				writeSummaryText(stdout, title, sum)
			}
		}
	}
	return status
}

func writeSummaryText(w io.Writer, title string, s *analyze.Summary) {
	fmt.Fprintf(w, "%s\n", title)
	if len(s.Rows) == 0 {
		fmt.Fprintln(w, "  grants nothing")
		return
	}
	nameW, accW := len("SERVICE"), len("ACCESS")
	for _, r := range s.Rows {
		nameW = max(nameW, len(r.Name)+len(r.Effect)+1)
		accW = max(accW, len(r.AccessText()))
	}
	fmt.Fprintf(w, "  %-*s  %-*s  %s\n", nameW, "SERVICE", accW, "ACCESS", "RESOURCES / CONDITIONS")
	for _, r := range s.Rows {
		label := r.Name
		if r.Effect == "Deny" {
			label = "Deny " + r.Name
		}
		res := strings.Join(r.Resources, ", ")
		fmt.Fprintf(w, "  %-*s  %-*s  %s\n", nameW, label, accW, r.AccessText(), res)
		if len(r.Principals) > 0 {
			fmt.Fprintf(w, "  %-*s  %-*s  for %s\n", nameW, "", accW, "", strings.Join(r.Principals, ", "))
		}
		for _, c := range r.Conditions {
			fmt.Fprintf(w, "  %-*s  %-*s  when %s\n", nameW, "", accW, "", c)
		}
	}
	fmt.Fprintln(w)
}

func writeSummaryMarkdown(w io.Writer, title string, s *analyze.Summary) {
	withWho := false
	for _, r := range s.Rows {
		withWho = withWho || len(r.Principals) > 0
	}
	esc := func(x string) string { return strings.ReplaceAll(x, "|", "\\|") }
	if withWho {
		fmt.Fprintf(w, "### %s\n\n| Effect | Principals | Service | Access | Resources | Conditions |\n|---|---|---|---|---|---|\n", title)
	} else {
		fmt.Fprintf(w, "### %s\n\n| Effect | Service | Access | Resources | Conditions |\n|---|---|---|---|---|\n", title)
	}
	for _, r := range s.Rows {
		conds := "None"
		if len(r.Conditions) > 0 {
			conds = esc(strings.Join(r.Conditions, "; "))
		}
		// A | must be escaped in a table cell even inside a code span
		// (GitHub Flavored Markdown, tables).
		res := make([]string, len(r.Resources))
		for i, x := range r.Resources {
			res[i] = "`" + esc(x) + "`"
		}
		if withWho {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.Effect, esc(strings.Join(r.Principals, ", ")), esc(r.Name), esc(r.AccessText()), strings.Join(res, ", "), conds)
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", r.Effect, esc(r.Name), esc(r.AccessText()), strings.Join(res, ", "), conds)
	}
	fmt.Fprintln(w)
}
