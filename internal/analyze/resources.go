package analyze

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/glob"
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
		msg, check := arnProblem(r)
		if msg == "" {
			msg, check = a.arnFieldProblem(r)
		}
		if msg != "" {
			a.add(CodeInvalidARN, vals.Offsets[i], itemPath(path, vals, i), []int{s.Index}, "%s %q: %s", el, r, msg)
			a.issue(check)
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
		if msg, _ := arnProblem(r); r == "*" || msg != "" {
			continue
		}
		if msg, _ := a.arnFieldProblem(r); msg != "" {
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

// arnProblem says what is wrong with a resource pattern, or "", and the
// Access Analyzer check that reports it.
func arnProblem(r string) (msg, check string) {
	if r == "*" || strings.HasPrefix(r, "${") {
		return "", "" // "${...}" is filled in later: a template reference
	}
	if !strings.HasPrefix(r, "arn:") {
		if strings.HasPrefix(r, "*") {
			return "", ""
		}
		return "a resource is an ARN (arn:partition:service:region:account:resource) or \"*\"", "INVALID_ARN_PREFIX"
	}
	parts := strings.SplitN(r, ":", 6)
	if len(parts) < 6 {
		if strings.HasSuffix(r, "*") {
			return "", ""
		}
		return fmt.Sprintf("an ARN has six parts (arn:partition:service:region:account:resource); this has %d", len(parts)), "MISSING_ARN_FIELD"
	}
	if p := parts[1]; !partitions[p] && !strings.ContainsAny(p, "*?") {
		return fmt.Sprintf("%q is not an AWS partition (aws, aws-cn, aws-us-gov, ...)", p), "INVALID_PARTITION"
	}
	if strings.ContainsAny(parts[2], "*?") {
		return "wildcards are not allowed in the service part of an ARN", "INVALID_ARN_RESOURCE"
	}
	if strings.ToLower(parts[2]) != parts[2] {
		return fmt.Sprintf("the service part of an ARN is lower-case: %q", strings.ToLower(parts[2])), "INVALID_ARN_SERVICE_CASE"
	}
	if parts[2] == "" {
		return "the service part of the ARN is empty", "MISSING_ARN_FIELD"
	}
	if parts[5] == "" {
		return "the resource part of the ARN is empty", "MISSING_ARN_FIELD"
	}
	if r := parts[3]; r != "" && !strings.ContainsAny(r, "*?$") && !regionRE.MatchString(r) {
		return fmt.Sprintf("%q is not an AWS Region (a placeholder left from documentation?)", r), "INVALID_ARN_REGION"
	}
	if a := parts[4]; a != "" && a != "aws" && !strings.ContainsAny(a, "*?$") && !accountRE.MatchString(a) {
		return fmt.Sprintf("%q is not a 12-digit account ID (a placeholder left from documentation?)", a), "INVALID_ARN_ACCOUNT"
	}
	return "", ""
}

// arnFields says whether the ARNs of some resource types always or never
// have a Region and an account.
type arnFields struct {
	regionAlways, regionNever, accountAlways, accountNever bool
}

// serviceFormat is one resource type's ARN format, its resource part
// compiled once.
type serviceFormat struct {
	resource        []glob.Unit
	region, account bool
}

var serviceFormats sync.Map // *catalog.Service → []serviceFormat

func formatsOf(svc *catalog.Service) []serviceFormat {
	if v, ok := serviceFormats.Load(svc); ok {
		return v.([]serviceFormat)
	}
	var out []serviceFormat
	for _, rt := range svc.ResourceTypes {
		for _, f := range rt.Formats() {
			parts := strings.SplitN(f, ":", 6)
			if len(parts) == 6 {
				out = append(out, serviceFormat{glob.FormatUnits(parts[5]), parts[3] != "", parts[4] != ""})
			}
		}
	}
	serviceFormats.Store(svc, out)
	return out
}

// fieldsOf is arnFields over a service's resource types whose resource
// part can be named by a pattern of the given shape.
func fieldsOf(svc *catalog.Service, shape string) arnFields {
	f := arnFields{regionAlways: true, regionNever: true, accountAlways: true, accountNever: true}
	n := 0
	units := glob.Units(shape)
	for _, sf := range formatsOf(svc) {
		if !glob.Intersects(sf.resource, units) {
			continue
		}
		n++
		f.regionAlways, f.regionNever = f.regionAlways && sf.region, f.regionNever && !sf.region
		f.accountAlways, f.accountNever = f.accountAlways && sf.account, f.accountNever && !sf.account
	}
	if n == 0 {
		return arnFields{}
	}
	return f
}

// resourceShape is what decides a resource part's type: its text up to
// and including the first separator, the rest a wildcard (reports/* for
// reports/2026/summary.csv, accesspoint/* for accesspoint/ap1).
func resourceShape(part string) string {
	if i := strings.IndexAny(part, "/:*?$"); i >= 0 {
		if part[i] == '/' || part[i] == ':' {
			return part[:i+1] + "*"
		}
		return part[:i] + "*" // a wildcard or variable stands for any text
	}
	return part
}

// arnFieldProblem says whether a resource ARN has a Region or an account
// where no ARN of the resource types it can name has one (an S3 bucket,
// an IAM role's Region), or lacks a Region all of them have, or "". An
// empty account is not reported: AWS's own resources (SSM documents and
// public parameters, AMIs) have ARNs without one, though the Service
// Authorization Reference writes every format with ${Account}.
func (a *analyzer) arnFieldProblem(r string) (msg, check string) {
	parts := strings.SplitN(r, ":", 6)
	if a.cat == nil || len(parts) < 6 || parts[0] != "arn" {
		return "", ""
	}
	svc, err := a.cat.Service(parts[2])
	if err != nil || svc == nil {
		return "", ""
	}
	key := parts[2] + ":" + resourceShape(parts[5])
	f, ok := a.arnFields[key]
	if !ok {
		f = fieldsOf(svc, resourceShape(parts[5]))
		if len(a.arnFields) < 4096 {
			a.arnFields[key] = f
		}
	}
	literal := func(v string) bool { return v != "" && !strings.ContainsAny(v, "*?$") }
	switch {
	case f.regionNever && literal(parts[3]):
		return fmt.Sprintf("%s ARNs of this resource type have no Region, so one naming %q matches nothing", svc.Name, parts[3]), "ARN_REGION_NOT_ALLOWED"
	case f.accountNever && literal(parts[4]) && parts[4] != "aws":
		return fmt.Sprintf("%s ARNs of this resource type have no account, so one naming %q matches nothing", svc.Name, parts[4]), "ARN_ACCOUNT_NOT_ALLOWED"
	case f.regionAlways && parts[3] == "":
		return fmt.Sprintf("%s ARNs of this resource type name a Region (or * for any); this one has none, so it matches nothing", svc.Name), "MISSING_ARN_REGION"
	}
	return "", ""
}

var (
	regionRE  = regexp.MustCompile(`^[a-z]{2,3}(-[a-z]+)+-[0-9]{1,2}$`)
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
)
