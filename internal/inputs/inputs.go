// Package inputs reads the files `ward check` is given and finds the
// policies in them, each with the kind it is used as and where it sits:
// a plain policy document; the output of `aws iam
// get-account-authorization-details` (every user, group, role and
// customer managed policy of an account, with inline policies, trust
// policies and boundaries); a Terraform plan (`terraform show -json`); or
// a CloudFormation template in JSON or YAML.
package inputs

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/wardhq/ward/internal/jsonpos"
	"github.com/wardhq/ward/internal/policy"
)

// Format is what kind of file an input is.
type Format string

const (
	FormatPolicy         Format = "policy"
	FormatAccountDetails Format = "account-authorization-details"
)

// Doc is one policy found in a file.
type Doc struct {
	Policy *policy.Policy
	Kind   policy.Kind
	// Path is the JSON path of the document in its file ("" for a policy
	// file), to prefix the paths of findings.
	Path string
	// Where says what the policy belongs to, e.g. `role "app" inline
	// policy "s3-read"`.
	Where string
	// Line and Col, when set, are where a policy given as a string sits
	// in the file; positions inside the string are not the file's.
	Line, Col  int
	AWSManaged bool
	// Bare: the file held statements without the policy wrapper (an
	// object with Effect and Action, or a list of them), read as the
	// Statement of a 2012-10-17 policy.
	Bare bool
	// Inline, for an inline policy, is the kind of entity it is put in:
	// "user", "group" or "role", the strictest when one policy is put in
	// several kinds (an AWS::IAM::Policy for users and roles is a user's).
	// It is held to that entity's quota (policy.InlineQuota) instead of a
	// managed policy's 6,144; "" for any other policy.
	Inline string
	// Entities are the users, groups and roles an inline policy is put in,
	// whose inline policies are held to their quota all together.
	Entities []Entity
	// Conditional says a template's Fn::If chose the policy's text: its
	// first branch is read, and a deployment may read another.
	Conditional bool
	// Name is the policy's own name (an inline or managed policy's), ""
	// when it has none; ARN, a managed policy's ARN (or the template's
	// ${LogicalId}, the plan's address, when the ARN is not known yet).
	Name, ARN string
}

// Entity is a user, group or role as an input names it: by name in
// account details and Terraform plans, as ${LogicalId} in a template.
type Entity struct {
	Kind string // "user", "group" or "role"
	Name string
}

// Attachment is an AWS managed policy attached to a principal, for the
// checks that weigh broad managed policies.
type Attachment struct {
	PolicyARN string
	Principal string // e.g. `role "app"`
	Path      string
	Line, Col int
}

// File is one input read.
type File struct {
	Name        string
	Src         []byte
	Format      Format
	Docs        []Doc
	Attachments []Attachment
	// Errors are problems that kept part of the file from being read;
	// the rest is still checked.
	Errors []*policy.Error
	// Unknown are the documents a Terraform plan does not know yet (they
	// depend on values known only after apply): not checked, and said so.
	Unknown []Unknown
	// Principals are the users, groups and roles the input defines, in
	// kind and name order, each with its policies.
	Principals []Principal

	srcIndex *jsonpos.Index // of Src, built when first needed
}

// index is the line index of the file's text.
func (f *File) index() *jsonpos.Index {
	if f.srcIndex == nil {
		f.srcIndex = jsonpos.NewIndex(f.Src)
	}
	return f.srcIndex
}

// Unknown is a policy document an input names but cannot give yet.
type Unknown struct {
	Where     string // e.g. aws_iam_role.app assume_role_policy
	Path      string
	Line, Col int
}

