package iamapi

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/store"
)

// awsPolicyPrefix starts the ARN of every AWS managed policy.
const awsPolicyPrefix = "arn:aws:iam::aws:policy/"

// managedRef is the managed policy an ARN names: an AWS managed policy
// from the catalog, or a customer managed policy from the store.
type managedRef struct {
	arn      string
	aws      *catalog.ManagedPolicy
	customer *ManagedPolicy
}

// document is the policy's default version.
func (m *managedRef) document() (string, error) {
	if m.aws != nil {
		return string(m.aws.Document), nil
	}
	if v := m.customer.defaultVersion(); v != nil {
		return v.Document, nil
	}
	return "", fmt.Errorf("policy %s has no default version", m.arn)
}

// resolvePolicy is the one place a policy ARN becomes a policy. The ARN
// must name the policy exactly, as IAM requires: partition, account, path
// and name letter for letter. An AWS managed policy is looked up in the
// catalog; a customer managed policy must belong to account (the account
// of the caller, or of the entity the policy is for), so no account can
// attach, bound, narrow a session with or read another account's
// policies. A path that is not the policy's, a name in another case or
// another account's ARN is NoSuchEntity, whatever exists under that name.
func (s *Service) resolvePolicy(tx store.Tx, account, arn string) (*managedRef, error) {
	missing := noSuchEntity("Policy %s does not exist or is not attachable.", arn)
	if strings.HasPrefix(arn, awsPolicyPrefix) {
		mp, err := s.Catalog.ManagedPolicy(arn)
		if err != nil {
			return nil, err
		}
		if mp == nil || mp.ARN != arn {
			return nil, missing
		}
		return &managedRef{arn: arn, aws: mp}, nil
	}
	acct, name, ok := policyARNParts(arn)
	if !ok {
		return nil, invalidInput("ARN %s is not valid.", arn)
	}
	if acct != account {
		return nil, missing
	}
	e, err := tx.Get(account, kindPolicy, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, missing
	}
	if err != nil {
		return nil, err
	}
	var mp ManagedPolicy
	if err := decode(e, &mp); err != nil {
		return nil, err
	}
	if mp.Arn != arn {
		return nil, missing
	}
	return &managedRef{arn: arn, customer: &mp}, nil
}

// policyARNParts splits arn:aws:iam::ACCOUNT:policy/PATH/NAME, refusing
// anything else: another partition or service, a region, an account that
// is not 12 digits, an empty name.
func policyARNParts(arn string) (account, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] != "aws" || parts[2] != "iam" || parts[3] != "" || !policy.IsAccountID(parts[4]) || !strings.HasPrefix(parts[5], "policy/") {
		return "", "", false
	}
	res := parts[5]
	name = res[strings.LastIndexByte(res, '/')+1:]
	return parts[4], name, name != ""
}

// PolicyUse is where a managed policy is in use in one account: attached
// to users, groups and roles, and set as a permissions boundary. It is
// kept up to date by every change that attaches, detaches, sets or
// removes, in the same transaction, so that listing and reading policies
// costs the same in any account size, and DeletePolicy can refuse a
// policy in use.
type PolicyUse struct {
	Attachments int `json:"attachments"`
	Boundaries  int `json:"boundaries"`
}

// kindAWSPolicyUse holds the PolicyUse of an AWS managed policy in an
// account, named by its ARN; there is none while the policy is unused.
const kindAWSPolicyUse = "awspolicyuse"

// changeUse adds attachments and boundaries (either may be negative) to
// the use of the policy ref names in account.
func changeUse(tx store.Tx, account string, ref *managedRef, attachments, boundaries int) error {
	if ref.customer != nil {
		mp := ref.customer
		mp.Use.Attachments += attachments
		mp.Use.Boundaries += boundaries
		return tx.Put(&store.Entity{Account: account, Kind: kindPolicy, Name: mp.Name, Body: marshal(mp)})
	}
	var use PolicyUse
	e, err := tx.Get(account, kindAWSPolicyUse, ref.arn)
	switch {
	case err == nil:
		if err := unmarshal(e.Body, &use); err != nil {
			return fmt.Errorf("stored use of %s: %w", ref.arn, err)
		}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	use.Attachments += attachments
	use.Boundaries += boundaries
	switch {
	case use.Attachments <= 0 && use.Boundaries <= 0:
		if e == nil {
			return nil
		}
		return tx.Delete(account, kindAWSPolicyUse, ref.arn)
	case e == nil:
		return tx.Create(&store.Entity{Account: account, Kind: kindAWSPolicyUse, Name: ref.arn, Body: marshal(use)})
	}
	e.Body = marshal(use)
	return tx.Put(e)
}

// changeUseOf is changeUse for a policy named by an ARN that is already
// attached or set (so it resolved when it was): a policy that no longer
// resolves has nothing left to count.
func (s *Service) changeUseOf(tx store.Tx, account, arn string, attachments, boundaries int) error {
	ref, err := s.resolvePolicy(tx, account, arn)
	var ae *awsquery.Error
	if errors.As(err, &ae) && ae.Code == "NoSuchEntity" {
		return nil
	}
	if err != nil {
		return err
	}
	return changeUse(tx, account, ref, attachments, boundaries)
}

// awsPolicyUse reads the use of every AWS managed policy in use in
// account: one read, whatever the number of policies in the catalog.
func awsPolicyUse(tx store.Tx, account string) (map[string]PolicyUse, error) {
	es, uses, err := listAs[PolicyUse](tx, account, kindAWSPolicyUse)
	if err != nil {
		return nil, err
	}
	out := make(map[string]PolicyUse, len(es))
	for i, e := range es {
		out[e.Name] = *uses[i]
	}
	return out, nil
}

// recountPolicyUse counts every policy's use in account from the users,
// groups and roles themselves: once, for data stored before the counts
// were kept.
func recountPolicyUse(tx store.Tx, account string) error {
	uses := map[string]*PolicyUse{}
	at := func(arn string) *PolicyUse {
		if uses[arn] == nil {
			uses[arn] = &PolicyUse{}
		}
		return uses[arn]
	}
	for _, kind := range []string{kindUser, kindGroup, kindRole} {
		_, principals, err := listAs[principal](tx, account, kind)
		if err != nil {
			return err
		}
		for _, p := range principals {
			for _, a := range p.Attached {
				at(a).Attachments++
			}
			if p.Boundary != "" {
				at(p.Boundary).Boundaries++
			}
		}
	}
	old, err := tx.List(account, kindAWSPolicyUse, "")
	if err != nil {
		return err
	}
	for _, e := range old {
		if err := tx.Delete(account, kindAWSPolicyUse, e.Name); err != nil {
			return err
		}
	}
	es, policies, err := listAs[ManagedPolicy](tx, account, kindPolicy)
	if err != nil {
		return err
	}
	for i, mp := range policies {
		e := es[i]
		mp.Use = PolicyUse{}
		if u := uses[mp.Arn]; u != nil {
			mp.Use = *u
		}
		e.Body = marshal(mp)
		if err := tx.Put(e); err != nil {
			return err
		}
	}
	for arn, u := range uses {
		if strings.HasPrefix(arn, awsPolicyPrefix) {
			if err := tx.Create(&store.Entity{Account: account, Kind: kindAWSPolicyUse, Name: arn, Body: marshal(u)}); err != nil {
				return err
			}
		}
	}
	return nil
}
