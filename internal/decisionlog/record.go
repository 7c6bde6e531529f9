package decisionlog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wardhq/ward/internal/engine"
	"github.com/wardhq/ward/internal/jsonw"
)

// Record is one authorization decision, as the decision log keeps it: the
// input of least-privilege generation, which reads it back with
// encoding/json.
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
	// Context is the request context the decision was made with: the
	// keys the request gave and the keys ward added for the caller and
	// the transport (tags, aws:SourceIp, aws:SecureTransport, ...), in
	// name order; not the keys the engine derives from the caller and
	// the time, which the other fields give. Generation reads it back to
	// decide each call again as it was decided.
	Context Context `json:"context,omitempty"`
	Message string  `json:"message,omitempty"`
	// Via names who asked, for decisions made for /v1/authorize.
	Via string `json:"via,omitempty"`

	// Matches, when Matched is empty, are written as Matched would be:
	// formatting them into the log line directly costs no allocation.
	Matches []engine.Match `json:"-"`
}

// AppendJSON appends the record as one JSON object, byte for byte what
// encoding/json writes for it (fields, order, omitempty, escaping), but
// without allocating: the decision log writes one for every request.
func (r *Record) AppendJSON(b []byte) []byte {
	b = append(b, `{"time":"`...)
	b = r.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	b = jsonw.Field(b, "requestId", r.RequestID, false)
	b = jsonw.Field(b, "caller", r.Caller, false)
	b = jsonw.Field(b, "account", r.Account, false)
	b = jsonw.Field(b, "action", r.Action, false)
	b = jsonw.Field(b, "resource", r.Resource, false)
	b = jsonw.Field(b, "decision", r.Decision, false)
	b = jsonw.Field(b, "decidedBy", r.DecidedBy, true)
	switch {
	case len(r.Matched) > 0:
		b = append(b, `,"matched":[`...)
		for i, m := range r.Matched {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonw.String(b, m)
		}
		b = append(b, ']')
	case len(r.Matches) > 0:
		b = append(b, `,"matched":[`...)
		for i := range r.Matches {
			m := &r.Matches[i]
			if i > 0 {
				b = append(b, ',')
			}
			// One string, "TYPE POLICY PATH", quoted as a whole.
			b = append(b, '"')
			b = jsonw.Text(b, m.Type.String())
			b = append(b, ' ')
			b = jsonw.Text(b, m.Policy)
			b = append(b, ' ')
			b = jsonw.Text(b, m.Source.Path)
			b = append(b, '"')
		}
		b = append(b, ']')
	}
	b = jsonw.Field(b, "sourceIp", r.SourceIP, true)
	if len(r.Context) > 0 {
		b = append(b, `,"context":`...)
		b = r.Context.appendJSON(b)
	}
	b = jsonw.Field(b, "message", r.Message, true)
	b = jsonw.Field(b, "via", r.Via, true)
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

// Record appends records to the log as one batch, for Service.Decisions.
func (l *Log) Record(records []*Record) error {
	return l.Append(func(b []byte) []byte { return AppendRecords(b, records) })
}

// Context is a request context, written as a JSON object of key names to
// lists of values in the list's order: {"aws:SourceIp":["10.0.0.1"]}.
type Context []engine.ContextKey

// MarshalJSON writes the context as appendJSON does.
func (c Context) MarshalJSON() ([]byte, error) { return c.appendJSON(nil), nil }

func (c Context) appendJSON(b []byte) []byte {
	b = append(b, '{')
	for i := range c {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonw.String(b, c[i].Name)
		b = append(b, `:[`...)
		for j, v := range c[i].Values {
			if j > 0 {
				b = append(b, ',')
			}
			b = jsonw.String(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// UnmarshalJSON reads a context object, keeping its order. A key named
// twice (as IAM compares names, ignoring case) is an error: no request
// gives one twice.
func (c *Context) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("context is not an object")
	}
	var out Context
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("context: %v", err)
		}
		name := tok.(string)
		for _, k := range out {
			if bytes.EqualFold([]byte(k.Name), []byte(name)) {
				return fmt.Errorf("context: key %q is given twice", name)
			}
		}
		var values []string
		if err := dec.Decode(&values); err != nil {
			return fmt.Errorf("context: %s: not a list of strings: %v", name, err)
		}
		out = append(out, engine.ContextKey{Name: name, Values: values})
	}
	*c = out
	return nil
}
