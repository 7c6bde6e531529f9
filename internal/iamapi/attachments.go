package iamapi

import (
	"encoding/json"
	"strings"

	"github.com/wardhq/ward/internal/store"
)

// editPrincipal loads a user or role body for editing as generic JSON
// plus its principal part, runs edit, and stores it.
func (c *call) editPrincipal(tx store.Tx, kind, name string, edit func(p *principal) error) error {
	e, err := tx.Get(c.who.account, kind, name)
	if err != nil {
		return noSuchEntity("The %s with name %s cannot be found.", kind, name)
	}
	// A body that does not decode is refused, never rewritten from
	// what could be read of it.
	var body map[string]json.RawMessage
	var p principal
	if err := decode(e, &body); err != nil {
		return err
	}
	if err := decode(e, &p); err != nil {
		return err
	}
	if err := edit(&p); err != nil {
		return err
	}
	for k, v := range map[string]any{"attached": p.Attached, "inline": p.Inline, "tags": p.Tags, "boundary": p.Boundary} {
		body[k] = marshal(v)
	}
	e.Body = marshal(body)
	return tx.Put(e)
}

func attach(kind, nameParam string, on bool) handler {
	return func(c *call) error {
		name, err := c.p.Required(nameParam)
		if err != nil {
			return err
		}
		arn, err := c.p.Required("PolicyArn")
		if err != nil {
			return err
		}
		if err := c.authorizeOnWith(kind, name, c.action, map[string][]string{"iam:PolicyARN": {arn}}); err != nil {
			return err
		}
		return c.s.update(c.ctx, func(tx store.Tx) error {
			var ref *managedRef
			if on {
				// Only the exact ARN of a policy that exists, in this
				// account or AWS's, is attached.
				if ref, err = c.s.resolvePolicy(tx, c.who.account, arn); err != nil {
					return err
				}
			}
			changed := false
			err := c.editPrincipal(tx, kind, name, func(p *principal) error {
				for i, a := range p.Attached {
					if a == arn {
						if !on {
							p.Attached = append(p.Attached[:i], p.Attached[i+1:]...)
							changed = true
						}
						return nil
					}
				}
				if !on {
					return noSuchEntity("Policy %s was not found.", arn)
				}
				if len(p.Attached) >= 10 {
					return apiErr(409, "LimitExceeded", "Cannot exceed quota for PoliciesPer%s: 10", strings.ToUpper(kind[:1])+kind[1:])
				}
				p.Attached = append(p.Attached, arn)
				changed = true
				return nil
			})
			switch {
			case err != nil || !changed:
				return err
			case on:
				return changeUse(tx, c.who.account, ref, 1, 0)
			}
			return c.s.changeUseOf(tx, c.who.account, arn, -1, 0)
		})
	}
}

func listAttached(kind, nameParam string) handler {
	return func(c *call) error {
		p, err := c.namedPrincipal(kind, nameParam)
		if err != nil {
			return err
		}
		return writeList(c, "AttachedPolicies", p.Attached, func(arn string) {
			c.x.Elem("PolicyName", arn[strings.LastIndexByte(arn, '/')+1:])
			c.x.Elem("PolicyArn", arn)
		})
	}
}