// Read reads one input. forced, when not zero, is the kind of a plain
// policy file.
func Read(name string, data []byte, forced policy.Kind) *File {
	f := &File{Name: name, Src: data}
	if isYAMLName(name) {
		if readYAML(f) {
			return f
		}
		f.Errors = append(f.Errors, &policy.Error{File: name, Msg: "this YAML file is not a CloudFormation template (no Resources with AWS:: types)"})
		return f
	}
	root, err := jsonpos.Parse(data)
	if err != nil {
		var se *jsonpos.SyntaxError
		e := &policy.Error{File: name, Msg: "Syntax errors in policy: " + err.Error(), Cause: policy.ErrSyntax}
		if errors.As(err, &se) {
			e.Line, e.Col = jsonpos.LineCol(data, se.Offset)
			e.Msg = "Syntax errors in policy: " + se.Msg
		}
		f.Errors = append(f.Errors, e)
		return f
	}
	if root.Kind == jsonpos.Object && isAccountDetails(root) {
		f.Format = FormatAccountDetails
		readAccountDetails(f, root)
		return f
	}
	if root.Kind == jsonpos.Object && isTerraformPlan(root) {
		f.Format = FormatTerraformPlan
		readTerraformPlan(f, root)
		return f
	}
	if root.Kind == jsonpos.Object && root.Get("Statement") == nil && (root.Get("Resources") != nil || root.Get("AWSTemplateFormatVersion") != nil) {
		if v := fromJSON(root, jsonpos.NewIndex(data)); isCloudFormation(v) {
			f.Format = FormatCloudFormation
			readCloudFormation(f, v)
			return f
		}
	}
	f.Format = FormatPolicy
	bare := isBareStatements(root)
	if bare {
		// Documentation often shows statements without the wrapper IAM
		// requires: check them as the policy they stand for, with
		// positions in the file as it is, and say so once.
		root = &jsonpos.Node{Kind: jsonpos.Object, Offset: root.Offset, End: root.End, Members: []jsonpos.Member{
			{Key: "Version", KeyOffset: root.Offset, Value: &jsonpos.Node{Kind: jsonpos.String, Offset: root.Offset, End: root.Offset, Text: policy.Version2012}},
			{Key: "Statement", KeyOffset: root.Offset, Value: root},
		}}
	}
	p, err := policy.FromNode(root, data, name)
	if err != nil {
		var list policy.ErrorList
		if errors.As(err, &list) {
			f.Errors = append(f.Errors, list...)
		} else {
			f.Errors = append(f.Errors, &policy.Error{File: name, Msg: err.Error()})
		}
		return f
	}
	kind := forced
	if kind == 0 {
		kind = DetectKind(p)
	}
	f.Docs = append(f.Docs, Doc{Policy: p, Kind: kind, Bare: bare})
	return f
}

// isBareStatements reports whether a JSON value is a statement or a list
// of statements without the policy around it: an object with Effect and
// Action or NotAction, and neither Statement nor Version.
func isBareStatements(root *jsonpos.Node) bool {
	isStatement := func(n *jsonpos.Node) bool {
		return n.Kind == jsonpos.Object && n.Get("Effect") != nil && (n.Get("Action") != nil || n.Get("NotAction") != nil) &&
			n.Get("Statement") == nil && n.Get("Version") == nil
	}
	if root.Kind == jsonpos.Array {
		for _, it := range root.Items {
			if !isStatement(it) {
				return false
			}
		}
		return len(root.Items) > 0
	}
	return isStatement(root)
}

// LooksLikeInput reports whether a JSON file found in a folder is
// something ward checks: a policy or account details. Other JSON
// (package.json, fixtures) is left alone.
func LooksLikeInput(name string, data []byte) bool {
	if isYAMLName(name) {
		return bytes.Contains(data, []byte("AWSTemplateFormatVersion")) || bytes.Contains(data, []byte("Type: AWS::")) ||
			bytes.Contains(data, []byte("Type: 'AWS::")) || bytes.Contains(data, []byte(`Type: "AWS::`))
	}
	root, err := jsonpos.Parse(data)
	if err != nil {
		return true // report it: it may be a broken policy
	}
	return root.Kind == jsonpos.Object && (root.Get("Statement") != nil || isAccountDetails(root) || isTerraformPlan(root) ||
		root.Get("AWSTemplateFormatVersion") != nil || root.Get("Resources") != nil) || isBareStatements(root)
}

