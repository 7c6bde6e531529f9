package inputs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/wardhq/ward/internal/jsonpos"
	"github.com/wardhq/ward/internal/policy"
)

// FormatCloudFormation is a CloudFormation template, JSON or YAML.
const FormatCloudFormation Format = "cloudformation"

// value is a template value read from JSON or YAML, with where it was.
// Exactly one of its fields describes it, by kind.
type value struct {
	kind    byte // 's' string, 'n' number/bool/null as text, 'a' array, 'o' object
	text    string
	items   []*value
	keys    []string
	vals    []*value
	line    int
	col     int
	yamlTag string // a YAML short-form intrinsic: !Ref, !Sub, ...
}

func (v *value) get(key string) *value {
	if v == nil || v.kind != 'o' {
		return nil
	}
	for i, k := range v.keys {
		if k == key {
			return v.vals[i]
		}
	}
	return nil
}

func (v *value) str(key string) string {
	if x := v.get(key); x != nil && x.kind == 's' {
		return x.text
	}
	return ""
}

// fromJSON converts a decoded JSON node.
func fromJSON(n *jsonpos.Node, ix *jsonpos.Index) *value {
	v := &value{}
	v.line, v.col = ix.LineCol(n.Offset)
	switch n.Kind {
	case jsonpos.String:
		v.kind, v.text = 's', n.Text
	case jsonpos.Array:
		v.kind = 'a'
		for _, it := range n.Items {
			v.items = append(v.items, fromJSON(it, ix))
		}
	case jsonpos.Object:
		v.kind = 'o'
		for _, m := range n.Members {
			v.keys = append(v.keys, m.Key)
			v.vals = append(v.vals, fromJSON(m.Value, ix))
		}
	default:
		v.kind, v.text = 'n', n.Text
		if n.Kind == jsonpos.Null {
			v.text = "null"
		}
	}
	return v
}

// fromYAML converts a YAML node, keeping short-form intrinsic tags.
func fromYAML(n *yaml.Node) *value {
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return fromYAML(n.Content[0])
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return fromYAML(n.Alias)
	}
	v := &value{line: n.Line, col: n.Column}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		v.yamlTag = n.Tag
	}
	switch n.Kind {
	case yaml.ScalarNode:
		v.kind, v.text = 's', n.Value
		if n.Tag == "!!int" || n.Tag == "!!float" || n.Tag == "!!bool" || n.Tag == "!!null" {
			v.kind = 'n'
		}
	case yaml.SequenceNode:
		v.kind = 'a'
		for _, c := range n.Content {
			v.items = append(v.items, fromYAML(c))
		}
	case yaml.MappingNode:
		v.kind = 'o'
		for i := 0; i+1 < len(n.Content); i += 2 {
			v.keys = append(v.keys, n.Content[i].Value)
			v.vals = append(v.vals, fromYAML(n.Content[i+1]))
		}
	}
	return v
}

// pseudo are CloudFormation's pseudo parameters, given stand-in values so
// that ARNs built with them stay valid ARNs for the checks. The stand-ins
// are chosen to appear in no real template, so that StandIns can turn
// them back into the parameters they stand for in what ward reports.
var pseudo = map[string]string{
	"AWS::AccountId": standInAccount, "AWS::Region": standInRegion, "AWS::Partition": "aws",
	"AWS::URLSuffix": "amazonaws.com", "AWS::StackName": standInStack,
	"AWS::StackId": "arn:aws:cloudformation:" + standInRegion + ":" + standInAccount + ":stack/" + standInStack + "/id",
}

// StandInAccount is the account ID a template's ${AWS::AccountId} is
// read as.
const StandInAccount = standInAccount

const (
	standInAccount = "000000000000"
	standInRegion  = "zz-pseudo-1"
	standInStack   = "zz-pseudo-stack"
)

// StandIns turns the stand-ins of CloudFormation's pseudo parameters in a
// message back into the parameters, as the template writes them
// (${AWS::Region}): ward never reports a value it made up.
var StandIns = strings.NewReplacer(
	pseudo["AWS::StackId"], "${AWS::StackId}",
	standInRegion, "${AWS::Region}",
	standInAccount, "${AWS::AccountId}",
	standInStack, "${AWS::StackName}",
)

