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

// A service deciding on every request reuses one PreparedRequest and one
// Decision per goroutine, and gives its context as Keys: then preparing
// and deciding allocate nothing.
func ExamplePolicySet_DecideInto() {
	doc, err := ward.ParsePolicy([]byte(`{"Version": "2012-10-17", "Statement": [{
		"Effect": "Allow", "Action": "dynamodb:Query", "Resource": "arn:aws:dynamodb:*:*:table/Chat-*",
		"Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}`), ward.KindIdentity, "ChatTables")
	if err != nil {
		log.Fatal(err)
	}
	set, err := ward.NewPolicySet(ward.Policies{Identity: []*ward.Policy{doc}})
	if err != nil {
		log.Fatal(err)
	}
	var (
		prepared ward.PreparedRequest
		decision ward.Decision
		sourceIP = make([]string, 1)
	)
	for _, ip := range []string{"10.1.2.3", "192.0.2.7"} {
		sourceIP[0] = ip
		req := ward.Request{
			Principal: "arn:aws:sts::111111111111:assumed-role/chat/worker",
			Action:    "dynamodb:Query",
			Resource:  "arn:aws:dynamodb:us-east-1:111111111111:table/Chat-prod",
			Keys:      []ward.ContextKey{{Name: "aws:SourceIp", Values: sourceIP}},
		}
		if err := req.PrepareInto(&prepared); err != nil {
			log.Fatal(err)
		}
		set.DecideInto(&prepared, &decision)
		fmt.Println(ip, decision.Result)
	}
	// Output:
	// 10.1.2.3 Allowed
	// 192.0.2.7 ImplicitDeny
}
