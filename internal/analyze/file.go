package analyze

import (
	"fmt"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/inputs"
	"github.com/wardhq/ward/internal/jsonpos"
	"github.com/wardhq/ward/internal/policy"
)

// Check reads one input (a policy document or account details) and checks
// every policy in it. kind, when not zero, forces the kind of a plain
// policy document.
func Check(data []byte, file string, kind policy.Kind, cat *catalog.Catalog) []Finding {
	return CheckFile(inputs.Read(file, data, kind), cat, nil)
}

// CheckFile checks every policy of a read input, in parallel, and the
// attachments of AWS managed policies. progress, when not nil, is called
// after each document with the number done.
func CheckFile(f *inputs.File, cat *catalog.Catalog, progress func(done int)) []Finding {
	var out []Finding
	for _, e := range f.Errors {
		code := string(e.Kind())
		out = append(out, Finding{Code: code, Severity: Error, Message: e.Msg, Fix: codes[code].Fix,
			File: f.Name, Line: e.Line, Col: e.Col, EndLine: e.Line, EndCol: e.Col, Path: e.Path, Issue: errorCheck(e)})
	}
	for _, u := range f.Unknown {
		out = append(out, Finding{Code: CodeUnknownUntilApply, Severity: Warning, File: f.Name, Line: u.Line, Col: u.Col, Path: u.Path,
			Fix:     codes[CodeUnknownUntilApply].Fix,
			Message: u.Where + " is known only after apply (it depends on values the plan does not have), so it was not checked"})
	}
	results := make([][]Finding, len(f.Docs))
	work := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				results[i] = checkDoc(f, &f.Docs[i], cat)
				if progress != nil {
					mu.Lock()
					done++
					progress(done)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range f.Docs {
		work <- i
	}
	close(work)
	wg.Wait()
	for _, r := range results {
		out = append(out, r...)
	}
	out = append(out, checkInlineQuotas(f)...)
	out = append(out, checkAttachments(f, cat)...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Line != out[j].Line {
			return out[i].Line < out[j].Line
		}
		return out[i].Col < out[j].Col
	})
	return out
}

// checkDoc analyzes one document and places its findings in the file.
func checkDoc(f *inputs.File, d *inputs.Doc, cat *catalog.Catalog) []Finding {
	fs := Analyze(Document{Policy: d.Policy, Kind: d.Kind, AWSManaged: d.AWSManaged, Inline: d.Inline}, cat)
	if d.Bare {
		line, col := jsonpos.LineCol(f.Src, firstValue(f.Src))
		fs = append(fs, Finding{Code: CodeBareStatement, Severity: Warning, Line: line, Col: col, Fix: codes[CodeBareStatement].Fix,
			Message: "the file holds statements without the policy around them, which IAM refuses; they were checked as {\"Version\": \"2012-10-17\", \"Statement\": ...}"})
	}
	for i := range fs {
		if f.Format == inputs.FormatCloudFormation {
			fs[i].Message = inputs.StandIns.Replace(fs[i].Message)
			fs[i].Fix = inputs.StandIns.Replace(fs[i].Fix)
		}
		fs[i].File = f.Name
		fs[i].Path = joinPath(d.Path, fs[i].Path)
		if d.Line > 0 {
			fs[i].Line, fs[i].Col = d.Line, d.Col
			fs[i].EndLine, fs[i].EndCol = d.Line, d.Col
		}
		if d.Where != "" {
			fs[i].Message = d.Where + ": " + fs[i].Message
		}
	}
	return fs
}

// firstValue is the offset of a JSON text's first non-space byte.
func firstValue(src []byte) int {
	for i, c := range src {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return i
		}
	}
	return 0
}