// resolve turns intrinsic functions into the text they stand for, as far
// as a template alone tells: pseudo parameters get stand-in values,
// references to the template's own resources and parameters become
// ${Name} (the Fn::Sub spelling), joins are joined, and conditionals take
// their first branch.
func resolve(v *value) *value {
	if v == nil {
		return nil
	}
	fn, arg := "", (*value)(nil)
	switch {
	case v.yamlTag != "":
		fn = "Fn::" + strings.TrimPrefix(v.yamlTag, "!")
		if v.yamlTag == "!Ref" {
			fn = "Ref"
		}
		arg = &value{kind: v.kind, text: v.text, items: v.items, keys: v.keys, vals: v.vals, line: v.line, col: v.col}
	case v.kind == 'o' && len(v.keys) == 1 && (v.keys[0] == "Ref" || strings.HasPrefix(v.keys[0], "Fn::")):
		fn, arg = v.keys[0], v.vals[0]
	}
	if fn != "" {
		return intrinsic(fn, arg, v)
	}
	out := *v
	switch v.kind {
	case 'a':
		out.items = nil
		for _, it := range v.items {
			r := resolve(it)
			if r != nil && !(r.kind == 's' && r.text == noValue) {
				out.items = append(out.items, r)
			}
		}
	case 'o':
		out.keys, out.vals = nil, nil
		for i, k := range v.keys {
			r := resolve(v.vals[i])
			if r != nil && !(r.kind == 's' && r.text == noValue) {
				out.keys = append(out.keys, k)
				out.vals = append(out.vals, r)
			}
		}
	}
	return &out
}

const noValue = "\x00AWS::NoValue"

// hasIf reports whether a value chooses with Fn::If somewhere in it: it
// reads its first branch, and a deployment may read the other.
func hasIf(v *value) bool {
	if v == nil {
		return false
	}
	if v.yamlTag == "!If" || v.kind == 'o' && len(v.keys) == 1 && v.keys[0] == "Fn::If" {
		return true
	}
	for _, it := range v.items {
		if hasIf(it) {
			return true
		}
	}
	for _, it := range v.vals {
		if hasIf(it) {
			return true
		}
	}
	return false
}

// inlineMappings replaces each Fn::FindInMap whose map and keys are
// literal with the value the template's Mappings give, so that a policy
// reads what it will be deployed with, and a change to a mapping is one
// to the policy. A lookup by a parameter or a pseudo parameter (the
// region) stays a reference.
func inlineMappings(mappings, v *value) {
	if mappings == nil || v == nil {
		return
	}
	lookup := func(n *value) *value {
		var arg *value
		switch {
		case n.yamlTag == "!FindInMap":
			arg = &value{kind: n.kind, items: n.items}
		case n.kind == 'o' && len(n.keys) == 1 && n.keys[0] == "Fn::FindInMap":
			arg = n.vals[0]
		default:
			return nil
		}
		if arg == nil || arg.kind != 'a' || len(arg.items) != 3 {
			return nil
		}
		at := mappings
		for _, k := range arg.items {
			if k.kind != 's' || k.yamlTag != "" {
				return nil
			}
			if at = at.get(k.text); at == nil {
				return nil
			}
		}
		return at
	}
	for i, it := range v.items {
		if found := lookup(it); found != nil {
			v.items[i] = found
			continue
		}
		inlineMappings(mappings, it)
	}
	for i, it := range v.vals {
		if found := lookup(it); found != nil {
			v.vals[i] = found
			continue
		}
		inlineMappings(mappings, it)
	}
}

