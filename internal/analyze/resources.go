package analyze

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/policy"
)

var partitions = map[string]bool{"aws": true, "aws-cn": true, "aws-us-gov": true, "aws-iso": true, "aws-iso-b": true, "aws-iso-e": true, "aws-iso-f": true, "aws-eusc": true}

func (a *analyzer) checkResources(s *policy.Statement) {
	vals, not := s.Resources()
	if vals == nil {
		return
	}
	el := "Resource"
	if not {
		el = "NotResource"
	}
	path := s.Path + "." + el
	for i, r := range vals.Items {
		if msg := arnProblem(r); msg != "" {
			a.add(CodeInvalidARN, vals.Offsets[i], itemPath(path, vals, i), []int{s.Index}, "%s %q: %s", el, r, msg)
		}
	}
	a.redundantItems(s, vals, path, false)
	if not || s.Action == nil || a.cat == nil {
		return
	}
	set := a.statementActionSet(s)
	if set == nil || len(set.acts) == 0 {
		return
	}
	// Which resource patterns can any of the actions be authorized on?
	for i, r := range vals.Items {
		if r == "*" || arnProblem(r) != "" {
			continue
		}
		if !set.fits(variableToStar.ReplaceAllString(r, "*")) {
			a.addFix(CodeResourceTypeMismatch, vals.Offsets[i], itemPath(path, vals, i), []int{s.Index},
				"use an ARN of a resource type the actions take ("+set.sample+"), or \"*\" for actions that take none",
				"%s be authorized on %q, so the statement grants nothing there", describeActions(set.acts), r)
		}
	}
	// Resource "*", or a pattern that names every resource of the actions'
	// resource types (arn:aws:logs:*:*:* for CloudWatch Logs), where the
	// actions could name their resources.
	if s.Effect == policy.Allow {
		for i, r := range vals.Items {
			scoped := set.scopedUnder(r)
			if len(scoped) == 0 {
				continue
			}
			a.addFix(CodeResourceWildcard, vals.Offsets[i], itemPath(path, vals, i), []int{s.Index},
				"name the resources: "+set.sample,
				"\"Resource\": %q grants %s on every resource, though %s resource-level permissions", r, list(scoped, 4), pluralSupport(len(scoped)))
		}
	}
}

// namesItsResource reports whether a call of the action always names a
// resource that a policy could name instead of "*": a resource type the
// Service Authorization Reference marks required, or a choice among
// several (S3's object operations take an object or an access point's
// object, each marked optional as the other may stand in). An action whose
// one resource type is optional, as cloudwatch:PutMetricData's dataset,
// is called without it in the ordinary case, which only "*" grants.
func namesItsResource(act *catalog.Action) bool {
	for _, r := range act.ResourceTypes {
		if r.Required {
			return true
		}
	}
	return len(act.ResourceTypes) > 1
}

// describeActions names a statement's actions for a message.
func describeActions(acts []*catalog.Action) string {
	if len(acts) == 1 {
		return acts[0].FullName() + " cannot"
	}
	names := make([]string, len(acts))
	for i, a := range acts {
		names[i] = a.FullName()
	}
	if len(acts) <= 3 {
		return "none of " + strings.Join(names, ", ") + " can"
	}
	return fmt.Sprintf("none of the statement's %d actions can", len(acts))
}

func pluralSupport(n int) string {
	if n == 1 {
		return "it supports"
	}
	return "they support"
}

// list joins up to n names and says how many more there are.
func list(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}

var variableToStar = regexp.MustCompile(`\$\{[^}]*\}`)

// arnProblem says what is wrong with a resource pattern, or "".
func arnProblem(r string) string {
	if r == "*" || strings.HasPrefix(r, "${") {
		return "" // "${...}" is filled in later: a template reference
	}
	if !strings.HasPrefix(r, "arn:") {
		if strings.HasPrefix(r, "*") {
			return ""
		}
		return "a resource is an ARN (arn:partition:service:region:account:resource) or \"*\""
	}
	parts := strings.SplitN(r, ":", 6)
	if len(parts) < 6 {
		if strings.HasSuffix(r, "*") {
			return ""
		}
		return fmt.Sprintf("an ARN has six parts (arn:partition:service:region:account:resource); this has %d", len(parts))
	}
	if p := parts[1]; !partitions[p] && !strings.ContainsAny(p, "*?") {
		return fmt.Sprintf("%q is not an AWS partition (aws, aws-cn, aws-us-gov, ...)", p)
	}
	if strings.ContainsAny(parts[2], "*?") {
		return "wildcards are not allowed in the service part of an ARN"
	}
	if parts[2] == "" {
		return "the service part of the ARN is empty"
	}
	if parts[5] == "" {
		return "the resource part of the ARN is empty"
	}
	if r := parts[3]; r != "" && !strings.ContainsAny(r, "*?$") && !regionRE.MatchString(r) {
		return fmt.Sprintf("%q is not an AWS Region (a placeholder left from documentation?)", r)
	}
	if a := parts[4]; a != "" && a != "aws" && !strings.ContainsAny(a, "*?$") && !accountRE.MatchString(a) {
		return fmt.Sprintf("%q is not a 12-digit account ID (a placeholder left from documentation?)", a)
	}
	return ""
}

var (
	regionRE  = regexp.MustCompile(`^[a-z]{2,3}(-[a-z]+)+-[0-9]{1,2}$`)
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
)
