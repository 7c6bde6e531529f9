package iamapi

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/store"
)

// document reads a required policy document parameter and checks it as
// IAM checks a policy of that kind.
func (c *call) document(param string, kind policy.Kind) (string, error) {
	doc, err := c.p.Required(param)
	if err != nil {
		return "", err
	}
	return doc, checkDocument(doc, kind)
}

// nameAndPath reads the name and optional Path (default "/") of a Create
// call; checkParams has checked both against their patterns.
func (c *call) nameAndPath(nameParam string) (name, path string, err error) {
	if name, err = c.p.Required(nameParam); err != nil {
		return "", "", err
	}
	if path = c.p.Get("Path"); path == "" {
		path = "/"
	}
	return name, path, nil
}

// checkDocument validates a policy document as IAM does for its kind,
// answering MalformedPolicyDocument or LimitExceeded.
func checkDocument(doc string, kind policy.Kind, opts ...policy.Option) error {
	p, err := policy.Parse([]byte(doc), "")
	if err == nil {
		err = p.Validate(kind, opts...)
	}
	if err == nil {
		return nil
	}
	var list policy.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			if e.Kind() == policy.CodePolicyTooLarge {
				return apiErr(409, "LimitExceeded", "%s", strings.TrimPrefix(e.Msg, "LimitExceeded: "))
			}
		}
		msg := list[0].Msg
		if list[0].Path != "" {
			msg = list[0].Path + ": " + msg
		}
		return apiErr(400, "MalformedPolicyDocument", "%s", msg)
	}
	return apiErr(400, "MalformedPolicyDocument", "%v", err)
}

func writePolicy(x *awsquery.Writer, mp *ManagedPolicy) {
	x.Elem("PolicyName", mp.Name)
	x.Elem("PolicyId", mp.ID)
	x.Elem("Arn", mp.Arn)
	x.Elem("Path", mp.Path)
	if v := mp.defaultVersion(); v != nil {
		x.Elem("DefaultVersionId", v.ID)
	}
	x.Elem("AttachmentCount", fmt.Sprint(mp.Use.Attachments))
	x.Elem("PermissionsBoundaryUsageCount", fmt.Sprint(mp.Use.Boundaries))
	x.Elem("IsAttachable", "true")
	if mp.Description != "" {
		x.Elem("Description", mp.Description)
	}
	x.Elem("CreateDate", fmtTime(mp.Created))
	x.Elem("UpdateDate", fmtTime(mp.Updated))
	writeTags(x, mp.Tags)
}

func createPolicy(c *call) error {
	name, path, err := c.nameAndPath("PolicyName")
	if err != nil {
		return err
	}
	doc, err := c.document("PolicyDocument", policy.KindIdentity)
	if err != nil {
		return err
	}
	now := c.s.now()
	tags := tagsParam(c.p, "Tags")
	mp := &ManagedPolicy{Name: name, ID: newID("ANPA"), Arn: arnOf(c.who.account, "policy", path, name), Path: path,
		Description: c.p.Get("Description"), Created: now, Updated: now, NextVersion: 2, Tags: tags,
		Versions: []PolicyVersion{{ID: "v1", Document: doc, IsDefault: true, Created: now}}}
	if err := c.authorize("iam:CreatePolicy", mp.Arn, tagContext(tags)); err != nil {
		return err
	}
	err = c.s.update(c.ctx, func(tx store.Tx) error {
		return createNew(tx, &store.Entity{Account: c.who.account, Kind: kindPolicy, Name: name, ID: mp.ID, Body: marshal(mp)}, apiErr(409, "EntityAlreadyExists", "A policy called %s already exists. Duplicate names are not allowed.", name))
	})
	if err != nil {
		return err
	}
	c.x.Open("Policy")
	writePolicy(&c.x, mp)
	c.x.Close("Policy")
	return nil
}

func getPolicy(c *call) error {
	arn, err := c.p.Required("PolicyArn")
	if err != nil {
		return err
	}
	if err := c.authorize("iam:GetPolicy", arn, nil); err != nil {
		return err
	}
	if strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") {
		mp, err := c.s.Catalog.ManagedPolicy(arn)
		if err != nil || mp == nil {
			return noSuchEntity("Policy %s does not exist or is not attachable.", arn)
		}
		c.x.Open("Policy")
		c.x.Elem("PolicyName", mp.Name)
		c.x.Elem("Arn", mp.ARN)
		c.x.Elem("Path", strings.TrimSuffix(strings.TrimPrefix(mp.ARN, "arn:aws:iam::aws:policy"), mp.Name))
		c.x.Elem("DefaultVersionId", mp.VersionID)
		c.x.Elem("IsAttachable", "true")
		c.x.Close("Policy")
		return nil
	}
	return c.s.view(c.ctx, func(tx store.Tx) error {
		mp, err := c.s.loadPolicy(tx, c.who.account, arn)
		if err != nil {
			return err
		}
		c.x.Open("Policy")
		writePolicy(&c.x, mp)
		c.x.Close("Policy")
		return nil
	})
}

