package iamclient

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// detailLists are the lists GetAccountAuthorizationDetails pages through.
var detailLists = []string{"UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"}

// maxPages bounds the pages read: an endpoint that answers IsTruncated
// forever is not followed forever.
const maxPages = 10000

// AccountDetails reads the caller's account with
// GetAccountAuthorizationDetails, every page, and returns it as JSON in
// the shape `aws iam get-account-authorization-details` prints (policy
// documents left URL-encoded, as IAM sends them, which ward's readers
// decode): the input ward check and ward doc read.
func (c *Client) AccountDetails(ctx context.Context) ([]byte, error) {
	all := map[string]any{}
	for _, l := range detailLists {
		all[l] = []any{}
	}
	marker := ""
	for page := 0; ; page++ {
		if page == maxPages {
			return nil, fmt.Errorf("GetAccountAuthorizationDetails: more than %d pages", maxPages)
		}
		params := url.Values{}
		if marker != "" {
			params.Set("Marker", marker)
		}
		data, err := c.call(ctx, "GetAccountAuthorizationDetails", params)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Endpoint, err)
		}
		root, err := parseXML(data)
		if err != nil {
			return nil, fmt.Errorf("%s: GetAccountAuthorizationDetails: %v", c.Endpoint, err)
		}
		result := root.child("GetAccountAuthorizationDetailsResult")
		if root.name != "GetAccountAuthorizationDetailsResponse" || result == nil {
			return nil, fmt.Errorf("%s: GetAccountAuthorizationDetails: the answer is <%s>, not GetAccountAuthorizationDetailsResponse with its result", c.Endpoint, root.name)
		}
		v, _ := result.value().(map[string]any)
		for _, l := range detailLists {
			if items, ok := v[l].([]any); ok {
				all[l] = append(all[l].([]any), items...)
			}
		}
		if v["IsTruncated"] != "true" {
			break
		}
		next, _ := v["Marker"].(string)
		if next == "" || next == marker {
			return nil, fmt.Errorf("%s: GetAccountAuthorizationDetails: a truncated page without a new Marker", c.Endpoint)
		}
		marker = next
	}
	all["IsTruncated"] = false
	return json.MarshalIndent(all, "", "  ")
}

// node is an XML element: its children, or its text.
type node struct {
	name     string
	children []*node
	text     strings.Builder
}

func (n *node) child(name string) *node {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// maxXMLDepth bounds how deeply an answer's elements nest: IAM's nest a
// handful deep.
const maxXMLDepth = 64

// parseXML reads an answer into its tree of elements.
func parseXML(data []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name.Local}
			switch {
			case len(stack) > 0:
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			case root != nil:
				return nil, errors.New("more than one root element")
			default:
				root = n
			}
			if stack = append(stack, n); len(stack) > maxXMLDepth {
				return nil, fmt.Errorf("elements nest more than %d deep", maxXMLDepth)
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		}
	}
	if root == nil {
		return nil, errors.New("no XML element in the answer")
	}
	return root, nil
}

// value is the element as the AWS CLI prints it in JSON: a list for an
// element of <member> entries, an object for one of named fields, the
// text for a leaf. An empty element is an empty list where IAM's shape
// has a list there (the names ending in List, Tags, ...), else "".
func (n *node) value() any {
	if len(n.children) == 0 {
		if isList(n.name) {
			return []any{}
		}
		return n.text.String()
	}
	members := true
	for _, c := range n.children {
		members = members && c.name == "member"
	}
	if members {
		out := make([]any, len(n.children))
		for i, c := range n.children {
			out[i] = c.value()
		}
		return out
	}
	out := map[string]any{}
	for _, c := range n.children {
		out[c.name] = c.value()
	}
	return out
}

func isList(name string) bool {
	switch name {
	case "Tags", "AttachedManagedPolicies", "Roles", "Policies":
		return true
	}
	return strings.HasSuffix(name, "List")
}
