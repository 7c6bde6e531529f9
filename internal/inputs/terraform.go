package inputs

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/wardhq/ward/internal/jsonpos"
	"github.com/wardhq/ward/internal/policy"
)

// FormatTerraformPlan is `terraform show -json` output of a plan.
const FormatTerraformPlan Format = "terraform-plan"

func isTerraformPlan(root *jsonpos.Node) bool {
	return root.Get("format_version") != nil && (root.Get("planned_values") != nil || root.Get("resource_changes") != nil)
}

// terraformAttributes lists, per resource type, the attributes that hold
// policy documents (as JSON strings) and the kind each is.
var terraformAttributes = map[string][]struct {
	attr string
	kind policy.Kind
}{
	"aws_iam_role":                     {{"assume_role_policy", policy.KindTrust}},
	"aws_iam_policy":                   {{"policy", policy.KindIdentity}},
	"aws_iam_role_policy":              {{"policy", policy.KindIdentity}},
	"aws_iam_user_policy":              {{"policy", policy.KindIdentity}},
	"aws_iam_group_policy":             {{"policy", policy.KindIdentity}},
	"aws_s3_bucket_policy":             {{"policy", policy.KindResource}},
	"aws_sqs_queue_policy":             {{"policy", policy.KindResource}},
	"aws_sqs_queue":                    {{"policy", policy.KindResource}},
	"aws_sns_topic_policy":             {{"policy", policy.KindResource}},
	"aws_sns_topic":                    {{"policy", policy.KindResource}},
	"aws_kms_key":                      {{"policy", policy.KindResource}},
	"aws_ecr_repository_policy":        {{"policy", policy.KindResource}},
	"aws_secretsmanager_secret_policy": {{"policy", policy.KindResource}},
	"aws_secretsmanager_secret":        {{"policy", policy.KindResource}},
	"aws_glacier_vault":                {{"access_policy", policy.KindResource}},
	"aws_elasticsearch_domain_policy":  {{"access_policies", policy.KindResource}},
	"aws_opensearch_domain_policy":     {{"access_policies", policy.KindResource}},
	"aws_cloudwatch_log_resource_policy": {
		{"policy_document", policy.KindResource}},
	"aws_backup_vault_policy":        {{"policy", policy.KindResource}},
	"aws_efs_file_system_policy":     {{"policy", policy.KindResource}},
	"aws_vpc_endpoint":               {{"policy", policy.KindVPCEndpoint}},
	"aws_vpc_endpoint_policy":        {{"policy", policy.KindVPCEndpoint}},
	"aws_iam_role_policy_attachment": nil, // an attachment, read below
}

// readTerraformPlan walks the planned values, root module and children,
// and reads the policy attributes of the resources it knows. An attribute
// the plan leaves for apply (resource_changes[].change.after_unknown) is
// listed in File.Unknown rather than skipped in silence.
func readTerraformPlan(f *File, root *jsonpos.Node) {
	r := &reader{f: f, index: jsonpos.NewIndex(f.Src), afterUnknown: map[string]*jsonpos.Node{},
		principalAt: map[string]int{}, managed: map[string]int{}}
	if rc := root.Get("resource_changes"); rc != nil && rc.Kind == jsonpos.Array {
		for _, c := range rc.Items {
			if ch := c.Get("change"); ch != nil && ch.Kind == jsonpos.Object {
				if au := ch.Get("after_unknown"); au != nil && au.Kind == jsonpos.Object {
					r.afterUnknown[str(c, "address")] = au
				}
			}
		}
	}
	pv := root.Get("planned_values")
	if pv == nil {
		r.errorf(root, "", "the plan has no planned_values; run terraform show -json on a saved plan")
		return
	}
	var module func(m *jsonpos.Node, path string)
	module = func(m *jsonpos.Node, path string) {
		if m == nil || m.Kind != jsonpos.Object {
			return
		}
		if res := m.Get("resources"); res != nil && res.Kind == jsonpos.Array {
			for i, rs := range res.Items {
				r.terraformResource(rs, fmt.Sprintf("%s.resources[%d]", path, i))
			}
		}
		if kids := m.Get("child_modules"); kids != nil && kids.Kind == jsonpos.Array {
			for i, k := range kids.Items {
				module(k, fmt.Sprintf("%s.child_modules[%d]", path, i))
			}
		}
	}
	module(pv.Get("root_module"), "planned_values.root_module")
	r.linkPlanAttachments(root)
}

