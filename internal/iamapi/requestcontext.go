package iamapi

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wardhq/ward/internal/decisionlog"
	"github.com/wardhq/ward/internal/engine"
)

// scratch is the storage of one authorization: the prepared request, the
// decision, the context keys and the decision-log record. Scratches are
// pooled, so an authorization whose caller and policies are cached
// allocates nothing.
type scratch struct {
	prep engine.Prepared
	dec  engine.Decision
	keys []engine.ContextKey
	// logKeys is the context as the decision log records it.
	logKeys []engine.ContextKey
	matches []engine.Match
	rec     decisionlog.Record
	// logs passes records to Service.Decisions without allocating.
	logs [2]*decisionlog.Record
	// sourceIP backs the aws:SourceIp key's value.
	sourceIP [1]string
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func (sc *scratch) release() {
	clear(sc.keys)
	sc.keys = sc.keys[:0]
	clear(sc.logKeys)
	sc.logKeys = sc.logKeys[:0]
	clear(sc.matches)
	sc.matches = sc.matches[:0]
	sc.rec = decisionlog.Record{}
	sc.logs = [2]*decisionlog.Record{}
	sc.sourceIP[0] = ""
	scratchPool.Put(sc)
}

// add appends a context key unless one of the same name (compared as
// IAM compares key names, ignoring case) is there: the keys added first
// win.
func (sc *scratch) add(name string, values []string) {
	for i := range sc.keys {
		if strings.EqualFold(sc.keys[i].Name, name) {
			return
		}
	}
	sc.keys = append(sc.keys, engine.ContextKey{Name: name, Values: values})
}

func (sc *scratch) addMap(m map[string][]string) {
	for k, v := range m {
		sc.add(k, v)
	}
}

// Values of context keys that do not depend on the request.
var (
	valTrue    = []string{"true"}
	valFalse   = []string{"false"}
	valUSEast1 = []string{"us-east-1"}
)

// addCaller adds what AWS knows of a caller without being told (see
// caller.contextKeys), and the age of its MFA authentication.
func (sc *scratch) addCaller(who *caller, now time.Time) {
	for _, k := range who.contextKeys() {
		sc.add(k.Name, k.Values)
	}
	if !who.mfaTime.IsZero() {
		sc.add("aws:MultiFactorAuthAge", []string{strconv.FormatInt(int64(now.Sub(who.mfaTime)/time.Second), 10)})
	}
}

// addTransport adds the keys of the HTTP request itself.
func (sc *scratch) addTransport(sourceIP string, secure bool) {
	sc.sourceIP[0] = sourceIP
	sc.add("aws:SourceIp", sc.sourceIP[:])
	if secure {
		sc.add("aws:SecureTransport", valTrue)
	} else {
		sc.add("aws:SecureTransport", valFalse)
	}
	sc.add("aws:RequestedRegion", valUSEast1)
}

// contextKeys are the caller's own context keys: its unique ID, its tags
// (a user's, or a session's and its role's), the role behind a session,
// its source identity and whether its credentials were issued with MFA.
// They do not change while the caller is cached, so they are built once.
func (who *caller) contextKeys() []engine.ContextKey {
	who.keysOnce.Do(func() { who.keys = buildCallerKeys(who) })
	return who.keys
}

func buildCallerKeys(who *caller) []engine.ContextKey {
	var keys []engine.ContextKey
	add := func(name string, value ...string) {
		keys = append(keys, engine.ContextKey{Name: name, Values: value})
	}
	// MFA keys: present only in requests made with temporary credentials
	// (IAM User Guide, aws:MultiFactorAuthPresent); true, with the age in
	// seconds, when they were issued with an MFA code.
	if who.tempToken != "" || who.session != nil {
		if who.mfaTime.IsZero() {
			keys = append(keys, engine.ContextKey{Name: "aws:MultiFactorAuthPresent", Values: valFalse})
		} else {
			keys = append(keys, engine.ContextKey{Name: "aws:MultiFactorAuthPresent", Values: valTrue})
		}
	}
	switch who.kind {
	case callerUser:
		add("aws:userid", who.userID)
		for _, t := range who.user.Tags {
			add("aws:PrincipalTag/"+t.Key, t.Value)
		}
	case callerFederated:
		add("aws:userid", who.userID)
		for _, t := range who.session.Tags {
			add("aws:PrincipalTag/"+t.Key, t.Value)
		}
	case callerSession:
		add("aws:userid", who.userID)
		add("aws:PrincipalArn", who.session.RoleArn)
		// Session tags override the role's tags with the same key, keys
		// compared case-insensitively (IAM User Guide, session tags).
		for _, t := range who.session.Tags {
			add("aws:PrincipalTag/"+t.Key, t.Value)
		}
		for _, t := range who.roleTags {
			overridden := false
			for _, st := range who.session.Tags {
				overridden = overridden || strings.EqualFold(st.Key, t.Key)
			}
			if !overridden {
				add("aws:PrincipalTag/"+t.Key, t.Value)
			}
		}
		if who.session.SourceIdentity != "" {
			add("aws:SourceIdentity", who.session.SourceIdentity)
		}
	}
	return keys
}

// engineRequest is a request by a stored principal with the context keys
// ctx gives (a key given twice in it is the engine's error to report) and
// the principal's own keys that ctx does not give, these in sc.
func (sc *scratch) engineRequest(who *caller, action, resource string, ctx map[string][]string, now time.Time) engine.Request {
	sc.addCaller(who, now)
	kept := sc.keys[:0]
	for _, k := range sc.keys {
		if !hasKey(ctx, k.Name) {
			kept = append(kept, k)
		}
	}
	clear(sc.keys[len(kept):])
	sc.keys = kept
	return engine.Request{Principal: who.arn, Action: action, Resource: resource, ResourceAccount: who.account, Context: ctx, Keys: sc.keys, Now: now}
}

// hasKey reports whether ctx gives a key, whatever its case.
func hasKey(ctx map[string][]string, name string) bool {
	for k := range ctx {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// record fills sc.rec with the decision just made, for the decision log:
// its context is the keys the request gave (ctx, for /v1/authorize) and
// those ward added (sc.keys), in name order, so the line does not depend
// on a map's order.
func (sc *scratch) record(c *call, who *caller, action, resource string, ctx map[string][]string, now time.Time) *decisionlog.Record {
	d := &sc.dec
	sc.matches = d.AppendMatched(sc.matches[:0])
	sc.logKeys = sc.logKeys[:0]
	for k, v := range ctx {
		sc.logKeys = append(sc.logKeys, engine.ContextKey{Name: k, Values: v})
	}
	sc.logKeys = append(sc.logKeys, sc.keys...)
	slices.SortFunc(sc.logKeys, func(a, b engine.ContextKey) int { return strings.Compare(a.Name, b.Name) })
	sc.rec = decisionlog.Record{Time: now.UTC(), RequestID: c.requestID, Caller: who.arn, Account: who.account, Action: action, Resource: resource,
		Decision: d.Result.String(), DecidedBy: d.DecidedBy.String(), SourceIP: c.sourceIP, Context: sc.logKeys, Message: d.Message(), Matches: sc.matches}
	return &sc.rec
}
