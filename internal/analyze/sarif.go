package analyze

import (
	"encoding/json"
	"io"
	"strings"
)

// FileFindings are the findings of one checked file.
type FileFindings struct {
	File     string
	Findings []Finding
}

// SARIF 2.1.0, the subset ward writes: one run, its rules (the finding
// codes), and one result per finding with its location. GitHub code
// scanning reads it; security warnings carry a security-severity so they
// rank as security alerts there.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	HelpURI              string         `json:"helpUri"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID       string             `json:"ruleId"`
	RuleIndex    int                `json:"ruleIndex"`
	Level        string             `json:"level"`
	Message      sarifText          `json:"message"`
	Locations    []sarifLocation    `json:"locations"`
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
}

// sarifSuppression records a reviewed suppression, so code scanning shows
// the finding as dismissed with its reason.
type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

func sarifLevel(s Severity) string {
	switch s {
	case Error:
		return "error"
	case Suggestion:
		return "note"
	}
	return "warning"
}

// FindingDocURL is where a finding code's page is published: its
// docs/findings page in ward's repository.
func FindingDocURL(code string) string {
	return "https://github.com/wardhq/ward/blob/main/docs/findings/" + code + ".md"
}

// WriteSARIF writes the findings as a SARIF 2.1.0 log.
func WriteSARIF(w io.Writer, toolVersion string, files []FileFindings) error {
	var rules []SARIFRule
	for _, c := range Codes() {
		rules = append(rules, SARIFRule{ID: c.Code, Title: c.Title, Why: c.Why, Fix: c.Fix, HelpURI: FindingDocURL(c.Code),
			Level: sarifLevel(c.Severity), Security: c.Severity == SecurityWarning})
	}
	var results []SARIFResult
	for _, f := range files {
		for _, fd := range f.Findings {
			file := fd.File
			if file == "" {
				file = f.File
			}
			res := SARIFResult{RuleID: fd.Code, Level: sarifLevel(fd.Severity), Message: fd.Message, File: file, Line: fd.Line, Col: fd.Col}
			if fd.Fix != "" {
				res.Message += ". Fix: " + fd.Fix
			}
			if el, ec := fd.End(); fd.Line > 0 && (el > fd.Line || el == fd.Line && ec > fd.Col) {
				res.EndLine, res.EndCol = el, ec
			}
			if fd.Suppressed != "" {
				res.Suppressed, res.InSource = fd.Suppressed, strings.HasPrefix(fd.Suppressed, "Sid ")
			}
			results = append(results, res)
		}
	}
	return WriteSARIFLog(w, toolVersion, rules, results)
}

// SARIFRule is a rule of a SARIF log: a finding code, or another
// command's kind of result (access a change adds).
type SARIFRule struct {
	ID, Title, Why, Fix, HelpURI string
	// Level is the default level: error, warning or note. Security marks
	// it for code scanning's security view.
	Level    string
	Security bool
}

// SARIFResult is one result, where it is: a line and column of File,
// none when Line is 0.
type SARIFResult struct {
	RuleID, Level, Message, File string
	Line, Col, EndLine, EndCol   int
	// Suppressed is a reviewed suppression's reason; InSource says it is
	// written in the policy (a Sid), not in a configuration file.
	Suppressed string
	InSource   bool
}

// WriteSARIFLog writes one run of ward with its rules and results as a
// SARIF 2.1.0 log.
func WriteSARIFLog(w io.Writer, toolVersion string, rules []SARIFRule, results []SARIFResult) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "ward", Version: toolVersion, Rules: []sarifRule{}}}, Results: []sarifResult{}}
	index := map[string]int{}
	for i, c := range rules {
		index[c.ID] = i
		r := sarifRule{
			ID: c.ID, Name: ruleName(c.ID),
			ShortDescription:     sarifText{Text: c.Title},
			FullDescription:      sarifText{Text: c.Why},
			Help:                 sarifText{Text: c.Fix, Markdown: "**Fix:** " + c.Fix + "\n\nSee " + c.HelpURI + "."},
			HelpURI:              c.HelpURI,
			DefaultConfiguration: sarifConfig{Level: c.Level},
		}
		if c.Security {
			r.Properties = map[string]any{"tags": []string{"security"}, "security-severity": "7.5"}
		}
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, r)
	}
	for _, fd := range results {
		loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: toURI(fd.File)}}}
		if fd.Line > 0 {
			region := &sarifRegion{StartLine: fd.Line, StartColumn: fd.Col}
			if fd.EndLine > 0 {
				region.EndLine, region.EndColumn = fd.EndLine, fd.EndCol
			}
			loc.PhysicalLocation.Region = region
		}
		res := sarifResult{RuleID: fd.RuleID, RuleIndex: index[fd.RuleID], Level: fd.Level,
			Message: sarifText{Text: fd.Message}, Locations: []sarifLocation{loc}}
		if fd.Suppressed != "" {
			kind := "external" // .ward.yaml
			if fd.InSource {
				kind = "inSource"
			}
			res.Suppressions = []sarifSuppression{{Kind: kind, Justification: fd.Suppressed}}
		}
		run.Results = append(run.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}

// ruleName turns a code into the PascalCase name SARIF viewers show.
func ruleName(code string) string {
	var b strings.Builder
	for _, part := range strings.Split(code, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// toURI writes a file path as a relative URI reference with forward
// slashes, as code scanning expects paths from the repository root.
func toURI(path string) string {
	path = strings.ReplaceAll(path, "\\", "/")
	path = strings.TrimPrefix(path, "./")
	return strings.ReplaceAll(path, " ", "%20")
}
