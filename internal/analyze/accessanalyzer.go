package analyze

import (
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/wardhq/ward/internal/policy"
)

// IAM Access Analyzer's policy checks (`aws accessanalyzer validate-policy`)
// that ward's findings correspond to, by ward's code: the issue code AWS
// returns, so suppressions and dashboards written for Access Analyzer
// keep working (IAM User Guide, "Access Analyzer policy check
// reference"). A code may map to more than one check; issueCode chooses
// by what the finding says.
var accessAnalyzerIssues = map[string]string{
	CodeUnknownAction:            "INVALID_ACTION",
	CodeUnknownService:           "INVALID_SERVICE_IN_ACTION",
	CodeInvalidARN:               "INVALID_ARN_RESOURCE",
	CodeConditionTypeMismatch:    "TYPE_MISMATCH",
	CodeInvalidConditionValue:    "INVALID_CONDITION_DATA_TYPE",
	CodeUnknownConditionKey:      "INVALID_SERVICE_CONDITION_KEY",
	CodeConditionKeyNotSupported: "IRRELEVANT_CONDITION_KEY_IN_POLICY",
	CodeMissingVersion:           "MISSING_VERSION",
	CodeSetOperatorSingleValue:   "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
	CodeRedundantAction:          "REDUNDANT_ACTION",
	CodeRedundantResource:        "REDUNDANT_RESOURCE",
	CodeRedundantStatement:       "REDUNDANT_STATEMENT",
	CodeServiceWildcard:          "WILDCARD_IN_SERVICE_NAME",
	CodePassRoleUnrestricted:     "PASS_ROLE_WITH_STAR_IN_RESOURCE",
	CodeConfusedDeputy:           "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
	CodeWebIdentityTrustUnscoped: "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
	CodePolicyTooLarge:           "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
	CodeInvalidPolicy:            "INVALID_POLICY_ELEMENT",
	CodeLiteralVariable:          "VARIABLE_UNSUPPORTED_IN_VERSION",

	CodeAllowNotPrincipal:            "ALLOW_WITH_NOT_PRINCIPAL",
	CodeDenyTagConditionUnsupported:  "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
	CodeS3PrefixNegated:              "S3_PREFIX_IN_NEGATIVE_CONTEXT",
	CodeUntrustworthyConditionKey:    "UNTRUSTWORTHY_CONDITION_KEY",
	CodeMissingPairedConditionKey:    "MISSING_PAIRED_CONDITION_KEYS",
	CodeStringOperatorOnARN:          "STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS",
	CodePrivateIP:                    "PRIVATE_IP_ADDRESS",
	CodeInvalidVariable:              "MISSING_BRACE_IN_VARIABLE",
	CodeTrustActionMismatch:          "MISMATCHED_ACTION_FOR_PRINCIPAL",
	CodeInvalidServicePrincipal:      "INVALID_SERVICE_PRINCIPAL_FORMAT",
	CodeWildcardWithoutLike:          "WILDCARD_WITHOUT_LIKE_OPERATOR",
	CodeDeprecatedConditionKey:       "DEPRECATED_GLOBAL_CONDITION_KEY",
	CodeDuplicateSid:                 "UNIQUE_SIDS_RECOMMENDED",
	CodeCreateSLRUnrestricted:        "CREATE_SLR_WITH_STAR_IN_RESOURCE",
	CodeMissingSetOperator:           "MISSING_QUALIFIER",
	CodePrincipalUniqueID:            "INVALID_ROLE_REFERENCE",
	CodeGitHubTrustWildcard:          "SPECIFIC_GITHUB_REPO_AND_BRANCH_RECOMMENDED",
	CodeNullWithSetOperator:          "NULL_WITH_QUALIFIER",
	CodeIPRangeNotCanonical:          "IMPROVE_IP_RANGE",
	CodeRedundantConditionValue:      "REDUNDANT_CONDITION_VALUE_NUM",
	CodePrivateIPSubset:              "PRIVATE_IP_ADDRESS_SUBSET",
	CodeAllowTagConditionUnsupported: "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
	CodeEmptySid:                     "EMPTY_SID_VALUE",
	CodeRedundantPrincipal:           "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
	CodeEquivalentToNull:             "EQUIVALENT_TO_NULL_FALSE",
}

// accessAnalyzerTypes are the finding types of Access Analyzer's checks,
// which may differ from the severity of the ward finding that carries one.
var accessAnalyzerTypes = func() map[string]string {
	m := map[string]string{}
	for _, c := range accessAnalyzerChecks {
		m[c.Issue] = c.Type
	}
	return m
}()

