package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/wardhq/ward/internal/catalog"
)

func openCatalog(stderr io.Writer) *catalog.Catalog {
	c, err := catalog.Default()
	if err != nil {
		fmt.Fprintf(stderr, "ward: %v\n", err)
		return nil
	}
	return c
}

// runActions expands action patterns: ward actions 's3:Get*' 'iam:*AccessKey*'.
func runActions(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ward actions", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text or json")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: ward actions [--format text|json] PATTERN...\n\nLists the actions each pattern (s3:Get*, *:List*, iam:*AccessKey*) matches, with their access levels.\n")
	}
	args, code, ok := parseOrExit(fs, args)
	if !ok {
		return code
	}
	if len(args) == 0 {
		fs.Usage()
		return exitInvalid
	}
	c := openCatalog(stderr)
	if c == nil {
		return exitInvalid
	}
	type row struct {
		Action      string `json:"action"`
		AccessLevel string `json:"accessLevel"`
	}
	var rows []row
	seen := map[string]bool{}
	status := exitOK
	for _, pat := range args {
		acts, err := c.Expand(pat)
		if err != nil {
			fmt.Fprintf(stderr, "ward actions: %v\n", err)
			return exitInvalid
		}
		if len(acts) == 0 {
			fmt.Fprintf(stderr, "ward actions: %q matches no action\n", pat)
			status = exitFindings
		}
		for _, a := range acts {
			if !seen[a.FullName()] {
				seen[a.FullName()] = true
				rows = append(rows, row{a.FullName(), a.AccessLevel})
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Action < rows[j].Action })
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		for _, r := range rows {
			enc.Encode(r)
		}
		return status
	}
	width := 0
	for _, r := range rows {
		width = max(width, len(r.Action))
	}
	for _, r := range rows {
		fmt.Fprintf(stdout, "%-*s  %s\n", width, r.Action, r.AccessLevel)
	}
	return status
}

// runDescribe shows what the catalog knows of one action.
func runDescribe(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(stderr, "Usage: ward describe ACTION\n\nShows an action's access level, resource types with their ARN formats, condition keys and dependent actions.\n")
		if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
			return exitOK
		}
		return exitInvalid
	}
	c := openCatalog(stderr)
	if c == nil {
		return exitInvalid
	}
	a, err := c.Action(args[0])
	if err != nil {
		fmt.Fprintf(stderr, "ward describe: %v\n", err)
		return exitInvalid
	}
	if a == nil {
		svc, _, _ := strings.Cut(args[0], ":")
		if s, _ := c.Service(svc); s == nil {
			fmt.Fprintf(stderr, "ward describe: there is no AWS service with the prefix %q\n", svc)
		} else {
			fmt.Fprintf(stderr, "ward describe: %s has no action %q%s\n", s.Name, args[0], suggestActions(c, args[0]))
		}
		return exitInvalid
	}
	s, _ := c.Service(a.Service)
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s (%s)\n", a.FullName(), s.Name)
	fmt.Fprintf(&b, "  access level: %s\n", a.AccessLevel)
	if a.Description != "" {
		fmt.Fprintf(&b, "  description:  %s\n", a.Description)
	}
	if len(a.Resources()) == 0 {
		b.WriteString("  resource types: none; grant it with \"Resource\": \"*\"\n")
	} else {
		b.WriteString("  resource types (* required):\n")
		for _, r := range a.Resources() {
			req := " "
			if r.Required {
				req = "*"
			}
			fmt.Fprintf(&b, "    %s%-24s %s\n", req, r.Name, r.ARN)
			if len(r.ConditionKeys) > 0 {
				fmt.Fprintf(&b, "      condition keys: %s\n", strings.Join(r.ConditionKeys, ", "))
			}
			if len(r.DependentActions) > 0 {
				fmt.Fprintf(&b, "      dependent actions: %s\n", strings.Join(r.DependentActions, ", "))
			}
		}
	}
	if len(a.ConditionKeys) > 0 {
		fmt.Fprintf(&b, "  condition keys: %s\n", strings.Join(a.ConditionKeys, ", "))
	}
	if len(a.DependentActions) > 0 {
		fmt.Fprintf(&b, "  dependent actions: %s\n", strings.Join(a.DependentActions, ", "))
	}
	stdout.Write(b.Bytes())
	return exitOK
}

// suggestActions offers the service's actions closest in spelling to a
// misspelt name.
func suggestActions(c *catalog.Catalog, name string) string {
	svc, act, _ := strings.Cut(strings.ToLower(name), ":")
	s, err := c.Service(svc)
	if err != nil || s == nil {
		return ""
	}
	type near struct {
		name string
		d    int
	}
	var best []near
	for key, a := range s.Actions {
		if d := editDistance(act, key); d <= 3 {
			best = append(best, near{a.FullName(), d})
		}
	}
	if len(best) == 0 {
		return ""
	}
	sort.Slice(best, func(i, j int) bool {
		if best[i].d != best[j].d {
			return best[i].d < best[j].d
		}
		return best[i].name < best[j].name
	})
	var names []string
	for i := 0; i < len(best) && i < 3; i++ {
		names = append(names, best[i].name)
	}
	return "; did you mean " + strings.Join(names, " or ") + "?"
}

// editDistance is the Levenshtein distance between two strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// runPolicy handles "ward policy show ARN|NAME".
func runPolicy(args []string, stdout, stderr io.Writer) int {
	const usage = "Usage: ward policy show ARN|NAME\n\nPrints an AWS managed policy's default version, e.g. ward policy show ReadOnlyAccess.\n"
	if wantsHelp(args) {
		fmt.Fprint(stderr, usage)
		return exitOK
	}
	if len(args) != 2 || args[0] != "show" {
		fmt.Fprint(stderr, usage)
		return exitInvalid
	}
	c := openCatalog(stderr)
	if c == nil {
		return exitInvalid
	}
	p, err := c.ManagedPolicy(args[1])
	if err != nil {
		fmt.Fprintf(stderr, "ward policy: %v\n", err)
		return exitInvalid
	}
	if p == nil {
		fmt.Fprintf(stderr, "ward policy: no AWS managed policy is named %q\n", args[1])
		return exitInvalid
	}
	var b bytes.Buffer
	if err := json.Indent(&b, p.Document, "", "  "); err != nil {
		fmt.Fprintf(stderr, "ward policy: %v\n", err)
		return exitInvalid
	}
	b.WriteByte('\n')
	stdout.Write(b.Bytes())
	return exitOK
}