func listPolicies(c *call) error {
	if err := c.authorize("iam:ListPolicies", "*", nil); err != nil {
		return err
	}
	scope := c.p.Get("Scope")
	if scope == "" {
		scope = "All"
	}
	onlyAttached := c.p.Get("OnlyAttached") == "true"
	prefix := c.p.Get("PathPrefix")
	type entry struct {
		mp  *ManagedPolicy
		aws string // AWS managed policy ARN
		use PolicyUse
	}
	var list []entry
	err := c.s.view(c.ctx, func(tx store.Tx) error {
		if scope == "All" || scope == "Local" {
			es, err := tx.List(c.who.account, kindPolicy, "")
			if err != nil {
				return err
			}
			for _, e := range es {
				mp := new(ManagedPolicy)
				if err := decode(e, mp); err != nil {
					return err
				}
				if strings.HasPrefix(mp.Path, prefix) && (!onlyAttached || mp.Use.Attachments > 0) {
					list = append(list, entry{mp: mp, use: mp.Use})
				}
			}
		}
		if scope == "All" || scope == "AWS" {
			uses, err := awsPolicyUse(tx, c.who.account)
			if err != nil {
				return err
			}
			for _, arn := range c.s.Catalog.ManagedPolicyARNs() {
				path := strings.TrimPrefix(arn, "arn:aws:iam::aws:policy")
				path = path[:strings.LastIndexByte(path, '/')+1]
				use := uses[arn]
				if strings.HasPrefix(path, prefix) && (!onlyAttached || use.Attachments > 0) {
					list = append(list, entry{aws: arn, use: use})
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	items, tail, err := page(c, list)
	if err != nil {
		return err
	}
	c.x.Open("Policies")
	for _, it := range items {
		c.x.Open("member")
		if it.mp != nil {
			writePolicy(&c.x, it.mp)
		} else {
			name := it.aws[strings.LastIndexByte(it.aws, '/')+1:]
			path := strings.TrimSuffix(strings.TrimPrefix(it.aws, "arn:aws:iam::aws:policy"), name)
			c.x.Elem("PolicyName", name)
			c.x.Elem("Arn", it.aws)
			c.x.Elem("Path", path)
			c.x.Elem("AttachmentCount", fmt.Sprint(it.use.Attachments))
			c.x.Elem("PermissionsBoundaryUsageCount", fmt.Sprint(it.use.Boundaries))
			c.x.Elem("IsAttachable", "true")
		}
		c.x.Close("member")
	}
	c.x.Close("Policies")
	tail()
	return nil
}

func deletePolicy(c *call) error {
	arn, err := c.p.Required("PolicyArn")
	if err != nil {
		return err
	}
	if err := c.authorize("iam:DeletePolicy", arn, nil); err != nil {
		return err
	}
	return c.s.update(c.ctx, func(tx store.Tx) error {
		mp, err := c.s.loadPolicy(tx, c.who.account, arn)
		if err != nil {
			return err
		}
		if mp.Use.Attachments > 0 {
			return apiErr(409, "DeleteConflict", "Cannot delete a policy attached to entities.")
		}
		if mp.Use.Boundaries > 0 {
			// Deleting it would leave its users and roles without the
			// boundary they were given.
			return apiErr(409, "DeleteConflict", "Cannot delete a policy in use as a permissions boundary.")
		}
		if len(mp.Versions) > 1 {
			return apiErr(409, "DeleteConflict", "Cannot delete a policy with non-default versions; delete them first.")
		}
		return tx.Delete(c.who.account, kindPolicy, mp.Name)
	})
}

func listEntitiesForPolicy(c *call) error {
	arn, err := c.p.Required("PolicyArn")
	if err != nil {
		return err
	}
	if err := c.authorize("iam:ListEntitiesForPolicy", arn, nil); err != nil {
		return err
	}
	groups := map[string][][2]string{}
	err = c.s.view(c.ctx, func(tx store.Tx) error {
		for _, kind := range []string{kindUser, kindGroup, kindRole} {
			es, err := tx.List(c.who.account, kind, "")
			if err != nil {
				return err
			}
			for _, e := range es {
				var p principal
				unmarshal(e.Body, &p)
				for _, a := range p.Attached {
					if a == arn {
						groups[kind] = append(groups[kind], [2]string{e.Name, p.ID})
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range []struct{ kind, list, name, id string }{
		{kindGroup, "PolicyGroups", "GroupName", "GroupId"}, {kindUser, "PolicyUsers", "UserName", "UserId"}, {kindRole, "PolicyRoles", "RoleName", "RoleId"}} {
		c.x.Open(k.list)
		for _, e := range groups[k.kind] {
			c.x.Open("member")
			c.x.Elem(k.name, e[0])
			c.x.Elem(k.id, e[1])
			c.x.Close("member")
		}
		c.x.Close(k.list)
	}
	c.x.Elem("IsTruncated", "false")
	return nil
}
