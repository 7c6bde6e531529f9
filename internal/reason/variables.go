package reason

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/glob"
	"github.com/wardhq/ward/internal/policy"
)

// A policy variable couples a value to other parts of the request: the
// principal's tags, its name, the resource's account. A condition element
// or a resource pattern that names one is not cut into regions of its
// key; it is a dimension of its own with two points, "holds" and "does
// not hold", shared by every statement of either side that says the same
// thing (the same element or the same pattern holds on the same request).
//
// That is wider than the truth (some combinations of the two points with
// the other keys' points may be no request at all), so an answer found
// through it is shown by a request or said to be possible: a witness
// gives each such dimension the value chosen for it by choosing the
// variables' keys and the element's key (realize), and the engine decides
// it as ever. Where nothing was found, nothing can be: the search covered
// every way the element could go.

// variableAtom is a condition element or a resource pattern that names a
// policy variable.
type variableAtom struct {
	// cond is the condition element; pattern the resource pattern when
	// cond is nil.
	cond    *policy.Condition
	pattern string
	// vars are the keys its variables name, as written.
	vars []string
	// probe decides it alone on a request, whoever the caller: the
	// element, or a statement with the pattern as its Resource; notProbe,
	// for a pattern, one with it as its NotResource.
	probe, notProbe *engine.Set
}

// Atom indexes of a variable dimension. A condition element holds or
// does not. A resource pattern matches, or its variables resolve and it
// does not match, or one of them does not resolve, which makes a
// NotResource statement not apply at all ("any attempt to match it fails
// and causes the statement to be invalid"); variableResolves holds on
// the first two.
const (
	variableHolds    = 0
	variableDoesNot  = 1
	variableResolves = 2
)

// variableKey is the dimension of a condition element or resource
// pattern that names a policy variable, made once per question.
func (sp *space) variableKey(id string, va *variableAtom) (int, error) {
	if ki, ok := sp.varKeys[id]; ok {
		return ki, nil
	}
	st := map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"}
	if va.cond != nil {
		st["Condition"] = map[string]any{va.cond.Operator: map[string]any{va.cond.Key: va.cond.Values.Items}}
		for _, v := range va.cond.Values.Items {
			va.vars = append(va.vars, variablesOf(v)...)
		}
	} else {
		st["Resource"] = va.pattern
		va.vars = variablesOf(va.pattern)
	}
	var err error
	if va.probe, err = probeSet(st); err != nil {
		return 0, err
	}
	points := []keyPoint{{truth: []bool{true, false}}, {truth: []bool{false, true}}}
	if va.cond == nil {
		delete(st, "Resource")
		st["NotResource"] = va.pattern
		if va.notProbe, err = probeSet(st); err != nil {
			return 0, err
		}
		points = []keyPoint{{truth: []bool{true, false, true}}, {truth: []bool{false, true, true}}, {truth: []bool{false, false, false}}}
	}
	ki := len(sp.keys)
	sp.keys = append(sp.keys, &keyDim{name: id, exact: true, variable: va, points: points})
	if sp.varKeys == nil {
		sp.varKeys = map[string]int{}
	}
	sp.varKeys[id] = ki
	return ki, nil
}

// probeSet is a statement as an identity policy and as a resource
// policy for everyone: whichever of them a request needs (both across
// accounts, the resource policy alone for an anonymous caller), they
// agree.
func probeSet(st map[string]any) (*engine.Set, error) {
	parse := func(st map[string]any) (*policy.Policy, error) {
		doc, _ := json.Marshal(map[string]any{"Version": policy.Version2012, "Statement": []any{st}})
		return policy.Parse(doc, "probe")
	}
	identity, err := parse(st)
	if err != nil {
		return nil, err
	}
	withPrincipal := map[string]any{"Principal": "*"}
	for k, v := range st {
		withPrincipal[k] = v
	}
	resource, err := parse(withPrincipal)
	if err != nil {
		return nil, err
	}
	return engine.NewSet(engine.Policies{Identity: []*engine.Compiled{engine.Compile(identity, "probe")}, Resource: engine.Compile(resource, "probe")})
}

