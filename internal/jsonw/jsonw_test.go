package jsonw_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/wardhq/ward/internal/jsonw"
)

// cases exercise every escape encoding/json makes.
var cases = []string{
	"", "plain", `quote " and \ backslash`, "<html> & friends", "tab\tnew\nline\rcr\bbs\fff",
	"\x00\x01\x1f\x7f", "é ü 日本 🙂", "\u2028\u2029", "bad \xff utf-8 \xc3", "\xed\xa0\x80 surrogate",
}

func check(t *testing.T, s string) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonw.String([]byte("p"), s); !bytes.Equal(got, append([]byte("p"), want...)) {
		t.Errorf("String(%q) = %s, want %s", s, got[1:], want)
	}
}

func TestStringAsEncodingJSON(t *testing.T) {
	for _, s := range cases {
		check(t, s)
	}
}

func TestField(t *testing.T) {
	if got := string(jsonw.Field(nil, "k", "", true)); got != "" {
		t.Errorf("an empty value with omitEmpty wrote %q", got)
	}
	if got := string(jsonw.Field(nil, "k", "", false)); got != `,"k":""` {
		t.Errorf("an empty value without omitEmpty wrote %q", got)
	}
	if got := string(jsonw.Field([]byte("{"), "k", "<v>", true)); got != `{,"k":"\u003cv\u003e"` {
		t.Errorf("wrote %q", got)
	}
}

func FuzzString(f *testing.F) {
	for _, s := range cases {
		f.Add(s)
	}
	f.Fuzz(check)
}

func BenchmarkText(b *testing.B) {
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = jsonw.Text(buf[:0], "arn:aws:sts::123456789012:assumed-role/chat/session-<1> & more")
	}
}
