package iamapi

import (
	"fmt"
	"strings"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/store"
)

func getPolicyVersion(c *call) error {
	v, err := c.p.RequiredAll("PolicyArn", "VersionId")
	if err != nil {
		return err
	}
	arn, vid := v[0], v[1]
	if err := c.authorize("iam:GetPolicyVersion", arn, nil); err != nil {
		return err
	}
	if strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") {
		mp, err := c.s.Catalog.ManagedPolicy(arn)
		if err != nil || mp == nil || mp.VersionID != vid {
			return noSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, vid)
		}
		c.x.Open("PolicyVersion")
		c.x.Elem("Document", awsquery.EncodeDocument(string(mp.Document)))
		c.x.Elem("VersionId", vid)
		c.x.Elem("IsDefaultVersion", "true")
		c.x.Close("PolicyVersion")
		return nil
	}
	return c.s.view(c.ctx, func(tx store.Tx) error {
		mp, err := c.s.loadPolicy(tx, c.who.account, arn)
		if err != nil {
			return err
		}
		for _, v := range mp.Versions {
			if v.ID == vid {
				c.x.Open("PolicyVersion")
				writeVersion(&c.x, &v)
				c.x.Close("PolicyVersion")
				return nil
			}
		}
		return noSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, vid)
	})
}

func createPolicyVersion(c *call) error {
	arn, err := c.p.Required("PolicyArn")
	if err != nil {
		return err
	}
	doc, err := c.document("PolicyDocument", policy.KindIdentity)
	if err != nil {
		return err
	}
	if err := c.authorize("iam:CreatePolicyVersion", arn, nil); err != nil {
		return err
	}
	setDefault := c.p.Get("SetAsDefault") == "true"
	var v PolicyVersion
	err = c.s.update(c.ctx, func(tx store.Tx) error {
		mp, err := c.s.loadPolicy(tx, c.who.account, arn)
		if err != nil {
			return err
		}
		if len(mp.Versions) >= 5 {
			return apiErr(409, "LimitExceeded", "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
		}
		v = PolicyVersion{ID: fmt.Sprintf("v%d", mp.NextVersion), Document: doc, Created: c.s.now()}
		mp.NextVersion++
		if setDefault {
			for i := range mp.Versions {
				mp.Versions[i].IsDefault = false
			}
			v.IsDefault = true
		}
		mp.Versions = append(mp.Versions, v)
		mp.Updated = c.s.now()
		return tx.Put(&store.Entity{Account: c.who.account, Kind: kindPolicy, Name: mp.Name, Body: marshal(mp)})
	})
	if err != nil {
		return err
	}
	c.x.Open("PolicyVersion")
	c.x.Elem("VersionId", v.ID)
	c.x.Elem("IsDefaultVersion", fmt.Sprint(v.IsDefault))
	c.x.Elem("CreateDate", fmtTime(v.Created))
	c.x.Close("PolicyVersion")
	return nil
}

func setDefaultPolicyVersion(c *call) error {
	v, err := c.p.RequiredAll("PolicyArn", "VersionId")
	if err != nil {
		return err
	}
	arn, vid := v[0], v[1]
	if err := c.authorize("iam:SetDefaultPolicyVersion", arn, nil); err != nil {
		return err
	}
	return c.s.update(c.ctx, func(tx store.Tx) error {
		mp, err := c.s.loadPolicy(tx, c.who.account, arn)
		if err != nil {
			return err
		}
		found := false
		for i := range mp.Versions {
			mp.Versions[i].IsDefault = mp.Versions[i].ID == vid
			found = found || mp.Versions[i].IsDefault
		}
		if !found {
			return noSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, vid)
		}
		mp.Updated = c.s.now()
		return tx.Put(&store.Entity{Account: c.who.account, Kind: kindPolicy, Name: mp.Name, Body: marshal(mp)})
	})
}

func deletePolicyVersion(c *call) error {
	v, err := c.p.RequiredAll("PolicyArn", "VersionId")
	if err != nil {
		return err
	}
	arn, vid := v[0], v[1]
	if err := c.authorize("iam:DeletePolicyVersion", arn, nil); err != nil {
		return err
	}
	return c.s.update(c.ctx, func(tx store.Tx) error {
		mp, err := c.s.loadPolicy(tx, c.who.account, arn)
		if err != nil {
			return err
		}
		for i, v := range mp.Versions {
			if v.ID == vid {
				if v.IsDefault {
					return apiErr(409, "DeleteConflict", "Cannot delete the default version of a policy.")
				}
				mp.Versions = append(mp.Versions[:i], mp.Versions[i+1:]...)
				return tx.Put(&store.Entity{Account: c.who.account, Kind: kindPolicy, Name: mp.Name, Body: marshal(mp)})
			}
		}
		return noSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, vid)
	})
}

func listPolicyVersions(c *call) error {
	arn, err := c.p.Required("PolicyArn")
	if err != nil {
		return err
	}
	if err := c.authorize("iam:ListPolicyVersions", arn, nil); err != nil {
		return err
	}
	var versions []PolicyVersion
	if err := c.s.view(c.ctx, func(tx store.Tx) error {
		mp, err := c.s.loadPolicy(tx, c.who.account, arn)
		if err == nil {
			versions = mp.Versions
		}
		return err
	}); err != nil {
		return err
	}
	return writeList(c, "Versions", versions, func(v PolicyVersion) {
		c.x.Elem("VersionId", v.ID)
		c.x.Elem("IsDefaultVersion", fmt.Sprint(v.IsDefault))
		c.x.Elem("CreateDate", fmtTime(v.Created))
	})
}

// writeVersion writes a policy version's fields.
func writeVersion(x *awsquery.Writer, v *PolicyVersion) {
	x.Elem("Document", awsquery.EncodeDocument(v.Document))
	x.Elem("VersionId", v.ID)
	x.Elem("IsDefaultVersion", fmt.Sprint(v.IsDefault))
	x.Elem("CreateDate", fmtTime(v.Created))
}
