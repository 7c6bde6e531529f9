package iamapi

import (
	"time"
	"unicode/utf8"

	"github.com/wardhq/ward/internal/engine"
)

// Record is one authorization decision, as the decision log keeps it.
type Record struct {
	Time      time.Time `json:"time"`
	RequestID string    `json:"requestId"`
	Caller    string    `json:"caller"`
	Account   string    `json:"account"`
	Action    string    `json:"action"`
	Resource  string    `json:"resource"`
	Decision  string    `json:"decision"`
	DecidedBy string    `json:"decidedBy,omitempty"`
	// Matched lists the deciding statements as "TYPE POLICY PATH".
	Matched  []string `json:"matched,omitempty"`
	SourceIP string   `json:"sourceIp,omitempty"`
	Message  string   `json:"message,omitempty"`
	// Via names who asked, for decisions made for /v1/authorize.
	Via string `json:"via,omitempty"`

	// matches, when Matched is empty, are written as Matched would be:
	// formatting them into the log line directly costs no allocation.
	matches []engine.Match
}

// AppendJSON appends the record as one JSON object, byte for byte what
// encoding/json writes for it (fields, order, omitempty, escaping), but
// without allocating: the decision log writes one for every request.
func (r *Record) AppendJSON(b []byte) []byte {
	b = append(b, `{"time":"`...)
	b = r.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	b = appendField(b, "requestId", r.RequestID, false)
	b = appendField(b, "caller", r.Caller, false)
	b = appendField(b, "account", r.Account, false)
	b = appendField(b, "action", r.Action, false)
	b = appendField(b, "resource", r.Resource, false)
	b = appendField(b, "decision", r.Decision, false)
	b = appendField(b, "decidedBy", r.DecidedBy, true)
	switch {
	case len(r.Matched) > 0:
		b = append(b, `,"matched":[`...)
		for i, m := range r.Matched {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, m)
		}
		b = append(b, ']')
	case len(r.matches) > 0:
		b = append(b, `,"matched":[`...)
		for i := range r.matches {
			m := &r.matches[i]
			if i > 0 {
				b = append(b, ',')
			}
			// One string, "TYPE POLICY PATH", quoted as a whole.
			b = append(b, '"')
			b = appendJSONText(b, m.Type.String())
			b = append(b, ' ')
			b = appendJSONText(b, m.Policy)
			b = append(b, ' ')
			b = appendJSONText(b, m.Source.Path)
			b = append(b, '"')
		}
		b = append(b, ']')
	}
	b = appendField(b, "sourceIp", r.SourceIP, true)
	b = appendField(b, "message", r.Message, true)
	b = appendField(b, "via", r.Via, true)
	return append(b, '}')
}

// AppendRecords appends records as lines of JSON, a newline between two
// (the decision log ends the last).
func AppendRecords(b []byte, records []*Record) []byte {
	for i, r := range records {
		if i > 0 {
			b = append(b, '\n')
		}
		b = r.AppendJSON(b)
	}
	return b
}

func appendField(b []byte, name, value string, omitEmpty bool) []byte {
	if omitEmpty && value == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendJSONString(b, value)
}

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendJSONText(b, s)
	return append(b, '"')
}

// appendJSONText appends s escaped as encoding/json escapes string
// contents: the short escapes, other control characters and <, >, & as
// \u00XX, invalid UTF-8 as \ufffd, and U+2028 and U+2029 escaped.
func appendJSONText(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}
