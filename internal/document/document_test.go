package document

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/analyze"
	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/inputs"
)

// TestDocumentHoldsThePolicy: the document names every action the policy
// grants, each resource, every finding of ward check, and the policy
// itself; two runs write the same bytes.
func TestDocumentHoldsThePolicy(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	path := "../generate/testdata/chat-current.json"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	write := func() []byte {
		f := inputs.Read(path, data, 0)
		doc, err := Markdown(f, analyze.CheckFile(f, cat, nil), cat, nil)
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	doc := write()
	if again := write(); !bytes.Equal(doc, again) {
		t.Fatal("two runs wrote different documents")
	}
	text := string(doc)
	f := inputs.Read(path, data, 0)
	for _, s := range f.Docs[0].Policy.Statements {
		for _, pat := range s.Action.Items {
			acts, _ := cat.Expand(pat)
			for _, a := range acts {
				if !strings.Contains(text, "`"+a.FullName()+"`") {
					t.Errorf("%s (from %s) is not in the document", a.FullName(), pat)
				}
			}
		}
		for _, r := range s.Resource.Items {
			if !strings.Contains(text, "`"+r+"`") {
				t.Errorf("resource %s is not in the document", r)
			}
		}
	}
	for _, fd := range analyze.CheckFile(f, cat, nil) {
		if !strings.Contains(text, fd.Message) {
			t.Errorf("finding %s is not in the document", fd.Code)
		}
	}
	if !strings.Contains(text, f.Docs[0].Policy.String()) {
		t.Error("the complete policy is not in the document")
	}
	if !strings.Contains(text, "Grants permission to invoke an AWS Lambda function. Access level: Write.") {
		t.Error("an action's description and access level are not in the document")
	}
}