// checkInlineQuotas holds each user, group and role of the input to its
// quota for all its inline policies together, as PutUserPolicy and the
// others do: the policy that takes its entity past the quota is the one
// IAM refuses, and the finding is placed on it. An entity none of whose
// policies is over the quota alone is reported here; one that is, already
// was, by its own document.
func checkInlineQuotas(f *inputs.File) []Finding {
	type tally struct {
		size, count    int
		over, reported bool // over: a policy over the quota alone
	}
	tallies := map[inputs.Entity]*tally{}
	var out []Finding
	for i := range f.Docs {
		d := &f.Docs[i]
		for _, e := range d.Entities {
			quota := policy.InlineQuota(e.Kind)
			t := tallies[e]
			if t == nil {
				t = &tally{}
				tallies[e] = t
			}
			t.size += d.Policy.Size
			t.count++
			t.over = t.over || d.Policy.Size > quota
			if t.size > quota && !t.over && !t.reported {
				t.reported = true
				fd := Finding{Code: CodePolicyTooLarge, Severity: Error, File: f.Name, Path: d.Path, Line: d.Line, Col: d.Col,
					Message: fmt.Sprintf("LimitExceeded: Maximum policy size of %d bytes exceeded for %s %s: its %d inline policies have %d characters together (whitespace excluded)",
						quota, e.Kind, e.Name, t.count, t.size),
					Fix: codes[CodePolicyTooLarge].Fix}
				if d.Where != "" {
					fd.Message = d.Where + ": " + fd.Message
				}
				out = append(out, fd)
			}
		}
	}
	return out
}

func joinPath(prefix, path string) string {
	switch {
	case path == "":
		return prefix
	case prefix == "":
		return path
	}
	return prefix + "." + path
}

// broadManaged matches AWS managed policies that grant a service wholesale.
var broadManaged = regexp.MustCompile(`(FullAccess|ReadWrite[A-Za-z]*Access|ReadWrite)(_v\d+)?$`)

// checkAttachments suggests replacing attached AWS managed *FullAccess and
// *ReadWrite policies, saying what they grant beyond the actions the
// principal's own policies name in the same services.
func checkAttachments(f *inputs.File, cat *catalog.Catalog) []Finding {
	if cat == nil {
		return nil
	}
	// Actions each principal's own policies name, by principal.
	named := map[string]map[string]string{} // principal → lower-cased action → as written
	for _, d := range f.Docs {
		if d.Kind != policy.KindIdentity || d.Where == "" {
			continue
		}
		who, _, _ := strings.Cut(d.Where, " inline policy")
		for _, s := range d.Policy.Statements {
			if s.Effect != policy.Allow || s.Action == nil {
				continue
			}
			for _, a := range s.Action.Items {
				if named[who] == nil {
					named[who] = map[string]string{}
				}
				named[who][strings.ToLower(a)] = a
			}
		}
	}
	var out []Finding
	for _, at := range f.Attachments {
		name := at.PolicyARN[strings.LastIndexByte(at.PolicyARN, '/')+1:]
		if !broadManaged.MatchString(name) {
			continue
		}
		mp, err := cat.ManagedPolicy(at.PolicyARN)
		if err != nil || mp == nil {
			continue
		}
		grants, services := managedGrants(mp, cat)
		var used []string
		for lower, a := range named[at.Principal] {
			svc, _, _ := strings.Cut(lower, ":")
			if services[svc] {
				used = append(used, a)
			}
		}
		sort.Strings(used)
		msg := fmt.Sprintf("%s has the AWS managed policy %s attached, which grants %s", at.Principal, name, grants)
		if len(used) > 0 {
			msg += fmt.Sprintf("; its own policies name only %s in those services", list(used, 5))
		}
		out = append(out, Finding{Code: CodeBroadManagedPolicy, Severity: Suggestion, Message: msg,
			Fix: codes[CodeBroadManagedPolicy].Fix, File: f.Name, Line: at.Line, Col: at.Col, Path: at.Path})
	}
	return out
}

// managedGrants summarizes what a managed policy's Allow statements grant:
// the number of actions by access level, and the services involved.
func managedGrants(mp *catalog.ManagedPolicy, cat *catalog.Catalog) (string, map[string]bool) {
	p, err := policy.Parse(mp.Document, mp.ARN)
	if err != nil {
		return "its actions", nil
	}
	seen := map[string]bool{}
	levels := map[string]int{}
	services := map[string]bool{}
	for _, s := range p.Statements {
		if s.Effect != policy.Allow || s.Action == nil {
			continue
		}
		for _, pat := range s.Action.Items {
			acts, _ := cat.Expand(pat)
			for _, a := range acts {
				if !seen[a.FullName()] {
					seen[a.FullName()] = true
					levels[a.AccessLevel]++
					services[a.Service] = true
				}
			}
		}
	}
	var parts []string
	for _, l := range []string{catalog.PermissionsManagement, catalog.Write, catalog.Tagging, catalog.Read, catalog.List} {
		if levels[l] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", levels[l], strings.ToLower(l)))
		}
	}
	return fmt.Sprintf("%d actions (%s)", len(seen), strings.Join(parts, ", ")), services
}
