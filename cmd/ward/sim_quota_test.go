package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/policy"
)

// policyFile writes an identity policy of size characters without
// whitespace (it has none) and returns its path.
func policyFile(t *testing.T, size int) string {
	t.Helper()
	head, tail := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/`, `"}]}`
	doc := head + strings.Repeat("k", size-len(head)-len(tail)) + tail
	if p, err := policy.Parse([]byte(doc), ""); err != nil || p.Size != size {
		t.Fatalf("a policy of %d characters: %v", size, err)
	}
	file := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestSimIdentityQuotaByPrincipal: ward sim holds an identity policy to
// the largest quota it could have for the principal asked about: a
// role's (or its session's) policy may be inline, 10,240; a user's is at
// most a managed policy, 6,144, since a user's inline policies share
// 2,048.
func TestSimIdentityQuotaByPrincipal(t *testing.T) {
	role, user := "arn:aws:sts::111111111111:assumed-role/app/s", "arn:aws:iam::111111111111:user/alice"
	for _, tc := range []struct {
		principal string
		size      int
		want      int
	}{
		{role, 7824, exitOK},
		{"arn:aws:iam::111111111111:role/app", 10240, exitOK},
		{role, 10300, exitInvalid},
		{user, 6144, exitOK},
		{user, 7824, exitInvalid},
		{"arn:aws:sts::111111111111:federated-user/bob", 7824, exitInvalid},
	} {
		var stdout, stderr bytes.Buffer
		got := runSim([]string{"--policy", policyFile(t, tc.size), "--principal", tc.principal, "--action", "s3:GetObject", "--resource", "arn:aws:s3:::b/x"},
			nil, &stdout, &stderr)
		if got != tc.want || (tc.want == exitInvalid && !strings.Contains(stderr.String(), "LimitExceeded")) {
			t.Errorf("%s with %d characters: exit %d, want %d\n%s%s", tc.principal, tc.size, got, tc.want, stdout.String(), stderr.String())
		}
	}
}