// IssueCode is the Access Analyzer issue code of a finding, or "" when
// Access Analyzer has no check for what it says.
func (f *Finding) IssueCode() string { return f.Issue }

// errorCheck is the Access Analyzer check of a policy error: the one its
// rule names, JSON_SYNTAX_ERROR for a text that does not parse, or the
// one its code corresponds to.
func errorCheck(e *policy.Error) string {
	switch {
	case e.Check != "":
		return e.Check
	case errors.Is(e, policy.ErrSyntax):
		return "JSON_SYNTAX_ERROR"
	}
	return accessAnalyzerIssues[string(e.Kind())]
}

// FindingType is Access Analyzer's name for a severity.
func (s Severity) FindingType() string {
	switch s {
	case Error:
		return "ERROR"
	case SecurityWarning:
		return "SECURITY_WARNING"
	case Warning:
		return "WARNING"
	}
	return "SUGGESTION"
}

// aaFinding is one finding in the shape validate-policy returns.
type aaFinding struct {
	FindingDetails string       `json:"findingDetails"`
	FindingType    string       `json:"findingType"`
	IssueCode      string       `json:"issueCode"`
	LearnMoreLink  string       `json:"learnMoreLink"`
	Locations      []aaLocation `json:"locations"`
}

type aaLocation struct {
	Path []aaPathElement `json:"path"`
	Span aaSpan          `json:"span"`
}

// aaPathElement is one step of a location's path: an array index or an
// object key.
type aaPathElement struct {
	Index *int    `json:"index,omitempty"`
	Value *string `json:"value,omitempty"`
}

type aaSpan struct {
	Start aaPosition `json:"start"`
	End   aaPosition `json:"end"`
}

type aaPosition struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Offset int `json:"offset"`
}

// WriteAccessAnalyzer writes one file's findings as `aws accessanalyzer
// validate-policy` answers: {"findings": [...]} with findingDetails,
// findingType, issueCode, learnMoreLink and locations (path and span).
// Findings Access Analyzer has no check for keep ward's code, upper-cased,
// as their issueCode; their learnMoreLink is ward's page. Line and column
// are the file's; offset is in the policy document's own text.
func WriteAccessAnalyzer(w io.Writer, findings []Finding) error {
	out := struct {
		Findings []aaFinding `json:"findings"`
	}{Findings: []aaFinding{}}
	for i := range findings {
		f := &findings[i]
		if f.Suppressed != "" {
			continue
		}
		code, typ := f.IssueCode(), f.Severity.FindingType()
		if code == "" {
			code = strings.ToUpper(strings.ReplaceAll(f.Code, "-", "_"))
		} else if t, ok := accessAnalyzerTypes[code]; ok {
			typ = t // the check's own type, which may differ from ward's severity
		}
		start := aaPosition{Line: f.Line, Column: f.Col, Offset: f.Offset}
		end := start
		end.Line, end.Column = f.End()
		if f.EndOffset > f.Offset {
			end.Offset = f.EndOffset
		}
		out.Findings = append(out.Findings, aaFinding{
			FindingDetails: f.Message, FindingType: typ, IssueCode: code,
			LearnMoreLink: FindingDocURL(f.Code),
			Locations:     []aaLocation{{Path: aaPath(f.Path), Span: aaSpan{Start: start, End: end}}},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// aaPath splits a JSON path (Statement[1].Condition.StringEquals["aws:SourceIp"])
// into Access Analyzer's path elements.
func aaPath(path string) []aaPathElement {
	out := []aaPathElement{}
	for path != "" {
		switch {
		case path[0] == '.':
			path = path[1:]
		case strings.HasPrefix(path, `["`):
			end := strings.Index(path, `"]`)
			if end < 0 {
				return out
			}
			key, err := strconv.Unquote(path[1 : end+1])
			if err != nil {
				key = path[2:end]
			}
			out = append(out, aaPathElement{Value: &key})
			path = path[end+2:]
		case path[0] == '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return out
			}
			n, err := strconv.Atoi(path[1:end])
			if err != nil {
				return out
			}
			out = append(out, aaPathElement{Index: &n})
			path = path[end+1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			key := path[:end]
			out = append(out, aaPathElement{Value: &key})
			path = path[end:]
		}
	}
	return out
}

// AccessAnalyzerChecksOf lists the Access Analyzer checks a ward code
// reports.
func AccessAnalyzerChecksOf(code string) []AccessAnalyzerCheck {
	var out []AccessAnalyzerCheck
	for _, c := range accessAnalyzerChecks {
		if c.Code == code {
			out = append(out, c)
		}
	}
	return out
}
