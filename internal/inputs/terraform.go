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
	r := &reader{f: f, index: jsonpos.NewIndex(f.Src), afterUnknown: map[string]*jsonpos.Node{}}
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
	if typ == "aws_iam_role_policy_attachment" || typ == "aws_iam_user_policy_attachment" || typ == "aws_iam_group_policy_attachment" {
		if arn := str(values, "policy_arn"); strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") {
			who := str(values, "role") + str(values, "user") + str(values, "group")
			kind := strings.TrimSuffix(strings.TrimPrefix(typ, "aws_iam_"), "_policy_attachment")
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
		r.terraformDoc(values.Get(a.attr), vpath+"."+a.attr, a.kind, addr+" "+a.attr)
	}
	r.inline = nil
	// Inline policies of a role.
	if typ == "aws_iam_role" {
		if ip := values.Get("inline_policy"); ip != nil && ip.Kind == jsonpos.Array {
			name := str(values, "name")
			if name == "" {
				name = addr
			}
			for i, p := range ip.Items {
				r.inline = &Entity{Kind: "role", Name: name}
				r.terraformDoc(p.Get("policy"), fmt.Sprintf("%s.inline_policy[%d].policy", vpath, i), policy.KindIdentity,
					fmt.Sprintf("%s inline policy %q", addr, str(p, "name")))
				r.inline = nil
			}
		}
		if mp := values.Get("managed_policy_arns"); mp != nil && mp.Kind == jsonpos.Array {
			for i, a := range mp.Items {
				if a.Kind == jsonpos.String && strings.HasPrefix(a.Text, "arn:aws:iam::aws:policy/") {
					line, col := r.index.LineCol(a.Offset)
					r.f.Attachments = append(r.f.Attachments, Attachment{PolicyARN: a.Text, Principal: addr,
						Path: fmt.Sprintf("%s.managed_policy_arns[%d]", vpath, i), Line: line, Col: col})
				}
			}
		}
	}
}

// terraformDoc reads a policy attribute: a JSON string (jsonencode or a
// policy document data source render to one). Empty and unknown values
// are skipped.
func (r *reader) terraformDoc(n *jsonpos.Node, path string, kind policy.Kind, where string) {
	if n == nil || n.Kind != jsonpos.String || strings.TrimSpace(n.Text) == "" {
		return
	}
	r.doc(n, path, kind, where)
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
