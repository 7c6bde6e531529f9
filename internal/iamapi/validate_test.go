package iamapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/israce"
)

// TestCheckParamsAllocatesNothing: a valid request is checked without
// allocating, so validation costs every call nothing it keeps.
func TestCheckParamsAllocatesNothing(t *testing.T) {
	if israce.Enabled {
		t.Skip("the race detector allocates: counts are checked without it")
	}
	form, _ := url.ParseQuery("Action=CreateUser&Version=2010-05-08&UserName=alice&Path=/staff/&Tags.member.1.Key=team&Tags.member.1.Value=blue")
	plain, _ := url.ParseQuery("Action=GetUser&Version=2010-05-08&UserName=alice")
	if e := checkParams("CreateUser", awsquery.Params(form)); e != nil {
		t.Fatal(e)
	}
	if allocs := testing.AllocsPerRun(100, func() { checkParams("GetUser", awsquery.Params(plain)) }); allocs != 0 {
		t.Errorf("checking a valid request allocates %.1f times", allocs)
	}
}

// TestCheckParams runs requests through the parameter constraints: each
// row is a request and the ValidationError message IAM or STS would give
// ("" for none).
func TestCheckParams(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		op   string
		form string
		want string
	}{
		{"CreateUser", "UserName=alice&Path=/staff/", ""},
		{"CreateUser", "UserName=" + long(64), ""},
		{"CreateUser", "UserName=" + long(65),
			"1 validation error detected: Value at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		// An existing user's name may be 128 characters.
		{"GetUser", "UserName=" + long(128), ""},
		{"GetUser", "UserName=" + long(129),
			"1 validation error detected: Value at 'userName' failed to satisfy constraint: Member must have length less than or equal to 128"},
		// A name outside its pattern gets IAM's own message...
		{"CreateUser", "UserName=bad%2Fname",
			"The specified value for userName is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-"},
		{"GetRole", "RoleName=arn:aws:iam::1:role/x",
			"The specified value for roleName is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-"},
		// ...unless something else fails too: then every failure is listed,
		// the pattern before the length, parameters in name order.
		{"CreateUser", "UserName=" + long(64) + "%2F&Path=nope",
			"3 validation errors detected: Value at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F); " +
				"Value at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+; " +
				"Value at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"CreateUser", "UserName=",
			"2 validation errors detected: Value at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+; " +
				"Value at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		// List members are located as AWS locates them.
		{"TagUser", "UserName=a&Tags.member.1.Key=team&Tags.member.1.Value=blue&Tags.member.2.Key=cost&Tags.member.2.Value=D%26T",
			"1 validation error detected: Value at 'tags.2.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*"},
		{"TagUser", "UserName=a&Tags.member.1.Key=%C3%A9quipe&Tags.member.1.Value=%E6%97%A5%E6%9C%AC+x", ""},
		{"UntagUser", "UserName=a&TagKeys.member.1=" + long(129),
			"1 validation error detected: Value at 'tagKeys.1.member' failed to satisfy constraint: Member must have length less than or equal to 128"},
		// Numbers and enumerations.
		{"ListUsers", "MaxItems=0",
			"1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"ListUsers", "MaxItems=ten",
			"1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must be a number"},
		{"ListPolicies", "Scope=Mine",
			"1 validation error detected: Value at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]"},
		{"UpdateAccessKey", "AccessKeyId=AKIAIOSFODNN7EXAMPLE&Status=Expired", ""},
		{"CreateRole", "RoleName=r&AssumeRolePolicyDocument=%7B%7D&MaxSessionDuration=43201",
			"1 validation error detected: Value at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200"},
		// Path patterns differ: a policy's path is stricter than a user's.
		{"CreateUser", "UserName=a&Path=/a*b/", ""},
		{"CreatePolicy", "PolicyName=p&PolicyDocument=%7B%7D&Path=/a*b/",
			"1 validation error detected: Value at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: ((/[A-Za-z0-9\\.,\\+@=_-]+)*)/"},
		{"ListUsers", "PathPrefix=/a*", ""},
		{"ListPolicies", "PathPrefix=/a*",
			"1 validation error detected: Value at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: ((/[A-Za-z0-9\\.,\\+@=_-]+)*)/"},
		// A role's description excludes what a policy's allows.
		{"CreateRole", "RoleName=r&AssumeRolePolicyDocument=%7B%7D&Description=%F0%9F%99%82",
			"1 validation error detected: Value at 'description' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*"},
		{"CreatePolicy", "PolicyName=p&PolicyDocument=%7B%7D&Description=%F0%9F%99%82", ""},
		// Lengths count UTF-16 units: 500 emoji are 1,000 units, 501 too many.
		{"CreatePolicy", "PolicyName=p&PolicyDocument=%7B%7D&Description=" + strings.Repeat("%F0%9F%99%82", 500), ""},
		{"CreatePolicy", "PolicyName=p&PolicyDocument=%7B%7D&Description=" + strings.Repeat("%F0%9F%99%82", 501),
			"1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000"},
		// STS quotes the value, and its ranges differ by action.
		{"AssumeRole", "RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=a:b",
			"1 validation error detected: Value 'a:b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"},
		{"AssumeRole", "RoleArn=&RoleSessionName=ok",
			"2 validation errors detected: Value '' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+; " +
				"Value '' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"},
		{"AssumeRole", "RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=ok&DurationSeconds=43201",
			"1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"},
		{"GetSessionToken", "DurationSeconds=129600", ""},
		{"GetSessionToken", "DurationSeconds=600",
			"1 validation error detected: Value '600' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"GetFederationToken", "Name=" + long(33),
			"1 validation error detected: Value '" + long(33) + "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 32"},
		{"AssumeRole", "RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=ok&Policy=" + long(5000), ""},
		{"GetFederationToken", "Name=fed&Policy=" + long(2049),
			"1 validation error detected: Value '" + long(2049) + "' at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048"},
		// 51 session tags.
		{"AssumeRole", "RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=ok" + manyTags(51),
			"1 validation error detected: Value '[" + tagList(51) + "]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"},
		{"AssumeRole", "RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=ok" + manyTags(50), ""},
		// Parameters no constraint names pass.
		{"CreateUser", "UserName=a&Unknown=%00", ""},
		// Free text takes only what XML can carry, and only UTF-8.
		{"CreatePolicy", "PolicyName=p&PolicyDocument=%7B%7D&Description=bell%01",
			"1 validation error detected: Value at 'description' failed to satisfy constraint: Member must satisfy regular expression pattern: " + patText},
		{"CreatePolicy", "PolicyName=p&PolicyDocument=%7B%7D&Description=latin1%E9",
			"1 validation error detected: Value at 'description' failed to satisfy constraint: Member must satisfy regular expression pattern: " + patText},
		{"CreateRole", "RoleName=r&AssumeRolePolicyDocument=%7B%7D&Description=tab%09cr%0D%0Alf", ""},
		{"SimulateCustomPolicy", "PolicyInputList.member.1=%7B%7D&ActionNames.member.1=s3:GetObject&ContextEntries.member.1.ContextKeyName=aws:username&ContextEntries.member.1.ContextKeyValues.member.1=a%1Bb",
			"1 validation error detected: Value at 'contextEntries.1.member.contextKeyValues.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern: " + patText},
		// STS's ARNs take characters beyond the Basic Multilingual Plane,
		// not DEL.
		{"AssumeRole", "RoleArn=arn:aws:iam::123456789012:role/%F0%9F%99%82&RoleSessionName=ok", ""},
		{"AssumeRole", "RoleArn=arn:aws:iam::123456789012:role/r%7F&RoleSessionName=ok",
			"1 validation error detected: Value 'arn:aws:iam::123456789012:role/r\x7f' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: " + patSTSARN},
	}
	for _, tt := range tests {
		form, err := url.ParseQuery(tt.form)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if e := checkParams(tt.op, awsquery.Params(form)); e != nil {
			if e.Code != "ValidationError" || e.Status != 400 {
				t.Errorf("%s %s: %s %d", tt.op, tt.form, e.Code, e.Status)
			}
			got = e.Message
		}
		if got != tt.want {
			t.Errorf("%s %.80s:\n got %q\nwant %q", tt.op, tt.form, got, tt.want)
		}
	}
}

func manyTags(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString("&Tags.member." + itoa(i) + ".Key=k" + itoa(i) + "&Tags.member." + itoa(i) + ".Value=v")
	}
	return b.String()
}