func intrinsic(fn string, arg, at *value) *value {
	s := func(text string) *value { return &value{kind: 's', text: text, line: at.line, col: at.col} }
	switch fn {
	case "Ref":
		if arg.text == "AWS::NoValue" {
			return s(noValue)
		}
		if p, ok := pseudo[arg.text]; ok {
			return s(p)
		}
		return s("${" + arg.text + "}")
	case "Fn::Sub":
		tmpl := arg
		if arg.kind == 'a' && len(arg.items) > 0 {
			tmpl = arg.items[0]
		}
		text := tmpl.text
		if arg.kind == 'a' && len(arg.items) == 2 && arg.items[1].kind == 'o' {
			// The variables the second argument defines, each its value.
			vars := arg.items[1]
			for i, k := range vars.keys {
				if v := resolve(vars.vals[i]); v != nil && v.kind == 's' {
					text = strings.ReplaceAll(text, "${"+k+"}", v.text)
				}
			}
		}
		return s(substitute(text))
	case "Fn::GetAtt":
		if arg.kind == 'a' {
			var parts []string
			for _, it := range arg.items {
				parts = append(parts, it.text)
			}
			return s("${" + strings.Join(parts, ".") + "}")
		}
		return s("${" + arg.text + "}")
	case "Fn::Join":
		if arg.kind == 'a' && len(arg.items) == 2 {
			list := resolve(arg.items[1])
			var parts []string
			for _, it := range list.items {
				parts = append(parts, it.text)
			}
			return s(strings.Join(parts, arg.items[0].text))
		}
	case "Fn::If":
		if arg.kind == 'a' && len(arg.items) == 3 {
			return resolve(arg.items[1])
		}
	case "Fn::Select":
		if arg.kind == 'a' && len(arg.items) == 2 {
			list := resolve(arg.items[1])
			if i, err := strconv.Atoi(arg.items[0].text); err == nil && list.kind == 'a' && i >= 0 && i < len(list.items) {
				return list.items[i]
			}
		}
	case "Fn::Base64":
		return resolve(arg)
	}
	return s("${" + strings.TrimPrefix(fn, "Fn::") + "}")
}

// substitute fills in a Fn::Sub template: pseudo parameters get stand-in
// values, ${!Literal} becomes ${Literal} (an IAM policy variable), and
// other names stay ${Name}.
func substitute(t string) string {
	var b strings.Builder
	for {
		i := strings.Index(t, "${")
		if i < 0 {
			b.WriteString(t)
			return b.String()
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			b.WriteString(t)
			return b.String()
		}
		b.WriteString(t[:i])
		name := t[i+2 : i+j]
		switch {
		case strings.HasPrefix(name, "!"):
			b.WriteString("${" + name[1:] + "}")
		case pseudo[name] != "":
			b.WriteString(pseudo[name])
		default:
			b.WriteString("${" + name + "}")
		}
		t = t[i+j+1:]
	}
}

// span places the JSON marshal wrote from offset on: the template's line
// and column of the value written there.
type span struct{ off, line, col int }

// locator turns offsets of the marshalled text into the template's
// positions: the value written at or before the offset.
func locator(spans []span) func(int) (int, int) {
	return func(off int) (int, int) {
		i := sort.Search(len(spans), func(i int) bool { return spans[i].off > off }) - 1
		if i < 0 {
			return 0, 0
		}
		return spans[i].line, spans[i].col
	}
}

// endLocator places the end of a value in the template: where the
// template's text for the value that starts at the same place ends. A
// value written as a YAML block (a statement's mapping, a list of lines)
// has no one end on its line; it ends where it starts.
func endLocator(spans []span, ix *jsonpos.Index) func(start, end int) (int, int) {
	return func(start, _ int) (int, int) {
		i := sort.Search(len(spans), func(i int) bool { return spans[i].off > start }) - 1
		if i < 0 {
			return 0, 0
		}
		sp := spans[i]
		if sp.off != start {
			return sp.line, sp.col
		}
		off := ix.Offset(sp.line, sp.col)
		return ix.LineCol(templateValueEnd(ix.Source(), off))
	}
}