// hasVariable reports whether a text names a policy variable: ${*}, ${?}
// and ${$} are the characters themselves.
func hasVariable(s string) bool { return len(variablesOf(s)) > 0 }

// variablesOf are the keys a text's policy variables name, as written.
func variablesOf(s string) []string {
	var out []string
	for _, m := range variableRE.FindAllString(s, -1) {
		body := m[2 : len(m)-1]
		if body == "*" || body == "?" || body == "$" {
			continue
		}
		key, _, _ := strings.Cut(body, ",")
		if key = strings.TrimSpace(key); key != "" {
			out = append(out, key)
		}
	}
	return out
}

// substitute fills a text's policy variables with their values in a
// request, or their defaults; false when one has neither.
func substitute(s string, prep *engine.Prepared) (string, bool) {
	ok := true
	out := variableRE.ReplaceAllStringFunc(s, func(m string) string {
		body := m[2 : len(m)-1]
		switch body {
		case "*", "?", "$":
			return body
		}
		key, def, hasDef := strings.Cut(body, ",")
		if v, found := prep.Value(strings.TrimSpace(key)); found && len(v) == 1 {
			return v[0]
		}
		if def = strings.TrimSpace(def); hasDef && len(def) >= 2 && def[0] == '\'' && def[len(def)-1] == '\'' {
			return def[1 : len(def)-1]
		}
		ok = false
		return ""
	})
	return out, ok
}

// derivedKeys are the keys the engine derives from the caller and the
// resource, which no request gives: a witness leaves them to the engine.
// (The time keys are the engine's too, but a question is about any
// moment, so a witness may give one.)
var derivedKeys = map[string]bool{
	"aws:principalarn": true, "aws:principaltype": true, "aws:username": true, "aws:userid": true,
	"aws:principalaccount": true, "aws:principalisawsservice": true, "aws:principalservicename": true,
	"aws:resourceaccount": true,
}

// variableValues are the values a witness tries for a variable's key:
// none, which leaves a derived key to the engine, then two made-up ones.
var variableValues = []string{"", "example", "zqward"}

// maxRealized bounds the assignments tried for one variable dimension.
const maxRealized = 256

// realize gives the witness, for each variable dimension the solution
// chose, keys that make it hold or not as chosen: the variables' keys
// and the element's own key, tried in turn and decided by the engine. A
// key the solution chose a point of may take another value of that
// point; one the principal brings, or an earlier dimension set, is kept.
// What cannot be realized is left; the replay then tells.
func (sp *space) realize(w *Witness, choice map[int]int) {
	// The dimensions to realize, a joined one as its members.
	type task struct {
		va    *variableAtom
		point int
		order int
	}
	var tasks []task
	for k, pi := range choice {
		switch kd := sp.keys[k]; {
		case kd.variable != nil:
			tasks = append(tasks, task{kd.variable, pi, k})
		case kd.joint != nil:
			for i, m := range kd.joint.members {
				tasks = append(tasks, task{sp.keys[m].variable, kd.joint.combos[pi][i], m})
			}
		}
	}
	if len(tasks) == 0 {
		return
	}
	// The dimensions that must hold first: they need values, which those
	// that must not hold can mostly live with. Should a later one undo an
	// earlier one, the other orders are tried, each from the witness as
	// the solution left it.
	sort.Slice(tasks, func(i, j int) bool {
		pi, pj := tasks[i].point == variableHolds, tasks[j].point == variableHolds
		if pi != pj {
			return pi
		}
		return tasks[i].order < tasks[j].order
	})
	start := copyContext(w.Context)
	orders := [][]task{tasks, append([]task(nil), tasks...)}
	slices.Reverse(orders[1])
	for _, order := range orders {
		w.Context = copyContext(start)
		// A key the witness gives is kept (keptKey); one the solution chose
		// a point of may take another value of that point (its index).
		decided := map[string]int{}
		for k := range w.Context {
			decided[strings.ToLower(k)] = keptKey
		}
		for k := range choice {
			if kd := sp.keys[k]; kd.variable == nil && kd.joint == nil {
				l := strings.ToLower(kd.name)
				decided[l] = k
				if _, given := lookupFold(sp.given, l); given || boundKeys[l] || derivedKeys[l] {
					decided[l] = keptKey
				}
			}
		}
		for _, t := range order {
			sp.realizeOne(w, t.va, t.point, decided, choice)
		}
		all := true
		for _, t := range tasks {
			all = all && sp.variableAt(w, t.va, w.Context) == t.point
		}
		if all {
			break
		}
	}
	if len(w.Context) == 0 {
		w.Context = nil
	}
}

