package ward_test

import (
	"fmt"
	"log"

	"github.com/wardhq/ward"
)

func Example() {
	role, err := ward.ParsePolicy([]byte(`{
		"Version": "2012-10-17",
		"Statement": [{
			"Sid": "ReadOwnPrefix",
			"Effect": "Allow",
			"Action": "s3:GetObject",
			"Resource": "arn:aws:s3:::reports/${aws:PrincipalTag/team}/*"
		}]
	}`), ward.KindIdentity, "ReportsReader")
	if err != nil {
		log.Fatal(err)
	}
	set, err := ward.NewPolicySet(ward.Policies{Identity: []*ward.Policy{role}})
	if err != nil {
		log.Fatal(err)
	}
	for _, key := range []string{"reports/blue/q3.csv", "reports/red/q3.csv"} {
		req, err := (&ward.Request{
			Principal: "arn:aws:sts::111111111111:assumed-role/analyst/alice",
			Action:    "s3:GetObject",
			Resource:  "arn:aws:s3:::" + key,
			Context:   map[string][]string{"aws:PrincipalTag/team": {"blue"}},
		}).Prepare()
		if err != nil {
			log.Fatal(err)
		}
		d := set.Decide(req)
		fmt.Println(key, d.Result, d.DecidedBy)
		if len(d.Matched()) > 0 {
			fmt.Println("  matched", d.Matched()[0].Policy, d.Matched()[0].Sid)
		} else {
			fmt.Println(" ", d.Message())
		}
	}
	// Output:
	// reports/blue/q3.csv Allowed identityPolicy
	//   matched ReportsReader ReadOwnPrefix
	// reports/red/q3.csv ImplicitDeny identityPolicy
	//   User: arn:aws:sts::111111111111:assumed-role/analyst/alice is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::reports/red/q3.csv" because no identity-based policy allows the s3:GetObject action
}
