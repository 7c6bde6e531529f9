package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/wardhq/ward/internal/activity"
	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/generate"
	"github.com/wardhq/ward/internal/policy"
)

func runGenerate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ward generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	principal := fs.String("principal", "", "whose calls: a role ARN (every session of it), a user ARN, or a session ARN; needed when the input holds several principals")
	since := fs.String("since", "", "only calls at or after this time (RFC 3339, or a date YYYY-MM-DD)")
	until := fs.String("until", "", "only calls before this time (RFC 3339, or a date YYYY-MM-DD)")
	current := fs.String("current", "", "the principal's current policies (anything ward check reads): say what they grant that no call used, and prove the generated policy grants nothing they do not")
	format := fs.String("format", "text", "output format: text, json, or policy (the policy document alone); with --template also trust (the trust policy alone) and cloudformation (a template with the role)")
	template := fs.String("template", "", "write a role's identity and trust policies from this intent template (YAML or JSON) instead of from calls")
	keys := fs.Int("keys", generate.DefaultGeneralize.Keys, "this many names under one path prefix (object keys, log streams) become prefix/*; 0 keeps every name")
	names := fs.Int("names", generate.DefaultGeneralize.Names, "this many names sharing a stack prefix (ChatMessage-a1, ChatMessage-b2) become ChatMessage-*; 0 keeps every name")
	places := fs.Int("places", generate.DefaultGeneralize.Places, "a resource seen in this many regions or more (or accounts), alike otherwise, gets * there; 0 keeps every region and account")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: ward generate [flags] INPUT...
       ward generate --template TEMPLATE [--format text|json|policy|trust|cloudformation]

Writes the least identity policy that allows what a principal did. INPUT is
CloudTrail's log files ({"Records": [...]}, .json or .json.gz, one file or
the AWSLogs/... tree), the output of "aws cloudtrail lookup-events", or ward
serve's decision log (decisions.log in its data folder). Each call becomes
the actions and resources it needed, through the catalog; every one of them
is replayed through the engine against the policy before it is printed.
Calls that were denied are listed, never granted.

With --template, the role's identity and trust policies come from what
its authors intend instead (docs/generate.md): access levels or actions on
resources, conditions, Deny, the roles it passes, who may assume it. Each
action lands only on the resources its types can name; actions that take
no resource go to a statement on "*".

Exit status: 0 when the policy is written (and, with --current, grants
nothing the current policies do not), 1 when --current's proof fails or
ward check finds a warning or worse in a template's policies, 2 when an
input cannot be read or holds nothing to generate from.

