package document

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/analyze"
	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/inputs"
)

// hostileAccount holds a role whose policy names resources with markup
// in them: the page must show them as text.
const hostileAccount = `{"RoleDetailList": [{"RoleName": "web", "Arn": "arn:aws:iam::111122223333:role/web",
  "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
  "RolePolicyList": [{"PolicyName": "<b>site</b>", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
    {"Sid": "RequiredSite", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::site/<script>alert(1)</script>*"},
    {"Effect": "Allow", "Action": "logs:*", "Resource": "arn:aws:logs:*:*:log-group:/ecs/web&amp;<img src=x onerror=alert(2)>:*"}]}}],
  "AttachedManagedPolicies": []}]}`

// chromium finds the browser: CHROMIUM names it, else chromium on PATH.
// CI installs it (.ci/run); there a missing browser fails the test.
func chromium(t *testing.T) string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium: CI must install it (apt-get install chromium)")
	}
	t.Skip("no chromium on PATH; install Debian's chromium to run the browser test")
	return ""
}

// TestHTMLInABrowser renders a principal's page in a real browser and
// reads back the DOM it built: every heading and table of the Markdown is
// there, the markup in the policy's names is text (no script or image
// element came from it), and the page loads nothing.
func TestHTMLInABrowser(t *testing.T) {
	browser := chromium(t)
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	f := inputs.Read("account.json", []byte(hostileAccount), 0)
	if len(f.Errors) > 0 || len(f.Principals) != 1 {
		t.Fatalf("errors %v, %d principals", f.Errors, len(f.Principals))
	}
	md, err := Principal(f, &f.Principals[0], analyze.CheckFile(f, cat, nil), cat, nil)
	if err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "role-web.html")
	if err := os.WriteFile(page, HTML(md), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir="+t.TempDir(),
		"--dump-dom", "file://"+page)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, stderr.String())
	}
	dom := string(out)
	for level := 1; level <= 4; level++ {
		want := 0
		for _, line := range strings.Split(string(md), "\n") {
			if strings.HasPrefix(line, strings.Repeat("#", level)+" ") {
				want++
			}
		}
		if got := strings.Count(dom, "<h"+string(rune('0'+level))+" "); got != want {
			t.Errorf("the page has %d h%d headings, the Markdown %d", got, level, want)
		}
	}
	if strings.Count(dom, "<table>") != strings.Count(string(md), "\n|---") {
		t.Errorf("the page has %d tables, the Markdown %d", strings.Count(dom, "<table>"), strings.Count(string(md), "\n|---"))
	}
	if regexp.MustCompile(`(?i)<(script|img)\b`).MatchString(dom) {
		t.Errorf("markup from the policy became elements:\n%s", dom)
	}
	for _, text := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;", "&lt;b&gt;site&lt;/b&gt;", "<strong>REQUIRED</strong>"} {
		if !strings.Contains(dom, text) {
			t.Errorf("the page does not show %s", text)
		}
	}
}

// TestHTMLEscapes: without a browser, every character of the text is
// escaped and the structure follows the Markdown.
func TestHTMLEscapes(t *testing.T) {
	md := "# A `<x>` & **b<i>**\n\nText with `a|b` and <raw>.\n\n- one\n  - two `<y>`\n- three\n\n| a | b |\n|---|---|\n| `<c>` | d |\n\n```json\n{\"k\": \"</code></pre><script>\"}\n```\n"
	got := string(HTML([]byte(md)))
	for _, want := range []string{
		`<h1 id="a-x-b-i">A <code>&lt;x&gt;</code> &amp; <strong>b&lt;i&gt;</strong></h1>`,
		`<p>Text with <code>a|b</code> and &lt;raw&gt;.</p>`,
		"<li>one\n<ul>\n<li>two <code>&lt;y&gt;</code></li>\n</ul>\n</li>\n<li>three</li>",
		`<tr><th>a</th><th>b</th></tr>`, `<tr><td><code>&lt;c&gt;</code></td><td>d</td></tr>`,
		`<pre><code class="language-json">{&#34;k&#34;: &#34;&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;&#34;}</code></pre>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	if strings.Contains(got, "<script>") || strings.Contains(got, "<raw>") {
		t.Errorf("unescaped markup in\n%s", got)
	}
}