// planAttachment is a managed policy attached to a user, group or role
// in a plan: by ARN, or, when the ARN is known only after apply, by the
// address of the aws_iam_policy the configuration refers to.
type planAttachment struct {
	kind, entity string
	arn, addr    string // addr: the attachment's own address
}

// linkPlanAttachments puts each attachment in its principal. An ARN the
// plan leaves for apply is found through the root module's configuration:
// the policy_arn expression refers to the aws_iam_policy it comes from.
func (r *reader) linkPlanAttachments(root *jsonpos.Node) {
	refs := map[string]string{} // attachment address -> policy address
	if cfg := root.Get("configuration"); cfg != nil {
		if rm := cfg.Get("root_module"); rm != nil {
			if res := rm.Get("resources"); res != nil && res.Kind == jsonpos.Array {
				for _, rs := range res.Items {
					ex := rs.Get("expressions")
					if ex == nil {
						continue
					}
					pa := ex.Get("policy_arn")
					if pa == nil {
						continue
					}
					if list := pa.Get("references"); list != nil && list.Kind == jsonpos.Array {
						for _, it := range list.Items {
							if a, ok := strings.CutSuffix(it.Text, ".arn"); ok && strings.HasPrefix(a, "aws_iam_policy.") {
								refs[str(rs, "address")] = a
							}
						}
					}
				}
			}
		}
	}
	for _, a := range r.attached {
		i, ok := r.principalAt[a.kind+"\x00"+a.entity]
		if !ok {
			continue
		}
		ref := ManagedRef{ARN: a.arn}
		if ref.ARN == "" {
			ref.ARN = refs[a.addr]
			if ref.ARN == "" {
				ref.ARN, ref.Name = a.addr, "(a policy known only after apply)"
			}
		}
		r.f.Principals[i].Managed = append(r.f.Principals[i].Managed, ref)
	}
	r.f.linkPrincipals(r.managed)
}

