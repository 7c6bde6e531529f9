package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/inputs"
	"github.com/wardhq/ward/internal/intent"
)

// TestTemplateAsCloudFormation: every example template written as a
// CloudFormation template reads back, through the reader ward check and
// ward doc use, as its role with the same trust and identity policies.
func TestTemplateAsCloudFormation(t *testing.T) {
	files, _ := filepath.Glob("../../examples/*/*.yaml")
	cat := openCatalog(os.Stderr)
	tried := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		tmpl, err := intent.Read(file, data)
		if err != nil {
			continue // not an intent template (notes, a CloudFormation role)
		}
		res, err := intent.Build(tmpl, cat)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var out, stderr bytes.Buffer
		if status := run([]string{"generate", "--template", file, "--format", "cloudformation"}, nil, &out, &stderr); status != exitOK {
			t.Fatalf("%s: exit %d: %s", file, status, stderr.String())
		}
		tried++
		f := inputs.Read(file+".cfn.json", out.Bytes(), 0)
		if len(f.Errors) > 0 {
			t.Fatalf("%s: %v", file, f.Errors[0])
		}
		p := f.Principal("role", res.Role)
		if p == nil || p.Trust < 0 {
			t.Fatalf("%s: the template has no role %s with a trust policy", file, res.Role)
		}
		if got, want := compact(f.Docs[p.Trust].Policy.String()), compact(res.Trust.String()); got != want {
			t.Errorf("%s: trust policy\n%s\nwant\n%s", file, got, want)
		}
		if res.Identity != nil {
			if len(p.Inline) != 1 {
				t.Fatalf("%s: %d inline policies", file, len(p.Inline))
			}
			if got, want := compact(f.Docs[p.Inline[0]].Policy.String()), compact(res.Identity.String()); got != want {
				t.Errorf("%s: identity policy\n%s\nwant\n%s", file, got, want)
			}
		}
	}
	if tried < 8 {
		t.Errorf("only %d example templates", tried)
	}
}

func compact(s string) string { return strings.Join(strings.Fields(s), "") }
