// Package pack is the file format of ward's embedded data sets: a header
// naming each entry, then each entry's JSON compressed on its own, so that
// reading one entry inflates only that entry.
package pack

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Layout:
//
//	"WARDPACK1\n"
//	uint32 big-endian header length, header JSON (Header)
//	entry blobs, raw DEFLATE, at the offsets the header gives

const magic = "WARDPACK1\n"

// Header describes a pack.
type Header struct {
	Source  string  `json:"source"`  // npm package the data comes from
	Version string  `json:"version"` // its version
	Date    string  `json:"date"`    // when the source data was last updated
	Entries []Entry `json:"entries"` // sorted by Key
}

// Entry names one entry of a pack.
type Entry struct {
	Key  string `json:"key"`
	Name string `json:"name,omitempty"`
	Off  int    `json:"off"`
	Len  int    `json:"len"`
}

// Write builds a pack: entries sorted by key and unique, blobs[i] the JSON
// of entries[i].
func Write(source, version, date string, entries []Entry, blobs [][]byte) ([]byte, error) {
	h := Header{Source: source, Version: version, Date: date, Entries: entries}
	if len(blobs) != len(h.Entries) {
		return nil, errors.New("pack: entries and blobs differ in number")
	}
	var body bytes.Buffer
	for i, b := range blobs {
		start := body.Len()
		w, err := flate.NewWriter(&body, flate.BestCompression)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(b); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		h.Entries[i].Off, h.Entries[i].Len = start, body.Len()-start
	}
	head, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.WriteString(magic)
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(head)))
	out.Write(n[:])
	out.Write(head)
	out.Write(body.Bytes())
	return out.Bytes(), nil
}

// Pack is a read-only view of a pack file.
type Pack struct {
	header Header
	body   []byte
	index  map[string]int // key → entry
}

// Open reads a pack held in memory (typically embedded).
func Open(data []byte) (*Pack, error) {
	if len(data) < len(magic)+4 || string(data[:len(magic)]) != magic {
		return nil, errors.New("pack: not a ward pack (regenerate it with go generate ./internal/catalog)")
	}
	data = data[len(magic):]
	n := int(binary.BigEndian.Uint32(data))
	if n > len(data)-4 {
		return nil, errors.New("pack: truncated pack header")
	}
	p := &Pack{body: data[4+n:]}
	if err := json.Unmarshal(data[4:4+n], &p.header); err != nil {
		return nil, fmt.Errorf("pack: pack header: %w", err)
	}
	p.index = make(map[string]int, len(p.header.Entries))
	for i, e := range p.header.Entries {
		if e.Off < 0 || e.Len < 0 || e.Off+e.Len > len(p.body) {
			return nil, fmt.Errorf("pack: entry %q lies outside the pack", e.Key)
		}
		p.index[e.Key] = i
	}
	return p, nil
}

// Header returns the pack's header.
func (p *Pack) Header() *Header { return &p.header }

// Lookup returns the position of the entry with key.
func (p *Pack) Lookup(key string) (int, bool) {
	i, ok := p.index[key]
	return i, ok
}

// Read decompresses entry i and decodes its JSON into v.
func (p *Pack) Read(i int, v any) error {
	e := p.header.Entries[i]
	r := flate.NewReader(bytes.NewReader(p.body[e.Off : e.Off+e.Len]))
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("pack: entry %q: %w", e.Key, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("pack: entry %q: %w", e.Key, err)
	}
	return nil
}
