package iamapi

import (
	"time"

	"github.com/wardhq/ward/internal/store"
)

const kindProfile = "instanceprofile"

// InstanceProfile is an EC2 instance profile: a container for one role.
type InstanceProfile struct {
	Name    string    `json:"name"`
	ID      string    `json:"id"`
	Arn     string    `json:"arn"`
	Path    string    `json:"path"`
	Created time.Time `json:"created"`
	Roles   []string  `json:"roles,omitempty"`
	Tags    []Tag     `json:"tags,omitempty"`
}

func loadProfile(tx store.Tx, account, name string) (*InstanceProfile, error) {
	return loadAs[InstanceProfile](tx, account, kindProfile, name, "Instance Profile %s cannot be found.")
}

func (c *call) writeProfile(tx store.Tx, p *InstanceProfile) {
	c.x.Elem("Path", p.Path)
	c.x.Elem("InstanceProfileName", p.Name)
	c.x.Elem("InstanceProfileId", p.ID)
	c.x.Elem("Arn", p.Arn)
	c.x.Elem("CreateDate", fmtTime(p.Created))
	c.x.Open("Roles")
	for _, rn := range p.Roles {
		if r, err := loadRole(tx, c.who.account, rn); err == nil {
			c.x.Open("member")
			writeRole(&c.x, r, false)
			c.x.Close("member")
		}
	}
	c.x.Close("Roles")
}

func createInstanceProfile(c *call) error {
	name, path, err := c.nameAndPath("InstanceProfileName")
	if err != nil {
		return err
	}
	p := &InstanceProfile{Name: name, ID: newID("AIPA"), Arn: arnOf(c.who.account, "instance-profile", path, name), Path: path, Created: c.s.now(), Tags: tagsParam(c.p, "Tags")}
	if err := c.authorize("iam:CreateInstanceProfile", p.Arn, nil); err != nil {
		return err
	}
	return c.s.update(c.ctx, func(tx store.Tx) error {
		if err := createNew(tx, &store.Entity{Account: c.who.account, Kind: kindProfile, Name: name, ID: p.ID, Body: marshal(p)}, apiErr(409, "EntityAlreadyExists", "Instance Profile %s already exists.", name)); err != nil {
			return err
		}
		c.x.Open("InstanceProfile")
		c.writeProfile(tx, p)
		c.x.Close("InstanceProfile")
		return nil
	})
}

// profileFor reads the instance profile a request names and authorizes
// the call on it, before saying whether it exists (entityFor).
func (c *call) profileFor(name string) (*InstanceProfile, error) {
	return entityFor[InstanceProfile](c, kindProfile, "instance-profile", name, c.action, nil, "Instance Profile %s cannot be found.")
}

func getInstanceProfile(c *call) error {
	name, err := c.p.Required("InstanceProfileName")
	if err != nil {
		return err
	}
	p, err := c.profileFor(name)
	if err != nil {
		return err
	}
	return c.s.view(c.ctx, func(tx store.Tx) error {
		c.x.Open("InstanceProfile")
		c.writeProfile(tx, p)
		c.x.Close("InstanceProfile")
		return nil
	})
}

func deleteInstanceProfile(c *call) error {
	name, err := c.p.Required("InstanceProfileName")
	if err != nil {
		return err
	}
	if _, err := c.profileFor(name); err != nil {
		return err
	}
	return c.s.update(c.ctx, func(tx store.Tx) error {
		p, err := loadProfile(tx, c.who.account, name)
		if err != nil {
			return err
		}
		if len(p.Roles) > 0 {
			return apiErr(409, "DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.")
		}
		return tx.Delete(c.who.account, kindProfile, name)
	})
}

func listInstanceProfiles(c *call) error {
	if err := c.authorize("iam:ListInstanceProfiles", c.listResource("instance-profile"), nil); err != nil {
		return err
	}
	return c.s.view(c.ctx, func(tx store.Tx) error {
		es, err := tx.List(c.who.account, kindProfile, "")
		if err != nil {
			return err
		}
		var ps []*InstanceProfile
		for _, e := range es {
			var p InstanceProfile
			unmarshal(e.Body, &p)
			ps = append(ps, &p)
		}
		items, tail, err := page(c, ps)
		if err != nil {
			return err
		}
		c.x.Open("InstanceProfiles")
		for _, p := range items {
			c.x.Open("member")
			c.writeProfile(tx, p)
			c.x.Close("member")
		}
		c.x.Close("InstanceProfiles")
		tail()
		return nil
	})
}

// profileRole adds a role to an instance profile (one role at most, as
// in IAM) or removes it.
func profileRole(add bool) handler {
	return func(c *call) error {
		v, err := c.p.RequiredAll("InstanceProfileName", "RoleName")
		if err != nil {
			return err
		}
		pname, rname := v[0], v[1]
		if _, err := c.profileFor(pname); err != nil {
			return err
		}
		if err := c.s.view(c.ctx, func(tx store.Tx) error {
			_, err := loadRole(tx, c.who.account, rname)
			return err
		}); err != nil {
			return err
		}
		return c.s.update(c.ctx, func(tx store.Tx) error {
			p, err := loadProfile(tx, c.who.account, pname)
			if err != nil {
				return err
			}
			if add {
				if len(p.Roles) >= 1 {
					return apiErr(409, "LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
				}
				p.Roles = []string{rname}
			} else {
				if !contains(p.Roles, rname) {
					return noSuchEntity("The role with name %s cannot be found in instance profile %s.", rname, pname)
				}
				p.Roles = remove(p.Roles, rname)
			}
			return tx.Put(&store.Entity{Account: c.who.account, Kind: kindProfile, Name: p.Name, Body: marshal(p)})
		})
	}
}

func listInstanceProfilesForRole(c *call) error {
	rname, err := c.p.Required("RoleName")
	if err != nil {
		return err
	}
	if err := c.authorizeOn(kindRole, rname, "iam:ListInstanceProfilesForRole"); err != nil {
		return err
	}
	return c.s.view(c.ctx, func(tx store.Tx) error {
		_, profiles, err := listAs[InstanceProfile](tx, c.who.account, kindProfile)
		if err != nil {
			return err
		}
		c.x.Open("InstanceProfiles")
		for _, p := range profiles {
			if contains(p.Roles, rname) {
				c.x.Open("member")
				c.writeProfile(tx, p)
				c.x.Close("member")
			}
		}
		c.x.Close("InstanceProfiles")
		c.x.Elem("IsTruncated", "false")
		return nil
	})
}

// roleInProfile reports whether a role is in an instance profile, which
// keeps it from being deleted.
func roleInProfile(tx store.Tx, account, role string) (bool, error) {
	_, profiles, err := listAs[InstanceProfile](tx, account, kindProfile)
	if err != nil {
		return false, err
	}
	for _, p := range profiles {
		if contains(p.Roles, role) {
			return true, nil
		}
	}
	return false, nil
}
