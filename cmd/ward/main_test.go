package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/golden"
)

// TestCommands runs ward as a user would and compares what it prints and
// its exit status with testdata/NAME.golden.
func TestCommands(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stdin  string
		status int
	}{
		{"sim-example", []string{"sim", "../../examples/chat-lambda.json"}, "", exitOK},
		{"sim-example-json", []string{"sim", "--format", "json", "../../examples/chat-lambda.json"}, "", exitOK},
		{"sim-flags-allowed", []string{"sim", "--policy", "testdata/role.json", "--principal", "arn:aws:iam::111111111111:user/alice",
			"--action", "s3:GetObject", "--resource", "arn:aws:s3:::reports/q3.csv", "--context", "aws:SourceIp=203.0.113.7"}, "", exitOK},
		{"sim-flags-missing-key", []string{"sim", "--policy", "testdata/role.json", "--principal", "arn:aws:iam::111111111111:user/alice",
			"--action", "s3:GetObject", "--resource", "arn:aws:s3:::reports/q3.csv", "--expect", "Allowed"}, "", exitFindings},
		{"sim-flags-scp", []string{"sim", "--policy", "testdata/scp.json", "--scp", "testdata/scp.json", "--principal", "arn:aws:iam::111111111111:user/alice",
			"--action", "s3:DeleteObject", "--resource", "arn:aws:s3:::reports/q3.csv", "--format", "json"}, "", exitOK},
		{"sim-stdin", []string{"sim", "-"}, `{"name":"anonymous read","request":{"principal":"anonymous","action":"s3:GetObject","resource":"arn:aws:s3:::site/index.html"},
			"resourcePolicy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]},"expect":"Allowed"}`, exitOK},
		{"sim-failing-expect", []string{"sim", "testdata/failing.json"}, "", exitFindings},
		{"sim-invalid-policy", []string{"sim", "--policy", "testdata/bad-role.json", "--principal", "arn:aws:iam::111111111111:user/alice", "--action", "s3:GetObject"}, "", exitInvalid},
		{"sim-missing-file", []string{"sim", "testdata/no-such-file.json"}, "", exitInvalid},
		{"sim-invalid-scenario", []string{"sim", "../../internal/scenario/testdata/invalid/bad-policy.json"}, "", exitInvalid},
		{"sim-bad-format", []string{"sim", "--format", "yaml", "x.json"}, "", exitInvalid},
		{"generate-text", []string{"generate", "--principal", "arn:aws:iam::111122223333:role/ChatLambdaRole", "../../internal/generate/testdata/chat-trail.json"}, "", exitOK},
		{"generate-policy", []string{"generate", "../../internal/generate/testdata/chat-trail.json", "--principal", "arn:aws:iam::111122223333:role/ChatLambdaRole", "--format", "policy"}, "", exitOK},
		{"generate-exact", []string{"generate", "--keys", "0", "--names", "0", "--places", "0", "--format", "policy", "--principal", "arn:aws:iam::111122223333:role/ChatLambdaRole", "../../internal/generate/testdata/chat-trail.json"}, "", exitOK},
		{"generate-current-fail", []string{"generate", "--principal", "arn:aws:iam::111122223333:role/ChatLambdaRole", "--current", "../../internal/generate/testdata/chat-current.json", "../../internal/generate/testdata/chat-trail.json"}, "", exitFindings},
		{"generate-current-pass", []string{"generate", "--principal", "arn:aws:iam::111122223333:role/ChatLambdaRole", "--current", "../../internal/generate/testdata/chat-current-fixed.json", "../../internal/generate/testdata/chat-trail.json"}, "", exitOK},
		{"generate-current-json", []string{"generate", "--format", "json", "--principal", "arn:aws:iam::111122223333:role/ChatLambdaRole", "--current", "../../internal/generate/testdata/chat-current.json", "../../internal/generate/testdata/chat-trail.json"}, "", exitFindings},
		{"generate-two-principals", []string{"generate", "../../internal/generate/testdata/chat-trail.json"}, "", exitInvalid},
		{"generate-bad-since", []string{"generate", "--since", "last week", "../../internal/generate/testdata/chat-trail.json"}, "", exitInvalid},
		{"generate-not-arn", []string{"generate", "--principal", "ChatLambdaRole", "../../internal/generate/testdata/chat-trail.json"}, "", exitInvalid},
		{"generate-missing", []string{"generate", "testdata/no-such-trail.json"}, "", exitInvalid},
		{"generate-not-a-log", []string{"generate", "testdata/role.json"}, "", exitInvalid},
		{"doc-chat", []string{"doc", "../../internal/generate/testdata/chat-current.json"}, "", exitOK},
		{"doc-trust", []string{"doc", "testdata/doc/lambda-trust.json"}, "", exitOK},
		{"doc-lex", []string{"doc", "testdata/check/lex-logging.json"}, "", exitOK},
		{"doc-check-match", []string{"doc", "--check", "testdata/doc/lambda-trust.md", "testdata/doc/lambda-trust.json"}, "", exitOK},
		{"doc-check-stale", []string{"doc", "--check", "testdata/doc/lambda-trust.md", "testdata/check/lex-logging.json"}, "", exitFindings},
		{"doc-missing", []string{"doc", "testdata/no-such-policy.json"}, "", exitInvalid},
		{"doc-example", []string{"doc", "--notes", "../../examples/chat-lambda/notes.yaml", "../../examples/chat-lambda/role.yaml"}, "", exitOK},
		{"doc-role", []string{"doc", "--role", "chat", "--notes", "testdata/doc/notes-chat.yaml", "testdata/doc/account.json"}, "", exitOK},
		{"doc-user", []string{"doc", "--user", "dev", "testdata/doc/account.json"}, "", exitOK},
		{"doc-role-cross-account", []string{"doc", "--role", "deployer", "testdata/doc/account.json"}, "", exitOK},
		{"doc-html", []string{"doc", "--format", "html", "testdata/doc/lambda-trust.json"}, "", exitOK},
		{"doc-several", []string{"doc", "testdata/doc/account.json"}, "", exitInvalid},
		{"doc-no-such-role", []string{"doc", "--role", "billing", "testdata/doc/account.json"}, "", exitInvalid},
		{"doc-notes-unknown-field", []string{"doc", "--role", "chat", "--notes", "testdata/doc/notes-unknown-field.yaml", "testdata/doc/account.json"}, "", exitInvalid},
		{"doc-notes-stale", []string{"doc", "--role", "chat", "--notes", "testdata/doc/notes-stale.yaml", "testdata/doc/account.json"}, "", exitInvalid},
		{"doc-notes-for-nobody", []string{"doc", "--role", "chat", "--notes", "testdata/doc/notes-nobody.yaml", "testdata/doc/account.json"}, "", exitInvalid},
		{"diff-widened", []string{"diff", "testdata/diff/lambda-role.json", "testdata/diff/lambda-role-widened.json"}, "", exitFindings},
		{"diff-narrowed", []string{"diff", "testdata/diff/lambda-role.json", "testdata/diff/lambda-role-scoped.json"}, "", exitOK},
		{"diff-same", []string{"diff", "testdata/diff/lambda-role.json", "testdata/diff/lambda-role.json"}, "", exitOK},
		{"diff-json", []string{"diff", "--format", "json", "testdata/diff/lambda-role.json", "testdata/diff/lambda-role-widened.json"}, "", exitFindings},
		{"diff-markdown", []string{"diff", "testdata/diff/lambda-role-scoped.json", "testdata/diff/lambda-role-widened.json", "--format", "markdown"}, "", exitFindings},
		{"diff-missing", []string{"diff", "testdata/diff/lambda-role.json", "testdata/diff/no-such.json"}, "", exitInvalid},
		{"diff-one-argument", []string{"diff", "testdata/diff/lambda-role.json"}, "", exitInvalid},
		{"diff-cloudformation", []string{"diff", "testdata/diff/template.yaml", "testdata/diff/template-putobject.yaml"}, "", exitFindings},
		// Resource and trust policies: compared by what each principal may do.
		{"diff-bucket-public", []string{"diff", "testdata/diff/bucket-policy.json", "testdata/diff/bucket-policy-public.json"}, "", exitFindings},
		{"diff-bucket-json", []string{"diff", "--format", "json", "--account", "111122223333", "testdata/diff/bucket-policy.json", "testdata/diff/bucket-policy-public.json"}, "", exitFindings},
		{"diff-trust-github-markdown", []string{"diff", "--format", "markdown", "testdata/diff/trust-github.json", "testdata/diff/trust-github-any-branch.json"}, "", exitFindings},
		{"diff-bucket-sarif", []string{"diff", "--format", "sarif", "testdata/diff/bucket-policy.json", "testdata/diff/bucket-policy-public.json"}, "", exitFindings},
		{"prove-never-bucket", []string{"prove", "--never", "s3:GetObject", "--on", "arn:aws:s3:::travel-guide-media/private/*", "testdata/diff/bucket-policy-public.json"}, "", exitFindings},
		{"prove-within-bucket", []string{"prove", "--within", "testdata/diff/bucket-policy.json", "testdata/diff/bucket-policy-public.json"}, "", exitFindings},
		{"diff-trust-github-narrowed", []string{"diff", "testdata/diff/trust-github-any-branch.json", "testdata/diff/trust-github.json"}, "", exitOK},
		{"diff-cloudformation-resources", []string{"diff", "testdata/diff/template.yaml", "testdata/diff/template-resources.yaml"}, "", exitFindings},
		// A bucket policy that names a role of the template is a change in
		// what the role may do, and is compared with the role's policies.
		{"diff-cloudformation-governed", []string{"diff", "testdata/diff/template-app.yaml", "testdata/diff/template-app-bucket-grant.yaml"}, "", exitFindings},
		{"diff-cloudformation-sarif", []string{"diff", "--format", "sarif", "testdata/diff/template-app.yaml", "testdata/diff/template-app-bucket-grant.yaml"}, "", exitFindings},
		// An answer that did not decide every request cannot pass.
		{"diff-not-exact", []string{"diff", "testdata/diff/bucket-canonical.json", "testdata/diff/bucket-canonical.json"}, "", exitFindings},
		{"diff-cloudformation-getatt", []string{"diff", "testdata/diff/template-app.yaml", "testdata/diff/template-app-getatt-grant.yaml"}, "", exitFindings},
		{"diff-cloudformation-path-role", []string{"diff", "testdata/diff/template-path-role.yaml", "testdata/diff/template-path-role-boundary-widened.yaml"}, "", exitFindings},
		{"diff-cloudformation-mapping", []string{"diff", "testdata/diff/template-mapping.yaml", "testdata/diff/template-mapping-widened.yaml"}, "", exitFindings},
		{"diff-cloudformation-if", []string{"diff", "testdata/diff/template-sub.yaml", "testdata/diff/template-sub-if.yaml"}, "", exitFindings},
		{"diff-user-joins-admin-group", []string{"diff", "testdata/diff/template-users.yaml", "testdata/diff/template-users-admin-group.yaml"}, "", exitFindings},
		{"diff-identity-against-resource", []string{"diff", "testdata/diff/lambda-role.json", "testdata/diff/bucket-policy.json"}, "", exitInvalid},
		{"diff-bad-account", []string{"diff", "--account", "1234", "testdata/diff/bucket-policy.json", "testdata/diff/bucket-policy-public.json"}, "", exitInvalid},
		// A role read from account details and the same role in a plan:
		// matched by entity, all its policies together. Merging its two
		// inline policies is no change; widening a table is.
		{"diff-principal-widened", []string{"diff", "testdata/diff/account-details.json", "testdata/diff/plan-widened.json"}, "", exitFindings},
		{"diff-principal-merged", []string{"diff", "--format", "json", "testdata/diff/account-details.json", "testdata/diff/plan-merged.json"}, "", exitOK},
		// A policy the plan attaches but does not hold cannot be compared:
		// what it allows counts as access added (exit 1), said, never
		// passed as no change.
		{"diff-principal-unknown-policy", []string{"diff", "testdata/diff/account-details.json", "testdata/diff/plan-unknown-policy.json"}, "", exitFindings},
		// A boundary no input holds could only take access away: compared
		// as none, with a note, and not counted as access added.
		{"diff-principal-unknown-boundary", []string{"diff", "testdata/diff/account-details.json", "testdata/diff/plan-unknown-boundary.json"}, "", exitOK},
		{"diff-principal-unknown-policy-markdown", []string{"diff", "--format", "markdown", "testdata/diff/account-details.json", "testdata/diff/plan-unknown-policy.json"}, "", exitFindings},
		{"prove-never-pass", []string{"prove", "--never", "dynamodb:DeleteItem", "--on", "arn:aws:dynamodb:*:*:table/Billing*", "testdata/diff/lambda-role.json"}, "", exitOK},
		{"prove-never-fail", []string{"prove", "--never", "dynamodb:Delete*,iam:*", "testdata/diff/lambda-role-widened.json"}, "", exitFindings},
		{"prove-within", []string{"prove", "testdata/diff/lambda-role-scoped.json", "--within", "testdata/diff/lambda-role.json"}, "", exitOK},
		{"prove-equivalent-json", []string{"prove", "--equivalent", "testdata/diff/lambda-role.json", "--format", "json", "testdata/diff/lambda-role-scoped.json"}, "", exitFindings},
		{"diff-within-boundary", []string{"diff", "--boundary", "testdata/diff/boundary.json", "testdata/diff/lambda-role.json", "testdata/diff/lambda-role-widened.json"}, "", exitOK},
		{"diff-under-scp", []string{"diff", "--scp", "testdata/diff/scp-no-deletes.json", "testdata/diff/lambda-role.json", "testdata/diff/lambda-role-widened.json"}, "", exitFindings},
		{"diff-through-endpoint", []string{"diff", "--endpoint-policy", "testdata/diff/endpoint-table-reads.json", "testdata/diff/lambda-role.json", "testdata/diff/lambda-role-widened.json"}, "", exitFindings},
		{"diff-two-boundaries", []string{"diff", "--boundary", "testdata/diff/boundary.json", "--new-boundary", "testdata/diff/boundary.json", "testdata/diff/lambda-role.json", "testdata/diff/lambda-role-widened.json"}, "", exitInvalid},
		{"generate-template-cloudformation", []string{"generate", "--template", "../../examples/lex-logging/logging-role.yaml", "--format", "cloudformation"}, "", exitOK},
		{"diff-sarif", []string{"diff", "--format", "sarif", "testdata/diff/lambda-role-scoped.json", "testdata/diff/lambda-role-widened.json"}, "", exitFindings},
		{"prove-not-public-sarif", []string{"prove", "--not-public", "--format", "sarif", "testdata/prove/bucket-endpoint.json"}, "", exitFindings},
		{"prove-not-public-api-permission", []string{"prove", "--not-public", "../../examples/travel-guide/api-permission.json"}, "", exitFindings},
		{"prove-not-public-scoped", []string{"prove", "--not-public", "testdata/prove/api-permission-scoped.json"}, "", exitOK},
		{"prove-not-public-bucket-json", []string{"prove", "--not-public", "--format", "json", "testdata/prove/bucket-endpoint.json"}, "", exitFindings},
		{"prove-not-public-partner", []string{"prove", "--not-public", "testdata/prove/trust-partner.json"}, "", exitOK},
		{"prove-not-public-partner-untrusted", []string{"prove", "--not-public", "--trusted-accounts", "111122223333", "testdata/prove/trust-partner.json"}, "", exitFindings},
		{"prove-not-public-identity-policy", []string{"prove", "--not-public", "testdata/diff/lambda-role.json"}, "", exitInvalid},
		{"prove-not-public-bad-account", []string{"prove", "--not-public", "--trusted-accounts", "1234", "testdata/prove/trust-partner.json"}, "", exitInvalid},
		{"prove-trusted-without-not-public", []string{"prove", "--never", "s3:*", "--trusted-orgs", "o-abcdefghij", "testdata/diff/lambda-role.json"}, "", exitInvalid},
		{"prove-two-questions", []string{"prove", "--never", "s3:*", "--within", "testdata/diff/lambda-role.json", "testdata/diff/lambda-role.json"}, "", exitInvalid},
		{"unknown-command", []string{"frobnicate"}, "", exitInvalid},
		{"version", []string{"version"}, "", exitOK},
		{"actions", []string{"actions", "s3:GetObject*", "iam:*AccessKey*"}, "", exitOK},
		{"actions-none", []string{"actions", "s3:Frobnicate*"}, "", exitFindings},
		{"describe", []string{"describe", "s3:getobject"}, "", exitOK},
		{"describe-no-resource", []string{"describe", "sts:GetCallerIdentity"}, "", exitOK},
		{"describe-misspelt", []string{"describe", "s3:GetObjekt"}, "", exitInvalid},
		{"describe-no-service", []string{"describe", "s4:GetObject"}, "", exitInvalid},
		{"policy-show", []string{"policy", "show", "AWSLambdaBasicExecutionRole"}, "", exitOK},
		{"check-folder", []string{"check", "--color", "never", "testdata/check"}, "", exitFindings},
		{"check-sarif", []string{"check", "--format", "sarif", "testdata/check/lex-logging.json"}, "", exitFindings},
		{"check-terraform", []string{"check", "--color", "never", "../../internal/inputs/testdata/plan.json"}, "", exitFindings},
		{"check-cloudformation", []string{"check", "--color", "never", "../../internal/inputs/testdata/template.yaml"}, "", exitFindings},
		{"check-suppressed", []string{"check", "--color", "never", "--config", "testdata/ward.yaml", "testdata/check"}, "", exitFindings},
		{"check-show-suppressed", []string{"check", "--color", "never", "--config", "testdata/ward.yaml", "--show-suppressed", "testdata/check/bucket-policy.json"}, "", exitOK},
		{"check-bad-config", []string{"check", "--config", "testdata/bad-ward.yaml", "testdata/check"}, "", exitInvalid},
		{"check-sid-suppressed", []string{"check", "--format", "json", "testdata/sid-suppressed.json"}, "", exitOK},
		{"summarize", []string{"summarize", "testdata/check/chat.json", "testdata/check/admin.json"}, "", exitOK},
		{"summarize-markdown", []string{"summarize", "--format", "markdown", "../../internal/inputs/testdata/template.yaml"}, "", exitOK},
		{"summarize-json", []string{"summarize", "--format", "json", "testdata/sid-suppressed.json"}, "", exitOK},
		{"summarize-markdown-pipe", []string{"summarize", "--format", "markdown", "testdata/pipe-in-resource.json"}, "", exitOK},
		{"check-json", []string{"check", "--format", "json", "testdata/check/chat.json"}, "", exitOK},
		{"check-access-analyzer", []string{"check", "--format", "access-analyzer", "testdata/check/chat.json", "testdata/check/admin.json"}, "", exitFindings},
		{"check-fail-on-warning", []string{"check", "--fail-on", "warning", "testdata/check/chat.json"}, "", exitFindings},
		{"check-kind", []string{"check", "--kind", "identity", "testdata/check/bucket-policy.json"}, "", exitFindings},
		{"check-stdin", []string{"check", "-"}, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`, exitFindings},
		{"check-broken", []string{"check", "testdata/broken-policy.json", "testdata/check/chat.json"}, "", exitInvalid},
		{"check-missing", []string{"check", "testdata/nothing-here.json"}, "", exitInvalid},
		{"policy-show-missing", []string{"policy", "show", "NoSuchPolicy"}, "", exitInvalid},
		// Flags where people type them, values checked, -h alike everywhere.
		{"check-flags-after-paths", []string{"check", "testdata/check/chat.json", "--format", "json"}, "", exitOK},
		{"check-bad-color", []string{"check", "--color", "bogus", "testdata/check/chat.json"}, "", exitInvalid},
		{"log-bad-decision", []string{"log", "--decision", "foo"}, "", exitInvalid},
		{"serve-bad-account", []string{"serve", "--account", "12345"}, "", exitInvalid},
		{"serve-empty-postgres", []string{"serve", "--postgres", ""}, "", exitInvalid},
		{"policy-help", []string{"policy", "-h"}, "", exitOK},
		{"account-help", []string{"account", "--help"}, "", exitOK},
		{"oidc-help", []string{"oidc", "-h"}, "", exitOK},
		{"diff-help", []string{"diff", "-h"}, "", exitOK},
		{"prove-help", []string{"prove", "--help"}, "", exitOK},
		{"generate-help", []string{"generate", "-h"}, "", exitOK},
		{"doc-help", []string{"doc", "--help"}, "", exitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			status := run(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if status != tt.status {
				t.Errorf("exit status %d, want %d\nstderr: %s", status, tt.status, stderr.String())
			}
			got := "$ ward " + strings.Join(tt.args, " ") + "\n" + stdout.String()
			if stderr.Len() > 0 {
				got += "--- stderr\n" + stderr.String()
			}
			golden.Check(t, filepath.Join("testdata", tt.name+".golden"), []byte(got))
		})
	}
}

// TestDiffGit: ward diff --git compares a file with the same file at a
// git revision, as a pull-request check does; a file the revision lacks
// is new in full.
func TestDiffGit(t *testing.T) {
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.email=ci@example.com", "-c", "user.name=ci"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	copyFile := func(from, to string) {
		t.Helper()
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git("init", "-q")
	copyFile("testdata/diff/lambda-role.json", "role.json")
	git("add", "role.json")
	git("commit", "-q", "-m", "role")
	copyFile("testdata/diff/lambda-role-widened.json", "role.json")
	copyFile("testdata/diff/lambda-role.json", "added.json")
	var stdout, stderr bytes.Buffer
	status := run([]string{"diff", "--git", "HEAD", filepath.Join(dir, "role.json"), filepath.Join(dir, "added.json")}, nil, &stdout, &stderr)
	if status != exitFindings {
		t.Fatalf("exit %d, want %d\n%s%s", status, exitFindings, stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"HEAD:" + filepath.Join(dir, "role.json"), "+ dynamodb:DeleteItem", "+ logs:CreateLogGroup"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "- ") {
		t.Errorf("nothing was removed, but the output says so:\n%s", out)
	}
	// A revision that is an option is refused before git sees it: git
	// show --output=FILE would write the file.
	stdout.Reset()
	stderr.Reset()
	victim := filepath.Join(dir, "written-by-git")
	if status := run([]string{"diff", "--git", "--output=" + victim, filepath.Join(dir, "role.json")}, nil, &stdout, &stderr); status != exitInvalid {
		t.Errorf("exit %d for an option as the revision", status)
	}
	if _, err := os.Stat(victim); err == nil {
		t.Error("git wrote the file the revision named")
	}
	if !strings.Contains(stderr.String(), "is not a git revision") {
		t.Errorf("stderr: %s", stderr.String())
	}
	// The committed file alone: no change.
	stdout.Reset()
	git("checkout", "-q", "role.json")
	if status := run([]string{"diff", "--git", "HEAD", filepath.Join(dir, "role.json")}, nil, &stdout, &stderr); status != exitOK {
		t.Errorf("exit %d for an unchanged file\n%s", status, stdout.String())
	}
}
