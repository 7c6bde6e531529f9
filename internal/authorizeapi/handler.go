// Package authorizeapi serves POST /v1/authorize: ward as the decision
// point of a service, which asks whether a principal ward stores may do
// something and gets the engine's whole answer as JSON. It is HTTP and
// JSON only: reading a bounded body, telling one question from a batch,
// writing answers and errors without allocating per field. The service
// (internal/iamapi) authenticates the caller, authorizes it to ask, and
// decides.
package authorizeapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/wardhq/ward/internal/awsquery"
	"github.com/wardhq/ward/internal/iamapi"
	"github.com/wardhq/ward/internal/jsonw"
)

// Handler serves POST /v1/authorize: one request as a JSON
// object, or {"requests": [...]} for a batch, answered in order. The call
// is signed with SigV4 like any other, and the caller needs
// iam:SimulatePrincipalPolicy on each principal it asks about: asking
// what someone may do is what that permission grants in IAM.
func Handler(s *iamapi.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requestID := iamapi.NewRequestID()
		h := w.Header()
		h["Content-Type"] = jsonContentType
		h.Set("x-amzn-RequestId", requestID)
		in := awsquery.GetBuffer()
		defer awsquery.PutBuffer(in)
		body, err := readBody(*in, r.Body, maxAuthorizeBody)
		*in = body
		if errors.Is(err, errBodyTooLarge) {
			writeJSONError(w, 413, "RequestEntityTooLarge", fmt.Sprintf("the request body is larger than %d bytes", maxAuthorizeBody), requestID)
			return
		}
		if err != nil {
			writeJSONError(w, 400, "InvalidRequest", "the request body could not be read", requestID)
			return
		}
		asker, aerr := s.Authenticate(r, body, requestID)
		if aerr != nil {
			writeJSONError(w, aerr.Status, aerr.Code, aerr.Message, requestID)
			return
		}
		one, batch, err := decodeAuthorizeBody(body)
		if err != nil {
			writeJSONError(w, 400, "InvalidRequest", "the body must be an authorization request or {\"requests\": [...]}: "+err.Error(), requestID)
			return
		}
		single := batch == nil
		out := awsquery.GetBuffer()
		defer awsquery.PutBuffer(out)
		b := (*out)[:0]
		if single {
			b = appendAnswer(b, s.Authorize(r.Context(), &asker, one))
		} else {
			b = append(b, `{"results":[`...)
			for i := range batch {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendAnswer(b, s.Authorize(r.Context(), &asker, &batch[i]))
			}
			b = append(b, "]}"...)
		}
		*out = append(b, '\n')
		w.Write(*out)
	})
}

var jsonContentType = []string{"application/json"}

// Bounds of a /v1/authorize call: its body is at most maxAuthorizeBody
// bytes (RequestEntityTooLarge past it, never cut short), and a batch asks
// at most maxAuthorizeBatch questions. A thousand questions of a few
// hundred bytes each fit well within the body's bound.
const (
	maxAuthorizeBody  = 8 << 20
	maxAuthorizeBatch = 1000
)

// decodeAuthorizeBody reads a /v1/authorize body, decoding it once: an
// object whose one top-level member is "requests", a JSON array of
// requests, is a batch (batch is then non-nil, though perhaps empty);
// any other object is one request. What the body is, is told by its
// top-level members, never by searching its text, so a single request
// whose resource or context holds the word "requests" is a single
// request. Unknown members, at the top or in a batch's requests, are
// refused, so a misspelt field is an error rather than a question about
// something else; so are a "requests" that is not an array, a batch with
// request members beside it, and anything after the object.
func decodeAuthorizeBody(body []byte) (one *iamapi.AuthorizeRequest, batch []iamapi.AuthorizeRequest, err error) {
	// One decode: the request's members and "requests" side by side, then
	// which of them the body used.
	var in struct {
		iamapi.AuthorizeRequest
		Requests requestList `json:"requests"`
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(&in); err != nil {
		return nil, nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, nil, errors.New("data after the JSON value")
	}
	if !in.Requests.present {
		return &in.AuthorizeRequest, nil, nil
	}
	r := in.AuthorizeRequest
	if r.Principal != "" || r.Action != "" || r.Resource != "" || r.Context != nil || r.ResourcePolicy != nil {
		return nil, nil, errors.New(`a batch has only the member "requests"`)
	}
	return nil, in.Requests.list, nil
}

// requestList is the "requests" member of a batch, read as it is decoded:
// a JSON array (null is not one) of requests without unknown members, at
// most maxAuthorizeBatch of them, refused at the first one too many.
type requestList struct {
	present bool
	list    []iamapi.AuthorizeRequest
}

func (l *requestList) UnmarshalJSON(data []byte) error {
	l.present = true
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if tok, err := d.Token(); err != nil || tok != json.Delim('[') {
		return errors.New(`"requests" must be an array of requests`)
	}
	l.list = []iamapi.AuthorizeRequest{}
	for d.More() {
		if len(l.list) == maxAuthorizeBatch {
			return fmt.Errorf("a batch holds at most %d requests", maxAuthorizeBatch)
		}
		l.list = append(l.list, iamapi.AuthorizeRequest{})
		if err := d.Decode(&l.list[len(l.list)-1]); err != nil {
			return err
		}
	}
	_, err := d.Token() // the closing bracket
	return err
}

var errBodyTooLarge = errors.New("the request body is too large")

// readBody reads a request body of at most limit bytes into buf.
func readBody(buf []byte, body io.Reader, limit int64) ([]byte, error) {
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf, errBodyTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func writeJSONError(w http.ResponseWriter, status int, code, msg, requestID string) {
	w.WriteHeader(status)
	b := append([]byte(`{"code":`), jsonw.String(nil, code)...)
	b = append(append(b, `,"message":`...), jsonw.String(nil, msg)...)
	b = append(append(b, `,"requestId":`...), jsonw.String(nil, requestID)...)
	w.Write(append(b, "}\n"...))
}

// appendAnswer appends the answer as encoding/json would write it.
func appendAnswer(b []byte, a *iamapi.AuthorizeAnswer) []byte {
	b = append(b, `{"decision":`...)
	b = jsonw.String(b, a.Decision)
	if a.DecidedBy != "" {
		b = append(b, `,"decidedBy":`...)
		b = jsonw.String(b, a.DecidedBy)
	}
	b = append(b, `,"matched":`...)
	if a.Matched == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range a.Matched {
			m := &a.Matched[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"policyType":`...)
			b = jsonw.String(b, m.PolicyType)
			b = append(b, `,"policy":`...)
			b = jsonw.String(b, m.Policy)
			b = append(b, `,"statement":`...)
			b = strconv.AppendInt(b, int64(m.Statement), 10)
			if m.Sid != "" {
				b = append(b, `,"sid":`...)
				b = jsonw.String(b, m.Sid)
			}
			b = append(b, `,"effect":`...)
			b = jsonw.String(b, m.Effect)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if a.Message != "" {
		b = append(b, `,"message":`...)
		b = jsonw.String(b, a.Message)
	}
	b = append(b, `,"missingContextKeys":`...)
	if a.MissingContextKeys == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, k := range a.MissingContextKeys {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonw.String(b, k)
		}
		b = append(b, ']')
	}
	if a.Error != "" {
		b = append(b, `,"error":`...)
		b = jsonw.String(b, a.Error)
	}
	return append(b, '}')
}
