package document

import (
	"bytes"
	"fmt"
	"html"
	"strings"
)

// HTML turns a document written by this package into one self-contained
// page: the same text, so the Markdown and the page never say different
// things, with its style inline, nothing fetched and no script (its
// Content-Security-Policy allows none). It reads only the
// Markdown this package writes (headings, paragraphs, lists of two
// levels, tables, fenced code, `code` and **bold**); every character of
// the text is escaped, whatever the policies hold.
func HTML(markdown []byte) []byte {
	lines := strings.Split(strings.TrimRight(string(markdown), "\n"), "\n")
	var b bytes.Buffer
	title := "Permissions"
	if len(lines) > 0 && strings.HasPrefix(lines[0], "# ") {
		title = strings.ReplaceAll(lines[0][2:], "`", "")
	}
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", html.EscapeString(title), pageStyle)
	ids := map[string]int{}
	for i := 0; i < len(lines); {
		line := lines[i]
		switch {
		case line == "":
			i++
		case strings.HasPrefix(line, "```"):
			lang := strings.TrimPrefix(line, "```")
			i++
			start := i
			for i < len(lines) && lines[i] != "```" {
				i++
			}
			class := ""
			if lang != "" {
				class = fmt.Sprintf(" class=\"language-%s\"", html.EscapeString(lang))
			}
			fmt.Fprintf(&b, "<pre><code%s>%s</code></pre>\n", class, html.EscapeString(strings.Join(lines[start:i], "\n")))
			i++ // the closing fence
		case strings.HasPrefix(line, "#"):
			level := len(line) - len(strings.TrimLeft(line, "#"))
			text := strings.TrimSpace(line[level:])
			id := slug(text)
			if n := ids[id]; n > 0 {
				id = fmt.Sprintf("%s-%d", id, n)
			}
			ids[slug(text)]++
			fmt.Fprintf(&b, "<h%d id=\"%s\">%s</h%d>\n", level, id, inline(text), level)
			i++
		case strings.HasPrefix(line, "|"):
			b.WriteString("<table>\n")
			header := true
			for ; i < len(lines) && strings.HasPrefix(lines[i], "|"); i++ {
				cells := strings.Split(strings.Trim(lines[i], "|"), "|")
				if strings.HasPrefix(lines[i], "|---") {
					continue
				}
				tag := "td"
				if header {
					tag = "th"
				}
				b.WriteString("<tr>")
				for _, c := range cells {
					fmt.Fprintf(&b, "<%s>%s</%s>", tag, inline(strings.TrimSpace(c)), tag)
				}
				b.WriteString("</tr>\n")
				header = false
			}
			b.WriteString("</table>\n")
		case strings.HasPrefix(line, "- "):
			b.WriteString("<ul>\n")
			for i < len(lines) && (strings.HasPrefix(lines[i], "- ") || strings.HasPrefix(lines[i], "  - ")) {
				fmt.Fprintf(&b, "<li>%s", inline(lines[i][2:]))
				i++
				if i < len(lines) && strings.HasPrefix(lines[i], "  - ") {
					b.WriteString("\n<ul>\n")
					for ; i < len(lines) && strings.HasPrefix(lines[i], "  - "); i++ {
						fmt.Fprintf(&b, "<li>%s</li>\n", inline(lines[i][4:]))
					}
					b.WriteString("</ul>\n")
				}
				b.WriteString("</li>\n")
			}
			b.WriteString("</ul>\n")
		default:
			start := i
			for i < len(lines) && lines[i] != "" && !strings.HasPrefix(lines[i], "#") && !strings.HasPrefix(lines[i], "- ") &&
				!strings.HasPrefix(lines[i], "|") && !strings.HasPrefix(lines[i], "```") {
				i++
			}
			fmt.Fprintf(&b, "<p>%s</p>\n", inline(strings.Join(lines[start:i], " ")))
		}
	}
	b.WriteString("</main>\n</body>\n</html>\n")
	return b.Bytes()
}

// inline writes a line's `code` and **bold** spans, everything escaped.
func inline(text string) string {
	var b strings.Builder
	for text != "" {
		code := strings.IndexByte(text, '`')
		bold := strings.Index(text, "**")
		switch {
		case code >= 0 && (bold < 0 || code < bold):
			end := strings.IndexByte(text[code+1:], '`')
			if end < 0 {
				b.WriteString(html.EscapeString(text))
				return b.String()
			}
			b.WriteString(html.EscapeString(text[:code]))
			fmt.Fprintf(&b, "<code>%s</code>", html.EscapeString(text[code+1:code+1+end]))
			text = text[code+1+end+1:]
		case bold >= 0:
			end := strings.Index(text[bold+2:], "**")
			if end < 0 {
				b.WriteString(html.EscapeString(text))
				return b.String()
			}
			b.WriteString(html.EscapeString(text[:bold]))
			fmt.Fprintf(&b, "<strong>%s</strong>", inline(text[bold+2:bold+2+end]))
			text = text[bold+2+end+2:]
		default:
			b.WriteString(html.EscapeString(text))
			return b.String()
		}
	}
	return b.String()
}

// slug makes a heading's anchor: letters, digits and dashes.
func slug(text string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(text) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "section"
	}
	return b.String()
}

const pageStyle = `body { font: 15px/1.5 system-ui, sans-serif; color: #1b1f24; background: #fff; margin: 0; }
main { max-width: 56rem; margin: 0 auto; padding: 2rem 1.5rem 4rem; }
h1 { font-size: 1.7rem; border-bottom: 2px solid #d0d7de; padding-bottom: .3rem; }
h2 { font-size: 1.35rem; margin-top: 2.2rem; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.1rem; margin-top: 1.6rem; }
h4 { font-size: 1rem; margin-top: 1.3rem; }
code { font: 13px ui-monospace, monospace; background: #f3f4f6; padding: .1rem .3rem; border-radius: 3px; overflow-wrap: anywhere; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: .8rem; overflow-x: auto; }
pre code { background: none; padding: 0; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d0d7de; padding: .25rem .6rem; text-align: left; }
strong { color: #0a3069; }
@media print { pre { white-space: pre-wrap; } }
`
