package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/wardhq/ward/internal/analyze"
	"github.com/wardhq/ward/internal/inputs"
	"github.com/wardhq/ward/internal/policy"
)

// checkedFile is one input of ward check.
type checkedFile struct {
	name     string
	src      []byte
	findings []analyze.Finding
	policies int  // policies found in the file
	unusable bool // not readable or not JSON: exit status 2
}

func runCheck(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ward check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text, json, sarif (SARIF 2.1.0 for code scanning), or access-analyzer (one `aws accessanalyzer validate-policy` answer per file, a JSON line each)")
	failOn := fs.String("fail-on", "security-warning", "exit with status 1 when a finding is at or above this severity: error, security-warning, warning, suggestion, or none")
	kindName := fs.String("kind", "", "check every input as this kind of policy: identity, resource, trust, boundary, session, scp, rcp, vpc-endpoint (default: detected)")
	color := fs.String("color", "auto", "colour the text output: auto, always or never")
	configFile := fs.String("config", "", "suppressions file (default: .ward.yaml in the current folder, if there is one)")
	showSuppressed := fs.Bool("show-suppressed", false, "print suppressed findings too, with their reasons")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: ward check [flags] PATH...

Checks IAM policies for errors, security risks and needless breadth. A PATH is
a policy file, a folder (every .json policy in it, recursively), or "-" for
standard input. The kind of each policy is detected (a Principal makes it a
resource or trust policy) unless --kind says.

Exit status: 0 when no finding reaches --fail-on, 1 when one does, 2 when an
input cannot be read. Finding codes are documented in docs/findings/.

Flags:
`)
		fs.PrintDefaults()
	}
	args, code, ok := parseOrExit(fs, args)
	if !ok {
		return code
	}
	if len(args) == 0 {
		fs.Usage()
		return exitInvalid
	}
	var threshold analyze.Severity
	if *failOn != "none" {
		var err error
		if threshold, err = analyze.ParseSeverity(*failOn); err != nil {
			fmt.Fprintf(stderr, "ward check: --fail-on: %v\n", err)
			return exitInvalid
		}
	}
	var forced policy.Kind
	if *kindName != "" {
		k, err := policy.ParseKindName(*kindName)
		if err != nil {
			fmt.Fprintf(stderr, "ward check: --kind: %v\n", err)
			return exitInvalid
		}
		forced = k
	}
	if !oneOf(stderr, "ward check", "format", *format, "text", "json", "sarif", "access-analyzer") ||
		!oneOf(stderr, "ward check", "color", *color, "auto", "always", "never") {
		return exitInvalid
	}
	cat := openCatalog(stderr)
	if cat == nil {
		return exitInvalid
	}
	cfg, err := loadConfig(*configFile)
	if err != nil {
		fmt.Fprintf(stderr, "ward check: %v\n", err)
		return exitInvalid
	}

	var files []*checkedFile
	for _, arg := range args {
		files = append(files, collect(arg, stdin)...)
	}
	bar := newProgress(stderr, files)
	for _, f := range files {
		if f.unusable {
			continue
		}
		in := inputs.Read(f.name, f.src, forced)
		f.policies = len(in.Docs)
		f.findings = analyze.CheckFile(in, cat, bar.step)
		cfg.Apply(f.findings)
		for _, e := range in.Errors {
			if errors.Is(e, policy.ErrSyntax) {
				f.unusable = true
			}
		}
	}
	bar.finish()

	switch *format {
	case "json":
		err = writeCheckJSON(stdout, files)
	case "access-analyzer":
		for _, f := range files {
			if err = analyze.WriteAccessAnalyzer(stdout, f.findings); err != nil {
				break
			}
		}
	case "sarif":
		var ff []analyze.FileFindings
		for _, f := range files {
			ff = append(ff, analyze.FileFindings{File: f.name, Findings: f.findings})
		}
		err = analyze.WriteSARIF(stdout, version, ff)
	default:
		err = writeCheckText(stdout, files, useColor(*color, stdout), *showSuppressed)
		for _, s := range cfg.Unused() {
			fmt.Fprintf(stdout, "%s:%d: the suppression of %s for %s matched no finding; remove it if the finding is fixed\n", cfg.name, s.Line, s.Code, s.File)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "ward check: %v\n", err)
		return exitInvalid
	}
	status := exitOK
	for _, f := range files {
		if f.unusable {
			return exitInvalid
		}
		if threshold != 0 && analyze.Count(f.findings, threshold) > 0 {
			status = exitFindings
		}
	}
	return status
}

// collect reads a path argument: a file, stdin, or every policy under a
// folder.
func collect(arg string, stdin io.Reader) []*checkedFile {
	if arg == "-" {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return []*checkedFile{unreadable("<stdin>", err)}
		}
		return []*checkedFile{{name: "<stdin>", src: data}}
	}
	info, err := os.Stat(arg)
	if err != nil {
		return []*checkedFile{unreadable(arg, err)}
	}
	if !info.IsDir() {
		data, err := os.ReadFile(arg)
		if err != nil {
			return []*checkedFile{unreadable(arg, err)}
		}
		return []*checkedFile{{name: arg, src: data}}
	}
	var out []*checkedFile
	filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			out = append(out, unreadable(path, err))
			return nil
		}
		if d.IsDir() {
			if path != arg && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !inputs.IsInputName(path) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			out = append(out, unreadable(path, err))
			return nil
		}
		// In a folder, only documents that look like policies or account
		// details are checked: other JSON (package.json, fixtures) is not
		// a policy with errors.
		if !inputs.LooksLikeInput(path, data) {
			return nil
		}
		out = append(out, &checkedFile{name: path, src: data})
		return nil
	})
	return out
}

func unreadable(name string, err error) *checkedFile {
	return &checkedFile{name: name, unusable: true, findings: []analyze.Finding{{
		Code: analyze.CodeUnreadableInput, Severity: analyze.Error, File: name, Message: err.Error(), Fix: "check the path and its permissions"}}}
}

func useColor(mode string, w io.Writer) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

var severityColor = map[analyze.Severity]string{
	analyze.Error: "\x1b[1;31m", analyze.SecurityWarning: "\x1b[1;35m", analyze.Warning: "\x1b[1;33m", analyze.Suggestion: "\x1b[1;36m",
}

// writeCheckText prints findings as a compiler does: the place, the
// severity and code, the message, then the source line with a caret and
// the fix.
func writeCheckText(w io.Writer, files []*checkedFile, color, showSuppressed bool) error {
	var b strings.Builder
	counts := map[analyze.Severity]int{}
	total, suppressed := 0, 0
	for _, f := range files {
		lines := strings.Split(string(f.src), "\n")
		for _, fd := range f.findings {
			if fd.Suppressed != "" {
				suppressed++
				if !showSuppressed {
					continue
				}
			} else {
				counts[fd.Severity]++
				total++
			}
			sev := fd.Severity.String()
			if color {
				sev = severityColor[fd.Severity] + sev + "\x1b[0m"
			}
			loc := fd.File
			if loc == "" {
				loc = f.name
			}
			if fd.Line > 0 {
				loc = fmt.Sprintf("%s:%d:%d", loc, fd.Line, fd.Col)
			}
			fmt.Fprintf(&b, "%s: %s %s: %s\n", loc, sev, fd.Code, fd.Message)
			if fd.Line > 0 && fd.Line <= len(lines) {
				line := strings.TrimRight(lines[fd.Line-1], "\r")
				if len(line) <= 240 {
					caret := strings.Repeat(" ", max(0, len([]rune(line[:min(len(line), byteCol(line, fd.Col))]))))
					fmt.Fprintf(&b, "    %s\n    %s^\n", strings.ReplaceAll(line, "\t", " "), caret)
				}
			}
			if fd.Suppressed != "" {
				fmt.Fprintf(&b, "    suppressed: %s\n", fd.Suppressed)
			} else if fd.Fix != "" {
				fmt.Fprintf(&b, "    fix: %s\n", fd.Fix)
			}
		}
	}
	policies := 0
	for _, f := range files {
		policies += f.policies
	}
	checked := plural(policies, "policy", "policies")
	if len(files) != policies {
		checked += " in " + plural(len(files), "file", "files")
	}
	note := ""
	if suppressed > 0 {
		note = fmt.Sprintf(" (%d suppressed)", suppressed)
	}
	if total == 0 {
		fmt.Fprintf(&b, "%s checked: no findings%s\n", checked, note)
	} else {
		var parts []string
		for _, s := range []analyze.Severity{analyze.Error, analyze.SecurityWarning, analyze.Warning, analyze.Suggestion} {
			if counts[s] > 0 {
				parts = append(parts, plural(counts[s], strings.ReplaceAll(s.String(), "-", " "), strings.ReplaceAll(s.String(), "-", " ")+"s"))
			}
		}
		fmt.Fprintf(&b, "%s checked: %s%s\n", checked, strings.Join(parts, ", "), note)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// byteCol converts a 1-based character column to a byte offset in line.
func byteCol(line string, col int) int {
	n := 0
	for i := range line {
		if n == col-1 {
			return i
		}
		n++
	}
	return len(line)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

type findingJSON struct {
	Code       string `json:"code"`
	Severity   string `json:"severity"`
	Message    string `json:"message"`
	Fix        string `json:"fix,omitempty"`
	File       string `json:"file"`
	Line       int    `json:"line,omitempty"`
	Column     int    `json:"column,omitempty"`
	EndLine    int    `json:"endLine,omitempty"`
	EndColumn  int    `json:"endColumn,omitempty"`
	Path       string `json:"path,omitempty"`
	Statements []int  `json:"statements,omitempty"`
	Suppressed string `json:"suppressed,omitempty"`
	// IssueCode is IAM Access Analyzer's code for the same check, when it
	// has one.
	IssueCode string `json:"issueCode,omitempty"`
}

func writeCheckJSON(w io.Writer, files []*checkedFile) error {
	out := struct {
		Files    int           `json:"files"`
		Findings []findingJSON `json:"findings"`
	}{Files: len(files), Findings: []findingJSON{}}
	for _, f := range files {
		for _, fd := range f.findings {
			file := fd.File
			if file == "" {
				file = f.name
			}
			el, ec := fd.End()
			out.Findings = append(out.Findings, findingJSON{fd.Code, fd.Severity.String(), fd.Message, fd.Fix, file, fd.Line, fd.Col, el, ec, fd.Path, fd.Statements, fd.Suppressed, fd.IssueCode()})
		}
	}
	sort.SliceStable(out.Findings, func(i, j int) bool { return out.Findings[i].File < out.Findings[j].File })
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// checkConfig is the suppression file in use, if any.
type checkConfig struct {
	*analyze.Config
	name string
}

func (c *checkConfig) Apply(fs []analyze.Finding) {
	if c != nil {
		c.Config.Apply(fs)
	}
}

func (c *checkConfig) Unused() []*analyze.Suppression {
	if c == nil {
		return nil
	}
	return c.Config.Unused()
}

// loadConfig reads the suppressions: the named file, else .ward.yaml in
// the current folder when there is one.
func loadConfig(name string) (*checkConfig, error) {
	explicit := name != ""
	if !explicit {
		name = ".ward.yaml"
	}
	data, err := os.ReadFile(name)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	cfg, err := analyze.LoadConfig(data, name)
	if err != nil {
		return nil, err
	}
	return &checkConfig{Config: cfg, name: name}, nil
}
