package iamapi

import (
	"strings"
	"time"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/store"
)

// writeUserFields writes what every answer that lists a user says of it.
func writeUserFields(x *awsquery.Writer, u *User) {
	x.Elem("Path", u.Path)
	x.Elem("UserName", u.Name)
	x.Elem("UserId", u.ID)
	x.Elem("Arn", u.Arn)
	x.Elem("CreateDate", fmtTime(u.Created))
}

func writeUser(x *awsquery.Writer, u *User) {
	x.Open("User")
	writeUserFields(x, u)
	if u.Boundary != "" {
		x.Open("PermissionsBoundary")
		x.Elem("PermissionsBoundaryType", "PermissionsBoundaryPolicy")
		x.Elem("PermissionsBoundaryArn", u.Boundary)
		x.Close("PermissionsBoundary")
	}
	writeTags(x, u.Tags)
	x.Close("User")
}

func createUser(c *call) error {
	name, path, err := c.nameAndPath("UserName")
	if err != nil {
		return err
	}
	tags := tagsParam(c.p, "Tags")
	if len(tags) > 50 {
		return apiErr(409, "LimitExceeded", "Cannot exceed quota for TagsPerUser: 50")
	}
	u := &User{Name: name}
	u.Path, u.ID, u.Arn, u.Created, u.Tags = path, newID("AIDA"), arnOf(c.who.account, "user", path, name), c.s.now(), tags
	u.Boundary = c.p.Get("PermissionsBoundary")
	ctx := createContext(tags, u.Boundary)
	if err := c.authorize("iam:CreateUser", u.Arn, ctx); err != nil {
		return err
	}
	err = c.s.update(c.ctx, func(tx store.Tx) error {
		if err := c.useBoundary(tx, u.Boundary); err != nil {
			return err
		}
		return createNew(tx, &store.Entity{Account: c.who.account, Kind: kindUser, Name: name, ID: u.ID, Body: marshal(u)}, apiErr(409, "EntityAlreadyExists", "User with name %s already exists.", name))
	})
	if err != nil {
		return err
	}
	writeUser(&c.x, u)
	return nil
}

// loadUser reads a user; NoSuchEntity as IAM words it.
func loadUser(tx store.Tx, account, name string) (*User, error) {
	return loadAs[User](tx, account, kindUser, name, "The user with name %s cannot be found.")
}

func getUser(c *call) error {
	name := c.p.Get("UserName")
	if name == "" {
		// Without a name, GetUser describes the caller.
		if c.who.kind == callerRoot {
			c.x.Open("User")
			c.x.Elem("UserId", c.who.account)
			c.x.Elem("Arn", c.who.arn)
			c.x.Elem("CreateDate", fmtTime(time.Unix(0, 0)))
			c.x.Close("User")
			return nil
		}
		if c.who.kind != callerUser {
			return apiErr(400, "ValidationError", "Must specify userName when calling with non-User credentials")
		}
		name = c.who.user.Name
	}
	if _, err := c.principalFor(kindUser, name, "iam:GetUser", nil); err != nil {
		return err
	}
	var u *User
	if err := c.s.view(c.ctx, func(tx store.Tx) error {
		var err error
		u, err = loadUser(tx, c.who.account, name)
		return err
	}); err != nil {
		return err
	}
	writeUser(&c.x, u)
	return nil
}

func listUsers(c *call) error {
	if err := c.authorize("iam:ListUsers", c.listResource("user"), nil); err != nil {
		return err
	}
	users, err := listAll(c, kindUser, func(u *User) string { return u.Path })
	if err != nil {
		return err
	}
	return writeList(c, "Users", users, func(u *User) {
		c.x.Elem("Path", u.Path)
		c.x.Elem("UserName", u.Name)
		c.x.Elem("UserId", u.ID)
		c.x.Elem("Arn", u.Arn)
		c.x.Elem("CreateDate", fmtTime(u.Created))
	})
}