// templateValueEnd is the offset past a JSON or YAML flow value written at
// off in a template: a quoted string, a bracketed list or map, or a plain
// scalar to the end of its line (before a comment). A YAML tag (!Sub) is
// part of the value.
func templateValueEnd(src []byte, off int) int {
	if off >= len(src) {
		return off
	}
	if src[off] == '!' {
		i := off
		for i < len(src) && src[i] != ' ' && src[i] != '\n' {
			i++
		}
		for i < len(src) && src[i] == ' ' {
			i++
		}
		if i >= len(src) || src[i] == '\n' {
			return off
		}
		off = i
	}
	switch src[off] {
	case '"', '{', '[':
		return jsonpos.ValueEnd(src, off)
	case '\'':
		for i := off + 1; i < len(src); i++ {
			if src[i] == '\'' {
				if i+1 < len(src) && src[i+1] == '\'' {
					i++
					continue
				}
				return i + 1
			}
		}
		return len(src)
	case '|', '>':
		return off
	}
	end := off
	for i := off; i < len(src) && src[i] != '\n'; i++ {
		c := src[i]
		if c == '#' && i > off && (src[i-1] == ' ' || src[i-1] == '\t') || c == ',' || c == ']' || c == '}' {
			break
		}
		if c != ' ' && c != '\t' && c != '\r' {
			end = i + 1
		}
	}
	return end
}

// marshal writes a resolved value as JSON, keys in template order, and
// records in spans where each value with a position in the template
// starts (spans may be nil).
func (v *value) marshal(b *bytes.Buffer, spans *[]span) {
	if spans != nil && v.line > 0 {
		*spans = append(*spans, span{b.Len(), v.line, v.col})
	}
	switch v.kind {
	case 's':
		enc, _ := json.Marshal(v.text)
		b.Write(enc)
	case 'n':
		if v.text == "true" || v.text == "false" || v.text == "null" {
			b.WriteString(v.text)
		} else if _, err := strconv.ParseFloat(v.text, 64); err == nil {
			b.WriteString(v.text)
		} else {
			enc, _ := json.Marshal(v.text)
			b.Write(enc)
		}
	case 'a':
		b.WriteByte('[')
		for i, it := range v.items {
			if i > 0 {
				b.WriteByte(',')
			}
			it.marshal(b, spans)
		}
		b.WriteByte(']')
	case 'o':
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			enc, _ := json.Marshal(k)
			if spans != nil && v.vals[i].line > 0 {
				// A key is placed with its value: the template keeps no
				// position of its own for it.
				*spans = append(*spans, span{b.Len(), v.vals[i].line, v.vals[i].col})
			}
			b.Write(enc)
			b.WriteByte(':')
			v.vals[i].marshal(b, spans)
		}
		b.WriteByte('}')
	default:
		b.WriteString("null")
	}
}

// isCloudFormation recognises a template: a Resources map whose entries
// have AWS:: types, or an AWSTemplateFormatVersion.
func isCloudFormation(root *value) bool {
	if root == nil || root.kind != 'o' {
		return false
	}
	if root.get("AWSTemplateFormatVersion") != nil {
		return true
	}
	res := root.get("Resources")
	if res == nil || res.kind != 'o' {
		return false
	}
	for _, r := range res.vals {
		if strings.HasPrefix(r.str("Type"), "AWS::") {
			return true
		}
	}
	return false
}

// readYAML reads a YAML file: a CloudFormation template. Anything else in
// YAML is not an input ward checks.
func readYAML(f *File) bool {
	var doc yaml.Node
	if err := yaml.Unmarshal(f.Src, &doc); err != nil {
		e := &policy.Error{File: f.Name, Msg: "Syntax errors in template: " + err.Error(), Cause: policy.ErrSyntax}
		f.Errors = append(f.Errors, e)
		return true
	}
	root := fromYAML(&doc)
	if !isCloudFormation(root) {
		return false
	}
	f.Format = FormatCloudFormation
	readCloudFormation(f, root)
	return true
}