// keptKey marks a key a witness keeps as it is.
const keptKey = -1

func (sp *space) realizeOne(w *Witness, va *variableAtom, point int, decided map[string]int, choice map[int]int) {
	// The keys to choose: the variables' and the element's own, those
	// not kept; one the solution chose a point of keeps to its point.
	var free []string
	var within []int // the key index whose point a free key keeps to, or keptKey
	seen := map[string]bool{}
	consider := func(name string) bool {
		l := strings.ToLower(name)
		d, ok := decided[l]
		if seen[l] || derivedKeys[l] || ok && d == keptKey {
			return false
		}
		seen[l] = true
		free = append(free, name)
		if ok {
			within = append(within, d)
		} else {
			within = append(within, keptKey)
		}
		return true
	}
	for _, v := range va.vars {
		consider(v)
	}
	condKey, condWithin := "", keptKey
	if va.cond != nil && consider(va.cond.Key) {
		condKey, condWithin = va.cond.Key, within[len(within)-1]
		free, within = free[:len(free)-1], within[:len(within)-1]
	}
	// fits reports whether a key's value keeps the point the solution
	// chose for it.
	fits := func(ki int, vals []string) bool {
		if ki == keptKey {
			return true
		}
		kd := sp.keys[ki]
		pt := keyPoint{values: vals, absent: vals == nil}
		pt.truth = sp.truthOf(kd, pt)
		want := kd.points[choice[ki]]
		return sigKey(pt.truth) == sigKey(want.truth) && sp.pointKey(kd, &pt) == sp.pointKey(kd, &want)
	}
	tries := 0
	// Each free key's values: its own first, where the witness gives it;
	// none, which leaves a derived key to the engine; those that fill the
	// element or pattern so it reads the witness's own values (the
	// resource, the element's key); then two made-up ones.
	captured := sp.captured(w, va)
	values := make([][]string, len(free))
	for i, name := range free {
		if v, ok := lookupFold(w.Context, strings.ToLower(name)); ok && len(v) == 1 {
			values[i] = append(values[i], v[0])
		}
		values[i] = append(append(values[i], ""), captured[strings.ToLower(name)]...)
		values[i] = append(values[i], variableValues[1:]...)
	}
	assign := make([]int, len(free))
	for {
		ctx := copyContext(w.Context)
		ok := true
		for i, name := range free {
			deleteFold(ctx, name)
			var vals []string
			if v := values[i][assign[i]]; v != "" {
				vals = []string{v}
				ctx[name] = vals
			}
			ok = ok && fits(within[i], vals)
		}
		cands := [][]string{nil}
		if ok {
			cands = sp.condCandidates(w, va, condKey, ctx)
			if v, kept := lookupFold(w.Context, strings.ToLower(condKey)); condKey != "" && kept {
				cands = append([][]string{v}, cands...) // its own value first
			}
		}
		for _, cand := range cands {
			if !ok {
				break
			}
			if tries++; tries > maxRealized {
				return
			}
			try := ctx
			if condKey != "" {
				try = copyContext(ctx)
				deleteFold(try, condKey)
				if cand != nil {
					try[condKey] = cand
				}
				if !fits(condWithin, cand) {
					continue
				}
			}
			if sp.variableAt(w, va, try) == point {
				w.Context = try
				for _, name := range free {
					decided[strings.ToLower(name)] = keptKey
				}
				if condKey != "" {
					decided[strings.ToLower(condKey)] = keptKey
				}
				return
			}
		}
		// The next assignment of the free keys' values.
		i := 0
		for ; i < len(assign); i++ {
			if assign[i]++; assign[i] < len(values[i]) {
				break
			}
			assign[i] = 0
		}
		if i == len(assign) {
			return
		}
	}
}

// deleteFold removes a key from a context, whatever its case.
func deleteFold(ctx map[string][]string, key string) {
	for k := range ctx {
		if strings.EqualFold(k, key) {
			delete(ctx, k)
		}
	}
}

