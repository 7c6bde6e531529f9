package activity

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// referenceRecord reads a record as encoding/json reads JSON into
// generic values, with the field names matched exactly (CloudTrail's
// names, as the scanner matches them) and the last of repeated keys
// winning. It is what the scanner is held to.
func referenceRecord(data []byte) (record, error) {
	var r record
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return r, err
	}
	if len(bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n")) > 0 {
		return r, errors.New("more after the value")
	}
	if v == nil {
		return r, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return r, errors.New("not an object")
	}
	text := func(m map[string]any, key string) (string, error) {
		switch x := m[key].(type) {
		case nil:
			return "", nil
		case string:
			return x, nil
		}
		return "", fmt.Errorf("%s is not a string", key)
	}
	object := func(m map[string]any, key string) (map[string]any, error) {
		switch x := m[key].(type) {
		case nil:
			return nil, nil
		case map[string]any:
			return x, nil
		}
		return nil, fmt.Errorf("%s is not an object", key)
	}
	var err error
	for _, f := range []struct {
		key string
		to  *string
	}{{"eventSource", &r.eventSource}, {"eventName", &r.eventName}, {"eventType", &r.eventType}, {"awsRegion", &r.awsRegion},
		{"errorCode", &r.errorCode}, {"recipientAccountId", &r.recipient}, {"sourceIPAddress", &r.sourceIP}, {"vpcEndpointId", &r.vpcEndpoint}} {
		if *f.to, err = text(m, f.key); err != nil {
			return r, err
		}
	}
	r.tls = m["tlsDetails"] != nil
	switch x := m["eventTime"].(type) {
	case nil:
	case string:
		if err := r.eventTime.UnmarshalText([]byte(x)); err != nil {
			return r, err
		}
	default:
		return r, errors.New("eventTime is not a string")
	}
	id, err := object(m, "userIdentity")
	if err != nil {
		return r, err
	}
	if r.identityType, err = text(id, "type"); err != nil {
		return r, err
	}
	if r.identityARN, err = text(id, "arn"); err != nil {
		return r, err
	}
	if r.identityAccount, err = text(id, "accountId"); err != nil {
		return r, err
	}
	sc, err := object(id, "sessionContext")
	if err != nil {
		return r, err
	}
	issuer, err := object(sc, "sessionIssuer")
	if err != nil {
		return r, err
	}
	if r.issuerARN, err = text(issuer, "arn"); err != nil {
		return r, err
	}
	switch x := m["resources"].(type) {
	case nil:
	case []any:
		for _, e := range x {
			var res Resource
			switch o := e.(type) {
			case nil:
			case map[string]any:
				if res.ARN, err = text(o, "ARN"); err != nil {
					return r, err
				}
				if res.Account, err = text(o, "accountId"); err != nil {
					return r, err
				}
				if res.Type, err = text(o, "type"); err != nil {
					return r, err
				}
			default:
				return r, errors.New("a resource is not an object")
			}
			r.resources = append(r.resources, res)
		}
	default:
		return r, errors.New("resources is not a list")
	}
	if p, ok := m["requestParameters"]; ok {
		r.requestParameters, _ = json.Marshal(p)
	}
	return r, nil
}

// referenceParameters reads requestParameters as encoding/json reads
// them into a map.
func referenceParameters(raw []byte) (map[string]any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return x, nil
	}
	return nil, errors.New("not an object")
}

// scanRecord reads one whole record with the scanner.
func scanRecord(data []byte) (record, error) {
	var r record
	t := &trailReader{interns: map[string]string{}}
	s := scan{b: data}
	if err := r.read(&s, t.intern); err != nil {
		return r, err
	}
	if _, err := s.next(); err != errShort {
		return r, errors.New("more after the value")
	}
	return r, nil
}

// checkSameRecord holds the scanner to the reference on one input: both
// refuse it, or both read the same fields and parameters.
func checkSameRecord(t *testing.T, data []byte) {
	t.Helper()
	got, gotErr := scanRecord(data)
	want, wantErr := referenceRecord(data)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("%q: the scanner says %v, encoding/json %v", data, gotErr, wantErr)
	}
	if gotErr != nil {
		return
	}
	gotParams, gotPErr := decodeParameters(got.requestParameters, nil)
	if len(got.requestParameters) == 0 {
		gotParams, gotPErr = nil, nil
	}
	wantParams, wantPErr := referenceParameters(want.requestParameters)
	if (gotPErr == nil) != (wantPErr == nil) || !reflect.DeepEqual(gotParams, wantParams) {
		t.Fatalf("%q: parameters %v (%v), encoding/json %v (%v)", data, gotParams, gotPErr, wantParams, wantPErr)
	}
	got.requestParameters, want.requestParameters = nil, nil
	if !got.eventTime.Equal(want.eventTime) {
		t.Fatalf("%q: time %v, encoding/json %v", data, got.eventTime, want.eventTime)
	}
	got.eventTime, want.eventTime = time.Time{}, time.Time{}
	if len(got.resources) == 0 && len(want.resources) == 0 {
		got.resources, want.resources = nil, nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %+v\nwant %+v", data, got, want)
	}
}

