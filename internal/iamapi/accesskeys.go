package iamapi

import (
	"fmt"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/store"
)

func writeKey(x *awsquery.Writer, k *AccessKey, secret string) {
	if k.UserName != "" {
		x.Elem("UserName", k.UserName)
	}
	x.Elem("AccessKeyId", k.ID)
	x.Elem("Status", k.Status)
	if secret != "" {
		x.Elem("SecretAccessKey", secret)
	}
	x.Elem("CreateDate", fmtTime(k.Created))
}

// owner is the user a key or MFA call is about, by unique ID; the
// root user has none.
type owner struct{ name, id, arn string }

// keyOwner is the user a key or MFA call is about, the named one, else
// the caller, with action authorized on it. A key belongs to its user's
// unique ID, not its name: a user deleted and created again under the
// same name has none of the old one's keys. A named user that does not
// exist is reported only to a caller allowed to act on it (principalFor).
func (c *call) keyOwner(action string) (owner, error) {
	name := c.p.Get("UserName")
	if name == "" {
		var o owner
		switch c.who.kind {
		case callerUser:
			o = owner{c.who.user.Name, c.who.user.ID, c.who.arn}
		case callerRoot:
			o = owner{arn: c.who.arn}
		default:
			return owner{}, apiErr(400, "ValidationError", "Must specify userName when calling with non-User credentials")
		}
		return o, c.authorize(action, o.arn, nil)
	}
	p, err := c.principalFor(kindUser, name, action, nil)
	if err != nil {
		return owner{}, err
	}
	var u *User
	if err := c.s.view(c.ctx, func(tx store.Tx) error {
		u, err = loadUser(tx, c.who.account, name)
		return err
	}); err != nil {
		return owner{}, err
	}
	if u.ID != p.ID {
		return owner{}, noSuchEntity("The user with name %s cannot be found.", name)
	}
	return owner{u.Name, u.ID, u.Arn}, nil
}

// keysOf lists the access keys of the user with unique ID userID (""
// for the root user) in account.
func keysOf(tx store.Tx, account, userID string) ([]*store.Entity, []*AccessKey, error) {
	es, all, err := listAs[AccessKey](tx, account, kindKey)
	if err != nil {
		return nil, nil, err
	}
	var entities []*store.Entity
	var keys []*AccessKey
	for i, k := range all {
		if k.UserID == userID {
			entities, keys = append(entities, es[i]), append(keys, k)
		}
	}
	return entities, keys, nil
}

// loadKey reads an access key of the user with unique ID userID (empty
// for the root user); NoSuchEntity when there is none with that ID or it
// is another's.
func loadKey(tx store.Tx, account, id, userID string) (*store.Entity, *AccessKey, error) {
	missing := noSuchEntity("The Access Key with id %s cannot be found.", id)
	e, err := tx.Get(account, kindKey, id)
	if err != nil {
		return nil, nil, missing
	}
	var k AccessKey
	if err := unmarshal(e.Body, &k); err != nil {
		return nil, nil, fmt.Errorf("stored access key %s: %w", id, err)
	}
	if k.UserID != userID {
		return nil, nil, missing
	}
	return e, &k, nil
}

