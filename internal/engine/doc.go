// Package engine decides IAM authorization requests the way AWS does.
//
// Policies are compiled once (Compile), gathered into an indexed Set for
// one principal's situation (NewSet: identity policies, boundary, session
// policies, resource policy, VPC endpoint policy, SCPs and RCPs by level),
// and then asked any number of Prepared requests. A decision applies AWS's
// evaluation logic: the explicit-deny sweep, organization policies, the
// same-account and cross-account rules for resource policies, role trust
// and KMS key policies, identity policies, permissions boundaries and
// session policies. It answers Allowed, ExplicitDeny or ImplicitDeny, with
// the policy type that decided, the statements that matched, the message
// AWS would give, and the context keys the policies wanted but the request
// lacked.
//
// Deciding reads no JSON, iterates no maps and, with DecideInto and a
// reused Decision, allocates nothing. The rules and the choices made where
// AWS's documentation is silent are written down in docs/semantics.md.
package engine
