package iamapi

import (
	"context"
	"fmt"
	"strings"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/seal"
	"github.com/wardhq/ward/internal/store"
)

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
				writeUserFields(&c.x, &u)
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
				for i := range mp.Versions {
					c.x.Open("member")
					writeVersion(&c.x, &mp.Versions[i])
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

// Bootstrap makes an account with a root access key when it does not
// exist yet, returning the key's ID and secret (only when created, or
// when given: keyID/secret set the root key, for scripts).
func (s *Service) Bootstrap(account, keyID, secret string) (id, sec string, created bool, err error) {
	err = s.update(context.Background(), func(tx store.Tx) error {
		if err := registerAccount(tx, account); err != nil {
			return err
		}
		if e, err := tx.Get(account, kindAccount, account); err == nil {
			return migrateAccount(tx, e, s.Sealer)
		}
		if keyID == "" {
			keyID, secret = newID("AKIA"), newSecret()
		}
		if err := tx.Create(&store.Entity{Account: account, Kind: kindAccount, Name: account, Body: marshal(accountRecord{Schema: accountSchema})}); err != nil {
			return err
		}
		k := &AccessKey{ID: keyID, Status: "Active", Created: s.now(), Secret: s.Sealer.Seal(secret, keyBinding(keyID))}
		created = true
		return tx.Create(&store.Entity{Account: account, Kind: kindKey, Name: keyID, ID: keyID, Body: marshal(k)})
	})
	return keyID, secret, created, err
}

// accountRecord is what the store keeps of an account itself.
type accountRecord struct {
	// Schema is the version of the account's stored data: 2 once policy
	// use counts are kept (PolicyUse); 3 once access keys, MFA devices and
	// trust policies are bound to unique IDs.
	Schema int `json:"schema"`
}

const accountSchema = 4

// migrateAccount brings an account's stored data up to accountSchema.
func migrateAccount(tx store.Tx, e *store.Entity, sealer *seal.Sealer) error {
	var rec accountRecord
	if err := unmarshal(e.Body, &rec); err != nil {
		return fmt.Errorf("stored account %s: %w", e.Account, err)
	}
	if rec.Schema >= accountSchema {
		return nil
	}
	if rec.Schema < 2 {
		if err := recountPolicyUse(tx, e.Account); err != nil {
			return fmt.Errorf("account %s: counting policy use: %w", e.Account, err)
		}
	}
	if rec.Schema < 3 {
		if err := bindToUniqueIDs(tx, e.Account); err != nil {
			return fmt.Errorf("account %s: binding to unique IDs: %w", e.Account, err)
		}
	}
	if rec.Schema < 4 {
		if err := resealSecrets(tx, e.Account, sealer); err != nil {
			return fmt.Errorf("account %s: sealing secrets to their records: %w", e.Account, err)
		}
	}
	rec.Schema = accountSchema
	e.Body = marshal(rec)
	return tx.Put(e)
}