func createAccessKey(c *call) error {
	o, err := c.keyOwner("iam:CreateAccessKey")
	if err != nil {
		return err
	}
	secret := newSecret()
	k := &AccessKey{ID: newID("AKIA"), UserName: o.name, UserID: o.id, Status: "Active", Created: c.s.now()}
	k.Secret = c.s.Sealer.Seal(secret, keyBinding(k.ID))
	err = c.s.update(c.ctx, func(tx store.Tx) error {
		// The user must still be the one authorized, inside the
		// transaction that writes the key: a key created while its
		// user is deleted would be left to the next user of the name.
		if o.id != "" {
			if u, err := loadUser(tx, c.who.account, o.name); err != nil || u.ID != o.id {
				return noSuchEntity("The user with name %s cannot be found.", o.name)
			}
		}
		_, keys, err := keysOf(tx, c.who.account, o.id)
		if err != nil {
			return err
		}
		if len(keys) >= 2 {
			return apiErr(409, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
		}
		return tx.Create(&store.Entity{Account: c.who.account, Kind: kindKey, Name: k.ID, ID: k.ID, Body: marshal(k)})
	})
	if err != nil {
		return err
	}
	c.x.Open("AccessKey")
	writeKey(&c.x, k, secret)
	c.x.Close("AccessKey")
	return nil
}

func listAccessKeys(c *call) error {
	o, err := c.keyOwner("iam:ListAccessKeys")
	if err != nil {
		return err
	}
	var keys []*AccessKey
	err = c.s.view(c.ctx, func(tx store.Tx) error {
		_, keys, err = keysOf(tx, c.who.account, o.id)
		return err
	})
	if err != nil {
		return err
	}
	if o.name != "" {
		c.x.Elem("UserName", o.name)
	}
	return writeList(c, "AccessKeyMetadata", keys, func(k *AccessKey) { writeKey(&c.x, k, "") })
}

func deleteAccessKey(c *call) error {
	id, err := c.p.Required("AccessKeyId")
	if err != nil {
		return err
	}
	o, err := c.keyOwner("iam:DeleteAccessKey")
	if err != nil {
		return err
	}
	return c.s.update(c.ctx, func(tx store.Tx) error {
		if _, _, err := loadKey(tx, c.who.account, id, o.id); err != nil {
			return err
		}
		return tx.Delete(c.who.account, kindKey, id)
	})
}

func updateAccessKey(c *call) error {
	v, err := c.p.RequiredAll("AccessKeyId", "Status")
	if err != nil {
		return err
	}
	id, status := v[0], v[1]
	o, err := c.keyOwner("iam:UpdateAccessKey")
	if err != nil {
		return err
	}
	return c.s.update(c.ctx, func(tx store.Tx) error {
		e, k, err := loadKey(tx, c.who.account, id, o.id)
		if err != nil {
			return err
		}
		k.Status = status
		e.Body = marshal(k)
		return tx.Put(e)
	})
}

// getAccessKeyLastUsed reports when and for which service a key last
// signed a request since ward started (kept in memory); N/A for a key not
// used since, as IAM reports a key never used.
func getAccessKeyLastUsed(c *call) error {
	id, err := c.p.Required("AccessKeyId")
	if err != nil {
		return err
	}
	// The key's owner is the resource: its user's ARN, path included,
	// or the account's root for a root key. An unknown key is
	// authorized on the account's root, so that only a caller allowed
	// to ask learns that it does not exist.
	var userName string
	arn := "arn:aws:iam::" + c.who.account + ":root"
	var found bool
	if err := c.s.view(c.ctx, func(tx store.Tx) error {
		e, err := tx.GetByID(id)
		if err != nil || e.Kind != kindKey || e.Account != c.who.account {
			return nil
		}
		var k AccessKey
		if err := unmarshal(e.Body, &k); err != nil {
			return fmt.Errorf("stored access key %s: %w", id, err)
		}
		if k.UserID != "" {
			ue, err := tx.GetByID(k.UserID)
			if err != nil {
				return nil // a key whose user is gone is no key
			}
			var u User
			if err := decode(ue, &u); err != nil {
				return err
			}
			userName, arn = u.Name, u.Arn
		}
		found = true
		return nil
	}); err != nil {
		return err
	}
	if err := c.authorize("iam:GetAccessKeyLastUsed", arn, nil); err != nil {
		return err
	}
	if !found {
		return noSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	if userName != "" {
		c.x.Elem("UserName", userName)
	}
	c.x.Open("AccessKeyLastUsed")
	if u, ok := c.s.lastUse(id); ok {
		c.x.Elem("LastUsedDate", fmtTime(u.time))
		c.x.Elem("ServiceName", u.service)
		c.x.Elem("Region", u.region)
	} else {
		c.x.Elem("ServiceName", "N/A")
		c.x.Elem("Region", "N/A")
	}
	c.x.Close("AccessKeyLastUsed")
	return nil
}
