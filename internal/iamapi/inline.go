package iamapi

import (
	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/store"
)

// checkInlineQuota refuses inline policies whose sizes together exceed
// their entity's quota, in IAM's words.
func checkInlineQuota(kind, name string, inline []NamedPolicy) error {
	total := 0
	for _, in := range inline {
		p, err := policy.Parse([]byte(in.Document), "")
		if err != nil {
			return apiErr(400, "MalformedPolicyDocument", "%v", err)
		}
		total += p.Size
	}
	if limit := policy.InlineQuota(kind); total > limit {
		return apiErr(409, "LimitExceeded", "Maximum policy size of %d bytes exceeded for %s %s", limit, kind, name)
	}
	return nil
}

func putInline(kind, nameParam string) handler {
	return func(c *call) error {
		name, err := c.p.Required(nameParam)
		if err != nil {
			return err
		}
		pname, err := c.p.Required("PolicyName")
		if err != nil {
			return err
		}
		doc, err := c.p.Required("PolicyDocument")
		if err != nil {
			return err
		}
		// An inline policy is bound by its entity's quota for all its
		// inline policies together, not by a managed policy's 6,144.
		if err := checkDocument(doc, policy.KindIdentity, policy.SkipSizeLimit); err != nil {
			return err
		}
		if err := c.authorizeOn(kind, name, c.action); err != nil {
			return err
		}
		return c.s.update(c.ctx, func(tx store.Tx) error {
			return c.editPrincipal(tx, kind, name, func(p *principal) error {
				inline := append([]NamedPolicy(nil), p.Inline...)
				replaced := false
				for i := range inline {
					if inline[i].Name == pname {
						inline[i].Document, replaced = doc, true
					}
				}
				if !replaced {
					inline = append(inline, NamedPolicy{Name: pname, Document: doc})
				}
				if err := checkInlineQuota(kind, name, inline); err != nil {
					return err
				}
				p.Inline = inline
				return nil
			})
		})
	}
}

func getInline(kind, nameParam string) handler {
	return func(c *call) error {
		v, err := c.p.RequiredAll(nameParam, "PolicyName")
		if err != nil {
			return err
		}
		name, pname := v[0], v[1]
		p, err := c.principalFor(kind, name, c.action, nil)
		if err != nil {
			return err
		}
		for _, in := range p.Inline {
			if in.Name == pname {
				c.x.Elem(nameParam, name)
				c.x.Elem("PolicyName", in.Name)
				c.x.Elem("PolicyDocument", awsquery.EncodeDocument(in.Document))
				return nil
			}
		}
		return noSuchEntity("The %s policy with name %s cannot be found.", kind, pname)
	}
}

func deleteInline(kind, nameParam string) handler {
	return func(c *call) error {
		v, err := c.p.RequiredAll(nameParam, "PolicyName")
		if err != nil {
			return err
		}
		name, pname := v[0], v[1]
		if err := c.authorizeOn(kind, name, c.action); err != nil {
			return err
		}
		return c.s.update(c.ctx, func(tx store.Tx) error {
			return c.editPrincipal(tx, kind, name, func(p *principal) error {
				for i := range p.Inline {
					if p.Inline[i].Name == pname {
						p.Inline = append(p.Inline[:i], p.Inline[i+1:]...)
						return nil
					}
				}
				return noSuchEntity("The %s policy with name %s cannot be found.", kind, pname)
			})
		})
	}
}

func listInline(kind, nameParam string) handler {
	return func(c *call) error {
		p, err := c.namedPrincipal(kind, nameParam)
		if err != nil {
			return err
		}
		var names []string
		for _, in := range p.Inline {
			names = append(names, in.Name)
		}
		items, tail, err := page(c, names)
		if err != nil {
			return err
		}
		c.x.Open("PolicyNames")
		for _, n := range items {
			c.x.Elem("member", n)
		}
		c.x.Close("PolicyNames")
		tail()
		return nil
	}
}