func tagList(n int) string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, "{Key=k"+itoa(i)+", Value=v}")
	}
	return strings.Join(out, ", ")
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestConstraintPatternsCompile: every pattern the table writes in the
// references' notation compiles for Go, and matches what it should.
func TestConstraintPatternsCompile(t *testing.T) {
	if _, err := awsquery.NewRules(paramConstraints); err != nil {
		t.Fatal(err)
	}
	if paramRules.Lookup("CreateUser", "UserName") == paramRules.Lookup("GetUser", "UserName") || paramRules.Lookup("GetSessionToken", "DurationSeconds") == nil {
		t.Error("the constraints of particular actions were not filed by action")
	}
	for _, tc := range []struct {
		pattern, value string
		want           bool
	}{
		{patPath, "/", true}, {patPath, "/a/b/", true}, {patPath, "//", false}, {patPath, "/a", false},
		{patPathPrefix, "/", true}, {patPathPrefix, "/a", true}, {patPathPrefix, "a/", false},
		{patDocument, "{\"a\":\t\"é\"}", true}, {patDocument, "日本", false},
		{patTagKey, "Équipe 1", true}, {patTagKey, "a&b", false},
		{patVersionID, "v12", true}, {patVersionID, "v0", false},
	} {
		re, err := awsquery.CompilePattern(tc.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := re.MatchString(tc.value); got != tc.want {
			t.Errorf("%s on %q: %v, want %v", tc.pattern, tc.value, got, tc.want)
		}
	}
}

// TestNoPatternTakesWhatXMLCannotCarry: whatever parameter a value is
// given in, a character XML 1.0 cannot carry (a control character other
// than tab, line feed and carriage return, U+FFFE, U+FFFF) or a byte that
// is not UTF-8 (a lone byte, a surrogate's encoding) fails its pattern,
// so no stored value can break the XML of a later answer.
func TestNoPatternTakesWhatXMLCannotCarry(t *testing.T) {
	var bad []string
	for c := 0; c < 0x20; c++ {
		if c != '\t' && c != '\n' && c != '\r' {
			bad = append(bad, string(rune(c)))
		}
	}
	bad = append(bad, "\uFFFE", "\uFFFF", "\xff", "\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80")
	paramRules.Each(func(name string, c *awsquery.Constraint) {
		if c.Pattern == "" {
			return
		}
		for _, b := range bad {
			if c.Accepts("abc" + b + "def") {
				t.Errorf("%s takes %q", name, b)
			}
		}
	})
}

// unconstrained are the parameters operations read that their API
// references give no constraint (besides Action and Version, which route
// the request).
var unconstrained = map[string]string{
	"Action":  "routes the request",
	"Version": "routes the request",
}

// TestEveryParameterIsConstrained reads the package's source for the
// parameter names operations read (c.p.Get("X"), required, list, tags,
// intOr, requiredAll) and checks each has a constraint, for some action
// or for all, or is listed in unconstrained with its reason.
func TestEveryParameterIsConstrained(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, e := range entries {
		if name := e.Name(); strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
			f, err := parser.ParseFile(fset, name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
	}
	constrained := map[string]bool{}
	for k := range paramConstraints {
		if op, name, ok := strings.Cut(k, "."); ok && operations[op].handle != nil {
			k = name // constrained for some action
		}
		constrained[k] = true
	}
	seen := 0
	read := map[string]bool{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var suffix string
			var recv ast.Expr
			args := call.Args
			switch fun := call.Fun.(type) {
			case *ast.SelectorExpr:
				switch fun.Sel.Name {
				case "Get", "Required", "IntOr", "RequiredAll":
				case "List":
					suffix = ".member"
				default:
					return true
				}
				recv = fun.X
			case *ast.Ident:
				// tagsParam(p, "Tags") reads Tags.member.N.Key and .Value.
				if fun.Name != "tagsParam" || len(args) != 2 {
					return true
				}
				suffix = ".member.Key"
				recv, args = args[0], args[1:]
			default:
				return true
			}
			// Only parameters: the receiver is a Params value (c.p or p).
			if id, ok := recv.(*ast.SelectorExpr); !(ok && id.Sel.Name == "p") {
				if id, ok := recv.(*ast.Ident); !(ok && id.Name == "p") {
					return true
				}
			}
			for _, arg := range args {
				lit, ok := arg.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				name, _ := strconv.Unquote(lit.Value)
				seen++
				read[name] = true
				if !constrained[name] && !constrained[name+suffix] && unconstrained[name] == "" {
					t.Errorf("%s: parameter %s is read but has no constraint and is not listed as unconstrained", fset.Position(lit.Pos()), name)
				}
			}
			return true
		})
	}
	if seen < 50 {
		t.Errorf("found only %d parameter reads; the source scan is broken", seen)
	}
	for name := range unconstrained {
		if !read[name] {
			t.Errorf("%s is listed as unconstrained but no operation reads it", name)
		}
	}
}
