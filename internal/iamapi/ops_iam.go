package iamapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/store"
)

type handler func(*call) error

// iamOps are the IAM operations ward answers; each file adds its own.
var iamOps = map[string]handler{}

func init() {
	for op, h := range map[string]handler{
		"CreateUser": createUser, "GetUser": getUser, "ListUsers": listUsers, "DeleteUser": deleteUser,
		"CreateRole": createRole, "GetRole": getRole, "ListRoles": listRoles, "DeleteRole": deleteRole,
		"UpdateAssumeRolePolicy": updateAssumeRolePolicy,
		"CreatePolicy":           createPolicy, "GetPolicy": getPolicy, "GetPolicyVersion": getPolicyVersion,
		"ListPolicies": listPolicies, "DeletePolicy": deletePolicy, "CreatePolicyVersion": createPolicyVersion,
		"AttachRolePolicy": attach(kindRole, "RoleName", true), "DetachRolePolicy": attach(kindRole, "RoleName", false),
		"AttachUserPolicy": attach(kindUser, "UserName", true), "DetachUserPolicy": attach(kindUser, "UserName", false),
		"ListAttachedRolePolicies": listAttached(kindRole, "RoleName"), "ListAttachedUserPolicies": listAttached(kindUser, "UserName"),
		"PutRolePolicy": putInline(kindRole, "RoleName"), "PutUserPolicy": putInline(kindUser, "UserName"),
		"GetRolePolicy": getInline(kindRole, "RoleName"), "GetUserPolicy": getInline(kindUser, "UserName"),
		"DeleteRolePolicy": deleteInline(kindRole, "RoleName"), "DeleteUserPolicy": deleteInline(kindUser, "UserName"),
		"ListRolePolicies": listInline(kindRole, "RoleName"), "ListUserPolicies": listInline(kindUser, "UserName"),
		"CreateAccessKey": createAccessKey, "ListAccessKeys": listAccessKeys, "DeleteAccessKey": deleteAccessKey,
		"SimulatePrincipalPolicy": simulatePrincipalPolicy,
	} {
		iamOps[op] = h
	}
}

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

