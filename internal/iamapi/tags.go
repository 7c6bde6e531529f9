package iamapi

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/store"
)

// tagsParam reads a Tags list: name.member.N.Key and .Value.
func tagsParam(p awsquery.Params, name string) []Tag {
	pairs := p.Pairs(name, "Key", "Value")
	if pairs == nil {
		return nil
	}
	out := make([]Tag, len(pairs))
	for i, kv := range pairs {
		out[i] = Tag{Key: kv[0], Value: kv[1]}
	}
	return out
}

// writeTags writes a Tags list, nothing when there are none.
func writeTags(x *awsquery.Writer, tags []Tag) {
	if len(tags) == 0 {
		return
	}
	x.Open("Tags")
	for _, t := range tags {
		x.Open("member")
		x.Elem("Key", t.Key)
		x.Elem("Value", t.Value)
		x.Close("member")
	}
	x.Close("Tags")
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

// tagContext is the request-tag context of a call that creates or tags
// something: aws:RequestTag/K and aws:TagKeys.
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

// resourceTagContext is the context of acting on something tagged:
// aws:ResourceTag/K.
func resourceTagContext(tags []Tag) map[string][]string {
	ctx := map[string][]string{}
	for _, t := range tags {
		ctx["aws:ResourceTag/"+t.Key] = []string{t.Value}
	}
	return ctx
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

// taggedKind is one kind of entity the Tag*, Untag* and List*Tags
// operations act on. One implementation serves every kind: they all keep
// their ARN (an MFA device its serial number) and tags in the same JSON
// fields.
type taggedKind struct {
	kind    string // the store's kind
	arnType string // the resource type in its ARN: user, role, instance-profile
	param   string // the request parameter naming the entity
	// byARN: param holds the entity's ARN, which must be the stored
	// entity's exactly (account and path); otherwise its name.
	byARN bool
	quota string // IAM's quota, as its LimitExceeded message names it
}

var (
	taggedUsers    = taggedKind{kind: kindUser, arnType: "user", param: "UserName", quota: "TagsPerUser"}
	taggedRoles    = taggedKind{kind: kindRole, arnType: "role", param: "RoleName", quota: "TagsPerRole"}
	taggedPolicies = taggedKind{kind: kindPolicy, param: "PolicyArn", byARN: true, quota: "TagsPerPolicy"}
	taggedProfiles = taggedKind{kind: kindProfile, arnType: "instance-profile", param: "InstanceProfileName", quota: "TagsPerInstanceProfile"}
	taggedOIDC     = taggedKind{kind: kindOIDC, param: "OpenIDConnectProviderArn", byARN: true, quota: "TagsPerOpenIDConnectProvider"}
	taggedMFA      = taggedKind{kind: kindMFA, param: "SerialNumber", byARN: true, quota: "TagsPerMFADevice"}
)

// taggable is what tagging reads and writes of an entity's JSON body.
type taggable struct {
	Arn    string `json:"arn"`
	Serial string `json:"serial"`
	Tags   []Tag  `json:"tags"`
}

// storedName is the name an entity named by ARN is stored under: an
// OIDC provider's host and path, another entity's last path part.
func (k taggedKind) storedName(arn string) (string, bool) {
	if k.kind == kindOIDC {
		_, name, ok := strings.Cut(arn, ":oidc-provider/")
		return name, ok && name != ""
	}
	i := strings.LastIndexByte(arn, '/')
	return arn[i+1:], i >= 0 && i+1 < len(arn)
}

// find reads the entity a request names. arn is what the call is
// authorized on: the entity's ARN, or, when it does not exist, the ARN the
// request gave or the one its name would have at the root path, so that
// a caller who may not act on it cannot learn whether it exists.
func (k taggedKind) find(c *call, tx store.Tx) (e *store.Entity, body map[string]json.RawMessage, t *taggable, arn string, err error) {
	ref, err := c.p.Required(k.param)
	if err != nil {
		return nil, nil, nil, "", err
	}
	name, arn := ref, arnOf(c.who.account, k.arnType, "/", ref)
	if k.byARN {
		var ok bool
		if name, ok = k.storedName(ref); !ok {
			return nil, nil, nil, "", invalidInput("ARN %s is not valid.", ref)
		}
		arn = ref
	}
	e, err = tx.Get(c.who.account, k.kind, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, arn, nil
	}
	if err != nil {
		return nil, nil, nil, "", err
	}
	t = &taggable{}
	if err := decode(e, &body); err != nil {
		return nil, nil, nil, "", err
	}
	if err := decode(e, t); err != nil {
		return nil, nil, nil, "", err
	}
	if t.Arn == "" {
		t.Arn = t.Serial
	}
	if k.byARN && t.Arn != ref {
		// Another path, account or partition: not this entity.
		return nil, nil, nil, arn, nil
	}
	return e, body, t, t.Arn, nil
}

// notFound is the error for an entity find did not find.
func (k taggedKind) notFound(c *call) error {
	if k.kind == kindPolicy {
		return noSuchEntity("Policy %s does not exist or is not attachable.", c.p.Get(k.param))
	}
	return noSuchEntity("The %s with name %s cannot be found.", k.kind, c.p.Get(k.param))
}

// tagOp tags (add) or untags an entity, authorized with the request's
// tags (aws:RequestTag, aws:TagKeys) and the entity's own
// (aws:ResourceTag).
func tagOp(k taggedKind, add bool) handler {
	return func(c *call) error {
		tags, keys, ctx := c.tagRequest(add)
		var current *taggable
		var arn string
		if err := c.s.view(c.ctx, func(tx store.Tx) error {
			var err error
			_, _, current, arn, err = k.find(c, tx)
			return err
		}); err != nil {
			return err
		}
		if current != nil {
			for key, v := range resourceTagContext(current.Tags) {
				ctx[key] = v
			}
		}
		if err := c.authorize(c.action, arn, ctx); err != nil {
			return err
		}
		if current == nil {
			return k.notFound(c)
		}
		return c.s.update(c.ctx, func(tx store.Tx) error {
			e, body, t, _, err := k.find(c, tx)
			if err != nil {
				return err
			}
			if t == nil {
				return k.notFound(c)
			}
			if t.Tags, err = editTags(t.Tags, tags, keys, k.quota); err != nil {
				return err
			}
			body["tags"] = marshal(t.Tags)
			e.Body = marshal(body)
			return tx.Put(e)
		})
	}
}

// listTagsOp lists an entity's tags, every one (50 at most).
func listTagsOp(k taggedKind) handler {
	return func(c *call) error {
		var t *taggable
		var arn string
		if err := c.s.view(c.ctx, func(tx store.Tx) error {
			var err error
			_, _, t, arn, err = k.find(c, tx)
			return err
		}); err != nil {
			return err
		}
		var ctx map[string][]string
		if t != nil {
			ctx = resourceTagContext(t.Tags)
		}
		if err := c.authorize(c.action, arn, ctx); err != nil {
			return err
		}
		if t == nil {
			return k.notFound(c)
		}
		writeTagList(&c.x, t.Tags)
		return nil
	}
}

// editTags adds or replaces tags (keys compare case-insensitively, as
// IAM's do) and removes keys, within IAM's quota of 50 tags.
func editTags(have, add []Tag, remove []string, quota string) ([]Tag, error) {
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
		return nil, apiErr(409, "LimitExceeded", "Cannot exceed quota for %s: 50", quota)
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
