package pack_test

import (
	"strings"
	"testing"

	"github.com/wardhq/ward/internal/pack"
)

func TestRoundTrip(t *testing.T) {
	entries := []pack.Entry{{Key: "a", Name: "Alpha"}, {Key: "b"}}
	blobs := [][]byte{[]byte(`{"n":1}`), []byte(`{"n":"` + strings.Repeat("x", 10000) + `"}`)}
	data, err := pack.Write("src", "1.0", "2026-01-01", entries, blobs)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pack.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	h := p.Header()
	if h.Source != "src" || h.Version != "1.0" || h.Date != "2026-01-01" || len(h.Entries) != 2 || h.Entries[0].Name != "Alpha" {
		t.Errorf("header %+v", h)
	}
	i, ok := p.Lookup("b")
	if !ok {
		t.Fatal("no entry b")
	}
	var v struct{ N string }
	if err := p.Read(i, &v); err != nil || len(v.N) != 10000 {
		t.Errorf("read b: %v, %d bytes", err, len(v.N))
	}
	if _, ok := p.Lookup("c"); ok {
		t.Error("found a missing key")
	}
}

func TestCorrupt(t *testing.T) {
	good, _ := pack.Write("s", "v", "d", []pack.Entry{{Key: "a"}}, [][]byte{[]byte(`{}`)})
	for name, data := range map[string][]byte{
		"empty":     nil,
		"magic":     []byte("NOTAPACK!\n\x00\x00\x00\x00"),
		"truncated": good[:14],
		"header":    append([]byte("WARDPACK1\n\x00\x00\x00\x02{x"), 0),
	} {
		if _, err := pack.Open(data); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A blob that does not inflate is an error on read, not a panic.
	bad := append([]byte{}, good...)
	bad[len(bad)-1] ^= 0xff
	bad[len(bad)-2] ^= 0xff
	p, err := pack.Open(bad)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := p.Read(0, &v); err == nil {
		t.Error("a corrupt blob read without error")
	}
}