// IsInputName reports whether a file in a folder may be an input: JSON,
// or YAML (CloudFormation).
func IsInputName(name string) bool {
	return strings.HasSuffix(name, ".json") || isYAMLName(name)
}

func isYAMLName(name string) bool {
	for _, ext := range []string{".yaml", ".yml", ".template"} {
		if strings.HasSuffix(strings.ToLower(name), ext) {
			return true
		}
	}
	return false
}

func isAccountDetails(root *jsonpos.Node) bool {
	for _, k := range []string{"UserDetailList", "GroupDetailList", "RoleDetailList"} {
		if root.Get(k) != nil {
			return true
		}
	}
	return false
}

// DetectKind guesses what a policy is used as: with a Principal it is a
// resource policy, or a role trust policy when it only grants the sts
// trust actions; without, an identity policy.
func DetectKind(p *policy.Policy) policy.Kind {
	principals, trustOnly := false, true
	for _, s := range p.Statements {
		if pr, _ := s.Principals(); pr != nil {
			principals = true
		}
		acts, not := s.Actions()
		if not || acts == nil {
			trustOnly = false
			continue
		}
		for _, a := range acts.Items {
			l := strings.ToLower(a)
			if !strings.HasPrefix(l, "sts:assumerole") && l != "sts:tagsession" && l != "sts:setsourceidentity" && l != "sts:setcontext" {
				trustOnly = false
			}
		}
	}
	switch {
	case principals && trustOnly:
		return policy.KindTrust
	case principals:
		return policy.KindResource
	}
	return policy.KindIdentity
}

// reader walks the account details, collecting documents and errors.
type reader struct {
	f     *File
	index *jsonpos.Index
	// inline is set while reading an inline policy: the entity it is in.
	inline *Entity
	// afterUnknown, for a Terraform plan, is each resource's after_unknown
	// by address: the attributes known only after apply.
	afterUnknown map[string]*jsonpos.Node
	// For a Terraform plan: the principals by kind and key, the managed
	// policies by ARN and by address, and the attachments read, linked
	// once the whole plan is read.
	principalAt map[string]int
	managed     map[string]int
	attached    []planAttachment
}

func (r *reader) errorf(n *jsonpos.Node, path, format string, args ...any) {
	e := &policy.Error{File: r.f.Name, Path: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = r.index.LineCol(n.Offset)
	}
	r.f.Errors = append(r.f.Errors, e)
}

// doc reads a policy document: an object, or a string holding one
// (URL-encoded, as the IAM API returns it, or plain). It returns the
// index of the Doc it added, -1 when it added none.
func (r *reader) doc(n *jsonpos.Node, path string, kind policy.Kind, where string) int {
	if n == nil {
		return -1
	}
	d := Doc{Kind: kind, Path: path, Where: where}
	if r.inline != nil {
		d.Inline, d.Entities = r.inline.Kind, []Entity{*r.inline}
	}
	var p *policy.Policy
	var err error
	switch n.Kind {
	case jsonpos.Object:
		p, err = policy.FromNodeIndexed(n, r.index, r.f.Name)
	case jsonpos.String:
		text := n.Text
		if strings.HasPrefix(text, "%7B") || strings.HasPrefix(text, "%7b") {
			if dec, derr := url.QueryUnescape(text); derr == nil {
				text = dec
			}
		}
		p, err = policy.Parse([]byte(text), r.f.Name)
		d.Line, d.Col = r.index.LineCol(n.Offset)
		if err == nil && text == n.Text && n.End <= len(r.f.Src) {
			// A policy in a JSON string (a Terraform plan's, an account's
			// document): place each finding at its character inside the
			// string, escapes counted.
			if offs, ok := stringOffsets(r.f.Src[n.Offset:n.End], len(text)); ok {
				index, base := r.index, n.Offset
				p.Locate = func(off int) (int, int) {
					if off < 0 || off >= len(offs) {
						return index.LineCol(base)
					}
					return index.LineCol(base + offs[off])
				}
				d.Line, d.Col = 0, 0
			}
		}
	default:
		r.errorf(n, path, "a policy document must be an object or a string, not %s", n.Kind)
		return -1
	}
	if err != nil {
		var list policy.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				e.Path = joinPath(path, e.Path)
				if d.Line > 0 {
					e.Line, e.Col = d.Line, d.Col
				}
				r.f.Errors = append(r.f.Errors, e)
			}
		}
		return -1
	}
	d.Policy = p
	r.f.Docs = append(r.f.Docs, d)
	return len(r.f.Docs) - 1
}

