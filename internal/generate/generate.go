// Package generate writes least-privilege policies from what a principal
// did: the calls in CloudTrail's logs or ward's decision log (read by
// internal/activity) become the actions and resources they needed,
// through the catalog's actions and ARN formats; observed names are
// generalized as a person would (Generalize says how), and statements are
// grouped by service and resources.
//
// Every answer is checked before it is given: each observed call's needs
// are replayed through the engine against the generated policy and must
// be allowed. With the principal's current policy, the answer also says
// what that policy grants that nothing used, and proves with
// internal/reason that the generated policy grants nothing the current
// one does not.
package generate

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wardhq/ward/internal/activity"
	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/glob"
	"github.com/wardhq/ward/internal/policy"
)

// Options select the calls and say how to generalize them.
type Options struct {
	// Principal selects the calls: a role ARN takes every session of the
	// role, a user ARN the user's calls, a session ARN that session's.
	// Empty: the input must hold one principal's calls.
	Principal string
	// Since and Until bound the calls' times; zero is unbounded. Until is
	// exclusive.
	Since, Until time.Time
	Generalize   Generalize
}

// Generator reads calls one at a time, keeping one entry per distinct
// permission, so memory follows what was used, not how often.
type Generator struct {
	opts     Options
	cat      *catalog.Catalog
	m        mapper
	want     string // the selected principal's key, if given
	entities map[string]*observed
	order    []string
	// compactAt is the constant below, lowered by tests.
	compactAt int
}

// observed is what one principal did.
type observed struct {
	key         string
	entity      string
	principal   string // a caller ARN of the principal's, for replay
	calls       int
	first, last time.Time
	uses        map[need]*Use
	refused     map[need]*Use
	unmapped    map[string]*Unmapped

	// byAction lists each action's used permissions that compaction may
	// merge, and limit the count at which it next tries; how says what
	// merges it made.
	byAction map[string][]need
	limit    map[string]int
	how      map[string][]string
	// patterns are the wildcard patterns compaction made, by action: a
	// later call they cover is counted under them.
	patterns map[string][]string
}

// compactAt is the number of distinct resources of one action at which
// generation generalizes them while it reads, so memory stays bounded
// when a principal touches millions of objects: the same generalization
// the answer makes at the end, made early. With generalization off every
// name is kept.
const compactAt = 4096

// Use counts the calls behind a permission.
type Use struct {
	Calls       int            `json:"calls"`
	First       time.Time      `json:"first"`
	Last        time.Time      `json:"last"`
	Events      Events         `json:"events"` // "s3.amazonaws.com GetObject" → calls
	ErrorCodes  map[string]int `json:"errorCodes,omitempty"`
	FirstSeenAt string         `json:"firstSeenAt,omitempty"` // file and record of the first refused call

	// contexts are the distinct request contexts the calls were decided
	// with (from ward's decision log), up to maxContexts: comparing with
	// the current policy decides each permission with them, so a
	// statement with conditions is judged by the requests as they came.
	contexts [][]engine.ContextKey
}

// maxContexts bounds the contexts kept for one permission.
const maxContexts = 4

// addContext keeps ctx if it is not one already kept and there is room.
func (u *Use) addContext(ctx []engine.ContextKey) {
	if len(ctx) == 0 || len(u.contexts) >= maxContexts {
		return
	}
	for _, have := range u.contexts {
		if slices.EqualFunc(have, ctx, func(a, b engine.ContextKey) bool { return a.Name == b.Name && slices.Equal(a.Values, b.Values) }) {
			return
		}
	}
	u.contexts = append(u.contexts, ctx)
}

func (u *Use) add(c *activity.Call, event string, where bool) {
	if u.Calls == 0 || c.Time.Before(u.First) {
		u.First = c.Time
	}
	if u.Calls == 0 && where {
		u.FirstSeenAt = c.Where()
	}
	if c.Time.After(u.Last) {
		u.Last = c.Time
	}
	u.Calls++
	u.Events.add(event, 1)
	u.addContext(c.Context)
	if c.Error != "" {
		if u.ErrorCodes == nil {
			u.ErrorCodes = map[string]int{}
		}
		u.ErrorCodes[c.Error]++
	}
}