func (r *reader) terraformResource(rs *jsonpos.Node, path string) {
	if rs.Kind != jsonpos.Object || str(rs, "mode") == "data" {
		return
	}
	typ, addr := str(rs, "type"), str(rs, "address")
	values := rs.Get("values")
	if values == nil || values.Kind != jsonpos.Object {
		return
	}
	vpath := path + ".values"
	switch typ {
	case "aws_iam_role", "aws_iam_user", "aws_iam_group":
		kind := strings.TrimPrefix(typ, "aws_iam_")
		name := entityKey(values, addr)
		r.principalAt[kind+"\x00"+name] = r.f.addPrincipal(Principal{Kind: kind, Name: name, Key: name, ARN: str(values, "arn"), Path: path,
			Boundary: str(values, "permissions_boundary")})
	case "aws_iam_user_group_membership":
		if i, ok := r.principalAt["user\x00"+str(values, "user")]; ok {
			if gl := values.Get("groups"); gl != nil && gl.Kind == jsonpos.Array {
				for _, g := range gl.Items {
					r.f.Principals[i].Groups = append(r.f.Principals[i].Groups, g.Text)
				}
			}
		}
	}
	if typ == "aws_iam_role_policy_attachment" || typ == "aws_iam_user_policy_attachment" || typ == "aws_iam_group_policy_attachment" {
		kind := strings.TrimSuffix(strings.TrimPrefix(typ, "aws_iam_"), "_policy_attachment")
		arn := str(values, "policy_arn")
		r.attached = append(r.attached, planAttachment{kind: kind, entity: str(values, kind), arn: arn, addr: addr})
		if strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") {
			who := str(values, "role") + str(values, "user") + str(values, "group")
			line, col := r.index.LineCol(values.Offset)
			r.f.Attachments = append(r.f.Attachments, Attachment{PolicyARN: arn, Principal: fmt.Sprintf("%s %q", kind, who),
				Path: vpath + ".policy_arn", Line: line, Col: col})
		}
		return
	}
	if typ == "aws_organizations_policy" {
		kind := policy.Kind(0)
		switch str(values, "type") {
		case "SERVICE_CONTROL_POLICY":
			kind = policy.KindSCP
		case "RESOURCE_CONTROL_POLICY":
			kind = policy.KindRCP
		}
		if kind != 0 {
			r.terraformDoc(values.Get("content"), vpath+".content", kind, addr)
		}
		return
	}
	// An aws_iam_role_policy, aws_iam_user_policy or aws_iam_group_policy
	// is an inline policy of the entity its role, user or group names (by
	// its address when the plan does not know the name yet).
	if entity, ok := strings.CutSuffix(strings.TrimPrefix(typ, "aws_iam_"), "_policy"); ok && policy.InlineQuota(entity) > 0 {
		r.inline = &Entity{Kind: entity, Name: str(values, entity)}
		if r.inline.Name == "" {
			r.inline.Name = addr
		}
	}
	if typ == "aws_lambda_permission" {
		r.lambdaPermission(values, vpath, addr)
		return
	}
	for _, a := range terraformAttributes[typ] {
		if r.unknown(addr, a.attr) {
			r.noteUnknown(values, vpath+"."+a.attr, addr+" "+a.attr)
			continue
		}
		d := r.terraformDoc(values.Get(a.attr), vpath+"."+a.attr, a.kind, addr+" "+a.attr)
		if d < 0 {
			continue
		}
		switch typ {
		case "aws_iam_role":
			if i, ok := r.principalAt["role\x00"+entityKey(values, addr)]; ok {
				r.f.Principals[i].Trust = d
			}
		case "aws_iam_policy":
			r.f.Docs[d].Name, r.f.Docs[d].ARN = str(values, "name"), str(values, "arn")
			if r.f.Docs[d].ARN == "" {
				r.f.Docs[d].ARN = addr
			}
			r.managed[r.f.Docs[d].ARN] = d
			r.managed[addr] = d
		case "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy":
			r.f.Docs[d].Name = str(values, "name")
		}
	}
	r.inline = nil
	// Inline policies of a role.
	if typ == "aws_iam_role" {
		name := entityKey(values, addr)
		if ip := values.Get("inline_policy"); ip != nil && ip.Kind == jsonpos.Array {
			for i, p := range ip.Items {
				r.inline = &Entity{Kind: "role", Name: name}
				if d := r.terraformDoc(p.Get("policy"), fmt.Sprintf("%s.inline_policy[%d].policy", vpath, i), policy.KindIdentity,
					fmt.Sprintf("%s inline policy %q", addr, str(p, "name"))); d >= 0 {
					r.f.Docs[d].Name = str(p, "name")
				}
				r.inline = nil
			}
		}
		if mp := values.Get("managed_policy_arns"); mp != nil && mp.Kind == jsonpos.Array {
			for i, a := range mp.Items {
				if a.Kind == jsonpos.String {
					r.attached = append(r.attached, planAttachment{kind: "role", entity: name, arn: a.Text, addr: addr})
				}
				if a.Kind == jsonpos.String && strings.HasPrefix(a.Text, "arn:aws:iam::aws:policy/") {
					line, col := r.index.LineCol(a.Offset)
					r.f.Attachments = append(r.f.Attachments, Attachment{PolicyARN: a.Text, Principal: addr,
						Path: fmt.Sprintf("%s.managed_policy_arns[%d]", vpath, i), Line: line, Col: col})
				}
			}
		}
	}
}

