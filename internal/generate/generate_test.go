package generate

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/internal/activity"
	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/golden"
	"github.com/wardhq/ward/internal/policy"
)

const chatRole = "arn:aws:iam::111122223333:role/ChatLambdaRole"

// chatTree lays testdata/chat-trail.json out as CloudTrail delivers it:
// the AWSLogs tree, half the records in a gzip file, half in a plain one,
// and a digest file that holds no calls.
func chatTree(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("testdata/chat-trail.json")
	if err != nil {
		t.Fatal(err)
	}
	var trail struct{ Records []json.RawMessage }
	if err := json.Unmarshal(data, &trail); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	day := filepath.Join(root, "AWSLogs", "111122223333", "CloudTrail", "us-east-1", "2026", "11", "30")
	digest := filepath.Join(root, "AWSLogs", "111122223333", "CloudTrail-Digest", "us-east-1", "2026", "11", "30")
	for _, d := range []string{day, digest} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	half := len(trail.Records) / 2
	first, _ := json.Marshal(map[string]any{"Records": trail.Records[:half]})
	second, _ := json.Marshal(map[string]any{"Records": trail.Records[half:]})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(first)
	zw.Close()
	write := func(path string, b []byte) {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(day, "111122223333_CloudTrail_us-east-1_20261130T0000Z_a.json.gz"), gz.Bytes())
	write(filepath.Join(day, "111122223333_CloudTrail_us-east-1_20261130T0005Z_b.json"), second)
	write(filepath.Join(digest, "111122223333_CloudTrail-Digest_us-east-1_20261130T0100Z.json.gz"), []byte(`{"awsAccountId":"111122223333"}`))
	return root
}

// generateFrom generates from the inputs twice: every call passed to the
// generator, and only those Wants selects, their parameters decoded
// while reading (as ward generate reads); the two must be the same.
func generateFrom(t *testing.T, opts Options, inputs ...string) *Result {
	t.Helper()
	var results [2]*Result
	for i, selecting := range []bool{false, true} {
		g := New(testCatalog(t), opts)
		rd := activity.Reader{}
		if selecting {
			rd.Keep = g.Wants
		}
		for _, in := range inputs {
			if err := rd.Read(in, func(c *activity.Call) error { g.Add(c); return nil }); err != nil {
				t.Fatal(err)
			}
		}
		r, err := g.Result()
		if err != nil {
			t.Fatal(err)
		}
		results[i] = r
	}
	all, _ := json.Marshal(results[0])
	selected, _ := json.Marshal(results[1])
	if !bytes.Equal(all, selected) {
		t.Fatalf("the calls Wants selects generate\n%s\nand all the calls\n%s", selected, all)
	}
	return results[0]
}

// TestChatRoleFromCloudTrail generates seed 000's chat Lambda role from a
// CloudTrail tree: the result is held as a golden file (go test -update
// rewrites it), and read from the tree it is the same as from the file.
func TestChatRoleFromCloudTrail(t *testing.T) {
	opts := Options{Principal: chatRole, Generalize: DefaultGeneralize}
	fromTree := generateFrom(t, opts, chatTree(t))
	fromFile := generateFrom(t, opts, "testdata/chat-trail.json")
	got, _ := json.MarshalIndent(fromFile, "", "  ")
	golden.Check(t, "testdata/chat-trail.golden.json", append(got, '\n'))
	if !bytes.Equal(fromTree.Policy.JSON(), fromFile.Policy.JSON()) {
		t.Errorf("the tree and the file give different policies:\n%s\n%s", fromTree.Policy.JSON(), fromFile.Policy.JSON())
	}
	if fromTree.Calls != fromFile.Calls || fromTree.Calls == 0 {
		t.Errorf("calls: tree %d, file %d", fromTree.Calls, fromFile.Calls)
	}
	if len(fromTree.Refused) != 1 || fromTree.Refused[0].Action != "s3:DeleteObject" {
		t.Errorf("refused: %+v, want the one s3:DeleteObject", fromTree.Refused)
	}
	if len(fromTree.Unmapped) != 1 || fromTree.Unmapped[0].Event != "nosuch.amazonaws.com DoThing" {
		t.Errorf("unmapped: %+v, want the one nosuch.amazonaws.com DoThing", fromTree.Unmapped)
	}
}

