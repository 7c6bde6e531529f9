package iamapi

import (
	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/store"
)

func loadGroup(tx store.Tx, account, name string) (*Group, error) {
	return loadAs[Group](tx, account, kindGroup, name, "The group with name %s cannot be found.")
}

func writeGroup(x *awsquery.Writer, g *Group) {
	x.Elem("Path", g.Path)
	x.Elem("GroupName", g.Name)
	x.Elem("GroupId", g.ID)
	x.Elem("Arn", g.Arn)
	x.Elem("CreateDate", fmtTime(g.Created))
}

func createGroup(c *call) error {
	name, path, err := c.nameAndPath("GroupName")
	if err != nil {
		return err
	}
	g := &Group{Name: name}
	g.Path, g.ID, g.Arn, g.Created = path, newID("AGPA"), arnOf(c.who.account, "group", path, name), c.s.now()
	if err := c.authorize("iam:CreateGroup", g.Arn, nil); err != nil {
		return err
	}
	err = c.s.update(c.ctx, func(tx store.Tx) error {
		return createNew(tx, &store.Entity{Account: c.who.account, Kind: kindGroup, Name: name, ID: g.ID, Body: marshal(g)}, apiErr(409, "EntityAlreadyExists", "Group with name %s already exists.", name))
	})
	if err != nil {
		return err
	}
	c.x.Open("Group")
	writeGroup(&c.x, g)
	c.x.Close("Group")
	return nil
}

func getGroup(c *call) error {
	name, err := c.p.Required("GroupName")
	if err != nil {
		return err
	}
	if _, err := c.principalFor(kindGroup, name, "iam:GetGroup", nil); err != nil {
		return err
	}
	var g *Group
	var members []*User
	err = c.s.view(c.ctx, func(tx store.Tx) error {
		if g, err = loadGroup(tx, c.who.account, name); err != nil {
			return err
		}
		for _, m := range g.Members {
			u, err := loadUser(tx, c.who.account, m)
			if err != nil {
				return err // a member is removed with its user: this is damage
			}
			members = append(members, u)
		}
		return nil
	})
	if err != nil {
		return err
	}
	c.x.Open("Group")
	writeGroup(&c.x, g)
	c.x.Close("Group")
	items, tail, err := page(c, members)
	if err != nil {
		return err
	}
	c.x.Open("Users")
	for _, u := range items {
		c.x.Open("member")
		writeUserFields(&c.x, u)
		c.x.Close("member")
	}
	c.x.Close("Users")
	tail()
	return nil
}

func listGroups(c *call) error {
	if err := c.authorize("iam:ListGroups", c.listResource("group"), nil); err != nil {
		return err
	}
	groups, err := listAll(c, kindGroup, func(g *Group) string { return g.Path })
	if err != nil {
		return err
	}
	return writeList(c, "Groups", groups, func(g *Group) { writeGroup(&c.x, g) })
}

func deleteGroup(c *call) error {
	name, err := c.p.Required("GroupName")
	if err != nil {
		return err
	}
	if _, err := c.principalFor(kindGroup, name, "iam:DeleteGroup", nil); err != nil {
		return err
	}
	return c.s.update(c.ctx, func(tx store.Tx) error {
		g, err := loadGroup(tx, c.who.account, name)
		if err != nil {
			return err
		}
		if len(g.Members) > 0 {
			return apiErr(409, "DeleteConflict", "Cannot delete entity, must remove users from group first.")
		}
		if err := g.policiesConflict(); err != nil {
			return err
		}
		return tx.Delete(c.who.account, kindGroup, name)
	})
}

// groupMembership adds a user to a group or removes it. Both sides keep
// the link: the user its groups (for authorization), the group its members.
func groupMembership(add bool) handler {
	return func(c *call) error {
		v, err := c.p.RequiredAll("GroupName", "UserName")
		if err != nil {
			return err
		}
		gname, uname := v[0], v[1]
		if _, err := c.principalFor(kindGroup, gname, c.action, nil); err != nil {
			return err
		}
		return c.s.update(c.ctx, func(tx store.Tx) error {
			g, err := loadGroup(tx, c.who.account, gname)
			if err != nil {
				return err
			}
			u, err := loadUser(tx, c.who.account, uname)
			if err != nil {
				return err
			}
			if add {
				if contains(g.Members, u.Name) {
					return nil
				}
				if len(u.Groups) >= 10 {
					return apiErr(409, "LimitExceeded", "Cannot exceed quota for GroupsPerUser: 10")
				}
				g.Members = append(g.Members, u.Name)
				u.Groups = append(u.Groups, g.Name)
			} else {
				if !contains(g.Members, u.Name) {
					return noSuchEntity("The user with name %s cannot be found in group %s.", uname, gname)
				}
				g.Members = remove(g.Members, u.Name)
				u.Groups = remove(u.Groups, g.Name)
			}
			if err := tx.Put(&store.Entity{Account: c.who.account, Kind: kindGroup, Name: g.Name, Body: marshal(g)}); err != nil {
				return err
			}
			return tx.Put(&store.Entity{Account: c.who.account, Kind: kindUser, Name: u.Name, Body: marshal(u)})
		})
	}
}

func listGroupsForUser(c *call) error {
	uname, err := c.p.Required("UserName")
	if err != nil {
		return err
	}
	if err := c.authorizeOn(kindUser, uname, "iam:ListGroupsForUser"); err != nil {
		return err
	}
	var groups []*Group
	err = c.s.view(c.ctx, func(tx store.Tx) error {
		u, err := loadUser(tx, c.who.account, uname)
		if err != nil {
			return err
		}
		for _, name := range u.Groups {
			if g, err := loadGroup(tx, c.who.account, name); err == nil {
				groups = append(groups, g)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeList(c, "Groups", groups, func(g *Group) { writeGroup(&c.x, g) })
}