func joinPath(prefix, path string) string {
	switch {
	case path == "":
		return prefix
	case prefix == "":
		return path
	}
	return prefix + "." + path
}

func str(n *jsonpos.Node, key string) string {
	if v := n.Get(key); v != nil && v.Kind == jsonpos.String {
		return v.Text
	}
	return ""
}

func readAccountDetails(f *File, root *jsonpos.Node) {
	r := &reader{f: f, index: jsonpos.NewIndex(f.Src)}
	type entity struct {
		list, name, inline, what string
	}
	for _, e := range []entity{
		{"UserDetailList", "UserName", "UserPolicyList", "user"},
		{"GroupDetailList", "GroupName", "GroupPolicyList", "group"},
		{"RoleDetailList", "RoleName", "RolePolicyList", "role"},
	} {
		list := root.Get(e.list)
		if list == nil {
			continue
		}
		if list.Kind != jsonpos.Array {
			r.errorf(list, e.list, "%s must be an array", e.list)
			continue
		}
		for i, ent := range list.Items {
			path := fmt.Sprintf("%s[%d]", e.list, i)
			if ent.Kind != jsonpos.Object {
				r.errorf(ent, path, "each entry of %s must be an object", e.list)
				continue
			}
			name := str(ent, e.name)
			who := fmt.Sprintf("%s %q", e.what, name)
			pi := f.addPrincipal(Principal{Kind: e.what, Name: name, Key: name, ARN: str(ent, "Arn"), Path: path})
			if e.what == "role" {
				f.Principals[pi].Trust = r.doc(ent.Get("AssumeRolePolicyDocument"), path+".AssumeRolePolicyDocument", policy.KindTrust, who+" trust policy")
			}
			if pl := ent.Get(e.inline); pl != nil && pl.Kind == jsonpos.Array {
				for j, ip := range pl.Items {
					ipath := fmt.Sprintf("%s.%s[%d]", path, e.inline, j)
					if ip.Kind != jsonpos.Object {
						r.errorf(ip, ipath, "an inline policy must be an object")
						continue
					}
					r.inline = &Entity{Kind: e.what, Name: name}
					if d := r.doc(ip.Get("PolicyDocument"), ipath+".PolicyDocument", policy.KindIdentity, fmt.Sprintf("%s inline policy %q", who, str(ip, "PolicyName"))); d >= 0 {
						f.Docs[d].Name = str(ip, "PolicyName")
					}
					r.inline = nil
				}
			}
			if am := ent.Get("AttachedManagedPolicies"); am != nil && am.Kind == jsonpos.Array {
				for j, a := range am.Items {
					arn := str(a, "PolicyArn")
					if arn == "" {
						r.errorf(a, fmt.Sprintf("%s.AttachedManagedPolicies[%d]", path, j), "an attached managed policy has no PolicyArn")
						continue
					}
					f.Principals[pi].Managed = append(f.Principals[pi].Managed, ManagedRef{ARN: arn, Name: str(a, "PolicyName")})
					if strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") {
						line, col := r.index.LineCol(a.Offset)
						f.Attachments = append(f.Attachments, Attachment{PolicyARN: arn, Principal: who,
							Path: fmt.Sprintf("%s.AttachedManagedPolicies[%d]", path, j), Line: line, Col: col})
					}
				}
			}
			if pb := ent.Get("PermissionsBoundary"); pb != nil && pb.Kind == jsonpos.Object {
				f.Principals[pi].Boundary = str(pb, "PermissionsBoundaryArn")
			}
			if gl := ent.Get("GroupList"); gl != nil && gl.Kind == jsonpos.Array {
				for _, g := range gl.Items {
					if g.Kind == jsonpos.String {
						f.Principals[pi].Groups = append(f.Principals[pi].Groups, g.Text)
					}
				}
			}
		}
	}
	// Customer managed policies, at their default version. AWS managed
	// policies also appear here when attached; ward knows them from its
	// catalog and checks only the account's own.
	managed := map[string]int{}
	if pols := root.Get("Policies"); pols != nil && pols.Kind == jsonpos.Array {
		for i, p := range pols.Items {
			path := fmt.Sprintf("Policies[%d]", i)
			arn := str(p, "Arn")
			if strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") {
				continue
			}
			versions := p.Get("PolicyVersionList")
			if versions == nil || versions.Kind != jsonpos.Array {
				r.errorf(p, path, "policy %q has no PolicyVersionList", str(p, "PolicyName"))
				continue
			}
			def := str(p, "DefaultVersionId")
			for j, v := range versions.Items {
				isDefault := v.Get("IsDefaultVersion")
				if str(v, "VersionId") == def || (isDefault != nil && isDefault.Text == "true") {
					if d := r.doc(v.Get("Document"), fmt.Sprintf("%s.PolicyVersionList[%d].Document", path, j), policy.KindIdentity,
						fmt.Sprintf("managed policy %q", str(p, "PolicyName"))); d >= 0 {
						f.Docs[d].Name, f.Docs[d].ARN = str(p, "PolicyName"), arn
						managed[arn] = d
					}
					break
				}
			}
		}
	}
	f.linkPrincipals(managed)
}