// condCandidates are the values a witness tries for the element's own
// key: each of its values with the variables filled (and its wildcards,
// for a Like or Arn operator), absent, and a made-up one. Only the
// absent one (nil) when the key is not free.
func (sp *space) condCandidates(w *Witness, va *variableAtom, condKey string, ctx map[string][]string) [][]string {
	if condKey == "" {
		return [][]string{nil}
	}
	var out [][]string
	if prep, err := sp.request(w, ctx).Prepare(); err == nil {
		op, _ := policy.ParseOperator(va.cond.Operator)
		for _, v := range va.cond.Values.Items {
			s, ok := substitute(v, prep)
			if !ok {
				continue
			}
			switch {
			case strings.HasPrefix(op.Base, "Arn"):
				s = fillPattern(s, sp.account())
			case strings.Contains(op.Base, "Like"):
				s = strings.NewReplacer("*", "example", "?", "x").Replace(s)
			}
			out = append(out, []string{s})
		}
	}
	return append(out, nil, []string{"zqward"})
}

// variableAt asks the engine which point of its dimension the element or
// pattern is at on the witness's request with a context; -1 when the
// request cannot be made.
func (sp *space) variableAt(w *Witness, va *variableAtom, ctx map[string][]string) int {
	prep, err := sp.request(w, ctx).Prepare()
	if err != nil {
		return -1
	}
	switch {
	case va.probe.Decide(prep).Result == engine.Allowed:
		return 0
	case va.notProbe == nil:
		return 1
	case va.notProbe.Decide(prep).Result == engine.Allowed:
		return 1
	}
	return 2
}

func (sp *space) request(w *Witness, ctx map[string][]string) *engine.Request {
	return &engine.Request{Principal: w.Principal, Action: w.Action, Resource: w.Resource, ResourceAccount: sp.owner, Context: ctx, Now: sp.opts.Now, LiteralResource: true}
}

func copyContext(c map[string][]string) map[string][]string {
	out := make(map[string][]string, len(c)+2)
	for k, v := range c {
		out[k] = v
	}
	return out
}

// substitutedResource is a resource a person reads from a pattern with
// policy variables: the variables filled with the caller's values (the
// engine's, for the keys it derives) or "example", then its wildcards.
func (sp *space) substitutedResource(pat string, principal string) string {
	prep, err := (&engine.Request{Principal: principal, Action: "s3:GetObject", Resource: "*", ResourceAccount: sp.owner, Now: sp.opts.Now}).Prepare()
	filled := variableRE.ReplaceAllStringFunc(pat, func(m string) string {
		body := m[2 : len(m)-1]
		switch body {
		case "*", "?", "$":
			return body
		}
		if err == nil {
			if s, ok := substitute(m, prep); ok {
				return s
			}
		}
		return "example"
	})
	return fillPattern(filled, sp.account())
}

// variableNote says where a policy variable is and how it was read, for
// an answer that found access through it no request showed.
func variableNote(where, text string) Note {
	return Note{Where: where, What: fmt.Sprintf("policy variable in %q: access found through it that no request ward built shows, so it is given as possible", text)}
}

// varResource is a Resource or NotResource pattern with policy variables:
// its text widened (variables as "*"), and its dimension.
type varResource struct {
	text, where string
	wide, key   int
}

// maxNotResourceVariables bounds the NotResource patterns with variables
// one statement is split for (2^n boxes); past it, they are widened.
const maxNotResourceVariables = 3