// Events count calls by event. Most permissions are used by one event,
// which is held without a map: generation keeps one Use per distinct
// permission, and a principal may touch millions of objects.
type Events struct {
	first string
	calls int
	more  map[string]int
}

func (e *Events) add(event string, n int) {
	switch {
	case e.first == "" || e.first == event:
		e.first = event
		e.calls += n
	default:
		if e.more == nil {
			e.more = map[string]int{}
		}
		e.more[event] += n
	}
}

func (e *Events) each(fn func(string, int)) {
	if e.first != "" {
		fn(e.first, e.calls)
	}
	for k, n := range e.more {
		fn(k, n)
	}
}

// Map is the counts by event.
func (e *Events) Map() map[string]int {
	m := map[string]int{}
	e.each(func(k string, n int) { m[k] += n })
	return m
}

// MarshalJSON writes the counts as an object, keys sorted.
func (e Events) MarshalJSON() ([]byte, error) { return json.Marshal(e.Map()) }

// merge adds another permission's calls, for a pattern that covers both.
func (u *Use) merge(o *Use) {
	if o == nil || o.Calls == 0 {
		return
	}
	if u.Calls == 0 || o.First.Before(u.First) {
		u.First = o.First
	}
	if o.Last.After(u.Last) {
		u.Last = o.Last
	}
	u.Calls += o.Calls
	o.Events.each(func(e string, n int) { u.Events.add(e, n) })
	for _, ctx := range o.contexts {
		u.addContext(ctx)
	}
	for e, n := range o.ErrorCodes {
		if u.ErrorCodes == nil {
			u.ErrorCodes = map[string]int{}
		}
		u.ErrorCodes[e] += n
	}
}

// Unmapped is calls of one event the catalog could not place.
type Unmapped struct {
	Event string `json:"event"`
	Why   string `json:"why"`
	Calls int    `json:"calls"`
	Where string `json:"where"` // the first call's file and record
}

// New starts a generation.
func New(cat *catalog.Catalog, opts Options) *Generator {
	g := &Generator{opts: opts, cat: cat, m: mapper{cat: cat}, entities: map[string]*observed{}, compactAt: compactAt}
	if opts.Principal != "" {
		g.want = principalKey(opts.Principal)
	}
	return g
}

// principalKey identifies a principal across the forms calls name it in:
// a role by account and name (a role's name is unique in its account,
// whatever its path, and its sessions' ARNs carry no path), a user the
// same way, a session by its ARN.
func principalKey(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return arn
	}
	kind, rest, _ := strings.Cut(parts[5], "/")
	switch {
	case parts[2] == "iam" && (kind == "role" || kind == "user"):
		return parts[4] + " " + kind + " " + rest[strings.LastIndexByte(rest, '/')+1:]
	}
	return arn
}

func event(c *activity.Call) string {
	if c.Action != "" {
		return c.Action
	}
	return c.Source + " " + c.Name
}

// Wants says whether Add would read the call: it is in the time window
// and, if one principal is selected, that principal's. It reads only the
// Generator's options, so a reader may call it from several goroutines
// while Add runs (activity.Reader's Keep).
func (g *Generator) Wants(c *activity.Call) bool {
	if !g.opts.Since.IsZero() && c.Time.Before(g.opts.Since) || !g.opts.Until.IsZero() && !c.Time.Before(g.opts.Until) {
		return false
	}
	return g.want == "" || principalKey(c.Entity) == g.want || principalKey(c.Principal) == g.want
}

