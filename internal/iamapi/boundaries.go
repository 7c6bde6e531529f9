package iamapi

import "github.com/wardhq/ward/internal/store"

// boundary sets or removes a permissions boundary; setting it is
// authorized with iam:PermissionsBoundary, so a policy can require one.
func boundary(kind, nameParam string, put bool) handler {
	return func(c *call) error {
		name, err := c.p.Required(nameParam)
		if err != nil {
			return err
		}
		var arn string
		ctx := map[string][]string{}
		if put {
			if arn, err = c.p.Required("PermissionsBoundary"); err != nil {
				return err
			}
			ctx["iam:PermissionsBoundary"] = []string{arn}
		}
		if err := c.authorizeOnWith(kind, name, c.action, ctx); err != nil {
			return err
		}
		return c.s.update(c.ctx, func(tx store.Tx) error {
			var ref *managedRef
			if put {
				if ref, err = c.s.resolvePolicy(tx, c.who.account, arn); err != nil {
					return err
				}
			}
			var old string
			err := c.editPrincipal(tx, kind, name, func(p *principal) error {
				old, p.Boundary = p.Boundary, arn
				return nil
			})
			if err != nil || old == arn {
				return err
			}
			if old != "" {
				if err := c.s.changeUseOf(tx, c.who.account, old, 0, -1); err != nil {
					return err
				}
			}
			if ref != nil {
				return changeUse(tx, c.who.account, ref, 0, 1)
			}
			return nil
		})
	}
}

// useBoundary counts the permissions boundary a new user or role is
// created with, which must name a managed policy exactly.
func (c *call) useBoundary(tx store.Tx, arn string) error {
	if arn == "" {
		return nil
	}
	ref, err := c.s.resolvePolicy(tx, c.who.account, arn)
	if err != nil {
		return err
	}
	return changeUse(tx, c.who.account, ref, 0, 1)
}
