package authorizeapi

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/wardhq/ward/internal/iamapi"
)

// TestAuthorizeAnswerJSON: the /v1/authorize answer is written as
// encoding/json writes iamapi.AuthorizeAnswer.
func TestAuthorizeAnswerJSON(t *testing.T) {
	answers := []iamapi.AuthorizeAnswer{
		{},
		{Decision: "Error", Error: "no such principal <x>", Matched: []iamapi.MatchedEntry{}, MissingContextKeys: []string{}},
		{Decision: "Allowed", DecidedBy: "identityPolicy", MissingContextKeys: []string{"aws:SourceIp", "s3:prefix"},
			Matched: []iamapi.MatchedEntry{{PolicyType: "identityPolicy", Policy: "read & write", Statement: 3, Sid: "S\"1", Effect: "Allow"},
				{PolicyType: "boundary", Policy: "b", Statement: 0, Effect: "Allow"}}},
		{Decision: "ImplicitDeny", Message: "User: arn:aws:iam::1:user/a\tis not authorized \u2028", Matched: []iamapi.MatchedEntry{}},
	}
	for _, a := range answers {
		want, err := json.Marshal(&a)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendAnswer(nil, &a); !bytes.Equal(got, want) {
			t.Errorf("\n got %s\nwant %s", got, want)
		}
	}
}
