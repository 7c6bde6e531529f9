package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"context"
	"encoding/json"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/wardhq/ward/internal/inputs"
	"github.com/wardhq/ward/internal/server"
)

// TestExampleDocumentsMatch: the permission documents committed under
// examples/ are what ward doc writes from the examples' policies and
// notes, run from the repository's root as CI runs it.
func TestExampleDocumentsMatch(t *testing.T) {
	t.Chdir("../..")
	var out, errs bytes.Buffer
	code := runDoc([]string{"--notes", "examples/chat-lambda/notes.yaml", "--check", "examples/chat-lambda/ChatLambdaRole.md", "examples/chat-lambda/role.yaml"}, &out, &errs)
	if code != exitOK {
		t.Fatalf("exit %d: %s%s\nregenerate: go run ./cmd/ward doc --notes examples/chat-lambda/notes.yaml examples/chat-lambda/role.yaml > examples/chat-lambda/ChatLambdaRole.md", code, out.String(), errs.String())
	}
}

// TestDocFolder: --out writes one document per role and user; --check on
// the folder passes while they match, and fails for a changed policy, a
// missing document and a document of a principal that is gone.
func TestDocFolder(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) (int, string) {
		var out, errs bytes.Buffer
		code := runDoc(args, &out, &errs)
		return code, out.String() + errs.String()
	}
	input := "testdata/doc/account.json"
	if code, msg := run("--out", dir, input); code != exitOK || !strings.Contains(msg, "wrote 3 documents") {
		t.Fatalf("--out: exit %d: %s", code, msg)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "role-chat.md role-deployer.md user-dev.md" {
		t.Fatalf("files %v", names)
	}
	if code, msg := run("--check", dir, input); code != exitOK {
		t.Fatalf("--check on a fresh folder: exit %d: %s", code, msg)
	}
	// A changed policy: the chat role's document is stale.
	data, err := os.ReadFile(input)
	if err != nil {
		t.Fatal(err)
	}
	changed := filepath.Join(t.TempDir(), "account.json")
	if err := os.WriteFile(changed, bytes.Replace(data, []byte(`"s3:PutObject"`), []byte(`"s3:PutObjectAcl"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, msg := run("--out", dir, "--check", dir, changed); code != exitFindings || !strings.Contains(msg, "role-chat.md no longer matches") {
		t.Errorf("--check after a policy change: exit %d: %s", code, msg)
	}
	// A document of a principal that is gone, and a missing one.
	if err := os.Rename(filepath.Join(dir, "user-dev.md"), filepath.Join(dir, "user-gone.md")); err != nil {
		t.Fatal(err)
	}
	code, msg := run("--check", dir, input)
	if code != exitFindings || !strings.Contains(msg, "user-dev.md is missing") || !strings.Contains(msg, "user-gone.md documents no role or user") {
		t.Errorf("--check with a missing and a stale document: exit %d: %s", code, msg)
	}
}

// TestDocFolderOfAnAccount: a sample account's 300 roles and users are
// documented on every core; the folder then checks clean, each document
// the same as written alone.
func TestDocFolderOfAnAccount(t *testing.T) {
	input := filepath.Join(t.TempDir(), "account.json")
	if err := os.WriteFile(input, inputs.SampleAccount(200, 100, 50, 7), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var out, errs bytes.Buffer
	if code := runDoc([]string{"--out", dir, input}, &out, &errs); code != exitOK || !strings.Contains(out.String(), "wrote 300 documents") {
		t.Fatalf("exit %d: %s%s", code, out.String(), errs.String())
	}
	out.Reset()
	if code := runDoc([]string{"--check", dir, input}, &out, &errs); code != exitOK {
		t.Fatalf("--check: exit %d: %s%s", code, out.String(), errs.String())
	}
	one, err := os.ReadFile(filepath.Join(dir, "role-app-orders-0.md"))
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := runDoc([]string{"--role", "app-orders-0", input}, &out, &errs); code != exitOK || !bytes.Equal(out.Bytes(), one) {
		t.Errorf("the role's document alone (exit %d) differs from the one in the folder", code)
	}
}

// TestDocFromServe: ward doc --endpoint reads the account of a running
// ward serve, signed with the profile ward serve wrote, and writes the
// document the AWS SDK's own reading of the same account gives.
func TestDocFromServe(t *testing.T) {
	data := t.TempDir()
	cmd, url := startServe(t, data)
	defer cmd.Process.Kill()
	id, secret, err := server.ReadCredentials(filepath.Join(data, "credentials"))
	if err != nil {
		t.Fatal(err)
	}
	client := iamClient(url, id, secret)
	ctx := context.Background()
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	inline := `{"Version":"2012-10-17","Statement":[{"Sid":"ReadChats","Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query"],"Resource":"arn:aws:dynamodb:*:*:table/ChatMessage-*"}]}`
	managed := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::storage-bucket/*"}]}`
	steps := []func() error{
		func() error {
			_, err := client.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("chat"), Path: aws.String("/service-role/"), AssumeRolePolicyDocument: aws.String(trust)})
			return err
		},
		func() error {
			_, err := client.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("chat"), PolicyName: aws.String("chat"), PolicyDocument: aws.String(inline)})
			return err
		},
		func() error {
			_, err := client.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("storage-read"), PolicyDocument: aws.String(managed)})
			return err
		},
		func() error {
			_, err := client.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("chat"), PolicyArn: aws.String("arn:aws:iam::111111111111:policy/storage-read")})
			return err
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(data, "credentials"))
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	var fromServe, errs bytes.Buffer
	if code := runDoc([]string{"--endpoint", url, "--profile", "ward", "--role", "chat"}, &fromServe, &errs); code != exitOK {
		t.Fatalf("ward doc --endpoint: exit %d: %s", code, errs.String())
	}
	for _, want := range []string{"dynamodb:GetItem", "arn:aws:dynamodb:*:*:table/ChatMessage-*", "storage-read", "lambda.amazonaws.com"} {
		if !strings.Contains(fromServe.String(), want) {
			t.Errorf("the document does not name %s:\n%s", want, fromServe.String())
		}
	}
	// The same account as the SDK reads it, in the CLI's JSON shape.
	details, err := client.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{})
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(details)
	if err != nil {
		t.Fatal(err)
	}
	input := filepath.Join(t.TempDir(), "account.json")
	if err := os.WriteFile(input, js, 0o644); err != nil {
		t.Fatal(err)
	}
	var fromFile bytes.Buffer
	if code := runDoc([]string{"--role", "chat", input}, &fromFile, &errs); code != exitOK {
		t.Fatalf("ward doc on the SDK's account: exit %d: %s", code, errs.String())
	}
	if got, want := strings.ReplaceAll(fromServe.String(), "--endpoint "+url, "INPUT"), strings.ReplaceAll(fromFile.String(), input, "INPUT"); got != want {
		t.Errorf("from ward serve:\n%s\nfrom the SDK's reading:\n%s", got, want)
	}
	// Without credentials that sign, the endpoint refuses, and ward doc
	// says so.
	errs.Reset()
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	if code := runDoc([]string{"--endpoint", url, "--role", "chat"}, &fromServe, &errs); code != exitInvalid || !strings.Contains(errs.String(), "no profile") {
		t.Errorf("no credentials: exit %d: %s", code, errs.String())
	}
	errs.Reset()
	t.Setenv("AWS_ACCESS_KEY_ID", id)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	if code := runDoc([]string{"--endpoint", url, "--role", "chat"}, &fromServe, &errs); code != exitInvalid || !strings.Contains(errs.String(), "SignatureDoesNotMatch") {
		t.Errorf("a wrong secret: exit %d: %s", code, errs.String())
	}
}
