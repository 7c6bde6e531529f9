package catalog

import (
	"encoding/json"
	"strings"
)

// ManagedPolicy is an AWS managed policy at its default version.
type ManagedPolicy struct {
	Name      string          `json:"name"`
	ARN       string          `json:"arn"`
	VersionID string          `json:"versionId"`
	Created   string          `json:"created"`
	Updated   string          `json:"updated"`
	Document  json.RawMessage `json:"document"`
}

// ManagedPolicy finds an AWS managed policy by ARN or by name
// (case-insensitive). It returns nil, nil when there is none.
func (c *Catalog) ManagedPolicy(arnOrName string) (*ManagedPolicy, error) {
	i, ok := c.managed.Lookup(arnOrName)
	if !ok {
		i, ok = c.byName[strings.ToLower(arnOrName)]
	}
	if !ok {
		return nil, nil
	}
	key := c.managed.Header().Entries[i].Key
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.policies[key]; ok {
		return p, nil
	}
	p := &ManagedPolicy{}
	if err := c.managed.Read(i, p); err != nil {
		return nil, err
	}
	c.policies[key] = p
	return p, nil
}

// ManagedPolicyARNs lists every AWS managed policy ARN, sorted.
func (c *Catalog) ManagedPolicyARNs() []string {
	out := make([]string, len(c.managed.Header().Entries))
	for i, e := range c.managed.Header().Entries {
		out[i] = e.Key
	}
	return out
}