// boxes splits a statement whose resource patterns name policy variables
// into boxes whose union it is. A pattern with variables matches a
// resource when its widening does and its dimension holds, so
//
//	Resource [L..., P]     = Resource [L...]  ∪  (Resource [P*] ∧ P matches)
//	NotResource [L..., P]  = (NotResource [L..., P*] ∧ P resolves)  ∪  (NotResource [L...] ∧ P resolves and does not match)
//
// and so on for each such pattern (P* is P widened, its variables as
// "*"). Under NotResource a variable that does not resolve makes the
// statement not apply at all.
func (sp *space) boxes(st *stmt, vr []varResource) []*stmt {
	if len(vr) == 0 {
		return []*stmt{st}
	}
	var out []*stmt
	if !st.notResource {
		if len(st.resources[widen]) > 0 {
			out = append(out, st)
		}
		for _, v := range vr {
			b := st.clone()
			b.resources = [2][]int{{v.wide}, {v.wide}}
			b.conds = append(b.conds, condRef{key: v.key, atom: variableHolds})
			b.presentKeys = append(b.presentKeys, variablesWithoutDefault(v.text)...)
			b.approx, b.varPattern = true, v.text
			b.notes = append(b.notes, variableNote(v.where, v.text))
			out = append(out, b)
		}
		return out
	}
	if len(vr) > maxNotResourceVariables {
		// Too many to split: widened, the statement applies wherever its
		// other patterns let it (as if these matched nothing); narrowed,
		// nowhere.
		for _, v := range vr {
			st.resources[widen] = append(st.resources[widen], -1)
			sp.notes = append(sp.notes, Note{Where: v.where, What: fmt.Sprintf("policy variable in %q: decided as if it could stand for any text", v.text)})
		}
		st.conds = append(st.conds, condRef{approx: true})
		st.approx = true
		return []*stmt{st}
	}
	for mask := 0; mask < 1<<len(vr); mask++ {
		b := st.clone()
		for j, v := range vr {
			b.approx = true
			b.notes = append(b.notes, variableNote(v.where, v.text))
			if mask&(1<<j) == 0 {
				b.resources[widen] = append(b.resources[widen], v.wide)
				b.resources[narrow] = append(b.resources[narrow], v.wide)
				b.conds = append(b.conds, condRef{key: v.key, atom: variableResolves})
				b.presentKeys = append(b.presentKeys, variablesWithoutDefault(v.text)...)
				continue
			}
			b.conds = append(b.conds, condRef{key: v.key, atom: variableDoesNot})
			b.presentKeys = append(b.presentKeys, variablesWithoutDefault(v.text)...)
		}
		out = append(out, b)
	}
	return out
}

// clone copies a statement box, its lists its own.
func (s *stmt) clone() *stmt {
	c := *s
	c.conds = append([]condRef(nil), s.conds...)
	c.notes = append([]Note(nil), s.notes...)
	c.presentKeys = append([]string(nil), s.presentKeys...)
	for m := range c.resources {
		c.resources[m] = append([]int(nil), s.resources[m]...)
	}
	return &c
}

// bindCaller fixes, for a question about one principal, what it brings
// (its unique ID, the account KMS sees it call from) and the values of
// the keys it decides, which its requests carry whatever they are: a
// policy variable of one of them is its value, and a condition on one
// is decided on it alone.
func (sp *space) bindCaller() {
	given := map[string][]string{}
	c, err := engine.ParseCaller(sp.opts.Principal)
	if err == nil {
		switch c.Kind {
		case engine.PrincipalUser:
			given["aws:userid"] = []string{"AIDAWARDEXAMPLE"}
		case engine.PrincipalRoleSession:
			given["aws:userid"] = []string{"AROAWARDEXAMPLE:" + sp.opts.Principal[strings.LastIndex(sp.opts.Principal, "/")+1:]}
		}
		if c.Account != "" {
			given["kms:CallerAccount"] = []string{c.Account}
		}
		if sp.opts.RoleARN != "" && c.Kind == engine.PrincipalRoleSession {
			given["aws:PrincipalArn"] = []string{sp.opts.RoleARN}
		}
	}
	sp.caller = outsider{principal: sp.opts.Principal, kind: c.Kind, given: given}
	sp.given = given
	sp.boundValues = map[string]string{}
	prep, err := (&engine.Request{Principal: sp.opts.Principal, Action: "s3:GetObject", Resource: "*", Context: given, Now: sp.opts.Now}).Prepare()
	if err != nil {
		return
	}
	keys := []string{"kms:calleraccount"}
	for k := range boundKeys {
		keys = append(keys, k)
	}
	for k := range derivedKeys {
		keys = append(keys, k)
	}
	for _, k := range keys {
		if v, ok := prep.Value(k); ok && len(v) == 1 {
			sp.boundValues[k] = v[0]
		}
	}
}

