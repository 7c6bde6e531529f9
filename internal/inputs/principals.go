package inputs

import (
	"sort"
	"strings"
)

// Principal is a user, group or role an input defines, with the policies
// that give it its permissions: what a permission document is written
// for, one per role or user.
type Principal struct {
	Kind string // "user", "group" or "role"
	// Name is how the input names it to people: the entity's name, else
	// a template's logical ID or a plan's address.
	Name string
	// Key is how the input's policies name it (Entity.Name): the name in
	// account details, ${LogicalId} in a template, the name or the
	// address in a plan.
	Key string
	ARN string // when the input gives it
	// Path is the JSON path of the entity in its file.
	Path string
	// Trust is the index in File.Docs of a role's trust policy, -1 when
	// the input holds none.
	Trust int
	// Inline are the indexes in File.Docs of the inline policies put in
	// it, in the order the input writes them.
	Inline []int
	// Managed are the managed policies attached to it.
	Managed []ManagedRef
	// Boundary is the ARN of its permissions boundary, "" when none.
	Boundary string
	// Groups, for a user, are the names of the groups it is in.
	Groups []string
}

// ManagedRef is a managed policy attached to a principal.
type ManagedRef struct {
	// ARN as the input writes it: an ARN, or a template's ${LogicalId},
	// or a plan's address when the ARN is known only after apply.
	ARN  string
	Name string
	// Doc is the index in File.Docs of the policy when the input holds
	// it (a customer managed policy), -1 otherwise: an AWS managed
	// policy is read from the catalog.
	Doc int
}

// IsAWSManaged reports whether the reference is to an AWS managed policy.
func (m ManagedRef) IsAWSManaged() bool { return strings.HasPrefix(m.ARN, "arn:aws:iam::aws:policy/") }

// Principal finds a principal by kind and name (or key), nil when the
// input defines none.
func (f *File) Principal(kind, name string) *Principal {
	for i := range f.Principals {
		p := &f.Principals[i]
		if p.Kind == kind && (p.Name == name || p.Key == name) {
			return p
		}
	}
	return nil
}

// addPrincipal starts a principal and returns its index.
func (f *File) addPrincipal(p Principal) int {
	p.Trust = -1
	f.Principals = append(f.Principals, p)
	return len(f.Principals) - 1
}

// linkPrincipals finishes the principals once every document is read:
// each inline policy goes to the entities it is put in, each managed
// reference to the document the input holds for it, and the list is put
// in kind and name order, so documents come out the same every time.
func (f *File) linkPrincipals(managed map[string]int) {
	if len(f.Principals) == 0 {
		return
	}
	byKey := map[string]int{}
	for i, p := range f.Principals {
		byKey[p.Kind+"\x00"+p.Key] = i
	}
	for d := range f.Docs {
		for _, e := range f.Docs[d].Entities {
			if i, ok := byKey[e.Kind+"\x00"+e.Name]; ok && !contains(f.Principals[i].Inline, d) {
				f.Principals[i].Inline = append(f.Principals[i].Inline, d)
			}
		}
	}
	for i := range f.Principals {
		p := &f.Principals[i]
		for j := range p.Managed {
			p.Managed[j].Doc = -1
			if d, ok := managed[p.Managed[j].ARN]; ok {
				p.Managed[j].Doc = d
				if p.Managed[j].Name == "" {
					p.Managed[j].Name = f.Docs[d].Name
				}
			}
			if p.Managed[j].Name == "" {
				p.Managed[j].Name = p.Managed[j].ARN[strings.LastIndex(p.Managed[j].ARN, "/")+1:]
			}
		}
	}
	sort.SliceStable(f.Principals, func(i, j int) bool {
		a, b := f.Principals[i], f.Principals[j]
		if a.Kind != b.Kind {
			return kindRank[a.Kind] < kindRank[b.Kind]
		}
		return a.Name < b.Name
	})
}

// kindRank orders principals: roles, then users, then groups.
var kindRank = map[string]int{"role": 0, "user": 1, "group": 2}

func contains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
