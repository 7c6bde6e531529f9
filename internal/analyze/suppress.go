package analyze

import (
	"fmt"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/wardhq/ward/internal/policy"
)

// Suppression accepts a finding a team has reviewed. Suppressions live in a
// .ward.yaml file, so they are reviewed like code:
//
//	suppress:
//	  - code: public-access
//	    file: site/bucket-policy.json   # a file, a glob, or a folder ending in /
//	    path: Statement[0]              # optional: the element, or a prefix of its path
//	    reason: public website assets, approved by security 2026-10
//
// A statement can also carry its own: a Sid that contains "WardOk" and a
// code's name in PascalCase ("SiteAssetsWardOkPublicAccess") suppresses
// that code's findings on that statement. Sids may hold only letters and
// digits, so the Sid itself is the reason.
type Suppression struct {
	Code   string `yaml:"code"`
	File   string `yaml:"file"`
	Path   string `yaml:"path"`
	Reason string `yaml:"reason"`
	// Line is where the suppression is written in its file.
	Line int `yaml:"-"`
	// Used counts the findings it suppressed.
	Used int `yaml:"-"`
}

// Config is a .ward.yaml file.
type Config struct {
	Suppress []*Suppression
}

// LoadConfig reads a .ward.yaml file. Every suppression must name a code
// ward knows and give a reason.
func LoadConfig(data []byte, name string) (*Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	cfg := &Config{}
	if len(doc.Content) == 0 {
		return cfg, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: the file is a map with a suppress list", name, root.Line)
	}
	var errs []string
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		if key.Value != "suppress" {
			errs = append(errs, fmt.Sprintf("%s:%d: unknown setting %q (ward reads suppress)", name, key.Line, key.Value))
			continue
		}
		if val.Kind != yaml.SequenceNode {
			errs = append(errs, fmt.Sprintf("%s:%d: suppress is a list", name, val.Line))
			continue
		}
		for _, item := range val.Content {
			s := &Suppression{Line: item.Line}
			if err := item.Decode(s); err != nil {
				errs = append(errs, fmt.Sprintf("%s:%d: %v", name, item.Line, err))
				continue
			}
			if _, ok := codes[s.Code]; !ok {
				errs = append(errs, fmt.Sprintf("%s:%d: unknown finding code %q", name, item.Line, s.Code))
				continue
			}
			if strings.TrimSpace(s.Reason) == "" {
				errs = append(errs, fmt.Sprintf("%s:%d: the suppression of %s needs a reason, for whoever reviews it", name, item.Line, s.Code))
				continue
			}
			if s.File == "" {
				errs = append(errs, fmt.Sprintf("%s:%d: the suppression of %s needs a file (a path, a glob, or a folder ending in /)", name, item.Line, s.Code))
				continue
			}
			cfg.Suppress = append(cfg.Suppress, s)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return cfg, nil
}

// Apply marks the findings the configuration suppresses.
func (c *Config) Apply(fs []Finding) {
	if c == nil {
		return
	}
	for i := range fs {
		if fs[i].Suppressed != "" {
			continue
		}
		for _, s := range c.Suppress {
			if s.matches(&fs[i]) {
				fs[i].Suppressed = s.Reason
				s.Used++
				break
			}
		}
	}
}

func (s *Suppression) matches(f *Finding) bool {
	if s.Code != f.Code {
		return false
	}
	file := strings.TrimPrefix(f.File, "./")
	want := strings.TrimPrefix(s.File, "./")
	switch {
	case strings.HasSuffix(want, "/"):
		if !strings.HasPrefix(file, want) {
			return false
		}
	case want != file:
		if ok, _ := path.Match(want, file); !ok {
			return false
		}
	}
	if s.Path != "" && f.Path != s.Path && !strings.HasPrefix(f.Path, s.Path+".") && !strings.HasPrefix(f.Path, s.Path+"[") {
		return false
	}
	return true
}

// Unused lists suppressions that matched nothing: a fixed finding, or a
// typo that suppresses nothing.
func (c *Config) Unused() []*Suppression {
	if c == nil {
		return nil
	}
	var out []*Suppression
	for _, s := range c.Suppress {
		if s.Used == 0 {
			out = append(out, s)
		}
	}
	return out
}

// suppressBySid marks findings whose statements carry a WardOk Sid for
// their code.
func suppressBySid(p *policy.Policy, fs []Finding) {
	for i := range fs {
		want := "WardOk" + ruleName(fs[i].Code)
		for _, idx := range fs[i].Statements {
			if idx < 0 || idx >= len(p.Statements) {
				continue
			}
			if sid := p.Statements[idx].Sid; strings.Contains(sid, want) {
				fs[i].Suppressed = "Sid " + sid
				break
			}
		}
	}
}
