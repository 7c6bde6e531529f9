package iamapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/store"
)

// trustBinding ties an IAM user or role that a trust policy names to the
// unique ID of the entity the name meant when the policy was stored. IAM
// does the same: a principal ARN in a trust policy is kept as the
// entity's unique ID, so that a user or role deleted and created again
// under the same name, or another renamed to it, is not trusted; once the
// entity is gone the policy shows its unique ID (AIDA…, AROA…) where the
// ARN was ("IAM JSON policy elements: Principal", "IAM identifiers").
type trustBinding struct {
	ARN string `json:"arn"`
	ID  string `json:"id"`
}

// bindTrust checks the principals of a trust policy about to be stored,
// inside the transaction that stores it, and binds every IAM user and
// role it names to that entity's unique ID. As IAM does, a principal that
// does not exist is refused with MalformedPolicyDocument ("Invalid
// principal in policy"): a user or role ARN that names no entity (or one
// with another path), an OIDC provider that was never created, a SAML
// provider (ward has none), a service principal that is not an AWS
// service's.
func bindTrust(tx store.Tx, doc string) ([]trustBinding, error) {
	p, err := policy.Parse([]byte(doc), "")
	if err != nil {
		return nil, err // checkDocument refused it already
	}
	var out []trustBinding
	seen := map[string]bool{}
	err = eachPrincipal(p, func(typ, v string, _ int) error {
		b, err := checkPrincipal(tx, typ, v)
		if b != nil && !seen[b.ARN] {
			seen[b.ARN] = true
			out = append(out, *b)
		}
		return err
	})
	return out, err
}

