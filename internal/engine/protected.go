package engine

import "strings"

// protectedResource reports whether the request would change a resource
// that AWS owns and no customer policy can open up:
//
//   - AWS managed policies, arn:aws:iam::aws:policy/...: "You cannot change
//     the permissions defined in AWS managed policies" (IAM User Guide,
//     "AWS managed policies").
//   - Roles IAM Identity Center creates under the /aws-reserved/ path,
//     which it alone may modify (IAM Identity Center User Guide,
//     "Permission sets": the roles are protected and "cannot be edited").
//   - Aliases that begin with alias/aws/, reserved for AWS managed keys
//     (KMS Developer Guide, "Create an alias": "the alias name cannot begin
//     with aws/").
//
// Reading them stays allowed: iam actions that begin with Get, List,
// Generate or Simulate.
func protectedResource(r *Prepared) bool {
	if !r.resource.isARN() {
		return false
	}
	res := r.resource.parts[5]
	switch r.service {
	case "iam":
		if r.resource.parts[2] != "iam" || readOnlyIAM(r.name) {
			return false
		}
		if r.resource.parts[4] == "aws" && strings.HasPrefix(res, "policy/") {
			return true
		}
		return strings.HasPrefix(res, "role/aws-reserved/")
	case "kms":
		return r.resource.parts[2] == "kms" && strings.HasPrefix(res, "alias/aws/") &&
			(strings.HasPrefix(r.name, "create") || strings.HasPrefix(r.name, "delete") || strings.HasPrefix(r.name, "update"))
	}
	return false
}

func readOnlyIAM(name string) bool {
	for _, p := range [...]string{"get", "list", "generate", "simulate"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
