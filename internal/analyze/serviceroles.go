package analyze

import "github.com/wardhq/ward/internal/policy"

// wildcardShape names how a statement reaches every resource, in the words
// of Access Analyzer's issue codes for iam:PassRole and
// iam:CreateServiceLinkedRole: STAR_IN_RESOURCE, STAR_IN_ACTION_AND_RESOURCE,
// STAR_IN_RESOURCE_AND_NOT_ACTION, NOT_RESOURCE, STAR_IN_ACTION_AND_NOT_RESOURCE
// or NOT_ACTION_AND_NOT_RESOURCE.
func wildcardShape(s *policy.Statement) string {
	star := false
	if s.Action != nil {
		for _, v := range s.Action.Items {
			if v == "*" {
				star = true
			}
		}
	}
	switch notAction, notResource := s.NotAction != nil, s.NotResource != nil; {
	case notResource && notAction:
		return "NOT_ACTION_AND_NOT_RESOURCE"
	case notResource && star:
		return "STAR_IN_ACTION_AND_NOT_RESOURCE"
	case notResource:
		return "NOT_RESOURCE"
	case notAction:
		return "STAR_IN_RESOURCE_AND_NOT_ACTION"
	case star:
		return "STAR_IN_ACTION_AND_RESOURCE"
	}
	return "STAR_IN_RESOURCE"
}

// shapeOf is the shape of the first statement that grants, or "".
func (a *analyzer) shapeOf(stmts []int) string {
	if len(stmts) == 0 || stmts[0] >= len(a.p.Statements) {
		return "STAR_IN_RESOURCE"
	}
	return wildcardShape(a.p.Statements[stmts[0]])
}

// checkCreateSLR reports iam:CreateServiceLinkedRole granted on every
// role with no iam:AWSServiceName condition: the holder can create the
// service-linked role of any service, which that service then acts with.
func (a *analyzer) checkCreateSLR() {
	ok, by := a.grantsEverywhere("iam:CreateServiceLinkedRole")
	if !ok {
		return
	}
	off, path := a.at(first(by))
	a.addFix(CodeCreateSLRUnrestricted, off, path, by,
		`add "Condition": {"StringEquals": {"iam:AWSServiceName": "SERVICE.amazonaws.com"}}, or name the role's ARN`,
		"iam:CreateServiceLinkedRole is granted for every service: the holder can create any service's service-linked role, and the service then acts with its permissions")
	a.issue("CREATE_SLR_WITH_" + a.shapeOf(by))
}
