package analyze

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/inputs"
	"github.com/wardhq/ward/internal/policy"
)

// inlineOfSize is an inline policy document of at least size characters
// without whitespace.
func inlineOfSize(t *testing.T, size int) string {
	t.Helper()
	for n := size - 120; ; n++ {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/` + strings.Repeat("k", n) + `"}]}`
		p, err := policy.Parse([]byte(doc), "")
		if err != nil {
			t.Fatal(err)
		}
		if p.Size >= size {
			return doc
		}
	}
}

// TestInlinePolicyQuotaInAccountDetails: in account details, an inline
// policy is held to its entity's quota, not a managed policy's: a 7,824
// character role policy is fine (roles allow 10,240), a 2,784 character
// user policy is over (users allow 2,048).
func TestInlinePolicyQuotaInAccountDetails(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	details := fmt.Sprintf(`{"UserDetailList":[{"UserName":"u","Arn":"arn:aws:iam::111111111111:user/u","UserPolicyList":[{"PolicyName":"big","PolicyDocument":%s}]}],
"RoleDetailList":[{"RoleName":"r","Arn":"arn:aws:iam::111111111111:role/r","AssumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]},
"RolePolicyList":[{"PolicyName":"big","PolicyDocument":%s}]}],"GroupDetailList":[],"Policies":[]}`, inlineOfSize(t, 2784), inlineOfSize(t, 7824))
	f := inputs.Read("details.json", []byte(details), 0)
	var tooLarge []Finding
	for _, fd := range CheckFile(f, cat, nil) {
		if fd.Code == CodePolicyTooLarge {
			tooLarge = append(tooLarge, fd)
		}
	}
	if len(tooLarge) != 1 || !strings.Contains(tooLarge[0].Path, "UserDetailList") || !strings.Contains(tooLarge[0].Message, "2048") {
		t.Errorf("size findings: %+v; want one, for the user's policy, naming 2048", tooLarge)
	}
}