// stringOffsets maps each byte of a JSON string literal's decoded text to
// the offset in the literal (quotes included) where the character it
// belongs to is written. ok is false when the literal does not decode to
// n bytes (it was not the literal of that text).
func stringOffsets(lit []byte, n int) ([]int, bool) {
	if len(lit) < 2 || lit[0] != '"' {
		return nil, false
	}
	offs := make([]int, 0, n+1)
	for i := 1; i < len(lit)-1; {
		start := i
		var size int
		if lit[i] != '\\' {
			_, size = utf8.DecodeRune(lit[i:])
			i += size
		} else {
			if i+1 >= len(lit) {
				return nil, false
			}
			switch lit[i+1] {
			case 'u':
				if i+6 > len(lit) {
					return nil, false
				}
				r, err := strconv.ParseUint(string(lit[i+2:i+6]), 16, 32)
				if err != nil {
					return nil, false
				}
				i += 6
				ru := rune(r)
				if utf16.IsSurrogate(ru) && i+6 <= len(lit) && lit[i] == '\\' && lit[i+1] == 'u' {
					if r2, err := strconv.ParseUint(string(lit[i+2:i+6]), 16, 32); err == nil {
						if dec := utf16.DecodeRune(ru, rune(r2)); dec != utf8.RuneError {
							ru = dec
							i += 6
						}
					}
				}
				size = utf8.RuneLen(ru)
				if size < 0 {
					size = 3 // U+FFFD
				}
			default:
				i += 2
				size = 1
			}
		}
		for k := 0; k < size; k++ {
			offs = append(offs, start)
		}
	}
	return offs, len(offs) == n
}