// decideAll decides each allowed call of the principal in the inputs
// against a policy read from its JSON text, as IAM would read it: the
// check stands apart from the generator's own replay.
func decideAll(t *testing.T, r *Result, principal string, inputs ...string) (allowed, calls int) {
	t.Helper()
	p, err := policy.ParseKind(r.Policy.JSON(), "generated.json", policy.KindIdentity, policy.SkipSizeLimit)
	if err != nil {
		t.Fatalf("the generated policy does not parse: %v\n%s", err, r.Policy.JSON())
	}
	set, err := identitySet([]*engine.Compiled{engine.Compile(p, "generated.json")}, principal)
	if err != nil {
		t.Fatal(err)
	}
	m := mapper{cat: testCatalog(t)}
	want := principalKey(principal)
	for _, in := range inputs {
		err := activity.Read(in, func(c *activity.Call) error {
			if principalKey(c.Entity) != want || c.Denied {
				return nil
			}
			if err := c.Decode(); err != nil {
				t.Fatal(err)
			}
			ns, why := m.needs(c)
			if why != "" {
				return nil
			}
			calls++
			ok := true
			for _, n := range ns {
				req := requestFor(c.Principal, n, c.Context)
				pr, err := req.Prepare()
				if err != nil {
					t.Errorf("%s: %v", c.Where(), err)
					ok = false
					continue
				}
				if d := set.Decide(pr); d.Result != engine.Allowed {
					t.Errorf("%s: %s on %s is %s under the generated policy", c.Where(), n.Action, n.Resource, d.Result)
					ok = false
				}
			}
			if ok {
				allowed++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return allowed, calls
}

// TestEveryObservedCallReplaysAllowed: under every generalization
// setting, every call the principal made and was not refused is allowed
// by the generated policy.
func TestEveryObservedCallReplaysAllowed(t *testing.T) {
	for _, gen := range []Generalize{{}, DefaultGeneralize, {Keys: 1, Names: 1, Places: 1}, {Keys: 50, Names: 50, Places: 50}} {
		r := generateFrom(t, Options{Principal: chatRole, Generalize: gen}, "testdata/chat-trail.json")
		allowed, calls := decideAll(t, r, chatRole, "testdata/chat-trail.json")
		if calls == 0 || allowed != calls {
			t.Errorf("%+v: %d of %d calls allowed", gen, allowed, calls)
		}
	}
}

// TestExactWithoutGeneralizing: with both thresholds 0, each granted
// resource is one a call named.
func TestExactWithoutGeneralizing(t *testing.T) {
	r := generateFrom(t, Options{Principal: chatRole}, "testdata/chat-trail.json")
	for _, s := range r.Policy.Statement {
		for _, res := range s.Resource {
			if res != "*" && strings.Contains(strings.ReplaceAll(res, "[$LATEST]", ""), "*") {
				t.Errorf("%s: %s is a pattern, with generalization off", s.Sid, res)
			}
		}
	}
	for _, s := range r.Statements {
		if len(s.Generalized) > 0 {
			t.Errorf("%s: generalized %v, with generalization off", s.Sid, s.Generalized)
		}
	}
}

// TestPrincipalSelection: a role ARN with or without its path takes its
// sessions; a session ARN only that session; several principals and no
// choice is an error that lists them; the time window bounds the calls.
func TestPrincipalSelection(t *testing.T) {
	cat := testCatalog(t)
	read := func(opts Options) (*Result, error) {
		g := New(cat, opts)
		if err := activity.Read("testdata/chat-trail.json", func(c *activity.Call) error { g.Add(c); return nil }); err != nil {
			t.Fatal(err)
		}
		return g.Result()
	}
	withPath, err := read(Options{Principal: "arn:aws:iam::111122223333:role/service-role/ChatLambdaRole"})
	if err != nil {
		t.Fatal(err)
	}
	noPath, err := read(Options{Principal: chatRole})
	if err != nil {
		t.Fatal(err)
	}
	if withPath.Calls != noPath.Calls || withPath.Calls < 30 {
		t.Errorf("role with path: %d calls, without: %d", withPath.Calls, noPath.Calls)
	}
	session, err := read(Options{Principal: "arn:aws:sts::111122223333:assumed-role/ChatLambdaRole/chat"})
	if err != nil || session.Calls != noPath.Calls {
		t.Errorf("session: %v, %+v", err, session)
	}
	if _, err := read(Options{}); err == nil || !strings.Contains(err.Error(), "user/alice (1 call)") || !strings.Contains(err.Error(), "--principal") {
		t.Errorf("two principals, none chosen: %v", err)
	}
	if _, err := read(Options{Principal: "arn:aws:iam::111122223333:role/Other"}); err == nil || !strings.Contains(err.Error(), "no call of") {
		t.Errorf("a principal with no calls: %v", err)
	}
	since := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	window, err := read(Options{Principal: chatRole, Since: since})
	if err != nil {
		t.Fatal(err)
	}
	if window.Calls != 3 || window.First.Before(since) {
		t.Errorf("since %s: %d calls from %s, want the 3 PutObject calls", since, window.Calls, window.First)
	}
	if _, err := read(Options{Principal: chatRole, Until: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil || !strings.Contains(err.Error(), "before 2026-01-01") {
		t.Errorf("an empty window: %v", err)
	}
}

// TestDecisionLogGeneration: ward serve's decision log is an input: its
// allowed decisions are granted as decided, its denials reported.
func TestDecisionLogGeneration(t *testing.T) {
	log := strings.Join([]string{
		`{"time":"2026-11-30T10:00:00Z","requestId":"1","caller":"arn:aws:sts::111111111111:assumed-role/deployer/deploy-1","account":"111111111111","action":"iam:ListUsers","resource":"*","decision":"Allowed","decidedBy":"identity"}`,
		`{"time":"2026-11-30T10:00:01Z","requestId":"2","caller":"arn:aws:sts::111111111111:assumed-role/deployer/deploy-1","account":"111111111111","action":"iam:GetRole","resource":"arn:aws:iam::111111111111:role/lex-logs","decision":"Allowed"}`,
		`{"time":"2026-11-30T10:00:02Z","requestId":"3","caller":"arn:aws:sts::111111111111:assumed-role/deployer/deploy-2","account":"111111111111","action":"iam:GetRole","resource":"arn:aws:iam::111111111111:role/chat-lambda","decision":"Allowed"}`,
		`{"time":"2026-11-30T10:00:03Z","requestId":"4","caller":"arn:aws:sts::111111111111:assumed-role/deployer/deploy-1","account":"111111111111","action":"iam:CreateRole","resource":"arn:aws:iam::111111111111:role/x","decision":"ImplicitDeny"}`,
		``,
	}, "\n")
	path := filepath.Join(t.TempDir(), "decisions.log")
	if err := os.WriteFile(path, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	r := generateFrom(t, Options{Principal: "arn:aws:iam::111111111111:role/deployer", Generalize: DefaultGeneralize}, path)
	if r.Calls != 4 || len(r.Refused) != 1 || r.Refused[0].Action != "iam:CreateRole" {
		t.Fatalf("calls %d, refused %+v", r.Calls, r.Refused)
	}
	got := string(r.Policy.JSON())
	for _, want := range []string{`"iam:ListUsers"`, `"arn:aws:iam::111111111111:role/chat-lambda"`, `"arn:aws:iam::111111111111:role/lex-logs"`} {
		if !strings.Contains(got, want) {
			t.Errorf("the policy lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "CreateRole") {
		t.Errorf("a denied call was granted:\n%s", got)
	}
}
