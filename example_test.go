package ward_test

import (
	"fmt"
	"log"

	"github.com/wardhq/ward"
)

// The README's "Embedding" section is this example, line for line
// (TestREADMEEmbeddingIsTheExample).
func Example() {
	doc := []byte(`{
		"Version": "2012-10-17",
		"Statement": [{
			"Sid": "ReadOwnPrefix",
			"Effect": "Allow",
			"Action": "s3:GetObject",
			"Resource": "arn:aws:s3:::reports/${aws:PrincipalTag/team}/*"
		}]
	}`)
	role, err := ward.ParsePolicy(doc, ward.KindIdentity, "ReportsReader")
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
		fmt.Println(key, d.Result(), d.DecidedBy())
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
		fmt.Println(ip, decision.Result())
	}
	// Output:
	// 10.1.2.3 Allowed
	// 192.0.2.7 ImplicitDeny
}

// ParsePolicy checks a document as IAM checks one of its kind, and says
// where each problem is.
func ExampleParsePolicy() {
	_, err := ward.ParsePolicy([]byte(`{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Alow",
    "Action": "s3:GetObject",
    "Resource": "*"
  }]
}`), ward.KindIdentity, "policy.json")
	fmt.Println(err)
	// Output:
	// policy.json:4:15: Statement[0].Effect: Invalid effect: "Alow"; Effect must be "Allow" or "Deny"
}

// A permissions boundary and a resource policy take part as AWS combines
// them: the bucket policy grants the role, the boundary caps it, and the
// answer names the policy type that decided.
func ExamplePolicySet_Decide() {
	parse := func(doc string, kind ward.Kind, name string) *ward.Policy {
		p, err := ward.ParsePolicy([]byte(doc), kind, name)
		if err != nil {
			log.Fatal(err)
		}
		return p
	}
	bucket := parse(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
		"Principal": {"AWS": "arn:aws:iam::111111111111:role/deploy"},
		"Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::artifacts/*"}]}`, ward.KindResource, "artifacts bucket policy")
	boundary := parse(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
		"Action": "s3:GetObject", "Resource": "*"}]}`, ward.KindBoundary, "ReadOnlyBoundary")
	set, err := ward.NewPolicySet(ward.Policies{Resource: bucket, Boundary: boundary})
	if err != nil {
		log.Fatal(err)
	}
	for _, action := range []string{"s3:GetObject", "s3:PutObject"} {
		req, err := (&ward.Request{
			Principal: "arn:aws:sts::111111111111:assumed-role/deploy/ci",
			Action:    action,
			Resource:  "arn:aws:s3:::artifacts/app.zip",
		}).Prepare()
		if err != nil {
			log.Fatal(err)
		}
		d := set.Decide(req)
		fmt.Println(action, d.Result(), d.DecidedBy())
	}
	// Output:
	// s3:GetObject Allowed resourcePolicy
	// s3:PutObject ImplicitDeny permissionsBoundary
}