// eachPrincipal calls fn with every value of every Principal and
// NotPrincipal in p: its type, the value and where it was read.
func eachPrincipal(p *policy.Policy, fn func(typ, v string, offset int) error) error {
	for _, st := range p.Statements {
		pr, _ := st.Principals()
		if pr == nil {
			continue
		}
		for _, e := range pr.Entries {
			for i, v := range e.Values.Items {
				offset := -1
				if i < len(e.Values.Offsets) {
					offset = e.Values.Offsets[i]
				}
				if err := fn(e.Type, v, offset); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func invalidPrincipal(typ, v string) error {
	return apiErr(400, "MalformedPolicyDocument", "Invalid principal in policy: %q:%q", strings.ToUpper(typ), v)
}

// checkPrincipal checks one principal of a trust policy, returning its
// binding when it names an IAM user or role.
func checkPrincipal(tx store.Tx, typ, v string) (*trustBinding, error) {
	switch typ {
	case policy.PrincipalService:
		if !policy.IsServicePrincipal(v) {
			return nil, invalidPrincipal(typ, v)
		}
		return nil, nil
	case policy.PrincipalFederated:
		if !strings.HasPrefix(v, "arn:") {
			return nil, nil // a web identity provider named by host
		}
		account, kind, name, ok := iamARN(v)
		switch {
		case ok && kind == "oidc-provider":
			e, err := tx.Get(account, kindOIDC, name)
			if err != nil {
				return nil, invalidPrincipal(typ, v)
			}
			var op OIDCProvider
			if err := unmarshal(e.Body, &op); err != nil || op.Arn != v {
				return nil, invalidPrincipal(typ, v)
			}
			return nil, nil
		}
		return nil, invalidPrincipal(typ, v)
	case policy.PrincipalAWS:
		account, kind, name, ok := iamARN(v)
		if !ok || (kind != kindUser && kind != kindRole) {
			return nil, nil // "*", an account, a root ARN, a session ARN, a unique ID
		}
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			name = name[i+1:]
		}
		e, err := tx.Get(account, kind, name)
		if errors.Is(err, store.ErrNotFound) {
			return nil, invalidPrincipal(typ, v)
		}
		if err != nil {
			return nil, err
		}
		var pr principal
		if err := unmarshal(e.Body, &pr); err != nil {
			return nil, fmt.Errorf("stored %s %s: %w", kind, e.Name, err)
		}
		if pr.Arn != v {
			return nil, invalidPrincipal(typ, v)
		}
		return &trustBinding{ARN: v, ID: pr.ID}, nil
	}
	return nil, nil
}

// iamARN splits arn:aws:iam::ACCOUNT:KIND/REST into its account, kind and
// the rest (path and name).
func iamARN(arn string) (account, kind, rest string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] != "aws" || parts[2] != "iam" || parts[3] != "" {
		return "", "", "", false
	}
	kind, rest, ok = strings.Cut(parts[5], "/")
	return parts[4], kind, rest, ok && rest != ""
}

// effectiveTrust is a role's trust policy as IAM applies and shows it:
// every bound principal whose entity no longer bears that ARN (deleted,
// renamed, or replaced by a new entity of the same name) is replaced by
// the unique ID it was bound to, which matches no caller.
func effectiveTrust(tx store.Tx, r *Role) (string, error) {
	var stale map[string]string
	for _, b := range r.TrustBindings {
		live, err := bearsARN(tx, b)
		if err != nil {
			return "", err
		}
		if !live {
			if stale == nil {
				stale = map[string]string{}
			}
			stale[b.ARN] = b.ID
		}
	}
	if stale == nil {
		return r.AssumeRolePolicy, nil
	}
	return replacePrincipals(r.AssumeRolePolicy, stale)
}

// bearsARN reports whether the entity a binding names still exists under
// the bound ARN.
func bearsARN(tx store.Tx, b trustBinding) (bool, error) {
	if b.ID == "" {
		return false, nil
	}
	e, err := tx.GetByID(b.ID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var pr principal
	if err := unmarshal(e.Body, &pr); err != nil {
		return false, fmt.Errorf("stored %s %s: %w", e.Kind, e.Name, err)
	}
	return pr.Arn == b.ARN, nil
}

// replacePrincipals rewrites doc with each AWS principal in ids replaced
// by its unique ID. Only the principal strings change; the rest of the
// document is kept byte for byte.
func replacePrincipals(doc string, ids map[string]string) (string, error) {
	p, err := policy.Parse([]byte(doc), "")
	if err != nil {
		return "", err
	}
	type splice struct {
		from, to int
		with     string
	}
	var edits []splice
	err = eachPrincipal(p, func(typ, v string, from int) error {
		id, ok := ids[v]
		if typ != policy.PrincipalAWS || !ok {
			return nil
		}
		to, ok := stringTokenEnd(doc, from)
		if !ok {
			return fmt.Errorf("trust policy: no string at offset %d", from)
		}
		edits = append(edits, splice{from, to, `"` + id + `"`})
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].from > edits[j].from })
	for _, e := range edits {
		doc = doc[:e.from] + e.with + doc[e.to:]
	}
	return doc, nil
}

// stringTokenEnd returns the offset just past the JSON string that
// starts at from.
func stringTokenEnd(doc string, from int) (int, bool) {
	if from >= len(doc) || doc[from] != '"' {
		return 0, false
	}
	for i := from + 1; i < len(doc); i++ {
		switch doc[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return 0, false
}

// bindToUniqueIDs binds what an account stored before bindings were kept:
// each access key and enabled MFA device to the unique ID of the user of
// its name, and each role's trust principals to the entities they name.
// A key or device whose user is gone is deleted (it could only ever have
// authenticated as the next user given that name); a trust principal
// that names nothing is bound to an ID no entity has, so that it matches
// nobody.
func bindToUniqueIDs(tx store.Tx, account string) error {
	userID := func(name string) (string, error) {
		u, err := loadUser(tx, account, name)
		var ae *awsquery.Error
		if errors.As(err, &ae) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		return u.ID, nil
	}
	keyEntities, keys, err := listAs[AccessKey](tx, account, kindKey)
	if err != nil {
		return err
	}
	for i, k := range keys {
		e := keyEntities[i]
		if k.UserName == "" || k.UserID != "" {
			continue
		}
		if k.UserID, err = userID(k.UserName); err != nil {
			return err
		}
		if k.UserID == "" {
			if err := tx.Delete(account, kindKey, e.Name); err != nil {
				return err
			}
			continue
		}
		e.Body = marshal(k)
		if err := tx.Put(e); err != nil {
			return err
		}
	}
	devices, err := allMFADevices(tx, account)
	if err != nil {
		return err
	}
	for _, d := range devices {
		if d.UserName == "" || d.UserID != "" {
			continue
		}
		if d.UserID, err = userID(d.UserName); err != nil {
			return err
		}
		if d.UserID == "" {
			d.UserName, d.UserArn, d.Enabled = "", "", time.Time{}
		}
		if err := putMFA(tx, account, d); err != nil {
			return err
		}
	}
	roleEntities, roles, err := listAs[Role](tx, account, kindRole)
	if err != nil {
		return err
	}
	for i, r := range roles {
		e := roleEntities[i]
		if r.TrustBindings != nil {
			continue
		}
		bindings, err := bindExisting(tx, r.AssumeRolePolicy)
		if err != nil {
			return fmt.Errorf("role %s: %w", r.Name, err)
		}
		// Only the bindings are added: the rest of the body is kept as
		// stored, fields this version does not know included.
		var body map[string]json.RawMessage
		if err := decode(e, &body); err != nil {
			return err
		}
		body["trustBindings"] = marshal(bindings)
		e.Body = marshal(body)
		if err := tx.Put(e); err != nil {
			return err
		}
	}
	return nil
}

// bindExisting binds the IAM users and roles a stored trust policy names,
// as bindTrust does, but binds a principal that names nothing to an ID
// no entity has instead of refusing the policy.
func bindExisting(tx store.Tx, doc string) ([]trustBinding, error) {
	p, err := policy.Parse([]byte(doc), "")
	if err != nil {
		return []trustBinding{}, nil // it denies as it is (compileStored)
	}
	out := []trustBinding{}
	err = eachPrincipal(p, func(typ, v string, _ int) error {
		if typ != policy.PrincipalAWS {
			return nil
		}
		b, err := checkPrincipal(tx, typ, v)
		var ae *awsquery.Error
		switch {
		case errors.As(err, &ae):
			// Bound to a fresh ID that no entity has: shown and matched
			// as the ID of an entity since deleted.
			prefix := "AIDA"
			if _, kind, _, _ := iamARN(v); kind == kindRole {
				prefix = "AROA"
			}
			out = append(out, trustBinding{ARN: v, ID: newID(prefix)})
		case err != nil:
			return err
		case b != nil:
			out = append(out, *b)
		}
		return nil
	})
	return out, err
}