// cfnDocs lists, per resource type, the properties that hold policy
// documents and their kinds.
var cfnDocs = map[string][]struct {
	prop string
	kind policy.Kind
}{
	"AWS::IAM::Role":                      {{"AssumeRolePolicyDocument", policy.KindTrust}},
	"AWS::IAM::ManagedPolicy":             {{"PolicyDocument", policy.KindIdentity}},
	"AWS::S3::BucketPolicy":               {{"PolicyDocument", policy.KindResource}},
	"AWS::SQS::QueuePolicy":               {{"PolicyDocument", policy.KindResource}},
	"AWS::SNS::TopicPolicy":               {{"PolicyDocument", policy.KindResource}},
	"AWS::KMS::Key":                       {{"KeyPolicy", policy.KindResource}},
	"AWS::SecretsManager::ResourcePolicy": {{"ResourcePolicy", policy.KindResource}},
	"AWS::ECR::Repository":                {{"RepositoryPolicyText", policy.KindResource}},
	"AWS::EC2::VPCEndpoint":               {{"PolicyDocument", policy.KindVPCEndpoint}},
}

// cfnInline are the resources that put an inline policy in a user, group
// or role, and the property or properties that name them: one name, or
// lists of them (AWS::IAM::Policy).
var cfnInline = map[string][]struct{ prop, kind string }{
	"AWS::IAM::RolePolicy":  {{"RoleName", "role"}},
	"AWS::IAM::UserPolicy":  {{"UserName", "user"}},
	"AWS::IAM::GroupPolicy": {{"GroupName", "group"}},
	"AWS::IAM::Policy":      {{"Users", "user"}, {"Groups", "group"}, {"Roles", "role"}},
}

// cfnEntityNames are the properties that name a template's users, groups
// and roles.
var cfnEntityNames = map[string]string{"AWS::IAM::Role": "RoleName", "AWS::IAM::User": "UserName", "AWS::IAM::Group": "GroupName"}

