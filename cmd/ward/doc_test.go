package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/inputs"
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
