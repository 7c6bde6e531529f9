package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/inputs"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/reason"
)

// orgIDPattern is an AWS Organizations ID (Organizations API reference,
// Organization.Id).
var orgIDPattern = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)

// provePublic asks --not-public of every resource, trust, key and endpoint
// policy in the input: PASS when none grants anything to an outsider.
func provePublic(path string, opts reason.PublicOptions, format string, cat *catalog.Catalog, stdout, stderr io.Writer) int {
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "ward prove: %v\n", err)
		return exitInvalid
	}
	f := inputs.Read(path, data, 0)
	if len(f.Errors) > 0 {
		fmt.Fprintf(stderr, "ward prove: %v\n", f.Errors[0])
		return exitInvalid
	}
	var answers []proveAnswer
	known := principalARNs(f)
	for _, d := range f.Docs {
		switch d.Kind {
		case policy.KindResource, policy.KindTrust, policy.KindVPCEndpoint:
		default:
			continue
		}
		name := path
		if d.Where != "" {
			name = path + ": " + d.Where
		}
		p, err := policy.FixTemplateReferencesWith(d.Policy, known)
		if err != nil {
			fmt.Fprintf(stderr, "ward prove: %s: %v\n", name, err)
			return exitInvalid
		}
		a, err := reason.Public(name, p, cat, opts)
		if err != nil {
			fmt.Fprintf(stderr, "ward prove: %s: %v\n", name, err)
			return exitInvalid
		}
		var others []string
		for _, acct := range a.Accounts {
			if acct != a.Owner {
				others = append(others, acct)
			}
		}
		trusted := "the owner " + a.Owner
		if a.OwnerAssumed {
			trusted += " (made up: --account names it)"
		}
		if len(others) > 0 {
			trusted = strings.Join(others, ", ") + " and " + trusted
		}
		if len(a.Orgs) > 0 {
			trusted += "; organizations " + strings.Join(a.Orgs, ", ")
		}
		answers = append(answers, proveAnswer{Question: fmt.Sprintf("%s grants nothing outside the trusted accounts: %s", name, trusted),
			Pass: len(a.Exposed) == 0 && len(a.Notes) == 0, Outside: true, Fail: groupChanges(a.Exposed), Notes: a.Notes,
			Subject: reason.Side{Name: name, Identity: []*policy.Policy{p}}})
	}
	if len(answers) == 0 {
		fmt.Fprintf(stderr, "ward prove: %s: no resource, trust, key or endpoint policy (a statement with a Principal) to ask about\n", path)
		return exitInvalid
	}
	return writeProveAnswers(answers, format, cat, stdout, stderr)
}

// writeProveAnswers writes the answers in the format asked (SARIF: one
// log for all) and gives the exit status: FAIL when one fails.
func writeProveAnswers(answers []proveAnswer, format string, cat *catalog.Catalog, stdout, stderr io.Writer) int {
	pass := true
	var err error
	for _, a := range answers {
		pass = pass && a.Pass
		switch format {
		case "json":
			err = writeProveJSON(stdout, a)
		case "sarif":
		default:
			writeProveText(stdout, a, cat)
		}
		if err != nil {
			fmt.Fprintf(stderr, "ward prove: %v\n", err)
			return exitInvalid
		}
	}
	if format == "sarif" {
		if err := writeProveSARIF(stdout, answers, cat); err != nil {
			fmt.Fprintf(stderr, "ward prove: %v\n", err)
			return exitInvalid
		}
	}
	if !pass {
		return exitFindings
	}
	return exitOK
}

