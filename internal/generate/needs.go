package generate

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/wardhq/ward/internal/activity"
	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/glob"
)

// need is one permission a call needed: an action on a resource, and the
// context keys a grant of it must be conditioned on (iam:PassedToService).
type need struct {
	Action   string // as the catalog spells it
	Resource string // an ARN, or "*"
	// Service is iam:PassedToService, for iam:PassRole.
	Service string
	// Partial says the resource could not be read whole from the call:
	// the parts it lacked are "*".
	Partial string
}

// sourcePrefixes are CloudTrail event sources whose service prefix in
// IAM is not the source's first label.
var sourcePrefixes = map[string]string{
	"monitoring.amazonaws.com":        "cloudwatch",
	"email.amazonaws.com":             "ses",
	"runtime.lex.amazonaws.com":       "lex",
	"models.lex.amazonaws.com":        "lex",
	"runtime-v2-lex.amazonaws.com":    "lex",
	"models-v2-lex.amazonaws.com":     "lex",
	"runtime.sagemaker.amazonaws.com": "sagemaker",
	"api.sagemaker.amazonaws.com":     "sagemaker",
	"bedrock-runtime.amazonaws.com":   "bedrock",
	"bedrock-agent.amazonaws.com":     "bedrock",
	"tagging.amazonaws.com":           "tag",
	"elasticmapreduce.amazonaws.com":  "elasticmapreduce",
	"ecr-public.amazonaws.com":        "ecr-public",
	"s3-outposts.amazonaws.com":       "s3-outposts",
	"sso-directory.amazonaws.com":     "sso-directory",
	"streams.dynamodb.amazonaws.com":  "dynamodb",
	"data.iot.amazonaws.com":          "iot",
}

// renamed maps a CloudTrail event (prefix:eventName) to the IAM actions it
// needs, where they are not the event's name. From the Service
// Authorization Reference's action tables and the services' API
// references ("Permissions" of each operation).
var renamed = map[string][]string{
	"s3:ListBuckets":                        {"s3:ListAllMyBuckets"},
	"s3:ListObjects":                        {"s3:ListBucket"},
	"s3:ListObjectsV2":                      {"s3:ListBucket"},
	"s3:HeadBucket":                         {"s3:ListBucket"},
	"s3:ListObjectVersions":                 {"s3:ListBucketVersions"},
	"s3:HeadObject":                         {"s3:GetObject"},
	"s3:CreateMultipartUpload":              {"s3:PutObject"},
	"s3:UploadPart":                         {"s3:PutObject"},
	"s3:CompleteMultipartUpload":            {"s3:PutObject"},
	"s3:AbortMultipartUpload":               {"s3:AbortMultipartUpload"},
	"s3:DeleteObjects":                      {"s3:DeleteObject"},
	"s3:ListParts":                          {"s3:ListMultipartUploadParts"},
	"s3:ListMultipartUploads":               {"s3:ListBucketMultipartUploads"},
	"s3:GetBucketEncryption":                {"s3:GetEncryptionConfiguration"},
	"s3:PutBucketEncryption":                {"s3:PutEncryptionConfiguration"},
	"s3:DeleteBucketEncryption":             {"s3:PutEncryptionConfiguration"},
	"s3:GetBucketLifecycle":                 {"s3:GetLifecycleConfiguration"},
	"s3:GetBucketLifecycleConfiguration":    {"s3:GetLifecycleConfiguration"},
	"s3:PutBucketLifecycle":                 {"s3:PutLifecycleConfiguration"},
	"s3:PutBucketLifecycleConfiguration":    {"s3:PutLifecycleConfiguration"},
	"s3:DeleteBucketLifecycle":              {"s3:PutLifecycleConfiguration"},
	"s3:GetBucketReplication":               {"s3:GetReplicationConfiguration"},
	"s3:PutBucketReplication":               {"s3:PutReplicationConfiguration"},
	"s3:DeleteBucketReplication":            {"s3:PutReplicationConfiguration"},
	"s3:GetObjectLockConfiguration":         {"s3:GetBucketObjectLockConfiguration"},
	"s3:PutObjectLockConfiguration":         {"s3:PutBucketObjectLockConfiguration"},
	"s3:DeleteBucketPolicy":                 {"s3:DeleteBucketPolicy"},
	"s3:DeleteBucketCors":                   {"s3:PutBucketCORS"},
	"s3:GetBucketCors":                      {"s3:GetBucketCORS"},
	"s3:PutBucketCors":                      {"s3:PutBucketCORS"},
	"s3:DeleteBucketTagging":                {"s3:PutBucketTagging"},
	"s3:DeleteBucketWebsite":                {"s3:DeleteBucketWebsite"},
	"s3:GetBucketNotificationConfiguration": {"s3:GetBucketNotification"},
	"s3:PutBucketNotificationConfiguration": {"s3:PutBucketNotification"},
	"s3:GetPublicAccessBlock":               {"s3:GetBucketPublicAccessBlock"},
	"s3:PutPublicAccessBlock":               {"s3:PutBucketPublicAccessBlock"},
	"s3:DeletePublicAccessBlock":            {"s3:PutBucketPublicAccessBlock"},
	"s3:DeleteObjectTagging":                {"s3:DeleteObjectTagging"},
	"lambda:Invoke":                         {"lambda:InvokeFunction"},
	"lambda:InvokeWithResponseStream":       {"lambda:InvokeFunction"},
	"sqs:SendMessageBatch":                  {"sqs:SendMessage"},
	"sqs:DeleteMessageBatch":                {"sqs:DeleteMessage"},
	"sqs:ChangeMessageVisibilityBatch":      {"sqs:ChangeMessageVisibility"},
	"sns:PublishBatch":                      {"sns:Publish"},
	"bedrock:Converse":                      {"bedrock:InvokeModel"},
	"bedrock:ConverseStream":                {"bedrock:InvokeModelWithResponseStream"},
	"logs:StartLiveTail":                    {"logs:StartLiveTail"},
}

