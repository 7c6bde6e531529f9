package intent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/analyze"
	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/inputs"
	"github.com/wardhq/ward/internal/policy"
)

// TestExamples: every template under examples/ builds; ward check finds
// no warning or worse in its policies; every action of every statement
// can be authorized on each of the statement's resources; every action a
// template names is granted (or denied) by a statement of its effect.
func TestExamples(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../../examples/*/*.yaml")
	n := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "\ntrust:") {
			continue // not a template (a CloudFormation role, a notes file)
		}
		n++
		tmpl, err := Read(file, data)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Build(tmpl, cat)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []struct {
			p    *policy.Policy
			kind policy.Kind
		}{{res.Identity, policy.KindIdentity}, {res.Trust, policy.KindTrust}} {
			f := inputs.Read(file+".json", []byte(d.p.String()), d.kind)
			for _, fd := range analyze.CheckFile(f, cat, nil) {
				if fd.Severity <= analyze.Warning {
					t.Errorf("%s: %s %s: %s", file, fd.Severity, fd.Code, fd.Message)
				}
			}
		}
		granted := map[string]bool{}
		for _, s := range res.Identity.Statements {
			for _, name := range s.Action.Items {
				a, _ := cat.Action(name)
				granted[s.Effect.String()+" "+name] = true
				for _, r := range s.Resource.Items {
					if r != "*" && !takes(a, r) {
						t.Errorf("%s: %s on %s, which names no resource it takes", file, name, r)
					}
					if r == "*" && len(a.Resources()) > 0 && !anyPermissionOnStar(tmpl) {
						t.Errorf("%s: %s takes resources, but is granted on \"*\"", file, name)
					}
				}
			}
		}
		for _, p := range tmpl.Permissions {
			for _, name := range p.Actions {
				if !granted[p.Effect+" "+name] {
					t.Errorf("%s:%d: %s is asked for and not in a %s statement", file, p.Line, name, p.Effect)
				}
			}
		}
	}
	if n < 8 {
		t.Errorf("%d templates under examples/, want the 8 that rebuild seeds 001, 003 and 004", n)
	}
}

// anyPermissionOnStar: a resource-level action may be on "*" only when a
// permission of the template asks for "*".
func anyPermissionOnStar(t *Template) bool {
	for _, p := range t.Permissions {
		for _, r := range p.Resources {
			if r == "*" {
				return true
			}
		}
	}
	return false
}

// TestTemplateErrors: bad templates are refused with where and what.
func TestTemplateErrors(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	const trust = "trust: {services: lambda.amazonaws.com}\n"
	for _, c := range []struct{ name, text, want string }{
		{"unknown field", "role: r\n" + trust + "permisions: []\n", `t.yaml:3:13: unknown field "permisions"`},
		{"no role", trust, "names no role"},
		{"no trust", "role: r\npermissions: [{actions: s3:GetObject, resources: \"arn:aws:s3:::b/*\"}]\n", "no one may assume the role"},
		{"bad effect", "role: r\n" + trust + "permissions: [{effect: allow, actions: s3:GetObject, resources: \"*\"}]\n", `effect is Allow or Deny, not "allow"`},
		{"bad level", "role: r\n" + trust + "permissions: [{access: readwrite, resources: \"arn:aws:s3:::b/*\"}]\n", `access level "readwrite"`},
		{"no resources", "role: r\n" + trust + "permissions: [{actions: s3:GetObject}]\n", "needs resources"},
		{"unknown action", "role: r\n" + trust + "permissions: [{actions: s3:GetObjekt, resources: \"*\"}]\n", `"s3:GetObjekt" names no action`},
		{"action on the wrong resource", "role: r\n" + trust + "permissions: [{actions: s3:GetObject, resources: \"arn:aws:s3:::b\"}]\n", "s3:GetObject take none of the resources given"},
		{"wildcard placed where it can be", "role: r\n" + trust + "permissions: [{actions: \"s3:GetObjectT*\", resources: \"arn:aws:s3:::b\"}]\n", "the permission grants nothing"},
		{"level without service", "role: r\n" + trust + "permissions: [{access: read, resources: \"*\"}]\n", "access levels need a service"},
		{"web identity without subjects", "role: r\ntrust: {webIdentity: {provider: token.actions.githubusercontent.com, account: \"111122223333\", audience: sts.amazonaws.com}}\n", "needs subjects"},
		{"bad account", "role: r\ntrust: {accounts: \"1234\"}\n", `account "1234" is not 12 digits`},
		{"mfa without accounts", "role: r\ntrust: {services: lambda.amazonaws.com, mfa: true}\n", "externalId and mfa are conditions on accounts"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tmpl, err := Read("t.yaml", []byte(c.text))
			if err == nil {
				_, err = Build(tmpl, cat)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one with %q", err, c.want)
			}
		})
	}
}

// TestPlacement: access levels land on the resources their actions take;
// the level's actions that take no resource only on "*"; PassRole with
// the service; web identity trust with audience and subjects.
func TestPlacement(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := Read("t.yaml", []byte(`role: deployer
trust:
  webIdentity: {provider: token.actions.githubusercontent.com, account: "111122223333", audience: sts.amazonaws.com, subjects: "repo:org/app:ref:refs/heads/main"}
permissions:
  - access: read
    resources: arn:aws:s3:::site/*
  - sid: Tags
    actions: "s3:GetObjectT*"
    resources: arn:aws:s3:::site/*
  - sid: Deploy
    actions: [s3:PutObject, s3:ListBucket, cloudfront:CreateInvalidation]
    resources: [arn:aws:s3:::site, arn:aws:s3:::site/*, arn:aws:cloudfront::111122223333:distribution/E1]
passRoles:
  - {role: "arn:aws:iam::111122223333:role/app", service: ecs-tasks.amazonaws.com}
`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Build(tmpl, cat)
	if err != nil {
		t.Fatal(err)
	}
	got := res.Identity.String()
	for _, want := range []string{
		`"Sid": "S3Read"`, `"s3:GetObject"`, // read on objects: the object read actions
		`"Sid": "Deploy"`, `"Action": "cloudfront:CreateInvalidation"`, `"Resource": "arn:aws:cloudfront::111122223333:distribution/E1"`,
		`"Sid": "Deploy2"`, `"Action": "s3:ListBucket"`, `"Resource": "arn:aws:s3:::site"`,
		`"Sid": "Deploy3"`, `"Action": "s3:PutObject"`, `"Resource": "arn:aws:s3:::site/*"`,
		`"Sid": "Tags"`, `"Action": ["s3:GetObjectTagging", "s3:GetObjectTorrent"]`,
		`"Sid": "PassRoleToEcsTasks"`, `"iam:PassedToService": "ecs-tasks.amazonaws.com"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	for _, never := range []string{`"s3:GetBucketPolicy"`, `"s3:GetAccountPublicAccessBlock"`} {
		if strings.Contains(got, never) {
			t.Errorf("%s granted, though read was asked on objects only:\n%s", never, got)
		}
	}
	if len(res.Notes) != 2 {
		t.Errorf("notes %+v, want the bucket-level and the no-resource read actions", res.Notes)
	}
	trust := res.Trust.String()
	for _, want := range []string{`"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"`,
		`"sts:AssumeRoleWithWebIdentity"`, `"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"`, `"token.actions.githubusercontent.com:sub": "repo:org/app:ref:refs/heads/main"`} {
		if !strings.Contains(trust, want) {
			t.Errorf("missing %s in\n%s", want, trust)
		}
	}
}
