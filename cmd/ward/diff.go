package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/inputs"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/reason"
)

func runDiff(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ward diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text, json, markdown (for a pull-request comment), or sarif (SARIF 2.1.0 for code scanning: each access added at the statement that grants it)")
	gitRev := fs.String("git", "", "compare each PATH with the same file at this git revision (the pull-request check): ward diff --git origin/main PATH...")
	boundary := fs.String("boundary", "", "a permissions boundary both sides have: what a change grants within it")
	oldBoundary := fs.String("old-boundary", "", "the permissions boundary of OLD only")
	newBoundary := fs.String("new-boundary", "", "the permissions boundary of NEW only")
	var sessions, scps, rcps listFlag
	fs.Var(&sessions, "session-policy", "a session policy both sides' session has (repeatable; the caller is then a role session)")
	fs.Var(&scps, "scp", "a service control policy both sides are under, one file per organization level, root first (repeatable)")
	fs.Var(&rcps, "rcp", "a resource control policy both sides' resources are under, one file per level (repeatable)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: ward diff [flags] OLD NEW
       ward diff --git REV [flags] PATH...

Compares two versions of identity policies and says, for every request, what
NEW allows that OLD does not, and what OLD allowed that NEW no longer does:
one line per class of actions decided alike, each with a request that shows
it, decided by the engine on both sides. OLD and NEW are policy files or
anything ward check reads (CloudFormation, Terraform plans, account
details); their policies are matched by place (JSON path, logical ID,
entity and policy name).

Exit status: 0 when NEW allows nothing OLD did not, 1 when it does, 2 when
an input cannot be read.

Flags:
`)
		fs.PrintDefaults()
	}
	args, code, ok := parseOrExit(fs, args)
	if !ok {
		return code
	}
	if *gitRev == "" && len(args) != 2 || *gitRev != "" && len(args) == 0 {
		fs.Usage()
		return exitInvalid
	}
	if !oneOf(stderr, "ward diff", "format", *format, "text", "json", "markdown", "sarif") {
		return exitInvalid
	}
	cat := openCatalog(stderr)
	if cat == nil {
		return exitInvalid
	}
	type input struct {
		oldName, newName string
		old, new         []diffDoc
	}
	var ins []input
	if *gitRev != "" {
		for _, path := range args {
			data, err := gitShow(*gitRev, path)
			if err != nil {
				fmt.Fprintf(stderr, "ward diff: %v\n", err)
				return exitInvalid
			}
			oldName := *gitRev + ":" + path
			old, err := readDiffData(oldName, data)
			if err != nil {
				fmt.Fprintf(stderr, "ward diff: %v\n", err)
				return exitInvalid
			}
			nw, err := readDiffInput(path)
			if err != nil {
				fmt.Fprintf(stderr, "ward diff: %v\n", err)
				return exitInvalid
			}
			ins = append(ins, input{oldName, path, old, nw})
		}
	} else {
		old, err := readDiffInput(args[0])
		if err != nil {
			fmt.Fprintf(stderr, "ward diff: %v\n", err)
			return exitInvalid
		}
		nw, err := readDiffInput(args[1])
		if err != nil {
			fmt.Fprintf(stderr, "ward diff: %v\n", err)
			return exitInvalid
		}
		ins = append(ins, input{args[0], args[1], old, nw})
	}
	var pairs []docPair
	for _, in := range ins {
		pairs = append(pairs, pairDocs(in.oldName, in.old, in.newName, in.new)...)
	}
	types, err := readPolicyTypes(*boundary, *oldBoundary, *newBoundary, sessions, scps, rcps)
	if err != nil {
		fmt.Fprintf(stderr, "ward diff: %v\n", err)
		return exitInvalid
	}
	var results []diffResult
	for _, pair := range pairs {
		pair.old, pair.new = types.apply(pair.old, 0), types.apply(pair.new, 1)
		d, err := reason.Compare(pair.old, pair.new, cat, reason.Options{})
		if err != nil {
			fmt.Fprintf(stderr, "ward diff: %s: %v\n", pair.where, err)
			return exitInvalid
		}
		d.Added, d.Removed = groupChanges(d.Added), groupChanges(d.Removed)
		results = append(results, diffResult{where: pair.where, old: pair.old.Name, new: pair.new.Name, diff: d, sides: [2]reason.Side{pair.old, pair.new}})
	}
	switch *format {
	case "json":
		err = writeDiffJSON(stdout, results)
	case "markdown":
		err = writeDiffMarkdown(stdout, results, cat)
	case "sarif":
		err = writeDiffSARIF(stdout, results, cat)
	default:
		err = writeDiffText(stdout, results, cat)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ward diff: %v\n", err)
		return exitInvalid
	}
	for _, r := range results {
		if len(r.diff.Added) > 0 {
			return exitFindings
		}
	}
	return exitOK
}

// policyTypes are the policies other than the identity ones that decide
// both sides: a boundary for each side, session policies, SCP and RCP
// levels.
type policyTypes struct {
	boundary   [2]*policy.Policy
	session    []*policy.Policy
	scps, rcps [][]*policy.Policy
}

func readPolicyTypes(both, old, new string, sessions, scps, rcps []string) (*policyTypes, error) {
	if both != "" && (old != "" || new != "") {
		return nil, fmt.Errorf("--boundary is both sides' boundary: give it, or --old-boundary and --new-boundary")
	}
	read := func(file string, kind policy.Kind) (*policy.Policy, error) {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		return policy.ParseKind(data, file, kind)
	}
	t := &policyTypes{}
	for i, file := range []string{old, new} {
		if both != "" {
			file = both
		}
		if file == "" {
			continue
		}
		p, err := read(file, policy.KindBoundary)
		if err != nil {
			return nil, err
		}
		t.boundary[i] = p
	}
	for _, file := range sessions {
		p, err := read(file, policy.KindSession)
		if err != nil {
			return nil, err
		}
		t.session = append(t.session, p)
	}
	for _, l := range []struct {
		files []string
		kind  policy.Kind
		out   *[][]*policy.Policy
	}{{scps, policy.KindSCP, &t.scps}, {rcps, policy.KindRCP, &t.rcps}} {
		for _, file := range l.files {
			p, err := read(file, l.kind)
			if err != nil {
				return nil, err
			}
			*l.out = append(*l.out, []*policy.Policy{p})
		}
	}
	return t, nil
}

// apply gives a side (0 old, 1 new) its other policy types.
func (t *policyTypes) apply(s reason.Side, i int) reason.Side {
	s.Boundary, s.Session, s.SCPs, s.RCPs = t.boundary[i], t.session, t.scps, t.rcps
	return s
}

type diffDoc struct {
	where  string // the place the policy is matched by
	policy *policy.Policy
}

// readDiffInput reads the identity policies of an input, by place.
func readDiffInput(path string) ([]diffDoc, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return readDiffData(path, data)
}

// gitShow is a file's text at a git revision, read from the repository the
// file is in. A file the revision does not have is an empty side: every
// policy in it is new.
func gitShow(rev, path string) ([]byte, error) {
	// A revision is a name or a hash, never an option: "--output=FILE"
	// would have git write where it says.
	if rev == "" || strings.HasPrefix(rev, "-") || strings.ContainsAny(rev, "\x00\n") {
		return nil, fmt.Errorf("--git %q is not a git revision", rev)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(abs)
	cmd := exec.Command("git", "-C", dir, "show", rev+":./"+filepath.Base(abs))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "exists on disk, but not in") || strings.Contains(msg, "does not exist in") {
			return []byte(`{"Version": "2012-10-17", "Statement": []}`), nil
		}
		return nil, fmt.Errorf("%s at %s: git show: %s", path, rev, msg)
	}
	return out, nil
}

func readDiffData(path string, data []byte) ([]diffDoc, error) {
	f := inputs.Read(path, data, 0)
	if len(f.Errors) > 0 {
		return nil, f.Errors[0]
	}
	var out []diffDoc
	for _, d := range f.Docs {
		switch d.Kind {
		case policy.KindIdentity, policy.KindBoundary, policy.KindSession:
		default:
			continue // resource and trust policies: not compared yet
		}
		where := d.Where
		if where == "" {
			where = d.Path
		}
		p, err := policy.FixTemplateReferences(d.Policy)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, where, err)
		}
		out = append(out, diffDoc{where: where, policy: p})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no identity policy to compare", path)
	}
	return out, nil
}

type docPair struct {
	where    string
	old, new reason.Side
}

// pairDocs matches the two inputs' policies by place; a policy on one side
// only is compared with nothing. Two single policies are compared
// whatever their places.
func pairDocs(oldName string, old []diffDoc, newName string, nw []diffDoc) []docPair {
	if len(old) == 1 && len(nw) == 1 {
		return []docPair{{where: "", old: reason.Side{Name: oldName, Identity: []*policy.Policy{old[0].policy}},
			new: reason.Side{Name: newName, Identity: []*policy.Policy{nw[0].policy}}}}
	}
	byPlace := map[string]*docPair{}
	var order []string
	get := func(where string) *docPair {
		if p, ok := byPlace[where]; ok {
			return p
		}
		p := &docPair{where: where, old: reason.Side{Name: oldName}, new: reason.Side{Name: newName}}
		byPlace[where] = p
		order = append(order, where)
		return p
	}
	for _, d := range old {
		p := get(d.where)
		p.old.Identity = append(p.old.Identity, d.policy)
	}
	for _, d := range nw {
		p := get(d.where)
		p.new.Identity = append(p.new.Identity, d.policy)
	}
	var out []docPair
	for _, w := range order {
		out = append(out, *byPlace[w])
	}
	return out
}

// groupChanges merges the changes the same statements decide on each
// side (one widened resource shows as one line, not one per action),
// keeping the first witness: what a person reviewing the change reads.
func groupChanges(cs []reason.Change) []reason.Change {
	var out []reason.Change
	index := map[string]int{}
	for _, c := range cs {
		if c.Unknown || c.Others {
			out = append(out, c)
			continue
		}
		key := fmt.Sprint(c.Gains.Result, c.Gains.Statements, c.Loses.Result, c.Loses.Statements, c.Proven, c.Unlisted)
		if i, ok := index[key]; ok {
			out[i].Actions = append(out[i].Actions, c.Actions...)
			sort.Strings(out[i].Actions)
			continue
		}
		index[key] = len(out)
		c.Actions = append([]string(nil), c.Actions...)
		out = append(out, c)
	}
	return out
}

type diffResult struct {
	where, old, new string
	diff            *reason.Diff
	// sides are what was compared, to place the statements an answer
	// names.
	sides [2]reason.Side
}

// describeChange names a change's actions as a person reads them: up to
// six, then how many more, with their access levels.
func describeChange(ch reason.Change, cat *catalog.Catalog) string {
	switch {
	case ch.Unknown:
		return ch.Actions[0] + " (an action the catalog does not list: the policies' wildcards match it)"
	case ch.Others:
		return "every action the policies do not name, such as " + ch.Actions[0]
	}
	names := ch.Actions
	s := strings.Join(names, ", ")
	if len(names) > 6 {
		s = fmt.Sprintf("%s and %d more", strings.Join(names[:5], ", "), len(names)-5)
	}
	levels := map[string]int{}
	for _, a := range names {
		if act, err := cat.Action(a); err == nil && act != nil {
			levels[act.AccessLevel]++
		}
	}
	if len(levels) > 0 {
		var parts []string
		for l, n := range levels {
			parts = append(parts, fmt.Sprintf("%s %d", l, n))
		}
		sort.Strings(parts)
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	if ch.Unlisted {
		s += ", and actions of those names AWS adds later"
	}
	return s
}

func decidedText(side string, d reason.Decided) string {
	switch d.Result {
	case engine.Allowed, engine.ExplicitDeny:
		var refs []string
		for _, r := range d.Statements {
			refs = append(refs, r.String())
		}
		verb := "allowed by"
		if d.Result == engine.ExplicitDeny {
			verb = "denied by"
		}
		return verb + " " + strings.Join(refs, ", ")
	}
	return side + ": no statement allows it"
}

func writeDiffText(w io.Writer, results []diffResult, cat *catalog.Catalog) error {
	unchanged := 0
	for _, r := range results {
		same := len(r.diff.Added) == 0 && len(r.diff.Removed) == 0
		if same && len(results) > 1 && len(r.diff.Notes) == 0 {
			unchanged++ // said in the count at the end
			continue
		}
		head := r.old + " → " + r.new
		if r.where != "" {
			head = r.where + ": " + head
		}
		fmt.Fprintln(w, head)
		if same {
			fmt.Fprintln(w, "  no change in what is allowed")
		}
		for _, set := range []struct {
			sign    string
			changes []reason.Change
		}{{"+", r.diff.Added}, {"-", r.diff.Removed}} {
			for _, ch := range set.changes {
				fmt.Fprintf(w, "%s %s\n", set.sign, describeChange(ch, cat))
				proof := "for example"
				if !ch.Proven {
					proof = "possibly (not shown by the engine, see the notes), for example"
				}
				fmt.Fprintf(w, "    %s %s\n", proof, ch.Witness)
				gainSide, loseSide := r.new, r.old
				if set.sign == "-" {
					gainSide, loseSide = r.old, r.new
				}
				fmt.Fprintf(w, "    %s; %s\n", decidedText(gainSide, ch.Gains), decidedText(loseSide, ch.Loses))
			}
		}
		for _, n := range r.diff.Notes {
			fmt.Fprintf(w, "  note: %s: %s\n", n.Where, n.What)
		}
	}
	if len(results) > 1 {
		fmt.Fprintf(w, "%d policies compared, %d with no change in what is allowed\n", len(results), unchanged)
	}
	return nil
}

func writeDiffMarkdown(w io.Writer, results []diffResult, cat *catalog.Catalog) error {
	for _, r := range results {
		title := fmt.Sprintf("`%s` → `%s`", r.old, r.new)
		if r.where != "" {
			title = mdEscape(r.where) + ": " + title
		}
		fmt.Fprintf(w, "### %s\n\n", title)
		if len(r.diff.Added) == 0 && len(r.diff.Removed) == 0 {
			fmt.Fprintln(w, "No change in what is allowed.")
			fmt.Fprintln(w)
			continue
		}
		fmt.Fprintln(w, "| | actions | for example |")
		fmt.Fprintln(w, "|---|---|---|")
		for _, set := range []struct {
			sign    string
			changes []reason.Change
		}{{"➕ allowed now", r.diff.Added}, {"➖ no longer allowed", r.diff.Removed}} {
			for _, ch := range set.changes {
				ex := ch.Witness.String()
				if !ch.Proven {
					ex += " (possibly)"
				}
				fmt.Fprintf(w, "| %s | %s | `%s` |\n", set.sign, mdEscape(describeChange(ch, cat)), strings.ReplaceAll(ex, "`", "'"))
			}
		}
		fmt.Fprintln(w)
		for _, n := range r.diff.Notes {
			fmt.Fprintf(w, "- note: %s: %s\n", mdEscape(n.Where), mdEscape(n.What))
		}
	}
	return nil
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`, "<", "&lt;").Replace(s)
}

type changeJSON struct {
	Actions  []string       `json:"actions"`
	Unknown  bool           `json:"unknown,omitempty"`
	Others   bool           `json:"others,omitempty"`
	Unlisted bool           `json:"unlisted,omitempty"`
	Witness  reason.Witness `json:"witness"`
	Gains    decidedJSON    `json:"gains"`
	Loses    decidedJSON    `json:"loses"`
	Proven   bool           `json:"proven"`
}

type decidedJSON struct {
	Result     string   `json:"result"`
	Statements []string `json:"statements,omitempty"`
}

// changesJSON writes changes as --format json gives them.
func changesJSON(cs []reason.Change) []changeJSON {
	out := []changeJSON{}
	for _, c := range cs {
		out = append(out, changeJSON{Actions: c.Actions, Unknown: c.Unknown, Others: c.Others, Unlisted: c.Unlisted,
			Witness: c.Witness, Gains: toDecidedJSON(c.Gains), Loses: toDecidedJSON(c.Loses), Proven: c.Proven})
	}
	return out
}

func toDecidedJSON(d reason.Decided) decidedJSON {
	out := decidedJSON{Result: d.Result.String()}
	for _, r := range d.Statements {
		out.Statements = append(out.Statements, r.String())
	}
	return out
}

func writeDiffJSON(w io.Writer, results []diffResult) error {
	type resultJSON struct {
		Where   string        `json:"where,omitempty"`
		Old     string        `json:"old"`
		New     string        `json:"new"`
		Added   []changeJSON  `json:"added"`
		Removed []changeJSON  `json:"removed"`
		Exact   bool          `json:"exact"`
		Notes   []reason.Note `json:"notes,omitempty"`
	}
	conv := changesJSON
	var out []resultJSON
	for _, r := range results {
		out = append(out, resultJSON{Where: r.where, Old: r.old, New: r.new, Added: conv(r.diff.Added), Removed: conv(r.diff.Removed),
			Exact: r.diff.Exact(), Notes: r.diff.Notes})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(map[string]any{"diffs": out})
}