var recordSamples = []string{
	oneRecord,
	`null`,
	`{}`,
	` { "eventName" : "A\u00e9\"\\\/\b\f\n\r\t" , "eventTime" : null } `,
	`{"eventName":"x","eventName":"y"}`,
	`{"sourceIPAddress":"10.0.0.1","vpcEndpointId":"vpce-1","tlsDetails":{"tlsVersion":"TLSv1.3"}}`,
	`{"tlsDetails":null,"sourceIPAddress":5}`,
	`{"tlsDetails":[1,2],"tlsDetails":false}`,
	`{"userIdentity":{"arn":"a","sessionContext":{"sessionIssuer":{"arn":"r"}}},"userIdentity":{"type":"IAMUser"}}`,
	`{"userIdentity":null,"resources":null,"requestParameters":null}`,
	`{"resources":[null,{"ARN":"a","extra":[1,2,{"x":null}]}],"resources":[]}`,
	`{"requestParameters":{"n":1.5e3,"b":true,"l":[],"o":{},"s":"\ud83d\ude00","z":null}}`,
	`{"requestParameters":{"big":1e400}}`,
	`{"requestParameters":[1]}`,
	`{"requestParameters":"x"}`,
	`{"eventTime":"2026-11-30T10:00:00.123+02:00"}`,
	`{"eventTime":"2026-11-30 10:00:00"}`,
	`{"eventTime":""}`,
	`{"eventTime":5}`,
	`{"eventName":5}`,
	`{"userIdentity":[]}`,
	`{"resources":{}}`,
	`{"resources":[1]}`,
	`{"EventName":"case differs","eventname":"y"}`,
	"{\"eventName\":\"bad utf-8 \xff\xfe\"}",
	"{\"eventName\":\"a control \x01\"}",
	`{"eventName":"\x"}`,
	`{"eventName":"\u12"}`,
	`{"a":-0.5e-3,"b":-01}`,
	`{"a":1.}`,
	`{"a":.5}`,
	`{"a":tru}`,
	`{"a":nul}`,
	`{"a":1,}`,
	`{"a" 1}`,
	`{,}`,
	`{"a":[1,]}`,
	`{"a":[1 2]}`,
	`{"a":1}}`,
	`{"a":1} x`,
	`{"requestParameters":{"k\u0065y":"v"},"event\u004eame":"escaped key"}`,
	`[]`,
	`"record"`,
	``,
	`{`,
}

// FuzzScanRecord: on any input the scanner and encoding/json agree (the
// samples are run by go test too, as every fuzz target's seeds are).
func FuzzScanRecord(f *testing.F) {
	for _, s := range recordSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSameRecord(t, data)
	})
}

// readCalls reads a stream with a buffer of size bytes to begin with.
func readCalls(data []byte, size int) (string, error) {
	var out strings.Builder
	err := Reader{bufferSize: size}.ReadStream(bytes.NewReader(data), "f", func(c *Call) error {
		derr := c.Decode()
		fmt.Fprintf(&out, "%s %v %q %q %q %q %q %q %q %v %v %q %v %v\n", c.Where(), c.Time, c.Principal, c.Entity, c.Account, c.Region,
			c.Source, c.Name, c.Error, c.Denied, c.Resources, c.Action, c.Parameters, derr)
		return nil
	})
	return out.String(), err
}

// checkBufferSizes: a stream reads the same, calls and error, whatever
// size the buffer starts at, so a record cut by the buffer's end is read
// again whole.
func checkBufferSizes(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := readCalls(data, 0)
	for _, size := range []int{1, 2, 3, 7, 64} {
		got, err := readCalls(data, size)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) || got != want {
			t.Fatalf("%q with a buffer of %d bytes:\n%s%v\nwith the usual buffer:\n%s%v", data, size, got, err, want, wantErr)
		}
	}
}

var streamSamples = []string{
	`{"Records":[` + oneRecord + `,` + oneRecord + `]}`,
	`{"Other":{"a":[1,2,"x"]},"Records":[` + oneRecord + `],"More":1}`,
	`{"Records":[]} `,
	`{"Records":[` + oneRecord + `]`,
	`{"Records":[` + oneRecord + `]} trailing`,
	`{"Records":[` + oneRecord + ` ` + oneRecord + `]}`,
	`{"Records":[{"eventTime":"bad"}]}`,
	`{"Events":[{"CloudTrailEvent":"{\"eventName\":\"GetObject\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::1:user/a\"}}"}]}`,
	`{"Events":[{"CloudTrailEvent":"{\"eventName\":1}"}]}`,
	`{"Events":[{"CloudTrailEvent":"{} {}"}]}`,
	`{"Records":[{"eventType":"AwsServiceEvent"},{"userIdentity":{"type":"AWSService"}},{"eventName":"x"}]}`,
	`{"Records":[{"requestParameters":{"a":1e999}}]}`,
}

// FuzzBufferSizes: any stream reads the same with any buffer.
func FuzzBufferSizes(f *testing.F) {
	for _, s := range streamSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkBufferSizes(t, data)
	})
}

// TestScanErrors: malformed records are refused with the byte and what is
// wrong there.
func TestScanErrors(t *testing.T) {
	for _, tc := range []struct{ data, want string }{
		{`{"Records":[{"eventName":5}]}`, "f: Records[0]: offset 25: eventName is a number, not a string"},
		{`{"Records":[{"a":1,}]}`, `f: Records[0]: offset 19: '}' where a key begins`},
		{`{"Records":[{"a":"\q"}]}`, `f: Records[0]: offset 18: an escape \q that JSON does not have`},
		{`{"Records":[{},{"resources":{}}]}`, "f: Records[1]: offset 28: resources is an object, not a list"},
		{`{"Records":[{}] x`, `f: offset 16: 'x' after a value in an object, not ',' or '}'`},
		{`{"Records":[{}]} x`, `f: offset 17: 'x' after the file's object`},
		{`{"Records":[{"eventTime":"noon"}]}`, `f: Records[0]: eventTime: parsing time "noon"`},
		{`{"Records":[{"a":` + strings.Repeat("[", maxDepth+1) + `}]}`, "values nest more than 10000 deep"},
		{`{"Records":[{}`, "f: Records[1]: unexpected end of the file: it is cut short"},
	} {
		_, err := readCalls([]byte(tc.data), 0)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.data, err, tc.want)
		}
	}
}