func deleteUser(c *call) error {
	name, err := c.p.Required("UserName")
	if err != nil {
		return err
	}
	if err := c.authorizeOn(kindUser, name, "iam:DeleteUser"); err != nil {
		return err
	}
	return c.s.update(c.ctx, func(tx store.Tx) error {
		u, err := loadUser(tx, c.who.account, name)
		if err != nil {
			return err
		}
		if err := u.policiesConflict(); err != nil {
			return err
		}
		if len(u.Groups) > 0 {
			return apiErr(409, "DeleteConflict", "Cannot delete entity, must remove users from group first.")
		}
		if u.Boundary != "" {
			if err := c.s.changeUseOf(tx, c.who.account, u.Boundary, 0, -1); err != nil {
				return err
			}
		}
		// Keys and MFA devices are checked in the transaction that
		// deletes: one created meanwhile cannot outlive its user.
		_, keys, err := keysOf(tx, c.who.account, u.ID)
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			return apiErr(409, "DeleteConflict", "Cannot delete entity, must delete access keys first.")
		}
		devices, err := mfaDevicesOf(tx, c.who.account, u.ID)
		if err != nil {
			return err
		}
		if len(devices) > 0 {
			return apiErr(409, "DeleteConflict", "Cannot delete entity, must delete MFA device first.")
		}
		return tx.Delete(c.who.account, kindUser, name)
	})
}

// updateUser renames a user or moves it to another path. As in IAM, the
// caller needs iam:UpdateUser on both the old and the new user ARN; group
// memberships and access keys follow the user, while policies that name
// the old ARN keep naming it.
func updateUser(c *call) error {
	name, err := c.p.Required("UserName")
	if err != nil {
		return err
	}
	var old *User
	if err := c.s.view(c.ctx, func(tx store.Tx) error {
		old, err = loadUser(tx, c.who.account, name)
		return err
	}); err != nil {
		return err
	}
	newName, newPath := old.Name, old.Path
	if v := c.p.Get("NewUserName"); v != "" {
		newName = v
	}
	if v := c.p.Get("NewPath"); v != "" {
		newPath = v
	}
	newArn := arnOf(c.who.account, "user", newPath, newName)
	if err := c.authorizeOn(kindUser, name, "iam:UpdateUser"); err != nil {
		return err
	}
	if newArn != old.Arn {
		if err := c.authorize("iam:UpdateUser", newArn, nil); err != nil {
			return err
		}
	}
	return c.s.update(c.ctx, func(tx store.Tx) error {
		u, err := loadUser(tx, c.who.account, name)
		if err != nil {
			return err
		}
		if !strings.EqualFold(newName, u.Name) {
			if _, err := tx.Get(c.who.account, kindUser, newName); err == nil {
				return apiErr(409, "EntityAlreadyExists", "User with name %s already exists.", newName)
			}
		}
		oldName := u.Name
		u.Name, u.Path, u.Arn = newName, newPath, newArn
		if err := tx.Delete(c.who.account, kindUser, oldName); err != nil {
			return err
		}
		if err := tx.Create(&store.Entity{Account: c.who.account, Kind: kindUser, Name: u.Name, ID: u.ID, Body: marshal(u)}); err != nil {
			return err
		}
		for _, g := range u.Groups {
			ge, err := tx.Get(c.who.account, kindGroup, g)
			if err != nil {
				continue
			}
			var grp Group
			unmarshal(ge.Body, &grp)
			for i, m := range grp.Members {
				if strings.EqualFold(m, oldName) {
					grp.Members[i] = u.Name
				}
			}
			ge.Body = marshal(grp)
			if err := tx.Put(ge); err != nil {
				return err
			}
		}
		devices, err := mfaDevicesOf(tx, c.who.account, u.ID)
		if err != nil {
			return err
		}
		for _, d := range devices {
			d.UserName, d.UserArn = u.Name, u.Arn
			if err := putMFA(tx, c.who.account, d); err != nil {
				return err
			}
		}
		keys, err := tx.List(c.who.account, kindKey, "")
		if err != nil {
			return err
		}
		for _, e := range keys {
			var ak AccessKey
			if err := decode(e, &ak); err != nil {
				return err
			}
			if ak.UserID == u.ID {
				ak.UserName = u.Name
				e.Body = marshal(ak)
				if err := tx.Put(e); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