func readCloudFormation(f *File, root *value) {
	res := root.get("Resources")
	if res == nil || res.kind != 'o' {
		return
	}
	inlineMappings(root.get("Mappings"), res)
	// A template's user, group or role is one entity whether a policy
	// names it by Ref (${Logical}) or by the name it is given.
	aliases := map[string]string{}
	for i, name := range res.keys {
		if prop, ok := cfnEntityNames[res.vals[i].str("Type")]; ok {
			if n := resolve(res.vals[i].get("Properties").get(prop)); n != nil && n.kind == 's' {
				aliases[n.text] = "${" + name + "}"
			}
		}
	}
	entityName := func(v *value) string {
		if n := resolve(v); n != nil && n.kind == 's' {
			if a, ok := aliases[n.text]; ok {
				return a
			}
			return n.text
		}
		return ""
	}
	// The template's users, groups and roles, by ${LogicalId}, and the
	// managed policies it attaches to them.
	principal := map[string]int{}
	type attachment struct {
		kind, key string
		ref       ManagedRef
	}
	var attachments []attachment
	managed := map[string]int{}
	for i, name := range res.keys {
		r := res.vals[i]
		typ := r.str("Type")
		props := r.get("Properties")
		path := "Resources." + name + ".Properties"
		who := fmt.Sprintf("%s (%s)", name, typ)
		if prop, ok := cfnEntityNames[typ]; ok {
			kind := strings.ToLower(strings.TrimPrefix(typ, "AWS::IAM::"))
			display, arn := name, ""
			if n := resolve(props.get(prop)); n != nil && n.kind == 's' && !strings.Contains(n.text, "${") {
				display = n.text
				// Its ARN, in the template's stand-in account: questions about
				// its requests come from it, and policies naming it match.
				iamPath := "/"
				if p := resolve(props.get("Path")); p != nil && p.kind == 's' && strings.HasPrefix(p.text, "/") && strings.HasSuffix(p.text, "/") && !strings.Contains(p.text, "${") {
					iamPath = p.text
				}
				arn = "arn:aws:iam::" + StandInAccount + ":" + kind + iamPath + n.text
			}
			principal[kind+"\x00${"+name+"}"] = f.addPrincipal(Principal{Kind: kind, Name: display, ARN: arn, Key: "${" + name + "}", Path: "Resources." + name})
		}
		for _, d := range cfnDocs[typ] {
			if doc := props.get(d.prop); doc != nil {
				if f.cfnDoc(doc, path+"."+d.prop, d.kind, who+" "+d.prop) == nil {
					continue
				}
				at := len(f.Docs) - 1
				switch typ {
				case "AWS::IAM::Role":
					f.Principals[principal["role\x00${"+name+"}"]].Trust = at
				case "AWS::IAM::ManagedPolicy":
					f.Docs[at].ARN, f.Docs[at].Name = "${"+name+"}", name
					if n := resolve(props.get("ManagedPolicyName")); n != nil && n.kind == 's' && !strings.Contains(n.text, "${") {
						f.Docs[at].Name = n.text
					}
					managed["${"+name+"}"] = at
					for _, n := range cfnInline["AWS::IAM::Policy"] {
						list := []*value{props.get(n.prop)}
						if r := resolve(props.get(n.prop)); r != nil && r.kind == 'a' {
							list = r.items
						}
						for _, it := range list {
							if en := entityName(it); en != "" {
								attachments = append(attachments, attachment{n.kind, en, ManagedRef{ARN: "${" + name + "}"}})
							}
						}
					}
				}
			}
		}
		if names, ok := cfnInline[typ]; ok {
			// The policy counts towards every entity it is put in, and is
			// held to the strictest of their quotas.
			var entities []Entity
			inline := ""
			for _, n := range names {
				v := props.get(n.prop)
				list := []*value{v}
				if r := resolve(v); r != nil && r.kind == 'a' {
					list = r.items
				}
				for _, it := range list {
					if en := entityName(it); en != "" {
						entities = append(entities, Entity{Kind: n.kind, Name: en})
						if inline == "" || policy.InlineQuota(n.kind) < policy.InlineQuota(inline) {
							inline = n.kind
						}
					}
				}
			}
			if inline == "" { // put in no entity the template names: a user's, the strictest
				inline = names[0].kind
				if len(names) > 1 {
					inline = "user"
				}
			}
			if d := f.cfnInlineDoc(props.get("PolicyDocument"), path+".PolicyDocument", who+" PolicyDocument", inline, entities); d != nil {
				d.Name = name
				if n := resolve(props.get("PolicyName")); n != nil && n.kind == 's' && !strings.Contains(n.text, "${") {
					d.Name = n.text
				}
			}
		}
		switch typ {
		case "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group":
			kind := strings.ToLower(strings.TrimPrefix(typ, "AWS::IAM::"))
			if pl := props.get("Policies"); pl != nil && pl.kind == 'a' {
				for j, p := range pl.items {
					if d := f.cfnInlineDoc(p.get("PolicyDocument"), fmt.Sprintf("%s.Policies[%d].PolicyDocument", path, j),
						fmt.Sprintf("%s inline policy %q", who, p.str("PolicyName")), kind, []Entity{{Kind: kind, Name: "${" + name + "}"}}); d != nil {
						d.Name = p.str("PolicyName")
					}
				}
			}
			if pb := resolve(props.get("PermissionsBoundary")); pb != nil && pb.kind == 's' {
				f.Principals[principal[kind+"\x00${"+name+"}"]].Boundary = pb.text
			}
			if gl := resolve(props.get("Groups")); kind == "user" && gl != nil && gl.kind == 'a' {
				for _, g := range gl.items {
					if en := entityName(g); en != "" {
						f.Principals[principal["user\x00${"+name+"}"]].Groups = append(f.Principals[principal["user\x00${"+name+"}"]].Groups, en)
					}
				}
			}
			if mp := resolve(props.get("ManagedPolicyArns")); mp != nil && mp.kind == 'a' {
				for j, a := range mp.items {
					if a.kind == 's' {
						attachments = append(attachments, attachment{kind, "${" + name + "}", ManagedRef{ARN: a.text}})
					}
					if a.kind == 's' && strings.HasPrefix(a.text, "arn:aws:iam::aws:policy/") {
						f.Attachments = append(f.Attachments, Attachment{PolicyARN: a.text, Principal: who,
							Path: fmt.Sprintf("%s.ManagedPolicyArns[%d]", path, j), Line: a.line, Col: a.col})
					}
				}
			}
		case "AWS::Lambda::Permission":
			f.lambdaPermission(props, path, who)
		case "AWS::Organizations::Policy":
			kind := policy.Kind(0)
			switch props.str("Type") {
			case "SERVICE_CONTROL_POLICY":
				kind = policy.KindSCP
			case "RESOURCE_CONTROL_POLICY":
				kind = policy.KindRCP
			}
			if kind != 0 {
				f.cfnDoc(props.get("Content"), path+".Content", kind, who+" Content")
			}
		}
	}
	for _, a := range attachments {
		if i, ok := principal[a.kind+"\x00"+a.key]; ok {
			f.Principals[i].Managed = append(f.Principals[i].Managed, a.ref)
		}
	}
	f.linkPrincipals(managed)
}

