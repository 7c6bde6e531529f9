package awsquery_test

import (
	"encoding/xml"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/israce"
)

// xmlChar is XML 1.0's Char production: what a document may carry.
func xmlChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// TestXMLEscapeEveryCodePoint writes every code point from U+0000 to
// U+10FFFF (the surrogates as the three bytes a careless encoder gives
// them, which are not UTF-8) into an element and parses it with
// encoding/xml: it always parses, every character XML can carry comes
// back as it was, and every one it cannot, and every byte that is not
// UTF-8, comes back as U+FFFD.
func TestXMLEscapeEveryCodePoint(t *testing.T) {
	for plane := rune(0); plane <= 0x10; plane++ {
		var in, want strings.Builder
		for r := plane << 16; r < (plane+1)<<16; r++ {
			switch {
			case r >= 0xD800 && r <= 0xDFFF:
				in.Write([]byte{0xED, byte(0x80 | (r>>6)&0x3F), byte(0x80 | r&0x3F)})
				want.WriteString("\uFFFD\uFFFD\uFFFD")
			case xmlChar(r):
				in.WriteRune(r)
				want.WriteRune(r)
			default:
				in.WriteRune(r)
				want.WriteRune(utf8.RuneError)
			}
		}
		var x awsquery.Writer
		x.Elem("Description", in.String())
		var out struct {
			Text string `xml:",chardata"`
		}
		if err := xml.Unmarshal(x.B, &out); err != nil {
			t.Errorf("plane %d: the element does not parse: %v", plane, err)
			continue
		}
		if out.Text != want.String() {
			got, exp := []rune(out.Text), []rune(want.String())
			for i := 0; i < len(got) && i < len(exp); i++ {
				if got[i] != exp[i] {
					t.Errorf("plane %d: character %d came back as %U, want %U", plane, i, got[i], exp[i])
					break
				}
			}
			t.Errorf("plane %d: %d characters came back, want %d", plane, len(got), len(exp))
		}
	}
	// Bytes that begin no UTF-8 sequence, or end one too soon.
	for _, in := range []string{"\x80", "\xbf", "\xc0\x80", "\xc3", "\xe2\x82", "\xf0\x9f\x99", "\xf5\x80\x80\x80", "\xf4\x90\x80\x80", "\xfe\xff"} {
		var x awsquery.Writer
		x.Elem("V", "a"+in+"b")
		var out struct {
			Text string `xml:",chardata"`
		}
		if err := xml.Unmarshal(x.B, &out); err != nil || !utf8.ValidString(out.Text) || !strings.HasPrefix(out.Text, "a\uFFFD") || !strings.HasSuffix(out.Text, "\uFFFDb") {
			t.Errorf("%q: %q %v", in, out.Text, err)
		}
	}
}

// TestXMLEscapeAllocatesNothing: escaping writes into the buffer it is
// given; ordinary strings, with or without characters to escape, cost
// no allocation.
func TestXMLEscapeAllocatesNothing(t *testing.T) {
	if israce.Enabled {
		t.Skip("the race detector allocates: counts are checked without it")
	}
	buf := make([]byte, 0, 4096)
	for _, s := range []string{"arn:aws:iam::123456789012:role/service/chat", "Grants access to <prod> & \"staging\" tables, é 日本 🙂", "a\r\nb\x01\uFFFE"} {
		if allocs := testing.AllocsPerRun(100, func() { buf = awsquery.AppendEscaped(buf[:0], s) }); allocs != 0 {
			t.Errorf("%q: %.1f allocations", s, allocs)
		}
	}
}

func TestXMLEscape(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "",
		"plain/path-1":          "plain/path-1",
		`<a href="x">&'</a>`:    "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;",
		"é 日本 🙂":                "é 日本 🙂",
		"bad \xff end \xc3":     "bad \uFFFD end \uFFFD",
		"mixed <\xe2\x82> tail": "mixed &lt;\uFFFD\uFFFD&gt; tail",
		"tab\tand\nline":        "tab\tand\nline",
		"cr\r":                  "cr&#xD;",
		"ctl \x01\x1f\x00 end":  "ctl \uFFFD\uFFFD\uFFFD end",
		"nonchar \uFFFE\uFFFF.": "nonchar \uFFFD\uFFFD.",
	} {
		if got := string(awsquery.AppendEscaped(nil, in)); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

// TestXMLEscapeAlwaysParses: whatever a stored string holds (a
// description written before descriptions were checked, say), the
// element written from it parses as XML, and keeps every character XML
// can carry.
func TestXMLEscapeAlwaysParses(t *testing.T) {
	var every []byte
	for c := 0; c < 0x80; c++ {
		every = append(every, byte(c))
	}
	inputs := []string{string(every), "\xff\xfe\xc3", "\uFFFE\uFFFF\U0010FFFF\uD7FF\uE000", "a\r\nb"}
	for _, in := range inputs {
		var x awsquery.Writer
		x.Elem("Description", in)
		var out struct {
			Text string `xml:",chardata"`
		}
		if err := xml.Unmarshal(x.B, &out); err != nil {
			t.Errorf("%q: the element does not parse: %v\n%s", in, err, x.B)
			continue
		}
		for _, r := range in {
			if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r != utf8.RuneError && r != 0xFFFE && r != 0xFFFF {
				if !strings.ContainsRune(out.Text, r) {
					t.Errorf("%q: %U was lost", in, r)
				}
			}
		}
	}
}