// noPermission are calls no policy decides: AWS answers them for any
// caller that signs.
var noPermission = map[string]bool{
	"sts:GetCallerIdentity": true,
}

// lambdaVersioned strips the API version Lambda's event names carry
// ("UpdateFunctionCode20150331v2").
var lambdaVersioned = regexp.MustCompile(`^([A-Za-z]+?)(20\d{6})(v\d+)?$`)

// passedRoleParameters name request parameters that pass a role to the
// service called: the call then needs iam:PassRole on it.
var passedRoleParameters = []string{
	"role", "roleArn", "executionRoleArn", "taskRoleArn", "serviceRoleArn", "iamRoleArn",
	"jobRoleArn", "dataAccessRoleArn", "serviceRole", "jobFlowRole", "iamRole", "roleARN",
	"agentResourceRoleArn", "invocationRoleArn", "deliveryStreamRoleArn", "executionRole",
}

// passedToService is the iam:PassedToService of a role passed in a call to
// a service, where it is not the event source: ECS passes task roles to
// the tasks' own principal.
var passedToService = map[string]string{
	"ecs.amazonaws.com:taskRoleArn":      "ecs-tasks.amazonaws.com",
	"ecs.amazonaws.com:executionRoleArn": "ecs-tasks.amazonaws.com",
	"lex.amazonaws.com":                  "lexv2.amazonaws.com",
	"models-v2-lex.amazonaws.com":        "lexv2.amazonaws.com",
}

// mapper turns calls into needs through the catalog.
type mapper struct {
	cat *catalog.Catalog
}