// bindVariables fills a text's variables of keys the principal decides
// with their values, when every such variable has one; the others stay.
func (sp *space) bindVariables(s string) string {
	if len(sp.boundValues) == 0 || !strings.Contains(s, "${") {
		return s
	}
	ok := true
	out := variableRE.ReplaceAllStringFunc(s, func(m string) string {
		body := m[2 : len(m)-1]
		key, _, _ := strings.Cut(body, ",")
		key = strings.ToLower(strings.TrimSpace(key))
		if !boundKeys[key] && !derivedKeys[key] {
			return m
		}
		if v, found := sp.boundValues[key]; found {
			if strings.ContainsAny(v, "*?$") {
				ok = false // a value with wildcard characters stays a variable: it is matched literally
			}
			return v
		}
		ok = false // no value: the engine decides what an unresolved variable does
		return m
	})
	if !ok {
		return s
	}
	if out != s {
		// The text now reads the key's value: a witness must carry it, for
		// the engine to read the variable as the search did.
		variableRE.ReplaceAllStringFunc(s, func(m string) string {
			key, _, _ := strings.Cut(m[2:len(m)-1], ",")
			if sp.boundRead == nil {
				sp.boundRead = map[string]bool{}
			}
			sp.boundRead[strings.ToLower(strings.TrimSpace(key))] = true
			return m
		})
	}
	return out
}

// bindCondition is a condition element with bindVariables applied to its
// values.
func (sp *space) bindCondition(c *policy.Condition) *policy.Condition {
	var vals []string
	changed := false
	for _, v := range c.Values.Items {
		b := sp.bindVariables(v)
		changed = changed || b != v
		vals = append(vals, b)
	}
	if !changed {
		return c
	}
	out := *c
	out.Values = policy.Values{Items: vals, Offsets: c.Values.Offsets, Single: c.Values.Single}
	return &out
}

// captured are, per lower-cased variable key, the values that make the
// element or pattern read what the witness already holds: the resource
// matched against a pattern, the element's key's values (when the witness
// gives it) against the element's values, each variable a group.
func (sp *space) captured(w *Witness, va *variableAtom) map[string][]string {
	out := map[string][]string{}
	try := func(text, s string, wildcards, fold bool) {
		re, names := captureRE(text, wildcards, fold)
		if re == nil {
			return
		}
		m := re.FindStringSubmatch(s)
		for i, name := range names {
			if m != nil && i+1 < len(m) && m[i+1] != "" && !slices.Contains(out[name], m[i+1]) {
				out[name] = append(out[name], m[i+1])
			}
		}
	}
	if va.cond == nil {
		try(va.pattern, w.Resource, true, false)
		return out
	}
	op, _ := policy.ParseOperator(va.cond.Operator)
	wildcards := strings.Contains(op.Base, "Like") || strings.HasPrefix(op.Base, "Arn")
	fold := strings.Contains(op.Base, "IgnoreCase")
	for k, vals := range w.Context {
		if !strings.EqualFold(k, va.cond.Key) {
			continue
		}
		for _, v := range vals {
			for _, text := range va.cond.Values.Items {
				try(text, v, wildcards, fold)
			}
		}
	}
	return out
}

// captureRE is a text with policy variables as a regular expression
// whose groups are the variables (named, lower-cased, in order), nil
// when it has none.
func captureRE(text string, wildcards, fold bool) (*regexp.Regexp, []string) {
	var b strings.Builder
	var names []string
	if fold {
		b.WriteString("(?i)")
	}
	b.WriteString("^")
	for i := 0; i < len(text); {
		if strings.HasPrefix(text[i:], "${") {
			if end := strings.IndexByte(text[i:], '}'); end > 0 {
				body := text[i+2 : i+end]
				switch body {
				case "*", "?", "$":
					b.WriteString(regexp.QuoteMeta(body))
				default:
					key, _, _ := strings.Cut(body, ",")
					names = append(names, strings.ToLower(strings.TrimSpace(key)))
					b.WriteString("(.+?)")
				}
				i += end + 1
				continue
			}
		}
		c := text[i]
		switch {
		case wildcards && c == '*':
			b.WriteString(".*")
		case wildcards && c == '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
		i++
	}
	b.WriteString("$")
	if len(names) == 0 {
		return nil, nil
	}
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, nil
	}
	return re, names
}