// entityKey is how a plan's policies name a user, group or role: by its
// name, by its address while the name is not known.
func entityKey(values *jsonpos.Node, addr string) string {
	if name := str(values, "name"); name != "" {
		return name
	}
	return addr
}

// terraformDoc reads a policy attribute: a JSON string (jsonencode or a
// policy document data source render to one). Empty and unknown values
// are skipped.
func (r *reader) terraformDoc(n *jsonpos.Node, path string, kind policy.Kind, where string) int {
	if n == nil || n.Kind != jsonpos.String || strings.TrimSpace(n.Text) == "" {
		return -1
	}
	return r.doc(n, path, kind, where)
}

// unknown reports whether the plan leaves a resource's attribute for
// apply.
func (r *reader) unknown(addr, attr string) bool {
	au := r.afterUnknown[addr]
	if au == nil {
		return false
	}
	v := au.Get(attr)
	return v != nil && v.Kind == jsonpos.Bool && v.Text == "true"
}

func (r *reader) noteUnknown(at *jsonpos.Node, path, where string) {
	line, col := r.index.LineCol(at.Offset)
	r.f.Unknown = append(r.f.Unknown, Unknown{Where: where, Path: path, Line: line, Col: col})
}

// lambdaPermission reads an aws_lambda_permission as the statement it
// adds to the function's resource policy: its principal allowed its
// action on the function, under its source_arn, source_account and
// principal_org_id. One that depends on values known only after apply
// is listed as unknown.
func (r *reader) lambdaPermission(values *jsonpos.Node, path, addr string) {
	for _, attr := range []string{"action", "principal", "function_name", "source_arn", "source_account", "principal_org_id"} {
		if r.unknown(addr, attr) {
			r.noteUnknown(values, path, addr+" (its "+attr+")")
			return
		}
	}
	principal, fn := str(values, "principal"), str(values, "function_name")
	if principal == "" || fn == "" {
		return
	}
	if !strings.HasPrefix(fn, "arn:") {
		fn = "arn:aws:lambda:*:*:function:" + fn
	}
	action := str(values, "action")
	if action == "" {
		action = "lambda:InvokeFunction"
	}
	stmt := map[string]any{"Effect": "Allow", "Action": action, "Resource": fn}
	switch {
	case principal == "*":
		stmt["Principal"] = "*"
	case strings.HasSuffix(principal, ".amazonaws.com") || strings.HasSuffix(principal, ".amazonaws.com.cn"):
		stmt["Principal"] = map[string]string{"Service": principal}
	default:
		stmt["Principal"] = map[string]string{"AWS": principal}
	}
	cond := map[string]map[string]string{}
	if v := str(values, "source_arn"); v != "" {
		cond["ArnLike"] = map[string]string{"aws:SourceArn": v}
	}
	if v := str(values, "source_account"); v != "" {
		cond["StringEquals"] = map[string]string{"aws:SourceAccount": v}
	}
	if v := str(values, "principal_org_id"); v != "" {
		if cond["StringEquals"] == nil {
			cond["StringEquals"] = map[string]string{}
		}
		cond["StringEquals"]["aws:PrincipalOrgID"] = v
	}
	if len(cond) > 0 {
		stmt["Condition"] = cond
	}
	doc, err := json.Marshal(map[string]any{"Version": policy.Version2012, "Statement": []any{stmt}})
	if err != nil {
		return
	}
	// The statement is the permission's, placed at its values in the plan.
	r.doc(&jsonpos.Node{Kind: jsonpos.String, Offset: values.Offset, End: values.End, Text: string(doc)}, path, policy.KindResource,
		addr+" (the statement it adds to the function's policy)")
}