// checkInlineQuota refuses inline policies whose sizes together exceed
// their entity's quota, in IAM's words.
func checkInlineQuota(kind, name string, inline []NamedPolicy) error {
	total := 0
	for _, in := range inline {
		p, err := policy.Parse([]byte(in.Document), "")
		if err != nil {
			return apiErr(400, "MalformedPolicyDocument", "%v", err)
		}
		total += p.Size
	}
	if limit := policy.InlineQuota(kind); total > limit {
		return apiErr(409, "LimitExceeded", "Maximum policy size of %d bytes exceeded for %s %s", limit, kind, name)
	}
	return nil
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
			if strings.HasPrefix(e.Msg, "LimitExceeded") {
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

func unmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// decode reads a stored entity's body into v, saying which entity could
// not be read.
func decode(e *store.Entity, v any) error {
	if err := json.Unmarshal(e.Body, v); err != nil {
		return fmt.Errorf("stored %s %s: %w", e.Kind, e.Name, err)
	}
	return nil
}

func arnOf(account, kind, path, name string) string {
	return fmt.Sprintf("arn:aws:iam::%s:%s%s%s", account, kind, path, name)
}

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// tagContext is the request-tag context of a call that creates or tags
// something: aws:RequestTag/K and aws:TagKeys.
// createContext is the context of creating a user or role: its tags and
// the permissions boundary it is given, if any.
func createContext(tags []Tag, boundary string) map[string][]string {
	ctx := tagContext(tags)
	if boundary != "" {
		if ctx == nil {
			ctx = map[string][]string{}
		}
		ctx["iam:PermissionsBoundary"] = []string{boundary}
	}
	return ctx
}

func tagContext(tags []Tag) map[string][]string {
	if len(tags) == 0 {
		return nil
	}
	ctx := map[string][]string{}
	var keys []string
	for _, t := range tags {
		ctx["aws:RequestTag/"+t.Key] = []string{t.Value}
		keys = append(keys, t.Key)
	}
	ctx["aws:TagKeys"] = keys
	return ctx
}

func resourceTagContext(tags []Tag) map[string][]string {
	ctx := map[string][]string{}
	for _, t := range tags {
		ctx["aws:ResourceTag/"+t.Key] = []string{t.Value}
	}
	return ctx
}

// ---- users ----

func writeUser(x *awsquery.Writer, u *User) {
	x.Open("User")
	x.Elem("Path", u.Path)
	x.Elem("UserName", u.Name)
	x.Elem("UserId", u.ID)
	x.Elem("Arn", u.Arn)
	x.Elem("CreateDate", fmtTime(u.Created))
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

// loadAs reads the entity of a kind with a name into a T; when there is
// none, NoSuchEntity with IAM's words for it (missing, with %s for the
// name).
func loadAs[T any](tx store.Tx, account, kind, name, missing string) (*T, error) {
	e, err := tx.Get(account, kind, name)
	if err != nil {
		return nil, noSuchEntity(missing, name)
	}
	var v T
	if err := unmarshal(e.Body, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// listAs reads every entity of a kind in account into a T each, in
// creation order; a body that does not decode is an error naming it.
func listAs[T any](tx store.Tx, account, kind string) ([]*store.Entity, []*T, error) {
	es, err := tx.List(account, kind, "")
	if err != nil {
		return nil, nil, err
	}
	out := make([]*T, len(es))
	for i, e := range es {
		out[i] = new(T)
		if err := decode(e, out[i]); err != nil {
			return nil, nil, err
		}
	}
	return es, out, nil
}

// loadUser reads a user; NoSuchEntity as IAM words it.
func loadUser(tx store.Tx, account, name string) (*User, error) {
	return loadAs[User](tx, account, kindUser, name, "The user with name %s cannot be found.")
}

func getUser(c *call) error {
	name := c.p.Get("UserName")
	if name == "" {
		// Without a name, GetUser describes the caller.
		if c.who.kind == "root" {
			c.x.Open("User")
			c.x.Elem("UserId", c.who.account)
			c.x.Elem("Arn", c.who.arn)
			c.x.Elem("CreateDate", fmtTime(time.Unix(0, 0)))
			c.x.Close("User")
			return nil
		}
		if c.who.kind != "user" {
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

// page applies Marker/MaxItems to a list and writes IsTruncated/Marker.
func page[T any](c *call, items []T) ([]T, func(), error) {
	start, end, err := c.pageBounds(len(items))
	if err != nil {
		return nil, nil, err
	}
	return items[start:end], func() { c.writePageEnd(end, len(items)) }, nil
}

// listResource is the resource a List call on kind is authorized on, as
// IAM names it: arn:aws:iam::ACCOUNT:KIND followed by the PathPrefix
// ("/" when none), taken literally, so that a grant on one role does not
// list every role.
func (c *call) listResource(kind string) string {
	prefix := c.p.Get("PathPrefix")
	if prefix == "" {
		prefix = "/"
	}
	return "arn:aws:iam::" + c.who.account + ":" + kind + prefix
}

// listAll reads the entities of a kind whose path starts with the
// PathPrefix parameter, in creation order.
func listAll[T any](c *call, kind string, path func(*T) string) ([]*T, error) {
	prefix := c.p.Get("PathPrefix")
	var out []*T
	err := c.s.view(c.ctx, func(tx store.Tx) error {
		es, err := tx.List(c.who.account, kind, "")
		if err != nil {
			return err
		}
		for _, e := range es {
			v := new(T)
			if err := unmarshal(e.Body, v); err != nil {
				return fmt.Errorf("stored %s %s: %w", kind, e.Name, err)
			}
			if strings.HasPrefix(path(v), prefix) {
				out = append(out, v)
			}
		}
		return nil
	})
	return out, err
}

// writeList writes one page of items as <tag><member>...</member></tag>
// with IsTruncated and Marker.
func writeList[T any](c *call, tag string, items []T, write func(T)) error {
	pageItems, tail, err := page(c, items)
	if err != nil {
		return err
	}
	c.x.Open(tag)
	for _, it := range pageItems {
		c.x.Open("member")
		write(it)
		c.x.Close("member")
	}
	c.x.Close(tag)
	tail()
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

// ---- roles ----

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

// authorizeOn loads a user or role and authorizes action on it, with its
// tags as aws:ResourceTag. Authorization reads the store, so it runs
// before the write transaction, never inside it.
func (c *call) authorizeOn(kind, name, action string) error {
	return c.authorizeOnWith(kind, name, action, nil)
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

// ---- managed policies ----

// loadPolicy reads the customer managed policy of account that arn
// names exactly (resolvePolicy); an AWS managed policy's ARN is
// NoSuchEntity here, as it is for the operations that change a policy.
func (s *Service) loadPolicy(tx store.Tx, account, arn string) (*ManagedPolicy, error) {
	ref, err := s.resolvePolicy(tx, account, arn)
	if err != nil {
		return nil, err
	}
	if ref.customer == nil {
		return nil, noSuchEntity("Policy %s does not exist or is not attachable.", arn)
	}
	return ref.customer, nil
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
				c.x.Elem("Document", awsquery.EncodeDocument(v.Document))
				c.x.Elem("VersionId", v.ID)
				c.x.Elem("IsDefaultVersion", fmt.Sprint(v.IsDefault))
				c.x.Elem("CreateDate", fmtTime(v.Created))
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

// ---- attachments and inline policies of users and roles ----

// editPrincipal loads a user or role body for editing as generic JSON
// plus its principal part, runs edit, and stores it.
func (c *call) editPrincipal(tx store.Tx, kind, name string, edit func(p *principal) error) error {
	e, err := tx.Get(c.who.account, kind, name)
	if err != nil {
		return noSuchEntity("The %s with name %s cannot be found.", kind, name)
	}
	// A body that does not decode is refused, never rewritten from
	// what could be read of it.
	var body map[string]json.RawMessage
	var p principal
	if err := decode(e, &body); err != nil {
		return err
	}
	if err := decode(e, &p); err != nil {
		return err
	}
	if err := edit(&p); err != nil {
		return err
	}
	for k, v := range map[string]any{"attached": p.Attached, "inline": p.Inline, "tags": p.Tags, "boundary": p.Boundary} {
		body[k] = marshal(v)
	}
	e.Body = marshal(body)
	return tx.Put(e)
}

func attach(kind, nameParam string, on bool) handler {
	return func(c *call) error {
		name, err := c.p.Required(nameParam)
		if err != nil {
			return err
		}
		arn, err := c.p.Required("PolicyArn")
		if err != nil {
			return err
		}
		if err := c.authorizeOnWith(kind, name, "iam:"+c.op, map[string][]string{"iam:PolicyARN": {arn}}); err != nil {
			return err
		}
		return c.s.update(c.ctx, func(tx store.Tx) error {
			var ref *managedRef
			if on {
				// Only the exact ARN of a policy that exists, in this
				// account or AWS's, is attached.
				if ref, err = c.s.resolvePolicy(tx, c.who.account, arn); err != nil {
					return err
				}
			}
			changed := false
			err := c.editPrincipal(tx, kind, name, func(p *principal) error {
				for i, a := range p.Attached {
					if a == arn {
						if !on {
							p.Attached = append(p.Attached[:i], p.Attached[i+1:]...)
							changed = true
						}
						return nil
					}
				}
				if !on {
					return noSuchEntity("Policy %s was not found.", arn)
				}
				if len(p.Attached) >= 10 {
					return apiErr(409, "LimitExceeded", "Cannot exceed quota for PoliciesPer%s: 10", strings.ToUpper(kind[:1])+kind[1:])
				}
				p.Attached = append(p.Attached, arn)
				changed = true
				return nil
			})
			switch {
			case err != nil || !changed:
				return err
			case on:
				return changeUse(tx, c.who.account, ref, 1, 0)
			}
			return c.s.changeUseOf(tx, c.who.account, arn, -1, 0)
		})
	}
}

// authorizeOnWith is authorizeOn with extra context keys.
func (c *call) authorizeOnWith(kind, name, action string, extra map[string][]string) error {
	_, err := c.principalFor(kind, name, action, extra)
	return err
}

// principalFor reads a user, group or role and authorizes action on it,
// with its tags as aws:ResourceTag and extra context keys; it returns
// what was read, so the caller need not read it again.
//
// Authorization comes first, as in IAM: a user, group or role that does
// not exist is authorized on the ARN its name would have at the root path
// ("/") and only then reported missing, so a caller that may not act on
// it cannot tell whether it exists.
func (c *call) principalFor(kind, name, action string, extra map[string][]string) (*principal, error) {
	var p principal
	found := false
	err := c.s.view(c.ctx, func(tx store.Tx) error {
		e, err := tx.Get(c.who.account, kind, name)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := unmarshal(e.Body, &p); err != nil {
			return fmt.Errorf("stored %s %s: %w", kind, e.Name, err)
		}
		found = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	arn := p.Arn
	if !found {
		arn = arnOf(c.who.account, kind, "/", name)
	}
	ctx := resourceTagContext(p.Tags)
	for k, v := range extra {
		ctx[k] = v
	}
	if err := c.authorize(action, arn, ctx); err != nil {
		return nil, err
	}
	if !found {
		return nil, noSuchEntity("The %s with name %s cannot be found.", kind, name)
	}
	return &p, nil
}

func listAttached(kind, nameParam string) handler {
	return func(c *call) error {
		name, err := c.p.Required(nameParam)
		if err != nil {
			return err
		}
		p, err := c.principalFor(kind, name, "iam:"+c.op, nil)
		if err != nil {
			return err
		}
		return writeList(c, "AttachedPolicies", p.Attached, func(arn string) {
			c.x.Elem("PolicyName", arn[strings.LastIndexByte(arn, '/')+1:])
			c.x.Elem("PolicyArn", arn)
		})
	}
}

func putInline(kind, nameParam string) handler {
	return func(c *call) error {
		name, err := c.p.Required(nameParam)
		if err != nil {
			return err
		}
		pname, err := c.p.Required("PolicyName")
		if err != nil {
			return err
		}
		doc, err := c.p.Required("PolicyDocument")
		if err != nil {
			return err
		}
		// An inline policy is bound by its entity's quota for all its
		// inline policies together, not by a managed policy's 6,144.
		if err := checkDocument(doc, policy.KindIdentity, policy.SkipSizeLimit); err != nil {
			return err
		}
		if err := c.authorizeOn(kind, name, "iam:"+c.op); err != nil {
			return err
		}
		return c.s.update(c.ctx, func(tx store.Tx) error {
			return c.editPrincipal(tx, kind, name, func(p *principal) error {
				inline := append([]NamedPolicy(nil), p.Inline...)
				replaced := false
				for i := range inline {
					if inline[i].Name == pname {
						inline[i].Document, replaced = doc, true
					}
				}
				if !replaced {
					inline = append(inline, NamedPolicy{Name: pname, Document: doc})
				}
				if err := checkInlineQuota(kind, name, inline); err != nil {
					return err
				}
				p.Inline = inline
				return nil
			})
		})
	}
}

func getInline(kind, nameParam string) handler {
	return func(c *call) error {
		name, err := c.p.Required(nameParam)
		if err != nil {
			return err
		}
		pname, err := c.p.Required("PolicyName")
		if err != nil {
			return err
		}
		if err := c.authorizeOn(kind, name, "iam:"+c.op); err != nil {
			return err
		}
		return c.s.view(c.ctx, func(tx store.Tx) error {
			e, err := tx.Get(c.who.account, kind, name)
			if err != nil {
				return err
			}
			var p principal
			unmarshal(e.Body, &p)
			for _, in := range p.Inline {
				if in.Name == pname {
					c.x.Elem(nameParam, e.Name)
					c.x.Elem("PolicyName", in.Name)
					c.x.Elem("PolicyDocument", awsquery.EncodeDocument(in.Document))
					return nil
				}
			}
			return noSuchEntity("The %s policy with name %s cannot be found.", kind, pname)
		})
	}
}

func deleteInline(kind, nameParam string) handler {
	return func(c *call) error {
		name, err := c.p.Required(nameParam)
		if err != nil {
			return err
		}
		pname, err := c.p.Required("PolicyName")
		if err != nil {
			return err
		}
		if err := c.authorizeOn(kind, name, "iam:"+c.op); err != nil {
			return err
		}
		return c.s.update(c.ctx, func(tx store.Tx) error {
			return c.editPrincipal(tx, kind, name, func(p *principal) error {
				for i := range p.Inline {
					if p.Inline[i].Name == pname {
						p.Inline = append(p.Inline[:i], p.Inline[i+1:]...)
						return nil
					}
				}
				return noSuchEntity("The %s policy with name %s cannot be found.", kind, pname)
			})
		})
	}
}

func listInline(kind, nameParam string) handler {
	return func(c *call) error {
		name, err := c.p.Required(nameParam)
		if err != nil {
			return err
		}
		p, err := c.principalFor(kind, name, "iam:"+c.op, nil)
		if err != nil {
			return err
		}
		var names []string
		for _, in := range p.Inline {
			names = append(names, in.Name)
		}
		items, tail, err := page(c, names)
		if err != nil {
			return err
		}
		c.x.Open("PolicyNames")
		for _, n := range items {
			c.x.Elem("member", n)
		}
		c.x.Close("PolicyNames")
		tail()
		return nil
	}
}

// ---- access keys ----

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
		case "user":
			o = owner{c.who.user.Name, c.who.user.ID, c.who.arn}
		case "root":
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
	k := &AccessKey{ID: newID("AKIA"), UserName: o.name, UserID: o.id, Status: "Active", Created: c.s.now(), Secret: c.s.Sealer.Seal(secret)}
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

// simulatePrincipalPolicy decides actions for a stored user or role with
// its policies, as the IAM policy simulator does (without fetching
// resource policies; a ResourcePolicy may be given).
func simulatePrincipalPolicy(c *call) error {
	source, err := c.p.Required("PolicySourceArn")
	if err != nil {
		return err
	}
	actions := c.p.List("ActionNames")
	if len(actions) == 0 {
		return apiErr(400, "ValidationError", "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null")
	}
	resources := c.p.List("ResourceArns")
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	if err := c.authorize("iam:SimulatePrincipalPolicy", source, nil); err != nil {
		return err
	}
	parts := strings.SplitN(source, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" {
		return invalidInput("Invalid ARN %s.", source)
	}
	kind, name := "", parts[5][strings.LastIndexByte(parts[5], '/')+1:]
	var subject *caller
	err = c.s.view(c.ctx, func(tx store.Tx) error {
		switch {
		case strings.HasPrefix(parts[5], "user/"):
			kind = kindUser
			u, err := loadUser(tx, parts[4], name)
			if err != nil {
				return err
			}
			subject = &caller{account: parts[4], arn: u.Arn, userID: u.ID, kind: "user", user: u}
		case strings.HasPrefix(parts[5], "role/"):
			kind = kindRole
			r, err := loadRole(tx, parts[4], name)
			if err != nil {
				return err
			}
			// The simulator evaluates a role as a session of that role.
			subject = &caller{account: parts[4], arn: "arn:aws:sts::" + parts[4] + ":assumed-role/" + r.Name + "/simulation",
				kind: "session", session: &Session{RoleName: r.Name, RoleArn: r.Arn, RoleID: r.ID, SessionName: "simulation"}}
		default:
			return invalidInput("PolicySourceArn must be a user or a role: %s", source)
		}
		return nil
	})
	if err != nil {
		return err
	}
	ctxKeys := c.contextEntries()
	var resourcePolicy *policyDoc
	if doc := c.p.Get("ResourcePolicy"); doc != "" {
		resourcePolicy = &policyDoc{doc}
	}
	set, err := c.s.simulationSet(c.ctx, subject, resourcePolicy)
	if err != nil {
		return err
	}
	sc := getScratch()
	defer sc.release()
	req := sc.engineRequest(subject, "", "", ctxKeys, c.s.now())
	return c.writeEvaluations(set, req, actions, resources, kind, false)
}

// contextEntries reads the simulator's ContextEntries.
func (c *call) contextEntries() map[string][]string {
	ctx := map[string][]string{}
	for i := 1; ; i++ {
		key := c.p.Get(fmt.Sprintf("ContextEntries.member.%d.ContextKeyName", i))
		if key == "" {
			return ctx
		}
		ctx[key] = c.p.List(fmt.Sprintf("ContextEntries.member.%d.ContextKeyValues", i))
	}
}

// writeEvaluations decides req for every action and resource with set
// and writes the simulator's EvaluationResults: the decision, the matched
// statements (their policies' types as the simulator names them for a
// principal of kind), the missing context keys and, when SCPs took part,
// whether they allowed it.
func (c *call) writeEvaluations(set *engine.Set, req engine.Request, actions, resources []string, kind string, scps bool) error {
	// One page of results, as IAM pages them (MaxItems, Marker): only the
	// page's evaluations are computed, so the answer and its cost are
	// bounded by MaxItems whatever the product of actions and resources
	// (each at most 1,000, by the parameter table). The Marker is bound to
	// the request it was written for (boundPage).
	total := len(actions) * len(resources)
	start, end, tail, err := c.boundPage(total)
	if err != nil {
		return err
	}
	c.x.Open("EvaluationResults")
	for k := start; k < end; k++ {
		action, res := actions[k/len(resources)], resources[k%len(resources)]
		req.Action, req.Resource = action, res
		prep, err := req.Prepare()
		if err != nil {
			return invalidInput("%v", err)
		}
		d := set.Decide(prep)
		c.x.Open("member")
		c.x.Elem("EvalActionName", action)
		c.x.Elem("EvalResourceName", res)
		c.x.Elem("EvalDecision", simDecision(d.Result.String()))
		c.x.Open("MatchedStatements")
		for _, m := range d.Matched() {
			c.x.Open("member")
			c.x.Elem("SourcePolicyId", m.Policy)
			c.x.Elem("SourcePolicyType", simPolicyType(m.Type.String(), kind))
			c.x.Close("member")
		}
		c.x.Close("MatchedStatements")
		c.x.Open("MissingContextValues")
		for _, k := range d.Missing {
			c.x.Elem("member", k)
		}
		c.x.Close("MissingContextValues")
		if scps {
			c.x.Open("OrganizationsDecisionDetail")
			c.x.Elem("AllowedByOrganizations", fmt.Sprint(d.DecidedBy != engine.TypeSCP))
			c.x.Close("OrganizationsDecisionDetail")
		}
		c.x.Close("member")
	}
	c.x.Close("EvaluationResults")
	tail()
	return nil
}

// pageBounds reads MaxItems (default 100) and Marker for a list of total
// items and returns the page's range. A Marker is one this service wrote
// (ward-N, N within the list); any other is InvalidInput.
func (c *call) pageBounds(total int) (start, end int, err error) {
	max, err := c.p.IntOr("MaxItems", 100)
	if err != nil {
		return 0, 0, err
	}
	if m := c.p.Get("Marker"); m != "" {
		n, ok := strings.CutPrefix(m, "ward-")
		start, err = strconv.Atoi(n)
		if !ok || err != nil || start <= 0 || start >= total || strconv.Itoa(start) != n {
			return 0, 0, invalidInput("Invalid Marker.")
		}
	}
	return start, min(start+max, total), nil
}

// writePageEnd writes IsTruncated, and the Marker of the next page when
// there is one.
func (c *call) writePageEnd(end, total int) {
	if end < total {
		c.x.Elem("IsTruncated", "true")
		c.x.Elem("Marker", "ward-"+strconv.Itoa(end))
		return
	}
	c.x.Elem("IsTruncated", "false")
}

func simDecision(r string) string {
	switch r {
	case "Allowed":
		return "allowed"
	case "ExplicitDeny":
		return "explicitDeny"
	}
	return "implicitDeny"
}

func simPolicyType(t, kind string) string {
	switch t {
	case "identityPolicy":
		return kind
	case "resourcePolicy", "roleTrustPolicy", "keyPolicy":
		return "resource"
	}
	return "none"
}