Flags:
`)
		fs.PrintDefaults()
	}
	args, code, ok := parseOrExit(fs, args)
	if !ok {
		return code
	}
	if *template != "" {
		if len(args) > 0 {
			fmt.Fprintln(stderr, "ward generate: --template writes from the template alone: give no INPUT")
			return exitInvalid
		}
		if !oneOf(stderr, "ward generate", "format", *format, "text", "json", "policy", "trust", "cloudformation") {
			return exitInvalid
		}
		cat := openCatalog(stderr)
		if cat == nil {
			return exitInvalid
		}
		return generateFromTemplate(*template, *format, cat, stdout, stderr)
	}
	if len(args) == 0 {
		fs.Usage()
		return exitInvalid
	}
	if !oneOf(stderr, "ward generate", "format", *format, "text", "json", "policy") {
		return exitInvalid
	}
	if *keys < 0 || *names < 0 || *places < 0 {
		fmt.Fprintln(stderr, "ward generate: --keys, --names and --places are counts: 0 or more")
		return exitInvalid
	}
	opts := generate.Options{Principal: *principal, Generalize: generate.Generalize{Keys: *keys, Names: *names, Places: *places}}
	for _, t := range []struct {
		flag, value string
		into        *time.Time
	}{{"since", *since, &opts.Since}, {"until", *until, &opts.Until}} {
		if t.value == "" {
			continue
		}
		v, err := parseTime(t.value)
		if err != nil {
			fmt.Fprintf(stderr, "ward generate: --%s: %v\n", t.flag, err)
			return exitInvalid
		}
		*t.into = v
	}
	if *principal != "" && !strings.HasPrefix(*principal, "arn:") {
		fmt.Fprintf(stderr, "ward generate: --principal %q is not an ARN: give a role, user or session ARN\n", *principal)
		return exitInvalid
	}
	cat := openCatalog(stderr)
	if cat == nil {
		return exitInvalid
	}
	g := generate.New(cat, opts)
	for _, in := range args {
		err := activity.Reader{Keep: g.Wants}.Read(in, func(c *activity.Call) error { g.Add(c); return nil })
		if err != nil {
			fmt.Fprintf(stderr, "ward generate: %v\n", err)
			return exitInvalid
		}
	}
	res, err := g.Result()
	if err != nil {
		fmt.Fprintf(stderr, "ward generate: %v\n", err)
		return exitInvalid
	}
	var cur *generate.Current
	if *current != "" {
		docs, err := readDiffInput(*current)
		if err != nil {
			fmt.Fprintf(stderr, "ward generate: --current: %v\n", err)
			return exitInvalid
		}
		if len(docs) == 0 {
			fmt.Fprintf(stderr, "ward generate: --current: %s holds no identity policy\n", *current)
			return exitInvalid
		}
		var pols []*policy.Policy
		var where []string
		for _, d := range docs {
			pols = append(pols, d.policy)
			name := *current
			if d.where != "" {
				name += " " + d.where
			}
			where = append(where, name)
		}
		cur, err = res.CompareCurrent(pols, where, cat)
		if err != nil {
			fmt.Fprintf(stderr, "ward generate: --current: %v\n", err)
			return exitInvalid
		}
	}
	switch *format {
	case "policy":
		_, err = stdout.Write(res.Policy.JSON())
	case "json":
		err = writeGenerateJSON(stdout, res, cur, *current)
	default:
		writeGenerateText(stdout, res, cur, *current, cat)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ward generate: %v\n", err)
		return exitInvalid
	}
	if cur != nil && len(cur.Tightening.Added) > 0 {
		return exitFindings
	}
	return exitOK
}

// parseTime reads RFC 3339 or a date, which means its midnight in UTC.
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time (2026-11-30T12:00:00Z) or a date (2026-11-30)", s)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// eventsText lists events by calls, most first.
func eventsText(events map[string]int) string {
	type ev struct {
		name  string
		calls int
	}
	var evs []ev
	for n, c := range events {
		evs = append(evs, ev{n, c})
	}
	sort.Slice(evs, func(i, j int) bool {
		if evs[i].calls != evs[j].calls {
			return evs[i].calls > evs[j].calls
		}
		return evs[i].name < evs[j].name
	})
	var parts []string
	for _, e := range evs {
		parts = append(parts, fmt.Sprintf("%s %d", e.name, e.calls))
	}
	return strings.Join(parts, ", ")
}

func writeGenerateText(w io.Writer, r *generate.Result, cur *generate.Current, currentName string, cat *catalog.Catalog) {
	fmt.Fprintf(w, "%s of %s, %s to %s: %s, each replayed through the engine and allowed by this policy:\n\n",
		plural(r.Calls, "call", "calls"), r.Principal, stamp(r.First), stamp(r.Last), plural(r.Replayed, "permission", "permissions"))
	w.Write(r.Policy.JSON())
	fmt.Fprintln(w, "\nThe calls behind each statement:")
	for _, s := range r.Statements {
		fmt.Fprintf(w, "  %s: %s, %s to %s: %s\n", s.Sid, plural(s.Calls, "call", "calls"), stamp(s.First), stamp(s.Last), eventsText(s.Events))
		for _, h := range s.Generalized {
			fmt.Fprintf(w, "    generalized: %s\n", h)
		}
	}
	if len(r.Refused) > 0 {
		fmt.Fprintln(w, "\nTried and denied (not granted; grant by hand if the service needs them):")
		for _, p := range r.Refused {
			var codes []string
			for c := range p.ErrorCodes {
				codes = append(codes, c)
			}
			sort.Strings(codes)
			fmt.Fprintf(w, "  %s on %s: %s (%s), first at %s\n", p.Action, p.Resource, plural(p.Calls, "call", "calls"), strings.Join(codes, ", "), p.FirstSeenAt)
		}
	}
	if len(r.Unmapped) > 0 {
		fmt.Fprintln(w, "\nNot placed (grant by hand if the service needs them):")
		for _, u := range r.Unmapped {
			fmt.Fprintf(w, "  %s: %s: %s, first at %s\n", u.Event, u.Why, plural(u.Calls, "call", "calls"), u.Where)
		}
	}
	if len(r.Notes) > 0 {
		fmt.Fprintln(w, "\nNotes:")
		for _, n := range r.Notes {
			fmt.Fprintf(w, "  %s\n", n)
		}
	}
	if cur == nil {
		return
	}
	fmt.Fprintf(w, "\nCompared with %s:\n", currentName)
	if len(cur.Tightening.Added) == 0 {
		fmt.Fprintf(w, "  PASS: the generated policy allows nothing %s does not\n", currentName)
	} else {
		fmt.Fprintf(w, "  FAIL: the generated policy allows what %s does not (another policy must grant it today):\n", currentName)
		for _, ch := range groupChanges(cur.Tightening.Added) {
			fmt.Fprintf(w, "    %s, for example %s\n", describeChange(ch, cat), ch.Witness)
		}
	}
	for _, n := range cur.Tightening.Notes {
		fmt.Fprintf(w, "  note: %s: %s\n", n.Where, n.What)
	}
	for _, s := range cur.Statements {
		name := fmt.Sprintf("%s: Statement[%d]", s.Policy, s.Statement)
		if s.Sid != "" {
			name += " (" + s.Sid + ")"
		}
		if s.Calls == 0 {
			fmt.Fprintf(w, "  %s: no call used it\n", name)
			continue
		}
		fmt.Fprintf(w, "  %s: %s used %s\n", name, plural(s.Calls, "call", "calls"), strings.Join(s.UsedActions, ", "))
		if s.UnusedActionCount > 0 {
			more := ""
			if s.UnusedActionCount > len(s.UnusedActions) {
				more = fmt.Sprintf(", … %d more", s.UnusedActionCount-len(s.UnusedActions))
			}
			fmt.Fprintf(w, "    grants %s no call used: %s%s\n", plural(s.UnusedActionCount, "action", "actions"), strings.Join(s.UnusedActions, ", "), more)
		}
		if len(s.UnusedResources) > 0 {
			fmt.Fprintf(w, "    resources no call used: %s\n", strings.Join(s.UnusedResources, ", "))
		}
	}
	for _, p := range cur.NotGranted {
		fmt.Fprintf(w, "  used but not granted by %s: %s on %s (%s)\n", currentName, p.Action, p.Resource, plural(p.Calls, "call", "calls"))
	}
	if n := len(cur.Tightening.Removed); n > 0 {
		fmt.Fprintf(w, "  the generated policy no longer allows %s of access the current one does:\n", plural(n, "class", "classes"))
		for i, ch := range groupChanges(cur.Tightening.Removed) {
			if i == 10 {
				fmt.Fprintf(w, "    …\n")
				break
			}
			fmt.Fprintf(w, "    %s, for example %s\n", describeChange(ch, cat), ch.Witness)
		}
	}
}

func writeGenerateJSON(w io.Writer, r *generate.Result, cur *generate.Current, currentName string) error {
	out := map[string]any{"generated": r}
	if cur != nil {
		out["current"] = map[string]any{
			"input":      currentName,
			"pass":       len(cur.Tightening.Added) == 0,
			"added":      changesJSON(groupChanges(cur.Tightening.Added)),
			"removed":    changesJSON(groupChanges(cur.Tightening.Removed)),
			"notes":      cur.Tightening.Notes,
			"statements": cur.Statements,
			"notGranted": cur.NotGranted,
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