// keySplit is a condition element with variables whose operator holds
// when its key is absent, whatever the variables: holding, either the key
// is absent, or it is there and the variables resolve.
type keySplit struct {
	key     string
	present []string
}

// maxSplits bounds the elements one statement box is split for (2^n).
const maxSplits = 3

// splitLoose gives a box the conditions its variable dimensions imply of
// the keys: its resource pattern's variables resolve (presentKeys), and
// each element of splits holds with its key absent or with its key and
// its variables present, a box for each. They are implied, so the boxes'
// union is the statement; they let the search choose keys the witness
// can then give values that make the dimensions hold.
func (sp *space) splitLoose(st *stmt, addCond func(*policy.Condition) ([2]int, error)) ([]*stmt, error) {
	null := func(b *stmt, key string, present bool) error {
		c := nullFalse(key)
		if !present {
			c.Values = policy.Values{Items: []string{"true"}}
		}
		ref, err := addCond(c)
		if err != nil {
			return err
		}
		b.conds = append(b.conds, condRef{key: ref[0], atom: ref[1]})
		return nil
	}
	for _, k := range st.presentKeys {
		if err := null(st, k, true); err != nil {
			return nil, err
		}
	}
	if len(st.splits) == 0 || len(st.splits) > maxSplits {
		return []*stmt{st}, nil
	}
	var out []*stmt
	for mask := 0; mask < 1<<len(st.splits); mask++ {
		b := st.clone()
		for j, sp := range st.splits {
			if mask&(1<<j) == 0 {
				if err := null(b, sp.key, false); err != nil {
					return nil, err
				}
				continue
			}
			for _, k := range append(append([]string(nil), sp.present...), sp.key) {
				if err := null(b, k, true); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, b)
	}
	return out, nil
}

// nullFalse is the element "the key is there".
func nullFalse(key string) *policy.Condition {
	return &policy.Condition{Operator: "Null", Key: key, Values: policy.Values{Items: []string{"false"}}}
}

// variablesWithoutDefault are the keys of a text's variables that have
// no default: those the text needs in the request.
func variablesWithoutDefault(s string) []string {
	var out []string
	for _, m := range variableRE.FindAllString(s, -1) {
		body := m[2 : len(m)-1]
		if body == "*" || body == "?" || body == "$" || strings.Contains(body, ",") {
			continue
		}
		out = append(out, strings.TrimSpace(body))
	}
	return out
}

// jointDim is resource-pattern dimensions joined: its points are the
// combinations of their points that can be, combos giving each member's.
type jointDim struct {
	members []int
	combos  [][]int
}

// maxJoined bounds the pattern dimensions joined into one (3^n points).
const maxJoined = 3

// joinImplied joins the resource patterns with variables one of which
// matches wherever another does, whatever the variables' values
// (agent-alias/${AgentId}/${AliasId} inside agent-alias/${AgentId}/*):
// alone, each pattern's dimension would let the search have the first
// match and the second not, a request that cannot be. The statements'
// conditions on them are moved to the joined dimension.
func (sp *space) joinImplied() {
	var pats []int
	for k, kd := range sp.keys {
		if kd.variable != nil && kd.variable.cond == nil {
			pats = append(pats, k)
		}
	}
	if len(pats) < 2 {
		return
	}
	parent := map[int]int{}
	var find func(int) int
	find = func(k int) int {
		if p, ok := parent[k]; ok && p != k {
			parent[k] = find(p)
			return parent[k]
		}
		return k
	}
	implies := map[[2]int]bool{}
	for _, a := range pats {
		for _, b := range pats {
			if a != b && symbolicallyInside(sp.keys[a].variable.pattern, sp.keys[b].variable.pattern) {
				implies[[2]int{a, b}] = true
				parent[find(a)] = find(b)
			}
		}
	}
	involved := map[int]bool{}
	for e := range implies {
		involved[e[0]], involved[e[1]] = true, true
	}
	groups := map[int][]int{}
	for _, k := range pats {
		if involved[k] {
			groups[find(k)] = append(groups[find(k)], k)
		}
	}
	remap := map[int][2]int{} // member key → joined key, atom offset
	roots := make([]int, 0, len(groups))
	for r := range groups {
		roots = append(roots, r)
	}
	sort.Ints(roots)
	for _, r := range roots {
		ms := groups[r]
		if len(ms) < 2 || len(ms) > maxJoined {
			continue
		}
		sort.Ints(ms)
		jd := &jointDim{members: ms}
		var points []keyPoint
		combo := make([]int, len(ms))
		for {
			ok := true
			for i, a := range ms {
				for j, b := range ms {
					if !implies[[2]int{a, b}] {
						continue
					}
					// a matches ⇒ b matches; a's variables resolve ⇒ b's do
					// (b's are among a's, or b would not contain a).
					if combo[i] == variableHolds && combo[j] != variableHolds || combo[i] != variableResolves && combo[j] == variableResolves {
						ok = false
					}
				}
			}
			if ok {
				var truth []bool
				for i, m := range ms {
					truth = append(truth, sp.keys[m].points[combo[i]].truth...)
				}
				points = append(points, keyPoint{truth: truth})
				jd.combos = append(jd.combos, append([]int(nil), combo...))
			}
			i := 0
			for ; i < len(combo); i++ {
				if combo[i]++; combo[i] < len(sp.keys[ms[i]].points) {
					break
				}
				combo[i] = 0
			}
			if i == len(combo) {
				break
			}
		}
		ki := len(sp.keys)
		var names []string
		for i, m := range ms {
			names = append(names, sp.keys[m].name)
			remap[m] = [2]int{ki, i * len(sp.keys[m].points[0].truth)}
		}
		sp.keys = append(sp.keys, &keyDim{name: "joined " + strings.Join(names, " & "), exact: true, joint: jd, points: points})
	}
	if len(remap) == 0 {
		return
	}
	for _, cs := range sp.sides {
		for _, st := range cs.stmts {
			for i, c := range st.conds {
				if to, ok := remap[c.key]; ok && !c.approx {
					st.conds[i] = condRef{key: to[0], atom: to[1] + c.atom}
				}
			}
		}
	}
}

// symbolicallyInside reports whether every resource pattern p matches,
// q matches too, whatever values their policy variables take: p's and
// q's first five ARN parts are the same text without variables, their
// sixth has no '?', and with each variable a symbol of its own, q's
// sixth part covers p's. (A value a variable takes stands where its
// symbol does on both sides, and a '*' matches it as it matches the
// symbol.)
func symbolicallyInside(p, q string) bool {
	pp, qp := strings.SplitN(p, ":", 6), strings.SplitN(q, ":", 6)
	if len(pp) != 6 || len(qp) != 6 || pp[0] != "arn" {
		return false
	}
	for i := 0; i < 5; i++ {
		if pp[i] != qp[i] || strings.Contains(pp[i], "${") {
			return false
		}
	}
	if strings.Contains(pp[5], "?") || strings.Contains(qp[5], "?") {
		return false
	}
	symbols := map[string]rune{}
	units := func(s string) []glob.Unit {
		var out []glob.Unit
		for i := 0; i < len(s); {
			if strings.HasPrefix(s[i:], "${") {
				if end := strings.IndexByte(s[i:], '}'); end > 0 {
					tok := s[i : i+end+1]
					switch body := tok[2 : len(tok)-1]; body {
					case "*", "?", "$":
						out = append(out, glob.Unit{Kind: glob.Lit, Char: rune(body[0])})
					default:
						r, ok := symbols[tok]
						if !ok {
							r = rune(0xE000 + len(symbols))
							symbols[tok] = r
						}
						out = append(out, glob.Unit{Kind: glob.Lit, Char: r})
					}
					i += end + 1
					continue
				}
			}
			c, size := utf8.DecodeRuneInString(s[i:])
			if c == '*' {
				out = append(out, glob.Unit{Kind: glob.Star})
			} else {
				out = append(out, glob.Unit{Kind: glob.Lit, Char: c})
			}
			i += size
		}
		return out
	}
	pu, qu := units(pp[5]), units(qp[5])
	return glob.Covers(qu, pu)
}
