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
	"regexp"
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
	account := fs.String("account", "", "the account the resources of resource and trust policies belong to (default: the account their Resource ARNs name, else 111111111111)")
	var sessions, scps, rcps listFlag
	fs.Var(&sessions, "session-policy", "a session policy both sides' session has (repeatable; the caller is then a role session)")
	fs.Var(&scps, "scp", "a service control policy both sides are under, one file per organization level, root first (repeatable)")
	fs.Var(&rcps, "rcp", "a resource control policy both sides' resources are under, one file per level (repeatable)")
	endpoint := fs.String("endpoint-policy", "", "the policy of a VPC endpoint both sides' requests come through")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: ward diff [flags] OLD NEW
       ward diff --git REV [flags] PATH...

Compares two versions of policies and says, for every request, what NEW
allows that OLD does not, and what OLD allowed that NEW no longer does: one
line per class of actions decided alike, each with a request that shows it,
decided by the engine on both sides. OLD and NEW are policy files or
anything ward check reads (CloudFormation, Terraform plans, account
details). When both define users, groups and roles, each is compared with
the one of the same kind and name, all its policies and its boundary
together; other policies are matched by place (JSON path, logical ID,
policy name).

A resource or trust policy (a bucket, queue, topic, key or function
policy, a role's trust policy) is compared by what it lets each principal
do: the principals either side names, others of their accounts, an account
no one names, anonymous callers, services and identity providers, each on
the policy alone and, where the engine lets them count, with its own
policies allowing the request.

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
	if *account != "" && !policy.IsAccountID(*account) {
		fmt.Fprintf(stderr, "ward diff: --account %q is not an account ID (12 digits)\n", *account)
		return exitInvalid
	}
	cat := openCatalog(stderr)
	if cat == nil {
		return exitInvalid
	}
	type input struct {
		oldName, newName string
		old, new         diffInput
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
			old, err := readDiffInputData(oldName, data, cat)
			if err != nil {
				fmt.Fprintf(stderr, "ward diff: %v\n", err)
				return exitInvalid
			}
			nw, err := readDiffFile(path, cat)
			if err != nil {
				fmt.Fprintf(stderr, "ward diff: %v\n", err)
				return exitInvalid
			}
			ins = append(ins, input{oldName, path, old, nw})
		}
	} else {
		old, err := readDiffFile(args[0], cat)
		if err != nil {
			fmt.Fprintf(stderr, "ward diff: %v\n", err)
			return exitInvalid
		}
		nw, err := readDiffFile(args[1], cat)
		if err != nil {
			fmt.Fprintf(stderr, "ward diff: %v\n", err)
			return exitInvalid
		}
		ins = append(ins, input{args[0], args[1], old, nw})
	}
	var pairs []docPair
	template := false
	for _, in := range ins {
		template = template || in.old.template || in.new.template
		// Both inputs define principals: compare principal with principal.
		old, nw := in.old.byPlace, in.new.byPlace
		if in.old.byPrincipal != nil && in.new.byPrincipal != nil {
			old, nw = in.old.byPrincipal, in.new.byPrincipal
		}
		pairs = append(pairs, pairDocs(in.oldName, old, in.newName, nw)...)
	}
	types, err := readPolicyTypes(*boundary, *oldBoundary, *newBoundary, *endpoint, sessions, scps, rcps)
	if err != nil {
		fmt.Fprintf(stderr, "ward diff: %v\n", err)
		return exitInvalid
	}
	var results []diffResult
	for _, pair := range pairs {
		if (pair.old.Resource != nil && len(pair.new.Identity) > 0) || (pair.new.Resource != nil && len(pair.old.Identity) > 0) {
			fmt.Fprintf(stderr, "ward diff: %sone side is a resource or trust policy and the other an identity policy: each is compared with one of its kind\n", placePrefix(pair.where))
			return exitInvalid
		}
		if pair.old.Resource == nil && pair.new.Resource == nil {
			pair.old, pair.new = types.apply(pair.old, 0), types.apply(pair.new, 1)
		}
		owner := *account
		if owner == "" {
			owner = pair.owner
		}
		opts := reason.Options{Principal: callerOf(pair.caller), Owner: owner}
		if parts := strings.SplitN(pair.caller, ":", 6); len(parts) == 6 && strings.HasPrefix(parts[5], "role/") && strings.Count(parts[5], "/") > 1 {
			opts.RoleARN = pair.caller // a role with a path: its session's ARN drops it
		}
		d, err := reason.Compare(pair.old, pair.new, cat, opts)
		if err != nil {
			fmt.Fprintf(stderr, "ward diff: %s%v\n", placePrefix(pair.where), err)
			return exitInvalid
		}
		inexact := !d.Exact() || len(pair.undecided) > 0 // what the answer did not decide (the input's own notes apart)
		d.Notes = append(append(d.Notes, pair.undecided...), pair.notes...)
		d.Added, d.Removed = groupChanges(d.Added), groupChanges(d.Removed)
		results = append(results, diffResult{where: pair.where, old: pair.old.Name, new: pair.new.Name, diff: d, sides: [2]reason.Side{pair.old, pair.new}, unknownAdded: pair.unknownAdded, inexact: inexact})
	}
	// A template's stand-ins read as what it writes (${AWS::AccountId})
	// for people; JSON and SARIF keep them, so a witness replays.
	var people bytes.Buffer
	switch *format {
	case "json":
		err = writeDiffJSON(stdout, results)
	case "markdown":
		err = writeDiffMarkdown(&people, results, cat)
	case "sarif":
		err = writeDiffSARIF(stdout, results, cat)
	default:
		err = writeDiffText(&people, results, cat)
	}
	if err == nil && people.Len() > 0 {
		text := people.String()
		if template {
			text = inputs.StandIns.Replace(text)
		}
		_, err = io.WriteString(stdout, text)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ward diff: %v\n", err)
		return exitInvalid
	}
	for _, r := range results {
		// An answer that is not exact cannot show NEW allows nothing new.
		if len(r.diff.Added) > 0 || len(r.unknownAdded) > 0 || r.inexact {
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
	endpoint   *policy.Policy
}

func readPolicyTypes(both, old, new, endpoint string, sessions, scps, rcps []string) (*policyTypes, error) {
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
	if endpoint != "" {
		p, err := read(endpoint, policy.KindVPCEndpoint)
		if err != nil {
			return nil, err
		}
		t.endpoint = p
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
	if t.boundary[i] != nil {
		s.Boundary = t.boundary[i] // the flag's, over the input's
	}
	s.Session, s.SCPs, s.RCPs, s.Endpoint = t.session, t.scps, t.rcps, t.endpoint
	return s
}

type diffDoc struct {
	where  string // the place the policy is matched by
	policy *policy.Policy
	// boundary says the policy is its principal's permissions boundary,
	// resource that it is a resource or trust policy; note, set instead
	// of policy, says why a policy is not compared.
	boundary, resource bool
	note               string
	// name names the policy among its principal's (its place, or a
	// managed policy's name); caller is the principal's ARN when the
	// input gives it; unknown, with note, the ARN of a managed policy
	// the input names but does not hold.
	name, caller, unknown string
	// owner is the account of a trust policy's role, when the input
	// gives its ARN; governs, for a resource or trust policy, the ARNs of
	// the resources it is attached to, when the input tells them;
	// conditional says a template's Fn::If chose its text.
	owner       string
	governs     []string
	conditional bool
}

// diffInput is an input's identity policies matched by place, and, when
// the input defines users, groups and roles, by principal: each one's
// inline and attached policies together, with its boundary.
type diffInput struct {
	byPlace, byPrincipal []diffDoc
	// template says the input is a CloudFormation template, whose
	// ${AWS::AccountId} and the like are read as stand-ins.
	template bool
}

// readDiffInput reads the identity policies of an input, by place.
func readDiffInput(path string) ([]diffDoc, error) {
	in, err := readDiffFile(path, nil)
	return in.byPlace, err
}

func readDiffFile(path string, cat *catalog.Catalog) (diffInput, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return diffInput{}, err
	}
	return readDiffInputData(path, data, cat)
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

func readDiffInputData(path string, data []byte, cat *catalog.Catalog) (diffInput, error) {
	f := inputs.Read(path, data, 0)
	if len(f.Errors) > 0 {
		return diffInput{}, f.Errors[0]
	}
	in := diffInput{template: f.Format == inputs.FormatCloudFormation}
	fixed := make([]*policy.Policy, len(f.Docs))
	known := principalARNs(f)
	for i, d := range f.Docs {
		switch d.Kind {
		case policy.KindIdentity, policy.KindBoundary, policy.KindSession, policy.KindResource, policy.KindTrust:
		default:
			continue // organization and endpoint policies are given with flags
		}
		where := d.Where
		if where == "" {
			where = d.Path
		}
		p, err := policy.FixTemplateReferencesWith(d.Policy, known)
		if err != nil {
			return diffInput{}, fmt.Errorf("%s: %s: %w", path, where, err)
		}
		fixed[i] = p
		resource := d.Kind == policy.KindResource || d.Kind == policy.KindTrust
		doc := diffDoc{where: where, policy: p, resource: resource, conditional: d.Conditional}
		if resource && f.Format == inputs.FormatCloudFormation {
			doc.owner = inputs.StandInAccount // the template's own account
		}
		if d.Kind == policy.KindResource {
			doc.governs = governedARNs(p)
		}
		in.byPlace = append(in.byPlace, doc)
	}
	if len(in.byPlace) == 0 {
		return diffInput{}, fmt.Errorf("%s: no identity, resource or trust policy to compare", path)
	}
	if cat != nil && len(f.Principals) > 0 {
		in.byPrincipal = principalDocs(f, fixed, cat)
	}
	return in, nil
}

// principalARNs are the ARNs of a template's users, groups and roles, by
// the references that stand for them (${Role.Arn}); one with no name of
// its own (CloudFormation makes one up) is given ward-ref-LogicalId, in
// the template's stand-in account, as its principal question is too.
func principalARNs(f *inputs.File) map[string]string {
	if f.Format != inputs.FormatCloudFormation {
		return nil
	}
	known := map[string]string{}
	for i, pr := range f.Principals {
		logical := strings.TrimSuffix(strings.TrimPrefix(pr.Key, "${"), "}")
		if logical == "" || logical == pr.Key {
			continue
		}
		if pr.ARN == "" {
			f.Principals[i].ARN = "arn:aws:iam::" + inputs.StandInAccount + ":" + pr.Kind + "/ward-ref-" + logical
		}
		known[logical+".Arn"] = f.Principals[i].ARN
	}
	return known
}

// principalDocs are an input's policies by the principal they give
// permissions to (`role "app"`): its inline policies, its attached
// managed ones (from the input, or the catalog for AWS's) and its
// boundary, so that moving a statement from one of a role's policies to
// another is no change in what the role may do. A user's are also those
// of the groups it is in: joining a group is a change in what it may do.
// A role's trust policy is matched by the role. The policies no principal
// has are matched by place.
func principalDocs(f *inputs.File, fixed []*policy.Policy, cat *catalog.Catalog) []diffDoc {
	var out []diffDoc
	used := make([]bool, len(f.Docs))
	managedDoc := func(arn string, doc int) (*policy.Policy, string) { // a policy, or why there is none
		if doc >= 0 {
			used[doc] = true
			if fixed[doc] != nil {
				return fixed[doc], ""
			}
		}
		if strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") {
			if mp, err := cat.ManagedPolicy(arn); err == nil && mp != nil {
				if p, err := policy.Parse(mp.Document, arn); err == nil {
					return p, ""
				}
			}
			return nil, fmt.Sprintf("AWS managed policy %s is not in ward's catalog: its permissions are not compared", arn)
		}
		return nil, fmt.Sprintf("managed policy %s is not in the input: its permissions are not compared", arn)
	}
	for _, pr := range f.Principals {
		where := fmt.Sprintf("%s %q", pr.Kind, pr.Name)
		out = append(out, diffDoc{where: where, caller: pr.ARN})
		if pr.Trust >= 0 && fixed[pr.Trust] != nil {
			// A role's trust policy is the role's own resource policy,
			// matched by the role whatever the input calls it.
			used[pr.Trust] = true
			d := diffDoc{where: where + " trust policy", policy: fixed[pr.Trust], resource: true, owner: accountOfARN(pr.ARN), conditional: f.Docs[pr.Trust].Conditional}
			if d.owner == "" && f.Format == inputs.FormatCloudFormation {
				d.owner = inputs.StandInAccount // the template's own account
			}
			if d.owner != "" && pr.Kind == "role" {
				d.governs = []string{pr.ARN}
			}
			out = append(out, d)
		}
		// Its own policies, then, for a user, those of each group it is in:
		// what a user may do is the union, so joining a group is a change.
		own := func(of inputs.Principal, prefix string) {
			for _, d := range of.Inline {
				used[d] = true
				if fixed[d] != nil {
					name := f.Docs[d].Where
					if name == "" {
						name = f.Docs[d].Path
					}
					out = append(out, diffDoc{where: where, policy: fixed[d], name: prefix + name, conditional: f.Docs[d].Conditional})
				}
			}
			for _, m := range of.Managed {
				p, note := managedDoc(m.ARN, m.Doc)
				d := diffDoc{where: where, policy: p, note: note, name: prefix + "managed policy " + m.Name, conditional: m.Doc >= 0 && f.Docs[m.Doc].Conditional}
				if p == nil {
					d.unknown = m.ARN
				}
				out = append(out, d)
			}
		}
		own(pr, "")
		for _, g := range pr.Groups {
			if gp := f.Principal("group", g); gp != nil {
				own(*gp, fmt.Sprintf("group %q: ", gp.Name))
				continue
			}
			// A group no input defines: whatever it allows is not known.
			out = append(out, diffDoc{where: where, note: fmt.Sprintf("group %s is not in the input: its policies are not compared", g), unknown: "group " + g})
		}
		if pr.Boundary != "" {
			doc := -1
			for i, d := range f.Docs {
				if d.ARN == pr.Boundary {
					doc = i
				}
			}
			// A boundary no input holds is compared as none: it could only
			// take access away, so the answer errs toward access, not
			// against it, and says so in a note.
			p, note := managedDoc(pr.Boundary, doc)
			if p == nil {
				note = fmt.Sprintf("permissions boundary %s is not in the input: compared as no boundary", pr.Boundary)
			}
			out = append(out, diffDoc{where: where, policy: p, boundary: true, note: note})
		}
	}
	for i, d := range f.Docs {
		if fixed[i] == nil || used[i] {
			continue
		}
		where := d.Where
		if where == "" {
			where = d.Path
		}
		rd := diffDoc{where: where, policy: fixed[i], resource: d.Kind == policy.KindResource || d.Kind == policy.KindTrust, conditional: d.Conditional}
		if rd.resource && f.Format == inputs.FormatCloudFormation {
			rd.owner = inputs.StandInAccount
		}
		if d.Kind == policy.KindResource {
			rd.governs = governedARNs(fixed[i])
		}
		out = append(out, rd)
	}
	return out
}

type docPair struct {
	where    string
	old, new reason.Side
	// notes are the policies of a principal that could not be compared;
	// caller is the principal's ARN, when an input gives it;
	// unknownAdded the policies NEW attaches that OLD does not and that no
	// input holds: what they allow is not known, so it counts as access
	// added (the answer cannot show it is not).
	notes        []reason.Note
	caller       string
	unknownAdded []string
	// owner is the account of a resource policy's resources, when an
	// input says; principal says the pair is a principal the input
	// defines (its ARN in caller when the input gives it).
	owner     string
	principal bool
	// undecided are what the input leaves undecided (a template's
	// Fn::If): said, and the comparison is not exact.
	undecided []reason.Note
}

// pairDocs matches the two inputs' policies by place; a policy on one side
// only is compared with nothing. Two single policies are compared
// whatever their places.
func pairDocs(oldName string, old []diffDoc, newName string, nw []diffDoc) []docPair {
	if len(old) == 1 && len(nw) == 1 && old[0].policy != nil && nw[0].policy != nil && !old[0].boundary && !nw[0].boundary {
		one := func(name string, d diffDoc) reason.Side {
			if d.resource {
				return reason.Side{Name: name, Resource: d.policy}
			}
			return reason.Side{Name: name, Identity: []*policy.Policy{d.policy}}
		}
		owner := nw[0].owner
		if owner == "" {
			owner = old[0].owner
		}
		return []docPair{{where: "", old: one(oldName, old[0]), new: one(newName, nw[0]), owner: owner}}
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
	add := func(name string, d diffDoc, side *reason.Side) {
		p := get(d.where)
		if d.conditional {
			p.undecided = append(p.undecided, reason.Note{Where: name + ": " + d.where, What: "the template chooses the policy's text with Fn::If: its first branch is compared, and a deployment may use another"})
		}
		switch {
		case d.policy == nil && d.note == "":
			p.principal = true
			if p.caller == "" {
				p.caller = d.caller
			}
		case d.note != "":
			p.notes = append(p.notes, reason.Note{Where: name + ": " + d.where, What: d.note})
		case d.boundary:
			side.Boundary = d.policy
		case d.resource:
			side.Resource = d.policy
			if d.owner != "" {
				p.owner = d.owner
			}
		default:
			side.Identity = append(side.Identity, d.policy)
			side.Names = append(side.Names, d.name)
		}
	}
	oldUnknown := map[string]bool{}
	for _, d := range old {
		add(oldName, d, &get(d.where).old)
		if d.unknown != "" {
			oldUnknown[d.where+"\x00"+d.unknown] = true
		}
	}
	for _, d := range nw {
		add(newName, d, &get(d.where).new)
		if d.unknown != "" && !oldUnknown[d.where+"\x00"+d.unknown] {
			p := get(d.where)
			p.unknownAdded = append(p.unknownAdded, d.unknown)
		}
	}
	// Each side's resource and trust policies that say what they are
	// attached to are in every question of a principal the side defines: what a
	// bucket policy grants a role of the account, or a trust policy no
	// longer lets a user assume, is a change in what the principal may do.
	for i, docs := range [][]diffDoc{old, nw} {
		var governed []reason.Governed
		for _, d := range docs {
			if d.policy != nil && len(d.governs) > 0 {
				governed = append(governed, reason.Governed{Name: []string{oldName, newName}[i] + ": " + d.where, ARNs: d.governs, Account: d.owner, Policy: d.policy})
			}
		}
		for _, w := range order {
			p := byPlace[w]
			side := [2]*reason.Side{&p.old, &p.new}[i]
			if len(side.Identity) > 0 && p.principal {
				side.Governed = governed // a principal the input defines, which they may name
			}
		}
	}
	var out []docPair
	for _, w := range order {
		out = append(out, *byPlace[w])
	}
	return out
}

// governedARNs are the resources a resource policy is attached to, as its
// statements' Resource elements name them (a bucket and its objects, a
// queue): a policy variable read as any value, an S3 object pattern
// standing for its bucket and every object in it. Statements with "*" or
// NotResource name none, and apply within the others'; a policy all of
// whose statements do (a key policy's "*" is the key, whatever its ARN)
// governs no resource the input tells.
func governedARNs(p *policy.Policy) []string {
	var out []string
	seen := map[string]bool{}
	add := func(r string) {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	for _, st := range p.Statements {
		res, not := st.Resources()
		if res == nil || not {
			continue
		}
		for _, r := range res.Items {
			if r == "*" {
				continue
			}
			r = policyVariable.ReplaceAllString(r, "*")
			if bucket, _, _ := strings.Cut(strings.TrimPrefix(r, "arn:aws:s3:::"), "/"); strings.HasPrefix(r, "arn:aws:s3:::") && bucket != "" && !strings.ContainsAny(bucket, "*?") {
				add("arn:aws:s3:::" + bucket)
				add("arn:aws:s3:::" + bucket + "/*")
				continue
			}
			add(r)
		}
	}
	return out
}

// policyVariable is a ${...} in a policy's text.
var policyVariable = regexp.MustCompile(`\$\{[^}]*\}`)

// placePrefix begins a message about a pair of policies with their place.
func placePrefix(where string) string {
	if where == "" {
		return ""
	}
	return where + ": "
}

// accountOfARN is an IAM ARN's account, "" when it has none.
func accountOfARN(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && policy.IsAccountID(parts[4]) {
		return parts[4]
	}
	return ""
}

// callerOf is who a principal's requests come from: a role's session, a
// user itself, a user of a group's account; "" (the default) when the
// input gives no ARN.
func callerOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !policy.IsAccountID(parts[4]) {
		return ""
	}
	name := parts[5][strings.LastIndex(parts[5], "/")+1:]
	switch {
	case strings.HasPrefix(parts[5], "role/"):
		return "arn:" + parts[1] + ":sts::" + parts[4] + ":assumed-role/" + name + "/ward"
	case strings.HasPrefix(parts[5], "user/"):
		return arn
	case strings.HasPrefix(parts[5], "group/"):
		return "arn:" + parts[1] + ":iam::" + parts[4] + ":user/ward"
	}
	return ""
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
		key := fmt.Sprint(c.Gains.Result, c.Gains.Statements, c.Loses.Result, c.Loses.Statements, c.Proven, c.Unlisted, c.OwnPolicies)
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
	// unknownAdded are policies attached on the new side only that no
	// input holds (docPair.unknownAdded); inexact says the comparison did
	// not decide every request (its notes say where), so it cannot pass.
	unknownAdded []string
	inexact      bool
	// sides are what was compared, to place the statements an answer
	// names.
	sides [2]reason.Side
}

// describeChange names a change's actions as a person reads them: up to
// six, then how many more, with their access levels.
func describeChange(ch reason.Change, cat *catalog.Catalog) string {
	switch {
	case ch.Unknown:
		return ch.Actions[0] + " (an action the catalog does not list: the policies' wildcards match it)" + scopeText(ch)
	case ch.Others:
		return "every action the policies do not name, such as " + ch.Actions[0] + scopeText(ch)
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
	s += scopeText(ch)
	if ch.Unlisted {
		s += ", and actions of those names AWS adds later"
	}
	return s
}

// scopeText says where and when the granting statement allows a change:
// " on PATTERNS when CONDITIONS", as the statement writes them.
func scopeText(ch reason.Change) string {
	var b strings.Builder
	if len(ch.On) > 0 {
		b.WriteString(" on " + listText(ch.On, ", "))
	}
	for i, c := range ch.When {
		if i == 0 {
			b.WriteString(" when ")
		} else {
			b.WriteString(" and ")
		}
		b.WriteString(conditionText(c))
	}
	return b.String()
}

// listText joins up to three items, then says how many more.
func listText(items []string, sep string) string {
	if len(items) > 3 {
		return strings.Join(items[:3], sep) + fmt.Sprintf(" and %d more", len(items)-3)
	}
	return strings.Join(items, sep)
}

// conditionText writes a condition element as a person reads it:
// "aws:SourceVpce is vpce-1a2b", "s3:prefix matches home/*".
func conditionText(c *policy.Condition) string {
	op, ok := policy.ParseOperator(c.Operator)
	if !ok {
		return c.Key + " " + c.Operator + " " + listText(c.Values.Items, ", ")
	}
	key := c.Key
	switch op.Set {
	case "ForAnyValue":
		key = "one of " + key
	case "ForAllValues":
		key = "each of " + key
	}
	verb, negated := "is", false
	base := op.Base
	switch {
	case base == "Null":
		if len(c.Values.Items) == 1 && strings.EqualFold(c.Values.Items[0], "true") {
			return key + " is absent"
		}
		return key + " is present"
	case strings.Contains(base, "NotLike"):
		verb, negated = "matches", true
	case strings.Contains(base, "Like"):
		verb = "matches"
	case base == "NotIpAddress":
		verb, negated = "is in", true
	case base == "IpAddress":
		verb = "is in"
	case strings.HasSuffix(base, "GreaterThanEquals"):
		verb = ">="
	case strings.HasSuffix(base, "GreaterThan"):
		verb = ">"
	case strings.HasSuffix(base, "LessThanEquals"):
		verb = "<="
	case strings.HasSuffix(base, "LessThan"):
		verb = "<"
	case strings.Contains(base, "NotEquals"):
		negated = true
	}
	text := key + " " + verb + " " + listText(c.Values.Items, " or ")
	if negated {
		text = key + " " + verb + " none of " + listText(c.Values.Items, ", ")
	}
	if op.IfExists {
		text += " (if present)"
	}
	return text
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
		if len(refs) == 0 {
			// Allowed by none of the side's statements: by the caller's own
			// policies, which a resource policy's question takes to allow.
			return side + ": " + verb + " the caller's own policies"
		}
		return verb + " " + strings.Join(refs, ", ")
	}
	return side + ": no statement allows it"
}

func writeDiffText(w io.Writer, results []diffResult, cat *catalog.Catalog) error {
	unchanged := 0
	for _, r := range results {
		same := len(r.diff.Added) == 0 && len(r.diff.Removed) == 0 && len(r.unknownAdded) == 0
		if same && len(results) > 1 && len(r.diff.Notes) == 0 {
			unchanged++ // said in the count at the end
			continue
		}
		head := r.old + " → " + r.new
		if r.where != "" {
			head = r.where + ": " + head
		}
		fmt.Fprintln(w, head)
		if r.diff.Owner != "" {
			fmt.Fprintf(w, "  %s\n", ownerText(r.diff))
		}
		switch {
		case same && r.inexact:
			fmt.Fprintln(w, "  no change found, but not every request was decided (see the notes): counted as access added")
		case same:
			fmt.Fprintln(w, "  no change in what is allowed")
		}
		for _, arn := range r.unknownAdded {
			fmt.Fprintf(w, "+ whatever %s allows: attached on this side only, and no input holds it\n", arn)
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
				if r.diff.Owner != "" {
					fmt.Fprintf(w, "    %s\n", fromText(ch))
				}
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

// ownerText says whose resources a resource policy's comparison is about.
func ownerText(d *reason.Diff) string {
	if d.OwnerAssumed {
		return "the resources are of account " + d.Owner + " (made up: --account names it)"
	}
	return "the resources are of account " + d.Owner
}

// fromText says whom a resource policy's change is for.
func fromText(ch reason.Change) string {
	if ch.OwnPolicies {
		return "from " + ch.Witness.Principal + ", its own policies allowing it"
	}
	return "from " + ch.Witness.Principal
}

func writeDiffMarkdown(w io.Writer, results []diffResult, cat *catalog.Catalog) error {
	for _, r := range results {
		title := fmt.Sprintf("`%s` → `%s`", r.old, r.new)
		if r.where != "" {
			title = mdEscape(r.where) + ": " + title
		}
		fmt.Fprintf(w, "### %s\n\n", title)
		if r.diff.Owner != "" {
			fmt.Fprintf(w, "%s.\n\n", mdEscape(strings.ToUpper(ownerText(r.diff)[:1])+ownerText(r.diff)[1:]))
		}
		if len(r.diff.Added) == 0 && len(r.diff.Removed) == 0 && len(r.unknownAdded) == 0 {
			if r.inexact {
				fmt.Fprintln(w, "No change found, but not every request was decided (see the notes): counted as access added.")
			} else {
				fmt.Fprintln(w, "No change in what is allowed.")
			}
			fmt.Fprintln(w)
			for _, n := range r.diff.Notes {
				fmt.Fprintf(w, "- note: %s: %s\n", mdEscape(n.Where), mdEscape(n.What))
			}
			continue
		}
		fmt.Fprintln(w, "| | actions | for example |")
		fmt.Fprintln(w, "|---|---|---|")
		for _, arn := range r.unknownAdded {
			fmt.Fprintf(w, "| ➕ allowed now | whatever `%s` allows (attached here only; no input holds it) | |\n", arn)
		}
		for _, set := range []struct {
			sign    string
			changes []reason.Change
		}{{"➕ allowed now", r.diff.Added}, {"➖ no longer allowed", r.diff.Removed}} {
			for _, ch := range set.changes {
				ex := ch.Witness.String()
				if r.diff.Owner != "" {
					ex += " " + fromText(ch)
				}
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
	// On and When are the granting statement's Resource patterns that
	// hold the witness's resource and its conditions, as written.
	On     []string    `json:"on,omitempty"`
	When   []string    `json:"when,omitempty"`
	Gains  decidedJSON `json:"gains"`
	Loses  decidedJSON `json:"loses"`
	Proven bool        `json:"proven"`
	// OwnPolicies: a resource policy's change, for a principal whose own
	// policies were taken to allow it.
	OwnPolicies bool `json:"ownPolicies,omitempty"`
}

type decidedJSON struct {
	Result     string   `json:"result"`
	Statements []string `json:"statements,omitempty"`
}

// changesJSON writes changes as --format json gives them.
func changesJSON(cs []reason.Change) []changeJSON {
	out := []changeJSON{}
	for _, c := range cs {
		var when []string
		for _, w := range c.When {
			when = append(when, conditionText(w))
		}
		out = append(out, changeJSON{Actions: c.Actions, Unknown: c.Unknown, Others: c.Others, Unlisted: c.Unlisted,
			Witness: c.Witness, On: c.On, When: when, Gains: toDecidedJSON(c.Gains), Loses: toDecidedJSON(c.Loses), Proven: c.Proven, OwnPolicies: c.OwnPolicies})
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
		// UnknownAdded are policies NEW attaches that no input holds,
		// counted as access added.
		UnknownAdded []string `json:"unknownAdded,omitempty"`
		// Owner is the account of a resource policy's resources;
		// OwnerAssumed says none was named.
		Owner        string `json:"owner,omitempty"`
		OwnerAssumed bool   `json:"ownerAssumed,omitempty"`
	}
	conv := changesJSON
	var out []resultJSON
	for _, r := range results {
		out = append(out, resultJSON{Where: r.where, Old: r.old, New: r.new, Added: conv(r.diff.Added), Removed: conv(r.diff.Removed),
			Exact: r.diff.Exact(), Notes: r.diff.Notes, UnknownAdded: r.unknownAdded, Owner: r.diff.Owner, OwnerAssumed: r.diff.OwnerAssumed})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(map[string]any{"diffs": out})
}
