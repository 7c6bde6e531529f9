package iamapi

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/store"
)

func init() {
	for op, h := range map[string]handler{
		"CreateGroup": createGroup, "GetGroup": getGroup, "ListGroups": listGroups, "DeleteGroup": deleteGroup,
		"AddUserToGroup": groupMembership(true), "RemoveUserFromGroup": groupMembership(false), "ListGroupsForUser": listGroupsForUser,
		"AttachGroupPolicy": attach(kindGroup, "GroupName", true), "DetachGroupPolicy": attach(kindGroup, "GroupName", false),
		"ListAttachedGroupPolicies": listAttached(kindGroup, "GroupName"),
		"PutGroupPolicy":            putInline(kindGroup, "GroupName"), "GetGroupPolicy": getInline(kindGroup, "GroupName"),
		"DeleteGroupPolicy": deleteInline(kindGroup, "GroupName"), "ListGroupPolicies": listInline(kindGroup, "GroupName"),
		"TagRole": tagPrincipal(kindRole, "RoleName", true), "UntagRole": tagPrincipal(kindRole, "RoleName", false),
		"TagUser": tagPrincipal(kindUser, "UserName", true), "UntagUser": tagPrincipal(kindUser, "UserName", false),
		"ListRoleTags": listTags(kindRole, "RoleName"), "ListUserTags": listTags(kindUser, "UserName"),
		"TagPolicy": tagPolicy(true), "UntagPolicy": tagPolicy(false), "ListPolicyTags": listPolicyTags,
		"PutRolePermissionsBoundary": boundary(kindRole, "RoleName", true), "DeleteRolePermissionsBoundary": boundary(kindRole, "RoleName", false),
		"PutUserPermissionsBoundary": boundary(kindUser, "UserName", true), "DeleteUserPermissionsBoundary": boundary(kindUser, "UserName", false),
		"SetDefaultPolicyVersion": setDefaultPolicyVersion, "DeletePolicyVersion": deletePolicyVersion, "ListPolicyVersions": listPolicyVersions,
		"GetAccountSummary": getAccountSummary,
	} {
		iamOps[op] = h
	}
}

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
		c.x.Elem("Path", u.Path)
		c.x.Elem("UserName", u.Name)
		c.x.Elem("UserId", u.ID)
		c.x.Elem("Arn", u.Arn)
		c.x.Elem("CreateDate", fmtTime(u.Created))
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
		if _, err := c.principalFor(kindGroup, gname, "iam:"+c.op, nil); err != nil {
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func remove(list []string, s string) []string {
	out := list[:0]
	for _, x := range list {
		if !strings.EqualFold(x, s) {
			out = append(out, x)
		}
	}
	return out
}

// tagPrincipal tags or untags a user or role, authorized with the
// request's tags (aws:RequestTag, aws:TagKeys) and the target's.
func tagPrincipal(kind, nameParam string, add bool) handler {
	return func(c *call) error {
		name, err := c.p.Required(nameParam)
		if err != nil {
			return err
		}
		tags, keys, ctx := c.tagRequest(add)
		if err := c.authorizeOnWith(kind, name, "iam:"+c.op, ctx); err != nil {
			return err
		}
		return c.s.update(c.ctx, func(tx store.Tx) error {
			return c.editPrincipal(tx, kind, name, func(p *principal) error {
				var err error
				p.Tags, err = editTags(p.Tags, tags, keys, strings.ToUpper(kind[:1])+kind[1:])
				return err
			})
		})
	}
}

// editTags adds or replaces tags (keys compare case-insensitively, as
// IAM's do) and removes keys, within IAM's quota of 50 tags.
func editTags(have, add []Tag, remove []string, what string) ([]Tag, error) {
	for _, t := range add {
		replaced := false
		for i := range have {
			if strings.EqualFold(have[i].Key, t.Key) {
				have[i].Value, replaced = t.Value, true
			}
		}
		if !replaced {
			have = append(have, t)
		}
	}
	if len(have) > 50 {
		return nil, apiErr(409, "LimitExceeded", "Cannot exceed quota for TagsPer%s: 50", what)
	}
	for _, k := range remove {
		kept := have[:0]
		for _, t := range have {
			if !strings.EqualFold(t.Key, k) {
				kept = append(kept, t)
			}
		}
		have = kept
	}
	return have, nil
}

// tagPolicy tags or untags a customer managed policy; AWS managed
// policies cannot be tagged.
func tagPolicy(add bool) handler {
	return func(c *call) error {
		arn, err := c.p.Required("PolicyArn")
		if err != nil {
			return err
		}
		tags, keys, ctx := c.tagRequest(add)
		var have []Tag
		if err := c.s.view(c.ctx, func(tx store.Tx) error {
			mp, err := c.s.loadPolicy(tx, c.who.account, arn)
			if err == nil {
				have = mp.Tags
			}
			return err
		}); err != nil {
			return err
		}
		for k, v := range resourceTagContext(have) {
			ctx[k] = v
		}
		if err := c.authorize("iam:"+c.op, arn, ctx); err != nil {
			return err
		}
		return c.s.update(c.ctx, func(tx store.Tx) error {
			mp, err := c.s.loadPolicy(tx, c.who.account, arn)
			if err != nil {
				return err
			}
			if mp.Tags, err = editTags(mp.Tags, tags, keys, "Policy"); err != nil {
				return err
			}
			return tx.Put(&store.Entity{Account: c.who.account, Kind: kindPolicy, Name: mp.Name, Body: marshal(mp)})
		})
	}
}

func listPolicyTags(c *call) error {
	arn, err := c.p.Required("PolicyArn")
	if err != nil {
		return err
	}
	var mp *ManagedPolicy
	if err := c.s.view(c.ctx, func(tx store.Tx) error {
		mp, err = c.s.loadPolicy(tx, c.who.account, arn)
		return err
	}); err != nil {
		return err
	}
	if err := c.authorize("iam:ListPolicyTags", arn, resourceTagContext(mp.Tags)); err != nil {
		return err
	}
	writeTagList(&c.x, mp.Tags)
	return nil
}

func listTags(kind, nameParam string) handler {
	return func(c *call) error {
		name, err := c.p.Required(nameParam)
		if err != nil {
			return err
		}
		p, err := c.principalFor(kind, name, "iam:"+c.op, nil)
		if err != nil {
			return err
		}
		writeTagList(&c.x, p.Tags)
		return nil
	}
}

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
		if err := c.authorizeOnWith(kind, name, "iam:"+c.op, ctx); err != nil {
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

// getAccountSummary counts the account's entities and gives its quotas.
func getAccountSummary(c *call) error {
	if err := c.authorize("iam:GetAccountSummary", "*", nil); err != nil {
		return err
	}
	counts := map[string]int{}
	err := c.s.view(c.ctx, func(tx store.Tx) error {
		for kind, key := range map[string]string{kindUser: "Users", kindGroup: "Groups", kindRole: "Roles", kindPolicy: "Policies"} {
			es, err := tx.List(c.who.account, kind, "")
			if err != nil {
				return err
			}
			counts[key] = len(es)
		}
		return nil
	})
	if err != nil {
		return err
	}
	quotas := map[string]int{"UsersQuota": 5000, "GroupsQuota": 300, "RolesQuota": 1000, "PoliciesQuota": 1500,
		"PolicyVersionsInUseQuota": 10000, "AttachedPoliciesPerUserQuota": 10, "AttachedPoliciesPerRoleQuota": 10,
		"AttachedPoliciesPerGroupQuota": 10, "AccessKeysPerUserQuota": 2, "GroupsPerUserQuota": 10, "PolicySizeQuota": 6144,
		"VersionsPerPolicyQuota": 5, "UserPolicySizeQuota": 2048, "GroupPolicySizeQuota": 5120, "RolePolicySizeQuota": 10240,
		"AssumeRolePolicySizeQuota": 2048}
	for k, v := range counts {
		quotas[k] = v
	}
	c.x.Open("SummaryMap")
	for _, k := range sortedKeys(quotas) {
		c.x.Open("entry")
		c.x.Elem("key", k)
		c.x.Elem("value", fmt.Sprint(quotas[k]))
		c.x.Close("entry")
	}
	c.x.Close("SummaryMap")
	return nil
}

// tagRequest reads a Tag* request (Tags) or an Untag* request (TagKeys)
// and the context keys they set.
func (c *call) tagRequest(add bool) (tags []Tag, keys []string, ctx map[string][]string) {
	if add {
		tags = tagsParam(c.p, "Tags")
		if ctx = tagContext(tags); ctx == nil {
			ctx = map[string][]string{}
		}
		return tags, nil, ctx
	}
	keys = c.p.List("TagKeys")
	return nil, keys, map[string][]string{"aws:TagKeys": keys}
}

// writeTagList writes a List*Tags result: every tag, never truncated (50 at
// most).
func writeTagList(x *awsquery.Writer, tags []Tag) {
	if len(tags) == 0 {
		x.Elem("Tags", "")
	}
	writeTags(x, tags)
	x.Elem("IsTruncated", "false")
}

// entityName finds the stored name of the entity a Tag*, Untag* or
// List*Tags request names.
type entityName func(c *call) (string, error)

// byName: the parameter is the entity's name.
func byName(param string) entityName {
	return func(c *call) (string, error) { return c.p.Required(param) }
}

// byARN: the parameter is an ARN whose part after marker is the stored
// name (an OIDC provider's host and path), or, with no marker, whose
// last part is (an MFA device's name).
func byARN(param, marker string) entityName {
	return func(c *call) (string, error) {
		arn, err := c.p.Required(param)
		if err != nil {
			return "", err
		}
		if marker != "" {
			if _, name, ok := strings.Cut(arn, marker); ok {
				return name, nil
			}
			return "", invalidInput("ARN %s is not valid.", arn)
		}
		return arn[strings.LastIndexByte(arn, '/')+1:], nil
	}
}

// taggable is what tagging reads and writes of an entity's JSON body:
// its ARN (or an MFA device's serial number) and its tags.
type taggable struct {
	Arn    string `json:"arn"`
	Serial string `json:"serial"`
	Tags   []Tag  `json:"tags"`
}

func loadTaggable(tx store.Tx, c *call, kind, name string) (*store.Entity, map[string]json.RawMessage, *taggable, error) {
	e, err := tx.Get(c.who.account, kind, name)
	if err != nil {
		return nil, nil, nil, noSuchEntity("The %s with name %s cannot be found.", kind, name)
	}
	var body map[string]json.RawMessage
	var t taggable
	if err := decode(e, &body); err != nil {
		return nil, nil, nil, err
	}
	if err := decode(e, &t); err != nil {
		return nil, nil, nil, err
	}
	if t.Arn == "" {
		t.Arn = t.Serial
	}
	return e, body, &t, nil
}

// tagEntity tags or untags an instance profile, OIDC provider or MFA
// device, authorized with the request's tags and the entity's own.
func tagEntity(kind string, locate entityName, add bool) handler {
	return func(c *call) error {
		name, err := locate(c)
		if err != nil {
			return err
		}
		tags, keys, ctx := c.tagRequest(add)
		var current *taggable
		if err := c.s.view(c.ctx, func(tx store.Tx) error {
			_, _, current, err = loadTaggable(tx, c, kind, name)
			return err
		}); err != nil {
			return err
		}
		for k, v := range resourceTagContext(current.Tags) {
			ctx[k] = v
		}
		if err := c.authorize("iam:"+c.op, current.Arn, ctx); err != nil {
			return err
		}
		return c.s.update(c.ctx, func(tx store.Tx) error {
			e, body, t, err := loadTaggable(tx, c, kind, name)
			if err != nil {
				return err
			}
			if t.Tags, err = editTags(t.Tags, tags, keys, strings.ToUpper(kind[:1])+kind[1:]); err != nil {
				return err
			}
			body["tags"] = marshal(t.Tags)
			e.Body = marshal(body)
			return tx.Put(e)
		})
	}
}

func listEntityTags(kind string, locate entityName) handler {
	return func(c *call) error {
		name, err := locate(c)
		if err != nil {
			return err
		}
		var t *taggable
		if err := c.s.view(c.ctx, func(tx store.Tx) error {
			_, _, t, err = loadTaggable(tx, c, kind, name)
			return err
		}); err != nil {
			return err
		}
		if err := c.authorize("iam:"+c.op, t.Arn, resourceTagContext(t.Tags)); err != nil {
			return err
		}
		writeTagList(&c.x, t.Tags)
		return nil
	}
}