func runProve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ward prove", flag.ContinueOnError)
	fs.SetOutput(stderr)
	never := fs.String("never", "", "the policy never allows these actions (comma-separated, wildcards allowed)")
	on := fs.String("on", "", "with --never: only on these resources (comma-separated ARN patterns; default every resource)")
	within := fs.String("within", "", "the policy allows nothing this reference policy does not")
	equivalent := fs.String("equivalent", "", "the policy allows exactly what this other policy allows")
	notPublic := fs.Bool("not-public", false, "the resource, trust, key or endpoint policy grants nothing to principals outside the trusted accounts and organizations")
	account := fs.String("account", "", "with --not-public: the account that owns the resource (default: the one its ARNs name)")
	trustedAccounts := fs.String("trusted-accounts", "", "with --not-public: the accounts that may be granted access, comma-separated (default: those the policy names)")
	trustedOrgs := fs.String("trusted-orgs", "", "with --not-public: the AWS Organizations (o-...) that may be granted access (default: those the policy names)")
	trustServices := fs.Bool("trust-services", false, "with --not-public: a service principal the policy names is trusted whatever account it acts for (S3's rule); by default a service acting for an outside account is outside")
	format := fs.String("format", "text", "output format: text, json, or sarif (SARIF 2.1.0 for code scanning: each FAIL at the statement that grants it)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: ward prove QUESTION [flags] POLICY

Answers one question about every request a policy allows, PASS or FAIL;
each FAIL comes with a request that shows it, decided by the engine.

  --never ACTIONS [--on RESOURCES]   the policy never allows these
  --within REFERENCE                 it allows nothing REFERENCE does not
  --equivalent OTHER                 it allows exactly what OTHER does
  --not-public                       a resource, trust, key or endpoint
                                     policy grants nothing to principals
                                     outside the trusted accounts

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
	if *notPublic {
		questions++
	}
	publicOnly := *account != "" || *trustedAccounts != "" || *trustedOrgs != "" || *trustServices
	if len(args) != 1 || questions != 1 || (*on != "" && *never == "") || (publicOnly && !*notPublic) {
		fmt.Fprintln(stderr, "ward prove: give one question (--never, --within, --equivalent or --not-public) and one policy")
		return exitInvalid
	}
	for _, list := range [][]string{splitList(*trustedAccounts), {*account}} {
		for _, a := range list {
			if a != "" && !policy.IsAccountID(a) {
				fmt.Fprintf(stderr, "ward prove: %q is not an account ID (12 digits)\n", a)
				return exitInvalid
			}
		}
	}
	for _, o := range splitList(*trustedOrgs) {
		if !orgIDPattern.MatchString(o) {
			fmt.Fprintf(stderr, "ward prove: %q is not an organization ID (o- and 10 to 32 letters or digits)\n", o)
			return exitInvalid
		}
	}
	if !oneOf(stderr, "ward prove", "format", *format, "text", "json", "sarif") {
		return exitInvalid
	}
	cat := openCatalog(stderr)
	if cat == nil {
		return exitInvalid
	}
	if *notPublic {
		return provePublic(args[0], reason.PublicOptions{Account: *account, TrustedAccounts: splitList(*trustedAccounts),
			TrustedOrgs: splitList(*trustedOrgs), TrustServices: *trustServices}, *format, cat, stdout, stderr)
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
	// An answer that is not exact shows no PASS: what it did not decide
	// could hide access, so it fails, and its notes say why.
	ans.Pass = len(ans.Fail) == 0 && len(ans.Missing) == 0 && len(ans.Notes) == 0
	ans.Subject, ans.Outside = subject, subject.Resource != nil
	return writeProveAnswers([]proveAnswer{ans}, *format, cat, stdout, stderr)
}

type proveAnswer struct {
	Question string
	Pass     bool
	// Outside says the requests come from principals the question names
	// (a public-access question), so each witness says whom from.
	Outside bool
	// Fail are requests the policy allows against the question; Missing,
	// for --equivalent, those the other allows and it does not.
	Fail, Missing []reason.Change
	Notes         []reason.Note
	// Subject is the policy asked about, to place the statements an
	// answer names.
	Subject reason.Side
}

func proveSide(path string) (reason.Side, error) {
	docs, err := readDiffInput(path)
	if err != nil {
		return reason.Side{}, err
	}
	s := reason.Side{Name: path}
	for _, d := range docs {
		if d.resource {
			if len(docs) > 1 {
				return reason.Side{}, fmt.Errorf("%s: %s is a resource or trust policy, and the input holds others: give it alone", path, d.where)
			}
			s.Resource = d.policy
			continue
		}
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
			if a.Outside {
				fmt.Fprintf(w, "    %s\n", fromText(ch))
			}
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