// needs is what a call needed. A call the catalog cannot place returns a
// reason instead, which the answer reports: it is never dropped unsaid.
func (m *mapper) needs(c *activity.Call) ([]need, string) {
	if c.Action != "" { // ward's decision log: the action and resource it decided
		a, err := m.cat.Action(c.Action)
		if err != nil || a == nil {
			return nil, fmt.Sprintf("the catalog has no action %s", c.Action)
		}
		if noPermission[a.FullName()] {
			return nil, ""
		}
		res := c.Resource
		if res == "" {
			res = "*"
		}
		return []need{{Action: a.FullName(), Resource: res}}, ""
	}
	prefix, ok := sourcePrefixes[c.Source]
	if !ok {
		prefix, _, _ = strings.Cut(c.Source, ".")
	}
	name := c.Name
	if prefix == "lambda" {
		if mm := lambdaVersioned.FindStringSubmatch(name); mm != nil {
			name = mm[1]
		}
	}
	event := prefix + ":" + name
	if noPermission[event] {
		return nil, ""
	}
	var out []need
	switch event {
	case "s3:CopyObject", "s3:UploadPartCopy":
		out = append(out, m.resolve("s3:PutObject", c, nil)...)
		if src := copySource(c); src != "" {
			out = append(out, need{Action: "s3:GetObject", Resource: "arn:" + partition(c) + ":s3:::" + src})
		}
	case "kms:ReEncrypt":
		from := m.resolve("kms:ReEncryptFrom", c, map[string]string{"KeyId": str(c.Parameters, "sourceKeyId")})
		to := m.resolve("kms:ReEncryptTo", c, map[string]string{"KeyId": str(c.Parameters, "destinationKeyId")})
		out = append(append(out, from...), to...)
	case "dynamodb:TransactWriteItems", "dynamodb:TransactGetItems":
		out = m.transact(c)
	case "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem":
		items, _ := c.Parameters["requestItems"].(map[string]any)
		tables := sortedKeys(items)
		if len(tables) == 0 {
			out = m.resolve(event, c, nil)
		}
		for _, t := range tables {
			out = append(out, m.resolve(event, c, map[string]string{"TableName": t})...)
		}
	default:
		actions := renamed[event]
		if actions == nil {
			actions = []string{event}
		}
		for _, a := range actions {
			out = append(out, m.resolve(a, c, nil)...)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Sprintf("the catalog has no action %s for the event %s %s", event, c.Source, c.Name)
	}
	return append(out, m.passRoles(c, prefix)...), ""
}

// transact splits a DynamoDB transaction into the item actions it runs:
// IAM has no action for the transaction itself.
func (m *mapper) transact(c *activity.Call) []need {
	items, _ := c.Parameters["transactItems"].([]any)
	var out []need
	for _, it := range items {
		item, _ := it.(map[string]any)
		for op, action := range map[string]string{"put": "PutItem", "update": "UpdateItem", "delete": "DeleteItem", "conditionCheck": "ConditionCheckItem", "get": "GetItem"} {
			body, ok := item[op].(map[string]any)
			if !ok {
				continue
			}
			out = append(out, m.resolve("dynamodb:"+action, c, map[string]string{"TableName": str(body, "tableName")})...)
		}
	}
	return out
}

// passRoles are the iam:PassRole needs of a call that hands a role to
// the service it calls.
func (m *mapper) passRoles(c *activity.Call, prefix string) []need {
	if prefix == "sts" || prefix == "iam" {
		return nil // AssumeRole's roleArn is the resource, not a role passed on
	}
	var out []need
	for _, p := range passedRoleParameters {
		v := str(c.Parameters, p)
		if !strings.HasPrefix(v, "arn:") || !strings.Contains(v, ":role/") {
			continue
		}
		svc := passedToService[c.Source+":"+p]
		if svc == "" {
			svc = passedToService[c.Source]
		}
		if svc == "" {
			svc = c.Source
		}
		out = append(out, need{Action: "iam:PassRole", Resource: v, Service: svc})
	}
	return out
}

// resolve is the needs of one IAM action for a call: the action on each
// resource the call names, read through the catalog's ARN formats for the
// action's resource types. given supplies ARN variables the call holds
// under names the generic reading would not find.
func (m *mapper) resolve(action string, c *activity.Call, given map[string]string) []need {
	a, err := m.cat.Action(action)
	if err != nil || a == nil {
		return nil
	}
	types := a.Resources()
	if len(types) == 0 {
		return []need{{Action: a.FullName(), Resource: "*"}}
	}
	type filled struct {
		arn      string
		required bool
		vars     int
	}
	var cands []filled
	var partial *catalog.ActionResourceInfo
	partialScore := -1
	for _, rt := range types {
		f := parseFormat(rt.ARN)
		vars := f.vars
		// given names the variables for this action (a ReEncrypt's source
		// key, not its destination): the call's other ARNs are not read.
		if len(given) == 0 {
			arns := namedResources(c, f)
			if len(arns) == 0 && f.own > 0 {
				arns = parameterARNs(c, f)
			}
			if len(arns) > 0 {
				for _, arn := range arns {
					cands = append(cands, filled{arn, rt.Required, vars})
				}
				continue
			}
		}
		if f.own == 0 && len(types) > 1 {
			continue // a fixed resource (Bedrock's marketplace endpoint): only when the call names it
		}
		g := typeGiven(a.Service, rt.Name, c, given)
		if arn, ok := f.fill(c, g, false); ok {
			cands = append(cands, filled{arn, rt.Required, vars})
			continue
		}
		// The call names part of the resource (a bucket, not its keys):
		// the type that it fills most is granted with '*' for the rest.
		score := 2 * f.filled(c, g)
		if rt.Required {
			score++
		}
		if score > 1 && score > partialScore || rt.Required && partial == nil {
			partial, partialScore = rt, score
		}
	}
	// A sub-resource the call named replaces its parent: a Query on an
	// index is authorized on the index, not the table.
	var kept []filled
	for _, f := range cands {
		parent := false
		for _, g := range cands {
			if g.arn != f.arn && strings.HasPrefix(g.arn, f.arn) && len(g.arn) > len(f.arn) && (g.arn[len(f.arn)] == '/' || g.arn[len(f.arn)] == ':') {
				parent = true
			}
		}
		if !parent {
			kept = append(kept, f)
		}
	}
	var out []need
	for _, f := range kept {
		if f.required {
			out = append(out, need{Action: a.FullName(), Resource: f.arn})
		}
	}
	if len(out) == 0 && len(kept) > 0 {
		best := kept[0]
		for _, f := range kept[1:] {
			if f.vars > best.vars {
				best = f
			}
		}
		out = append(out, need{Action: a.FullName(), Resource: best.arn})
	}
	if len(out) == 0 {
		if partial == nil {
			// Every resource type is optional and the call named none: the
			// ordinary call is authorized on "*".
			return []need{{Action: a.FullName(), Resource: "*"}}
		}
		arn, _ := parseFormat(partial.ARN).fill(c, typeGiven(a.Service, partial.Name, c, given), true)
		return []need{{Action: a.FullName(), Resource: arn, Partial: partial.Name}}
	}
	return dedupe(out)
}

func dedupe(ns []need) []need {
	seen := map[need]bool{}
	out := ns[:0]
	for _, n := range ns {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// arnFormat is a catalog ARN format read once: its parts, the glob it
// becomes with each ${Variable} as '*', and the counts resolve asks for on
// every call.
type arnFormat struct {
	parts   []formatPart
	pattern string
	vars    int
	own     int // variables other than the partition, region and account
	colons  int
	slashes int
}

// formatPart is a literal run of a format, or one of its variables.
type formatPart struct {
	literal, variable string
}

var formats sync.Map // format text → *arnFormat

func parseFormat(text string) *arnFormat {
	if f, ok := formats.Load(text); ok {
		return f.(*arnFormat)
	}
	f := &arnFormat{}
	var pat strings.Builder
	rest := text
	for {
		i := strings.Index(rest, "${")
		j := -1
		if i >= 0 {
			j = strings.IndexByte(rest[i:], '}')
		}
		if i < 0 || j < 0 {
			f.parts = append(f.parts, formatPart{literal: rest})
			pat.WriteString(rest)
			break
		}
		if i > 0 {
			f.parts = append(f.parts, formatPart{literal: rest[:i]})
			pat.WriteString(rest[:i])
		}
		v := rest[i+2 : i+j]
		f.parts = append(f.parts, formatPart{variable: v})
		f.vars++
		pat.WriteByte('*')
		if v != "Partition" && v != "Region" && v != "Account" {
			f.own++
		}
		rest = rest[i+j+1:]
	}
	f.pattern = pat.String()
	f.colons, f.slashes = strings.Count(f.pattern, ":"), strings.Count(f.pattern, "/")
	actual, _ := formats.LoadOrStore(text, f)
	return actual.(*arnFormat)
}

// matches: the ARN has the format's shape: its glob matches, with as many
// ':' separated parts and at least as many '/' (a name may hold '/', as a
// secret's or a log group's does), so a key ARN is not taken for an
// alias's.
func (f *arnFormat) matches(arn string) bool {
	return strings.HasPrefix(arn, "arn:") && strings.Count(arn, ":") == f.colons && strings.Count(arn, "/") >= f.slashes && glob.Match(f.pattern, arn)
}

// fill writes the format with each variable read from the call; it fails
// when one cannot be read. With partial, a variable the call does not
// give is '*' instead.
func (f *arnFormat) fill(c *activity.Call, given map[string]string, partial bool) (string, bool) {
	var b strings.Builder
	ok := true
	for _, p := range f.parts {
		if p.variable == "" {
			b.WriteString(p.literal)
			continue
		}
		val := value(p.variable, c, given)
		if val == "" {
			ok = false
			if partial {
				val = "*"
			}
		}
		b.WriteString(val)
	}
	return b.String(), ok || partial
}

// filled counts the format's own variables the call gives.
func (f *arnFormat) filled(c *activity.Call, given map[string]string) int {
	n := 0
	for _, p := range f.parts {
		if v := p.variable; v != "" && v != "Partition" && v != "Region" && v != "Account" && value(v, c, given) != "" {
			n++
		}
	}
	return n
}

// namedResources are the ARNs of the call's resources list that have the
// format's shape, with the partition read as the call's.
func namedResources(c *activity.Call, f *arnFormat) []string {
	var out []string
	for _, r := range c.Resources {
		if f.matches(r.ARN) {
			out = append(out, r.ARN)
		}
	}
	return out
}

// parameterARNs are the ARNs among the call's request parameters that
// have the format's shape: a state machine's ARN, a model's, a role's.
func parameterARNs(c *activity.Call, f *arnFormat) []string {
	var out []string
	for _, k := range sortedKeys(c.Parameters) {
		if v := str(c.Parameters, k); f.matches(v) {
			out = append(out, v)
		}
	}
	return out
}

// typeParameters name the request parameter that holds a variable of one
// resource type, where the variable's name is shared by several types of
// the service (Bedrock's ResourceId).
var typeParameters = map[string]map[string]string{
	"bedrock foundation-model": {"ResourceId": "modelId"},
}

// typeGiven adds the variables typeParameters read for a resource type.
func typeGiven(service, typ string, c *activity.Call, given map[string]string) map[string]string {
	tp := typeParameters[service+" "+typ]
	if tp == nil {
		return given
	}
	out := map[string]string{}
	for k, v := range given {
		out[k] = v
	}
	for v, param := range tp {
		if s := str(c.Parameters, param); s != "" && !strings.HasPrefix(s, "arn:") && out[v] == "" {
			out[v] = s
		}
	}
	return out
}

// parameterNames are request parameters that hold an ARN variable, where
// the parameter is not the variable's name with a lower-case first letter.
var parameterNames = map[string][]string{
	"BucketName":                       {"bucketName", "Bucket", "bucket"},
	"ObjectName":                       {"key", "Key"},
	"RoleNameWithPath":                 {"roleName"},
	"UserNameWithPath":                 {"userName"},
	"GroupNameWithPath":                {"groupName"},
	"QueueName":                        {"queueUrl", "queueName"},
	"FunctionName":                     {"functionName"},
	"KeyId":                            {"keyId"},
	"SecretId":                         {"secretId"},
	"StateMachineName":                 {"stateMachineArn", "name"},
	"TopicName":                        {"topicArn", "targetArn"},
	"LogGroupName":                     {"logGroupName", "logGroupIdentifier"},
	"LogStreamName":                    {"logStreamName"},
	"ParameterNameWithoutLeadingSlash": {"name"},
	"ModelId":                          {"modelId"},
	"AgentId":                          {"agentId"},
	"AgentAliasId":                     {"agentAliasId"},
	"RepositoryName":                   {"repositoryName"},
	"ClusterName":                      {"cluster"},
	"TaskDefinitionFamilyName":         {"taskDefinition", "family"},
	"TaskDefinitionRevisionNumber":     {"taskDefinition"},
}

// value reads one ARN variable from the call.
func value(v string, c *activity.Call, given map[string]string) string {
	switch v {
	case "Partition":
		return partition(c)
	case "Region":
		return c.Region
	case "Account":
		return c.Account
	}
	if s := given[v]; s != "" {
		return lastPart(v, s)
	}
	names := parameterNames[v]
	if names == nil {
		names = []string{strings.ToLower(v[:1]) + v[1:]}
	}
	for _, n := range names {
		if s := str(c.Parameters, n); s != "" {
			return lastPart(v, s)
		}
	}
	return ""
}

// lastPart reads a variable's value out of a parameter that may give it as
// an ARN or a URL (a function ARN for FunctionName, a queue URL for
// QueueName, a key ARN for KeyId).
func lastPart(v, s string) string {
	switch {
	case v == "QueueName" && strings.HasPrefix(s, "https://"):
		if u, err := url.Parse(s); err == nil {
			parts := strings.Split(strings.Trim(u.Path, "/"), "/")
			return parts[len(parts)-1]
		}
	case strings.HasPrefix(s, "arn:"):
		parts := strings.SplitN(s, ":", 7)
		if len(parts) < 6 {
			return s
		}
		res := strings.Join(parts[5:], ":")
		switch v {
		case "FunctionName":
			if len(parts) == 7 { // function:NAME
				return parts[6]
			}
		case "RoleNameWithPath", "UserNameWithPath", "GroupNameWithPath":
			_, name, _ := strings.Cut(res, "/")
			return name
		default:
			if i := strings.LastIndexAny(res, ":/"); i >= 0 {
				return res[i+1:]
			}
			return res
		}
	case v == "SecretId":
		// A secret named without its ARN: its ARN ends in a dash and six
		// random characters (Secrets Manager's "Secret" resource type).
		return s + "-??????"
	case v == "TaskDefinitionFamilyName":
		family, _, _ := strings.Cut(s, ":")
		return family
	case v == "TaskDefinitionRevisionNumber":
		_, rev, _ := strings.Cut(s, ":")
		return rev // none: the latest revision, which the call does not show
	case v == "ParameterNameWithoutLeadingSlash":
		return strings.TrimPrefix(s, "/")
	case v == "KeyId" && strings.HasPrefix(s, "alias/"):
		return "" // a key named by alias is authorized on the key, which the alias does not show
	}
	return s
}

func partition(c *activity.Call) string {
	for _, arn := range []string{c.Principal, c.Entity} {
		if parts := strings.SplitN(arn, ":", 3); len(parts) == 3 && parts[0] == "arn" && parts[1] != "" {
			return parts[1]
		}
	}
	switch {
	case strings.HasPrefix(c.Region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(c.Region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// copySource is "bucket/key" of a copy's source object.
func copySource(c *activity.Call) string {
	src := str(c.Parameters, "x-amz-copy-source")
	if src == "" {
		return ""
	}
	src, _, _ = strings.Cut(strings.TrimPrefix(src, "/"), "?versionId=")
	if u, err := url.PathUnescape(src); err == nil {
		src = u
	}
	return src
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