// Add reads one call.
func (g *Generator) Add(c *activity.Call) {
	if !g.Wants(c) {
		return
	}
	key := principalKey(c.Entity)
	if g.want != "" {
		key = g.want
	}
	o := g.entities[key]
	if o == nil {
		o = &observed{key: key, entity: c.Entity, principal: c.Principal, uses: map[need]*Use{}, refused: map[need]*Use{}, unmapped: map[string]*Unmapped{},
			byAction: map[string][]need{}, limit: map[string]int{}, how: map[string][]string{}, patterns: map[string][]string{}}
		g.entities[key] = o
		g.order = append(g.order, key)
	}
	if o.calls == 0 || c.Time.Before(o.first) {
		o.first = c.Time
	}
	if c.Time.After(o.last) {
		o.last = c.Time
	}
	o.calls++
	ev := event(c)
	var needs []need
	why := ""
	if err := c.Decode(); err != nil {
		why = err.Error()
	} else {
		needs, why = g.m.needs(c)
	}
	if why != "" {
		u := o.unmapped[ev]
		if u == nil {
			u = &Unmapped{Event: ev, Why: why, Where: c.Where()}
			o.unmapped[ev] = u
		}
		u.Calls++
		return
	}
	into := o.uses
	if c.Denied {
		into = o.refused
	}
	for _, n := range needs {
		u := into[n]
		if u == nil && !c.Denied && n.Service == "" {
			// A pattern an earlier compaction made may cover it already.
			for _, p := range o.patterns[n.Action] {
				if glob.Match(p, n.Resource) {
					u = into[need{Action: n.Action, Resource: p}]
					break
				}
			}
		}
		if u == nil {
			u = &Use{}
			into[n] = u
			if !c.Denied && n.Service == "" && n.Partial == "" {
				o.byAction[n.Action] = append(o.byAction[n.Action], n)
				g.maybeCompact(o, n.Action)
			}
		}
		u.add(c, ev, c.Denied)
	}
}

// maybeCompact generalizes an action's resources once they are many. A
// merge that would not shrink them to a quarter waits until they double,
// so the work stays linear in the calls read.
func (g *Generator) maybeCompact(o *observed, action string) {
	gen := g.opts.Generalize
	if gen.Keys == 0 && gen.Names == 0 && gen.Places == 0 {
		return
	}
	needs := o.byAction[action]
	limit := o.limit[action]
	if limit == 0 {
		limit = g.compactAt
	}
	if len(needs) < limit {
		return
	}
	resources := make([]string, len(needs))
	formats := map[string]string{}
	for i, n := range needs {
		resources[i] = n.Resource
		formats[n.Resource] = g.format(action, n.Resource)
	}
	pats, how := gen.generalize(resources, formats)
	if len(pats) > len(needs)/4 {
		o.limit[action] = 2 * len(needs)
		return
	}
	merged := map[string]*Use{}
	for _, n := range needs {
		u := o.uses[n]
		delete(o.uses, n)
		for _, p := range pats {
			if glob.Match(p, n.Resource) {
				if merged[p] == nil {
					merged[p] = &Use{}
				}
				merged[p].merge(u)
				break
			}
		}
	}
	kept := needs[:0]
	o.patterns[action] = o.patterns[action][:0]
	for _, p := range pats {
		if strings.ContainsAny(p, "*?") {
			o.patterns[action] = append(o.patterns[action], p)
		}
		n := need{Action: action, Resource: p}
		if u := o.uses[n]; u != nil {
			merged[p].merge(u)
		}
		if merged[p] == nil {
			merged[p] = &Use{}
		}
		o.uses[n] = merged[p]
		kept = append(kept, n)
	}
	o.byAction[action] = kept
	o.limit[action] = max(g.compactAt, 2*len(kept))
	o.how[action] = append(o.how[action], how...)
}

// Principals lists the principals whose calls were read, with their calls,
// most first: what to choose from when the input holds several.
func (g *Generator) Principals() []PrincipalCalls {
	var out []PrincipalCalls
	for _, k := range g.order {
		o := g.entities[k]
		out = append(out, PrincipalCalls{o.entity, o.calls})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Calls > out[j].Calls })
	return out
}

