package policy

import "testing"

// TestFixTemplateReferencesKeepsPlaces: a policy with a template's
// references is compared as one with fixed names, and its statements are
// still placed where the file writes them (the second one after a
// reference the fixed text writes longer).
func TestFixTemplateReferencesKeepsPlaces(t *testing.T) {
	src := []byte(`{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${ArtifactBucket}/*"}, {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::${ArtifactBucket}/${AWS::StackName}/*"}]}`)
	p, err := Parse(src, "template.json")
	if err != nil {
		t.Fatal(err)
	}
	fixed, err := FixTemplateReferences(p)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := fixed.Statements[0].Resources()
	if got := res.Items[0]; got != "arn:aws:s3:::ward-ref-ArtifactBucket/*" {
		t.Errorf("resource %q", got)
	}
	res, _ = fixed.Statements[1].Resources()
	if got := res.Items[0]; got != "arn:aws:s3:::ward-ref-ArtifactBucket/${AWS::StackName}/*" {
		t.Errorf("a name with a colon is a policy variable, left: %q", got)
	}
	for i := range p.Statements {
		wl, wc := p.Position(p.Statements[i].Offset)
		gl, gc := fixed.Position(fixed.Statements[i].Offset)
		if gl != wl || gc != wc || wl != 2 {
			t.Errorf("statement %d at %d:%d, written at %d:%d", i, gl, gc, wl, wc)
		}
	}
}
