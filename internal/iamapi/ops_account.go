package iamapi

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/store"
)

func init() {
	for op, h := range map[string]handler{
		"GetAccountAuthorizationDetails":   getAccountAuthorizationDetails,
		"UpdateRole":                       updateRole,
		"UpdateUser":                       updateUser,
		"UpdateRoleDescription":            updateRole,
		"UpdateAccessKey":                  updateAccessKey,
		"GetAccessKeyLastUsed":             getAccessKeyLastUsed,
		"ListEntitiesForPolicy":            listEntitiesForPolicy,
		"SimulateCustomPolicy":             simulateCustomPolicy,
		"GetContextKeysForCustomPolicy":    getContextKeysForCustomPolicy,
		"GetContextKeysForPrincipalPolicy": getContextKeysForPrincipalPolicy,
	} {
		iamOps[op] = h
	}
}

// getAccountAuthorizationDetails returns every user, group, role and
// customer managed policy with their policies, as `aws iam
// get-account-authorization-details` prints it (and `ward check` reads it).
func getAccountAuthorizationDetails(c *call) error {
	if err := c.authorize("iam:GetAccountAuthorizationDetails", "*", nil); err != nil {
		return err
	}
	filter := map[string]bool{}
	for _, f := range c.p.List("Filter") {
		filter[f] = true
	}
	want := func(f string) bool { return len(filter) == 0 || filter[f] }
	return c.s.view(c.ctx, func(tx store.Tx) error {
		attachedList := func(arns []string) {
			c.x.Open("AttachedManagedPolicies")
			for _, a := range arns {
				c.x.Open("member")
				c.x.Elem("PolicyName", a[strings.LastIndexByte(a, '/')+1:])
				c.x.Elem("PolicyArn", a)
				c.x.Close("member")
			}
			c.x.Close("AttachedManagedPolicies")
		}
		inlineList := func(tag string, ps []NamedPolicy) {
			c.x.Open(tag)
			for _, p := range ps {
				c.x.Open("member")
				c.x.Elem("PolicyName", p.Name)
				c.x.Elem("PolicyDocument", awsquery.EncodeDocument(p.Document))
				c.x.Close("member")
			}
			c.x.Close(tag)
		}
		boundaryOf := func(arn string) {
			if arn != "" {
				c.x.Open("PermissionsBoundary")
				c.x.Elem("PermissionsBoundaryType", "PermissionsBoundaryPolicy")
				c.x.Elem("PermissionsBoundaryArn", arn)
				c.x.Close("PermissionsBoundary")
			}
		}
		if want("User") {
			es, err := tx.List(c.who.account, kindUser, "")
			if err != nil {
				return err
			}
			c.x.Open("UserDetailList")
			for _, e := range es {
				var u User
				if err := decode(e, &u); err != nil {
					return err
				}
				c.x.Open("member")
				c.x.Elem("Path", u.Path)
				c.x.Elem("UserName", u.Name)
				c.x.Elem("UserId", u.ID)
				c.x.Elem("Arn", u.Arn)
				c.x.Elem("CreateDate", fmtTime(u.Created))
				inlineList("UserPolicyList", u.Inline)
				c.x.Open("GroupList")
				for _, g := range u.Groups {
					c.x.Elem("member", g)
				}
				c.x.Close("GroupList")
				attachedList(u.Attached)
				boundaryOf(u.Boundary)
				writeTags(&c.x, u.Tags)
				c.x.Close("member")
			}
			c.x.Close("UserDetailList")
		}
		if want("Group") {
			es, err := tx.List(c.who.account, kindGroup, "")
			if err != nil {
				return err
			}
			c.x.Open("GroupDetailList")
			for _, e := range es {
				var g Group
				if err := decode(e, &g); err != nil {
					return err
				}
				c.x.Open("member")
				writeGroup(&c.x, &g)
				inlineList("GroupPolicyList", g.Inline)
				attachedList(g.Attached)
				c.x.Close("member")
			}
			c.x.Close("GroupDetailList")
		}
		if want("Role") {
			es, err := tx.List(c.who.account, kindRole, "")
			if err != nil {
				return err
			}
			c.x.Open("RoleDetailList")
			for _, e := range es {
				var r Role
				if err := decode(e, &r); err != nil {
					return err
				}
				var err error
				if r.AssumeRolePolicy, err = effectiveTrust(tx, &r); err != nil {
					return err
				}
				c.x.Open("member")
				c.x.Elem("Path", r.Path)
				c.x.Elem("RoleName", r.Name)
				c.x.Elem("RoleId", r.ID)
				c.x.Elem("Arn", r.Arn)
				c.x.Elem("CreateDate", fmtTime(r.Created))
				c.x.Elem("AssumeRolePolicyDocument", awsquery.EncodeDocument(r.AssumeRolePolicy))
				c.x.Open("InstanceProfileList")
				c.x.Close("InstanceProfileList")
				inlineList("RolePolicyList", r.Inline)
				attachedList(r.Attached)
				boundaryOf(r.Boundary)
				writeTags(&c.x, r.Tags)
				c.x.Close("member")
			}
			c.x.Close("RoleDetailList")
		}
		if want("LocalManagedPolicy") {
			es, err := tx.List(c.who.account, kindPolicy, "")
			if err != nil {
				return err
			}
			c.x.Open("Policies")
			for _, e := range es {
				var mp ManagedPolicy
				if err := decode(e, &mp); err != nil {
					return err
				}
				c.x.Open("member")
				writePolicy(&c.x, &mp)
				c.x.Open("PolicyVersionList")
				for _, v := range mp.Versions {
					c.x.Open("member")
					c.x.Elem("Document", awsquery.EncodeDocument(v.Document))
					c.x.Elem("VersionId", v.ID)
					c.x.Elem("IsDefaultVersion", fmt.Sprint(v.IsDefault))
					c.x.Elem("CreateDate", fmtTime(v.Created))
					c.x.Close("member")
				}
				c.x.Close("PolicyVersionList")
				c.x.Close("member")
			}
			c.x.Close("Policies")
		}
		c.x.Elem("IsTruncated", "false")
		return nil
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
	if err := c.authorizeOn(kindRole, name, "iam:"+c.op); err != nil {
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

// simulateCustomPolicy decides actions against policies given in the
// request, as a stand-in user of the caller's account, with optional SCPs
// (ordered root to account), a boundary and a resource policy.
func simulateCustomPolicy(c *call) error {
	docs := c.p.List("PolicyInputList")
	actions := c.p.List("ActionNames")
	if len(docs) == 0 || len(actions) == 0 {
		return apiErr(400, "ValidationError", "PolicyInputList and ActionNames are required")
	}
	if err := c.authorize("iam:SimulateCustomPolicy", "*", nil); err != nil {
		return err
	}
	var ps engine.Policies
	for i, d := range docs {
		if err := checkDocument(d, policy.KindIdentity); err != nil {
			return err
		}
		ps.Identity = append(ps.Identity, compileStored(d, fmt.Sprintf("PolicyInputList.%d", i+1)))
	}
	// Every document is checked as IAM checks its kind: one that does not
	// parse is MalformedPolicyDocument, never left out of the decision.
	if b := c.p.List("PermissionsBoundaryPolicyInputList"); len(b) > 0 {
		if err := checkDocument(b[0], policy.KindBoundary); err != nil {
			return err
		}
		ps.Boundary = compileStored(b[0], "PermissionsBoundaryPolicyInputList.1")
	}
	for i, d := range c.p.List("OrderedOrganizationPolicyInputList") {
		if err := checkDocument(d, policy.KindSCP); err != nil {
			return err
		}
		ps.SCPs = append(ps.SCPs, []*engine.Compiled{compileStored(d, fmt.Sprintf("OrderedOrganizationPolicyInputList.%d", i+1))})
	}
	if rp := c.p.Get("ResourcePolicy"); rp != "" {
		if err := checkDocument(rp, policy.KindResource); err != nil {
			return err
		}
		ps.Resource = compileStored(rp, "ResourcePolicy")
	}
	set, err := engine.NewSet(ps)
	if err != nil {
		return invalidInput("%v", err)
	}
	callerArn := c.p.Get("CallerArn")
	if callerArn == "" {
		callerArn = arnOf(c.who.account, "user", "/", "SimulatedUser")
	}
	resources := c.p.List("ResourceArns")
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	req := engine.Request{Principal: callerArn, ResourceAccount: c.p.Get("ResourceOwner"), Context: c.contextEntries(), Now: c.s.now()}
	return c.writeEvaluations(set, req, actions, resources, "user", len(ps.SCPs) > 0)
}

// contextKeys lists the condition keys policies use, as IAM does: each
// once, in first-seen spelling.
func contextKeys(docs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range docs {
		p, err := policy.Parse([]byte(d), "")
		if err != nil {
			continue
		}
		for _, s := range p.Statements {
			for _, cond := range s.Conditions {
				if lk := strings.ToLower(cond.Key); !seen[lk] {
					seen[lk] = true
					out = append(out, cond.Key)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func writeContextKeys(c *call, keys []string) {
	c.x.Open("ContextKeyNames")
	for _, k := range keys {
		c.x.Elem("member", k)
	}
	c.x.Close("ContextKeyNames")
}

func getContextKeysForCustomPolicy(c *call) error {
	docs := c.p.List("PolicyInputList")
	if len(docs) == 0 {
		return apiErr(400, "ValidationError", "PolicyInputList is required")
	}
	if err := c.authorize("iam:GetContextKeysForCustomPolicy", "*", nil); err != nil {
		return err
	}
	writeContextKeys(c, contextKeys(docs))
	return nil
}

func getContextKeysForPrincipalPolicy(c *call) error {
	source, err := c.p.Required("PolicySourceArn")
	if err != nil {
		return err
	}
	if err := c.authorize("iam:GetContextKeysForPrincipalPolicy", source, nil); err != nil {
		return err
	}
	who, _, err := c.s.principalByARN(c.ctx, source)
	if err == nil && who == nil {
		err = fmt.Errorf("%s does not exist", source)
	}
	if err != nil {
		return noSuchEntity("%v", err)
	}
	docs := c.p.List("PolicyInputList")
	err = c.s.view(c.ctx, func(tx store.Tx) error {
		var attached []string
		var inline []NamedPolicy
		switch {
		case who.user != nil:
			attached, inline = who.user.Attached, who.user.Inline
		case who.session != nil:
			r, err := loadRole(tx, who.account, who.session.RoleName)
			if err != nil {
				return err
			}
			attached, inline = r.Attached, r.Inline
		}
		for _, in := range inline {
			docs = append(docs, in.Document)
		}
		for _, a := range attached {
			if d, err := c.s.managedDocument(tx, who.account, a); err == nil {
				docs = append(docs, d)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	writeContextKeys(c, contextKeys(docs))
	return nil
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