// PrincipalCalls is a principal and how many calls it made.
type PrincipalCalls struct {
	Principal string
	Calls     int
}

// Result is a generated policy and what it was made from.
type Result struct {
	Principal string    `json:"principal"`
	Calls     int       `json:"calls"`
	First     time.Time `json:"first"`
	Last      time.Time `json:"last"`
	Policy    Policy    `json:"policy"`
	// Statements explain the policy's statements, in its order.
	Statements []StatementInfo `json:"statements"`
	// Refused is what the principal tried and was denied: reported, never
	// granted.
	Refused []Permission `json:"refused,omitempty"`
	// Unmapped are calls the catalog could not place.
	Unmapped []Unmapped `json:"unmapped,omitempty"`
	// Notes are permissions granted more widely than the calls showed,
	// because a call did not name all of its resource.
	Notes []string `json:"notes,omitempty"`
	// Replayed counts the permissions replayed through the engine and
	// allowed by the policy: all of them, or Generate fails.
	Replayed int `json:"replayed"`

	needs          []need
	uses           map[need]*Use
	principal      string
	notGrantedList []Permission
}

// Policy is an IAM policy document as generation writes it.
type Policy struct {
	Version   string            `json:"Version"`
	Statement []PolicyStatement `json:"Statement"`
}

// PolicyStatement is an Allow statement of a generated policy.
type PolicyStatement struct {
	Sid       string                         `json:"Sid"`
	Effect    string                         `json:"Effect"`
	Action    []string                       `json:"Action"`
	Resource  []string                       `json:"Resource"`
	Condition map[string]map[string][]string `json:"Condition,omitempty"`
}

// JSON is the policy, indented as a person writes it.
func (p *Policy) JSON() []byte {
	b, _ := json.MarshalIndent(p, "", "  ")
	return append(b, '\n')
}

