package iamapi

import (
	"fmt"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/store"
)

func writeRole(x *awsquery.Writer, r *Role, full bool) {
	x.Elem("Path", r.Path)
	x.Elem("RoleName", r.Name)
	x.Elem("RoleId", r.ID)
	x.Elem("Arn", r.Arn)
	x.Elem("CreateDate", fmtTime(r.Created))
	x.Elem("AssumeRolePolicyDocument", awsquery.EncodeDocument(r.AssumeRolePolicy))
	if r.Description != "" {
		x.Elem("Description", r.Description)
	}
	x.Elem("MaxSessionDuration", fmt.Sprint(r.MaxSessionDuration))
	if full {
		if r.Boundary != "" {
			x.Open("PermissionsBoundary")
			x.Elem("PermissionsBoundaryType", "PermissionsBoundaryPolicy")
			x.Elem("PermissionsBoundaryArn", r.Boundary)
			x.Close("PermissionsBoundary")
		}
		writeTags(x, r.Tags)
	}
}

func createRole(c *call) error {
	name, path, err := c.nameAndPath("RoleName")
	if err != nil {
		return err
	}
	doc, err := c.document("AssumeRolePolicyDocument", policy.KindTrust)
	if err != nil {
		return err
	}
	maxDur, err := c.p.IntOr("MaxSessionDuration", 3600)
	if err != nil {
		return err
	}
	tags := tagsParam(c.p, "Tags")
	if len(tags) > 50 {
		return apiErr(409, "LimitExceeded", "Cannot exceed quota for TagsPerRole: 50")
	}
	r := &Role{Name: name, AssumeRolePolicy: doc, Description: c.p.Get("Description"), MaxSessionDuration: maxDur}
	r.Path, r.ID, r.Arn, r.Created, r.Tags = path, newID("AROA"), arnOf(c.who.account, "role", path, name), c.s.now(), tags
	r.Boundary = c.p.Get("PermissionsBoundary")
	ctx := createContext(tags, r.Boundary)
	if err := c.authorize("iam:CreateRole", r.Arn, ctx); err != nil {
		return err
	}
	err = c.s.update(c.ctx, func(tx store.Tx) error {
		if r.TrustBindings, err = bindTrust(tx, doc); err != nil {
			return err
		}
		if err := c.useBoundary(tx, r.Boundary); err != nil {
			return err
		}
		return createNew(tx, &store.Entity{Account: c.who.account, Kind: kindRole, Name: name, ID: r.ID, Body: marshal(r)}, apiErr(409, "EntityAlreadyExists", "Role with name %s already exists.", name))
	})
	if err != nil {
		return err
	}
	c.x.Open("Role")
	writeRole(&c.x, r, true)
	c.x.Close("Role")
	return nil
}

// loadRole reads a role, its trust policy as IAM applies and shows it
// (effectiveTrust).
func loadRole(tx store.Tx, account, name string) (*Role, error) {
	r, err := loadAs[Role](tx, account, kindRole, name, "The role with name %s cannot be found.")
	if err != nil {
		return nil, err
	}
	if r.AssumeRolePolicy, err = effectiveTrust(tx, r); err != nil {
		return nil, err
	}
	return r, nil
}

func getRole(c *call) error {
	name, err := c.p.Required("RoleName")
	if err != nil {
		return err
	}
	if _, err := c.principalFor(kindRole, name, "iam:GetRole", nil); err != nil {
		return err
	}
	var r *Role
	if err := c.s.view(c.ctx, func(tx store.Tx) error {
		r, err = loadRole(tx, c.who.account, name)
		return err
	}); err != nil {
		return err
	}
	c.x.Open("Role")
	writeRole(&c.x, r, true)
	c.x.Close("Role")
	return nil
}

func listRoles(c *call) error {
	if err := c.authorize("iam:ListRoles", c.listResource("role"), nil); err != nil {
		return err
	}
	roles, err := listAll(c, kindRole, func(r *Role) string { return r.Path })
	if err != nil {
		return err
	}
	if err := c.s.view(c.ctx, func(tx store.Tx) error {
		for _, r := range roles {
			if r.AssumeRolePolicy, err = effectiveTrust(tx, r); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	return writeList(c, "Roles", roles, func(r *Role) { writeRole(&c.x, r, false) })
}

func deleteRole(c *call) error {
	name, err := c.p.Required("RoleName")
	if err != nil {
		return err
	}
	if err := c.authorizeOn(kindRole, name, "iam:DeleteRole"); err != nil {
		return err
	}
	return c.s.update(c.ctx, func(tx store.Tx) error {
		r, err := loadRole(tx, c.who.account, name)
		if err != nil {
			return err
		}
		if err := r.policiesConflict(); err != nil {
			return err
		}
		inProfile, err := roleInProfile(tx, c.who.account, name)
		if err != nil {
			return err
		}
		if inProfile {
			return apiErr(409, "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.")
		}
		if r.Boundary != "" {
			if err := c.s.changeUseOf(tx, c.who.account, r.Boundary, 0, -1); err != nil {
				return err
			}
		}
		return tx.Delete(c.who.account, kindRole, name)
	})
}

func updateAssumeRolePolicy(c *call) error {
	name, err := c.p.Required("RoleName")
	if err != nil {
		return err
	}
	doc, err := c.document("PolicyDocument", policy.KindTrust)
	if err != nil {
		return err
	}
	if err := c.authorizeOn(kindRole, name, "iam:UpdateAssumeRolePolicy"); err != nil {
		return err
	}
	return c.s.update(c.ctx, func(tx store.Tx) error {
		r, err := loadRole(tx, c.who.account, name)
		if err != nil {
			return err
		}
		if r.TrustBindings, err = bindTrust(tx, doc); err != nil {
			return err
		}
		r.AssumeRolePolicy = doc
		return tx.Put(&store.Entity{Account: c.who.account, Kind: kindRole, Name: r.Name, Body: marshal(r)})
	})
}

func updateRole(c *call) error {
	name, err := c.p.Required("RoleName")
	if err != nil {
		return err
	}
	maxDur := 0
	if c.p.Get("MaxSessionDuration") != "" {
		if maxDur, err = c.p.IntOr("MaxSessionDuration", 0); err != nil {
			return err
		}
	}
	if err := c.authorizeOn(kindRole, name, c.action); err != nil {
		return err
	}
	var out *Role
	err = c.s.update(c.ctx, func(tx store.Tx) error {
		r, err := loadRole(tx, c.who.account, name)
		if err != nil {
			return err
		}
		if _, ok := c.p["Description"]; ok {
			r.Description = c.p.Get("Description")
		}
		if maxDur > 0 {
			r.MaxSessionDuration = maxDur
		}
		out = r
		return tx.Put(&store.Entity{Account: c.who.account, Kind: kindRole, Name: r.Name, Body: marshal(r)})
	})
	if err != nil {
		return err
	}
	if c.op == "UpdateRoleDescription" {
		c.x.Open("Role")
		writeRole(&c.x, out, true)
		c.x.Close("Role")
	}
	return nil
}