// cfnInlineDoc reads an inline identity policy put in entities, the
// strictest of them of kind inline (Doc.Inline).
func (f *File) cfnInlineDoc(doc *value, path, where, inline string, entities []Entity) *Doc {
	d := f.cfnDoc(doc, path, policy.KindIdentity, where)
	if d != nil {
		d.Inline, d.Entities = inline, entities
	}
	return d
}

// cfnDoc resolves and parses one policy document of a template, and
// returns the Doc it added, or nil.
func (f *File) cfnDoc(doc *value, path string, kind policy.Kind, where string) *Doc {
	if doc == nil {
		return nil
	}
	r := resolve(doc)
	var text []byte
	var spans []span
	if r.kind == 's' {
		text = []byte(r.text) // a policy written as a JSON string
	} else {
		var b bytes.Buffer
		r.marshal(&b, &spans)
		text = b.Bytes()
	}
	p, err := policy.Parse(text, f.Name)
	if err != nil {
		var list policy.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				e.Path = joinPath(path, e.Path)
				e.Line, e.Col = doc.line, doc.col
				f.Errors = append(f.Errors, e)
			}
		}
		return nil
	}
	d := Doc{Policy: p, Kind: kind, Path: path, Where: where, Conditional: hasIf(doc)}
	if len(spans) > 0 {
		// Findings are placed where the template writes what they are
		// about, to the value.
		p.Locate = locator(spans)
		p.LocateEnd = endLocator(spans, f.index())
	} else {
		d.Line, d.Col = doc.line, doc.col
	}
	f.Docs = append(f.Docs, d)
	return &f.Docs[len(f.Docs)-1]
}

// lambdaPermission turns an AWS::Lambda::Permission into the resource
// policy statement Lambda adds to the function, so that it is checked
// like any resource policy (a "*" principal without a source condition is
// public).
func (f *File) lambdaPermission(props *value, path, who string) {
	p := resolve(props)
	if p == nil {
		return
	}
	principal := p.str("Principal")
	var pr any = principal
	switch {
	case principal == "*":
	case strings.HasSuffix(principal, ".amazonaws.com"):
		pr = map[string]string{"Service": principal}
	default:
		pr = map[string]string{"AWS": principal}
	}
	function := p.str("FunctionName")
	if !strings.HasPrefix(function, "arn:") && !strings.HasPrefix(function, "${") {
		function = "arn:aws:lambda:" + standInRegion + ":" + standInAccount + ":function:" + function
	}
	cond := map[string]map[string]string{}
	if v := p.str("SourceArn"); v != "" {
		cond["ArnLike"] = map[string]string{"aws:SourceArn": v}
	}
	for prop, key := range map[string]string{"SourceAccount": "aws:SourceAccount", "PrincipalOrgID": "aws:PrincipalOrgID"} {
		if v := p.str(prop); v != "" {
			if cond["StringEquals"] == nil {
				cond["StringEquals"] = map[string]string{}
			}
			cond["StringEquals"][key] = v
		}
	}
	stmt := map[string]any{"Effect": "Allow", "Principal": pr, "Action": p.str("Action"), "Resource": function}
	if len(cond) > 0 {
		stmt["Condition"] = cond
	}
	text, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{stmt}})
	doc, err := policy.Parse(text, f.Name)
	if err != nil {
		return
	}
	f.Docs = append(f.Docs, Doc{Policy: doc, Kind: policy.KindResource, Path: path, Where: who + " (the function policy statement it adds)",
		Line: props.line, Col: props.col})
}