// StatementInfo is the calls behind one statement.
type StatementInfo struct {
	Sid   string    `json:"sid"`
	Calls int       `json:"calls"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// Events count the calls by event ("dynamodb.amazonaws.com PutItem").
	Events map[string]int `json:"events"`
	// Generalized says how observed names became the statement's patterns.
	Generalized []string `json:"generalized,omitempty"`
}

// Permission is an action on a resource and the calls that needed it.
type Permission struct {
	Action   string `json:"action"`
	Resource string `json:"resource"`
	// Service is iam:PassedToService, for iam:PassRole.
	Service string `json:"passedToService,omitempty"`
	Use
}

// Result chooses the principal and writes its policy. It fails when the
// input holds several principals and Options named none, when no call was
// selected, and when a call's permission does not replay as allowed (a
// fault of ward's, never hidden).
func (g *Generator) Result() (*Result, error) {
	var o *observed
	switch {
	case g.want != "":
		o = g.entities[g.want]
		if o == nil {
			return nil, fmt.Errorf("no call of %s was read%s", g.opts.Principal, g.windowSaid())
		}
	case len(g.order) == 0:
		return nil, fmt.Errorf("no call was read%s", g.windowSaid())
	case len(g.order) > 1:
		var b strings.Builder
		for i, p := range g.Principals() {
			if i == 10 {
				fmt.Fprintf(&b, "\n  … and %d more", len(g.order)-10)
				break
			}
			calls := "calls"
			if p.Calls == 1 {
				calls = "call"
			}
			fmt.Fprintf(&b, "\n  %s (%d %s)", p.Principal, p.Calls, calls)
		}
		return nil, fmt.Errorf("the input holds the calls of %d principals: choose one with --principal:%s", len(g.order), b.String())
	default:
		o = g.entities[g.order[0]]
	}
	r := &Result{Principal: o.entity, Calls: o.calls, First: o.first, Last: o.last, principal: o.principal}
	if g.opts.Principal != "" {
		r.Principal = g.opts.Principal
	}
	g.build(o, r)
	for _, n := range sortedNeeds(o.refused) {
		r.Refused = append(r.Refused, Permission{Action: n.Action, Resource: n.Resource, Service: n.Service, Use: *o.refused[n]})
	}
	events := make([]string, 0, len(o.unmapped))
	for k := range o.unmapped {
		events = append(events, k)
	}
	sort.Strings(events)
	for _, k := range events {
		r.Unmapped = append(r.Unmapped, *o.unmapped[k])
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	return r, nil
}

func (g *Generator) windowSaid() string {
	switch {
	case !g.opts.Since.IsZero() && !g.opts.Until.IsZero():
		return fmt.Sprintf(" between %s and %s", g.opts.Since.Format(time.RFC3339), g.opts.Until.Format(time.RFC3339))
	case !g.opts.Since.IsZero():
		return " since " + g.opts.Since.Format(time.RFC3339)
	case !g.opts.Until.IsZero():
		return " before " + g.opts.Until.Format(time.RFC3339)
	}
	return ""
}

func sortedNeeds(m map[need]*Use) []need {
	out := make([]need, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Action != b.Action {
			return a.Action < b.Action
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return a.Service < b.Service
	})
	return out
}

// format is the catalog ARN format an action's resource has.
// It is not cached by ARN: a principal may touch millions of them.
func (g *Generator) format(action, arn string) string {
	if a, _ := g.cat.Action(action); a != nil {
		for _, rt := range a.Resources() {
			if parseFormat(rt.ARN).matches(arn) {
				return rt.ARN
			}
		}
	}
	return ""
}

// build writes the policy: per action its generalized resources, then one
// statement per service and set of resources, actions that take no
// resource in one "Resource": "*" statement, and iam:PassRole per set of
// services the roles are passed to.
func (g *Generator) build(o *observed, r *Result) {
	needs := sortedNeeds(o.uses)
	r.needs, r.uses = needs, o.uses
	type stmt struct {
		service   string
		actions   []string
		resources []string
		services  []string // iam:PassedToService
		how       []string
		info      StatementInfo
	}
	byAction := map[string][]string{}
	var actions []string
	passed := map[string][]string{} // role → services
	var roles []string
	for _, n := range needs {
		if n.Partial != "" {
			r.Notes = append(r.Notes, fmt.Sprintf("%s: the calls did not name the %s it acts on: granted on %s; name it to narrow the grant", n.Action, n.Partial, n.Resource))
		}
		if n.Service != "" {
			if passed[n.Resource] == nil {
				roles = append(roles, n.Resource)
			}
			passed[n.Resource] = append(passed[n.Resource], n.Service)
			continue
		}
		if byAction[n.Action] == nil {
			actions = append(actions, n.Action)
		}
		byAction[n.Action] = append(byAction[n.Action], n.Resource)
	}
	groups := map[string]*stmt{}
	var order []string
	statementOf := map[string]*stmt{} // action, or "iam:PassRole role" → statement
	for _, a := range actions {
		formats := map[string]string{}
		for _, res := range byAction[a] {
			formats[res] = g.format(a, res)
		}
		pats, how := g.opts.Generalize.generalize(byAction[a], formats)
		service, _, _ := strings.Cut(a, ":")
		key := service + "\x00" + strings.Join(pats, "\x00")
		if len(pats) == 1 && pats[0] == "*" {
			key = "*"
		}
		s := groups[key]
		if s == nil {
			s = &stmt{service: service, resources: pats}
			if key == "*" {
				s.service = ""
			}
			groups[key] = s
			order = append(order, key)
		}
		s.actions = append(s.actions, a)
		s.how = append(append(s.how, o.how[a]...), how...)
		statementOf[a] = s
	}
	for _, role := range roles {
		svcs := uniq(passed[role])
		key := "iam:PassRole\x00" + strings.Join(svcs, "\x00")
		s := groups[key]
		if s == nil {
			s = &stmt{service: "iam", actions: []string{"iam:PassRole"}, services: svcs}
			groups[key] = s
			order = append(order, key)
		}
		s.resources = append(s.resources, role)
		statementOf["iam:PassRole "+role] = s
	}
	// Statements by service, the "*" statement last: the reading order of
	// the seeds' documents.
	sort.SliceStable(order, func(i, j int) bool {
		a, b := groups[order[i]], groups[order[j]]
		if (a.service == "") != (b.service == "") {
			return b.service == ""
		}
		if a.service != b.service {
			return a.service < b.service
		}
		return a.actions[0] < b.actions[0]
	})
	for _, n := range needs {
		s := statementOf[n.Action]
		if n.Service != "" {
			s = statementOf["iam:PassRole "+n.Resource]
		}
		u := o.uses[n]
		in := &s.info
		if in.Calls == 0 || u.First.Before(in.First) {
			in.First = u.First
		}
		if u.Last.After(in.Last) {
			in.Last = u.Last
		}
		in.Calls += u.Calls
		if in.Events == nil {
			in.Events = map[string]int{}
		}
		u.Events.each(func(e string, c int) { in.Events[e] += c })
	}
	r.Policy = Policy{Version: policy.Version2012}
	sids := map[string]int{}
	for _, key := range order {
		s := groups[key]
		sid := "NoResourceLevel"
		if s.service != "" {
			sid = sidWord(s.service) + g.levelsWord(s.actions)
		}
		if len(s.services) > 0 {
			sid = "PassRole"
		}
		sids[sid]++
		if sids[sid] > 1 {
			sid = fmt.Sprintf("%s%d", sid, sids[sid])
		}
		ps := PolicyStatement{Sid: sid, Effect: "Allow", Action: uniq(s.actions), Resource: uniq(s.resources)}
		if len(s.services) > 0 {
			ps.Condition = map[string]map[string][]string{"StringEquals": {"iam:PassedToService": s.services}}
		}
		r.Policy.Statement = append(r.Policy.Statement, ps)
		s.info.Sid = sid
		s.info.Generalized = uniq(s.how)
		r.Statements = append(r.Statements, s.info)
	}
}

// levelsWord names the access levels of actions, for a Sid: "Read",
// "ReadWrite".
func (g *Generator) levelsWord(actions []string) string {
	has := map[string]bool{}
	for _, name := range actions {
		if a, _ := g.cat.Action(name); a != nil {
			has[a.AccessLevel] = true
		}
	}
	var b strings.Builder
	for _, l := range []struct{ level, word string }{
		{catalog.List, "List"}, {catalog.Read, "Read"}, {catalog.Write, "Write"},
		{catalog.Tagging, "Tagging"}, {catalog.PermissionsManagement, "Permissions"},
	} {
		if has[l.level] {
			b.WriteString(l.word)
		}
	}
	return b.String()
}

// sidWord makes a Sid of a service prefix: letters and digits only, as
// IAM requires, capitalized ("secretsmanager" → "Secretsmanager").
func sidWord(prefix string) string {
	var b strings.Builder
	up := true
	for _, r := range prefix {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			if up && r >= 'a' && r <= 'z' {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}

// requestFor is the request a permission stands for, made by the
// principal in its own account: the question is what its identity policy
// must grant, whoever owns the resource. ctx is a context a call of it
// was decided with, if the calls came with theirs.
func requestFor(principal string, n need, ctx []engine.ContextKey) engine.Request {
	req := engine.Request{Principal: principal, Action: n.Action, Resource: n.Resource, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), LiteralResource: true}
	if parts := strings.SplitN(principal, ":", 6); len(parts) == 6 {
		req.ResourceAccount = parts[4]
	}
	if n.Service != "" {
		req.Context = map[string][]string{"iam:PassedToService": {n.Service}}
	}
	for _, k := range ctx {
		if n.Service != "" && strings.EqualFold(k.Name, "iam:PassedToService") {
			continue // the permission's own
		}
		req.Keys = append(req.Keys, k)
	}
	return req
}

// contextsOf are the contexts to decide a permission with: those its
// calls came with, or, for calls that came without (CloudTrail's), none.
func (r *Result) contextsOf(n need) [][]engine.ContextKey {
	if u := r.uses[n]; u != nil && len(u.contexts) > 0 {
		return u.contexts
	}
	return [][]engine.ContextKey{nil}
}

// compiled parses and compiles a generated policy as IAM would read it.
func (p *Policy) compiled(name, principal string) (*policy.Policy, *engine.Set, error) {
	// Parsed for the grammar only: the size quota is reported as a note,
	// since the policy is still the answer, to be split.
	parsed, err := policy.Parse(p.JSON(), name)
	if err == nil {
		err = parsed.Validate(policy.KindIdentity, policy.SkipSizeLimit)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("the generated policy does not parse: %v", err)
	}
	set, err := identitySet([]*engine.Compiled{engine.Compile(parsed, name)}, principal)
	if err != nil {
		return nil, nil, err
	}
	return parsed, set, nil
}

// identitySet decides requests with the identity policies and a resource
// policy that leaves access to them, as the default key policy and a
// trust policy naming the account do: the question is what the identity
// policies must grant. Without it, a KMS key or a role would allow
// nothing, whatever the identity policies say.
func identitySet(identity []*engine.Compiled, principal string) (*engine.Set, error) {
	account := ""
	if parts := strings.SplitN(principal, ":", 6); len(parts) == 6 {
		account = parts[4]
	}
	deferring, err := policy.Parse([]byte(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::`+account+`:root"}, "Action": "*", "Resource": "*"}]}`), "the resource's policy")
	if err != nil {
		return nil, err
	}
	return engine.NewSet(engine.Policies{Identity: identity, Resource: engine.Compile(deferring, "the resource's policy")})
}