// A condition on a key the request does not carry does not hold; the
// decision lists the keys it missed, so a caller can tell "denied" from
// "asked without the context that would decide".
func ExampleDecision_Missing() {
	p, err := ward.ParsePolicy([]byte(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
		"Action": "kms:Decrypt", "Resource": "*",
		"Condition": {"StringEquals": {"kms:EncryptionContext:app": "chat"}}}]}`), ward.KindIdentity, "DecryptChat")
	if err != nil {
		log.Fatal(err)
	}
	set, err := ward.NewPolicySet(ward.Policies{Identity: []*ward.Policy{p}})
	if err != nil {
		log.Fatal(err)
	}
	req, err := (&ward.Request{
		Principal: "arn:aws:iam::111111111111:user/alice",
		Action:    "kms:Decrypt",
		Resource:  "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	}).Prepare()
	if err != nil {
		log.Fatal(err)
	}
	d := set.Decide(req)
	fmt.Println(d.Result(), d.Missing())
	// Output:
	// ImplicitDeny [kms:EncryptionContext:app]
}

// ExampleDiff compares two versions of a role's policy: widening its
// tables from TravelGuide-* to * gives it every table of the account,
// shown by a request.
func ExampleDiff() {
	old, err := ward.ParsePolicy([]byte(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
		"Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": "arn:aws:dynamodb:*:*:table/TravelGuide-*"}]}`), ward.KindIdentity, "old")
	if err != nil {
		panic(err)
	}
	widened, err := ward.ParsePolicy([]byte(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
		"Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": "arn:aws:dynamodb:*:*:table/*"}]}`), ward.KindIdentity, "new")
	if err != nil {
		panic(err)
	}
	d, err := ward.Diff([]*ward.Policy{old}, []*ward.Policy{widened})
	if err != nil {
		panic(err)
	}
	for _, a := range d.Added {
		fmt.Println("+", a.Actions, "for example", a.Witness.Action, "on", a.Witness.Resource, "proven:", a.Proven)
	}
	fmt.Println("removed:", len(d.Removed), "exact:", len(d.Notes) == 0)
	// Output:
	// + [dynamodb:GetItem dynamodb:Query] for example dynamodb:GetItem on arn:aws:dynamodb:us-east-1:111111111111:table/example proven: true
	// removed: 0 exact: true
}

// ExampleNeverAllows asks Access Analyzer's CheckAccessNotGranted
// question offline: may this policy ever delete an object in prod?
func ExampleNeverAllows() {
	p, err := ward.ParsePolicy([]byte(`{"Version": "2012-10-17", "Statement": [
		{"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
		{"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::prod/logs/*"}]}`), ward.KindIdentity, "role")
	if err != nil {
		panic(err)
	}
	found, _, err := ward.NeverAllows([]*ward.Policy{p}, []string{"s3:DeleteObject"}, []string{"arn:aws:s3:::prod/*"})
	if err != nil {
		panic(err)
	}
	for _, a := range found {
		fmt.Println("allowed:", a.Witness.Action, "on", a.Witness.Resource)
	}
	// Output:
	// allowed: s3:DeleteObject on arn:aws:s3:::prod/example
}

// ExampleWithin asks Access Analyzer's CheckNoNewAccess question against a
// reference policy: does a role's policy stay within what the platform
// team allows?
func ExampleWithin() {
	reference, err := ward.ParsePolicy([]byte(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
		"Action": "s3:Get*", "Resource": "arn:aws:s3:::travel-guide-*/*"}]}`), ward.KindIdentity, "reference")
	if err != nil {
		panic(err)
	}
	role, err := ward.ParsePolicy([]byte(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
		"Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::travel-guide-media/*"}]}`), ward.KindIdentity, "role")
	if err != nil {
		panic(err)
	}
	beyond, _, err := ward.Within([]*ward.Policy{role}, []*ward.Policy{reference})
	if err != nil {
		panic(err)
	}
	for _, a := range beyond {
		fmt.Println("beyond the reference:", a.Witness.Action, "on", a.Witness.Resource)
	}
	// Output:
	// beyond the reference: s3:PutObject on arn:aws:s3:::travel-guide-media/example
}

// ExamplePublicAccess asks whether a queue's policy lets anyone outside
// its account send: SNS may send from any account's topic, the confused
// deputy, shown by a request from SNS acting for another account.
func ExamplePublicAccess() {
	p, err := ward.ParsePolicy([]byte(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
		"Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
		"Resource": "arn:aws:sqs:us-east-1:111122223333:orders"}]}`), ward.KindResource, "queue policy")
	if err != nil {
		panic(err)
	}
	found, _, err := ward.PublicAccess(p, ward.PublicOptions{})
	if err != nil {
		panic(err)
	}
	for _, a := range found {
		fmt.Println(a.Witness.Principal, "for", a.Witness.Context["aws:SourceAccount"], "may", a.Witness.Action, "on", a.Witness.Resource)
		set, err := ward.NewPolicySet(ward.Policies{Resource: p})
		if err != nil {
			panic(err)
		}
		req, err := a.Witness.Prepare()
		if err != nil {
			panic(err)
		}
		fmt.Println("replayed:", set.Decide(req).Result())
	}
	// Output:
	// sns.amazonaws.com for [999999999999] may sqs:SendMessage on arn:aws:sqs:us-east-1:111122223333:orders
	// replayed: Allowed
}

func ExampleDiffResource() {
	parse := func(principal string) *ward.Policy {
		p, err := ward.ParsePolicy([]byte(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
			"Principal": `+principal+`, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::travel-guide-media/*"}]}`), ward.KindResource, "bucket policy")
		if err != nil {
			panic(err)
		}
		return p
	}
	old, new := parse(`{"AWS": "arn:aws:iam::222222222222:root"}`), parse(`"*"`)
	d, err := ward.DiffResource(old, new, "111122223333")
	if err != nil {
		panic(err)
	}
	for _, a := range d.Added {
		fmt.Println("+", a.Witness.Action, "on", a.Witness.Resource, "from", a.Witness.Principal)
		set, err := ward.NewPolicySet(ward.Policies{Resource: new})
		if err != nil {
			panic(err)
		}
		req, err := a.Witness.Prepare()
		if err != nil {
			panic(err)
		}
		fmt.Println("replayed:", set.Decide(req).Result())
	}
	fmt.Println("removed:", len(d.Removed))
	// Output:
	// + s3:GetObject on arn:aws:s3:::travel-guide-media/example from anonymous
	// replayed: Allowed
	// removed: 0
}
