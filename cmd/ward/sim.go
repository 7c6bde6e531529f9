package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/policy"
	"github.com/wardhq/ward/internal/scenario"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func runSim(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ward sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text or json (one JSON object per scenario per line)")
	var policies, scps, rcps, sessions, contexts listFlag
	fs.Var(&policies, "policy", "identity-based policy file (repeatable)")
	boundary := fs.String("boundary", "", "permissions boundary policy file")
	fs.Var(&sessions, "session-policy", "session policy file (repeatable)")
	resourcePolicy := fs.String("resource-policy", "", "resource-based policy file (the trust policy for sts:AssumeRole, the key policy for KMS)")
	endpointPolicy := fs.String("vpc-endpoint-policy", "", "VPC endpoint policy file")
	fs.Var(&scps, "scp", "service control policy file, one per organization level, root first (repeatable)")
	fs.Var(&rcps, "rcp", "resource control policy file, one per organization level, root first (repeatable)")
	principal := fs.String("principal", "", "principal ARN, service principal, or \"anonymous\"")
	action := fs.String("action", "", "action, e.g. s3:GetObject")
	resource := fs.String("resource", "*", "resource ARN")
	resourceAccount := fs.String("resource-account", "", "account that owns the resource (default: from the ARN, else the principal's)")
	fs.Var(&contexts, "context", "context key=value; repeat a key for a multivalued key")
	expect := fs.String("expect", "", "expected decision: Allowed, ExplicitDeny or ImplicitDeny")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage:
  ward sim [--format text|json] FILE...
  ward sim --policy FILE --principal ARN --action ACTION [--resource ARN] [flags]

Decides each scenario (see docs/scenarios.md) and prints the decision, the
policy and statement that decided it, and the message AWS would give.
Exit status: 0 when every expectation holds, 1 when one does not, 2 when the
input is invalid.

Flags:
`)
		fs.PrintDefaults()
	}
	args, code, ok := parseOrExit(fs, args)
	if !ok {
		return code
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "ward sim: --format must be text or json, not %q\n", *format)
		return exitInvalid
	}

	var all []*scenario.Scenario
	oneOff := *principal != "" || *action != "" || len(policies) > 0
	switch {
	case oneOff && len(args) > 0:
		fmt.Fprintln(stderr, "ward sim: give either scenario files or --principal/--action/--policy, not both")
		return exitInvalid
	case oneOff:
		s, err := buildOneOff(oneOffFlags{
			policies: policies, boundary: *boundary, sessions: sessions, resourcePolicy: *resourcePolicy,
			endpointPolicy: *endpointPolicy, scps: scps, rcps: rcps, principal: *principal, action: *action,
			resource: *resource, resourceAccount: *resourceAccount, context: contexts, expect: *expect,
		})
		if err != nil {
			fmt.Fprintf(stderr, "ward sim: %v\n", err)
			return exitInvalid
		}
		all = append(all, s)
	case len(args) == 0:
		fs.Usage()
		return exitInvalid
	default:
		invalid := false
		for _, name := range args {
			data, err := readInput(name, stdin)
			if err != nil {
				fmt.Fprintf(stderr, "ward sim: %v\n", err)
				invalid = true
				continue
			}
			label := name
			if name == "-" {
				label = "<stdin>"
			}
			ss, err := scenario.Parse(data, label)
			if err != nil {
				fmt.Fprintln(stderr, err)
				invalid = true
				continue
			}
			all = append(all, ss...)
		}
		if invalid {
			return exitInvalid
		}
	}

	status := exitOK
	for _, s := range all {
		o, err := s.Decide()
		if err != nil {
			fmt.Fprintf(stderr, "ward sim: %s: %v\n", s.Label(), err)
			return exitInvalid
		}
		if *format == "json" {
			err = o.WriteJSON(stdout)
		} else {
			err = o.WriteText(stdout)
		}
		if err != nil {
			fmt.Fprintf(stderr, "ward sim: %v\n", err)
			return exitInvalid
		}
		if !o.OK() {
			status = exitFindings
		}
	}
	return status
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}

type oneOffFlags struct {
	policies, sessions, scps, rcps, context  listFlag
	boundary, resourcePolicy, endpointPolicy string
	principal, action, resource              string
	resourceAccount, expect                  string
}

// buildOneOff makes a scenario from command-line flags.
func buildOneOff(f oneOffFlags) (*scenario.Scenario, error) {
	if f.principal == "" || f.action == "" {
		return nil, errors.New("--principal and --action are required")
	}
	s := &scenario.Scenario{Name: f.action + " on " + f.resource, File: "<flags>"}
	s.Request = engine.Request{Principal: f.principal, Action: f.action, Resource: f.resource, ResourceAccount: f.resourceAccount}
	if len(f.context) > 0 {
		s.Request.Context = map[string][]string{}
		for _, kv := range f.context {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return nil, fmt.Errorf("--context %q: want key=value", kv)
			}
			s.Request.Context[k] = append(s.Request.Context[k], v)
		}
	}
	identityQuota := scenario.IdentityQuota(f.principal)
	load := func(file string, kind policy.Kind) (*engine.Compiled, error) {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		p, err := policy.ParseKind(data, file, kind, identityQuota...)
		if err != nil {
			return nil, err
		}
		return engine.Compile(p, file), nil
	}
	var err error
	for _, file := range f.policies {
		c, err := load(file, policy.KindIdentity)
		if err != nil {
			return nil, err
		}
		s.Policies.Identity = append(s.Policies.Identity, c)
	}
	if f.boundary != "" {
		if s.Policies.Boundary, err = load(f.boundary, policy.KindBoundary); err != nil {
			return nil, err
		}
	}
	for _, file := range f.sessions {
		c, err := load(file, policy.KindSession)
		if err != nil {
			return nil, err
		}
		s.Policies.Session = append(s.Policies.Session, c)
	}
	if f.resourcePolicy != "" {
		if s.Policies.Resource, err = load(f.resourcePolicy, scenario.ResourcePolicyKind(f.action)); err != nil {
			return nil, err
		}
	}
	if f.endpointPolicy != "" {
		if s.Policies.VPCEndpoint, err = load(f.endpointPolicy, policy.KindVPCEndpoint); err != nil {
			return nil, err
		}
	}
	for _, file := range f.scps {
		c, err := load(file, policy.KindSCP)
		if err != nil {
			return nil, err
		}
		s.Policies.SCPs = append(s.Policies.SCPs, []*engine.Compiled{c})
	}
	for _, file := range f.rcps {
		c, err := load(file, policy.KindRCP)
		if err != nil {
			return nil, err
		}
		s.Policies.RCPs = append(s.Policies.RCPs, []*engine.Compiled{c})
	}
	if f.expect != "" {
		res, ok := engine.ParseResult(f.expect)
		if !ok {
			return nil, fmt.Errorf("--expect must be Allowed, ExplicitDeny or ImplicitDeny, not %q", f.expect)
		}
		s.Expect = res
	}
	if _, err := s.Request.Prepare(); err != nil {
		return nil, err
	}
	return s, nil
}