// check reads the generated policy back as IAM would, once, and decides
// with it: every used permission must be allowed (or generation fails: a
// fault of ward's, never hidden); a refused one it allows is noted, since
// a generalization reached it and the reader must know before granting
// what was denied; and a policy past a managed policy's quota is noted.
func (r *Result) check() error {
	parsed, set, err := r.Policy.compiled("generated", r.principal)
	if err != nil {
		return err
	}
	for _, n := range r.needs {
		for _, ctx := range r.contextsOf(n) {
			req := requestFor(r.principal, n, ctx)
			p, err := req.Prepare()
			if err != nil {
				return fmt.Errorf("replaying %s on %s: %v", n.Action, n.Resource, err)
			}
			if d := set.Decide(p); d.Result != engine.Allowed {
				return fmt.Errorf("the generated policy does not allow %s on %s, which %s used (%s): this is a fault in ward generate", n.Action, n.Resource, r.Principal, d.Result)
			}
		}
		r.Replayed++
	}
	for _, p := range r.Refused {
		req := requestFor(r.principal, need{Action: p.Action, Resource: p.Resource, Service: p.Service}, nil)
		pr, err := req.Prepare()
		if err != nil {
			continue // a resource the engine cannot read is not granted either
		}
		if set.Decide(pr).Result == engine.Allowed {
			r.Notes = append(r.Notes, fmt.Sprintf("%s on %s was denied in the calls read, and the policy allows it: a generalized pattern reaches it; narrow it (--keys, --names) if it must stay denied", p.Action, p.Resource))
		}
	}
	if parsed.Size > policy.MaxManagedPolicySize {
		r.Notes = append(r.Notes, fmt.Sprintf("the policy has %d characters (whitespace excluded), more than a managed policy's %d: split it by service, or generalize more (--keys, --names)", parsed.Size, policy.MaxManagedPolicySize))
	}
	return nil
}
