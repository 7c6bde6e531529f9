package activity

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/wardhq/ward/internal/engine"
)

// maxRecord bounds the bytes read for one record (or one value skipped)
// of a CloudTrail file: CloudTrail's records are kilobytes, so a larger
// one is not a record, and reading it whole would hold it all in memory.
const maxRecord = 8 << 20

var errRecordTooLarge = fmt.Errorf("a record is larger than %d MiB: not a CloudTrail record", maxRecord>>20)

// maxInterned bounds the strings a trail reader remembers to share:
// sources, names, regions, accounts, callers and parameter keys repeat
// from record to record, and each is kept once while the table has room.
const maxInterned = 4096

// trailReader reads a CloudTrail stream in steps, each a scan over the
// bytes at hand that, when it runs short, is run again from its start
// over more of the stream. Its buffer holds one record or a run of
// records; it grows only for a record larger than itself, up to
// maxRecord.
type trailReader struct {
	r          io.Reader
	buf        []byte
	start, end int
	// off is the offset in the stream of buf[start], for errors.
	off     int64
	eof     bool
	interns map[string]string
}

// step runs parse over the unread bytes and consumes what it read.
func (t *trailReader) step(parse func(s *scan) error) error {
	for {
		s := scan{b: t.buf[t.start:t.end]}
		err := parse(&s)
		if err == nil {
			t.start += s.i
			t.off += int64(s.i)
			return nil
		}
		if err != errShort {
			var se *syntaxError
			if errors.As(err, &se) {
				se.off += t.off
			}
			return err
		}
		if t.eof {
			return errors.New("unexpected end of the file: it is cut short")
		}
		if err := t.fill(); err != nil {
			return err
		}
	}
}

// fill reads more of the stream after the unread bytes.
func (t *trailReader) fill() error {
	unread := t.end - t.start
	if unread >= maxRecord {
		return errRecordTooLarge
	}
	if t.start > 0 {
		copy(t.buf, t.buf[t.start:t.end])
		t.start, t.end = 0, unread
	}
	if t.end == len(t.buf) {
		size := 2 * len(t.buf)
		if size > maxRecord+1 {
			size = maxRecord + 1
		}
		grown := make([]byte, size)
		copy(grown, t.buf[:t.end])
		t.buf = grown
	}
	// The buffer is filled whole: a record longer than one read of the
	// stream is then scanned again once for each time the buffer
	// doubles, not once for each read.
	n, err := io.ReadFull(t.r, t.buf[t.end:])
	t.end += n
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		t.eof = true
	case err != nil:
		return err
	}
	return nil
}

// intern returns s, shared with an earlier equal string where there is
// one. s may point into the buffer: what is kept is a copy.
func (t *trailReader) intern(s string) string {
	if v, ok := t.interns[s]; ok {
		return v
	}
	v := strings.Clone(s)
	if len(t.interns) < maxInterned {
		t.interns[v] = v
	}
	return v
}

// readTrail reads a CloudTrail log file ({"Records": [...]}) or the
// output of lookup-events ({"Events": [{"CloudTrailEvent": "..."}]}), one
// record at a time.
func (rd Reader) readTrail(r io.Reader, name string, fn func(*Call) error) error {
	size := rd.bufferSize
	if size <= 0 {
		size = 256 << 10
	}
	t := &trailReader{r: r, buf: make([]byte, size), interns: map[string]string{}}
	fail := func(err error) error { return fmt.Errorf("%s: %v", name, err) }
	if err := t.step(func(s *scan) error { return s.expect('{', "an object") }); err != nil {
		return fail(err)
	}
	found, first := false, true
	for {
		// The next key, or the end of the file's object.
		var key string
		end := false
		err := t.step(func(s *scan) error {
			more, err := s.more(first, '}', "a value in an object")
			if end = !more; err != nil || end {
				return err
			}
			k, err := s.key()
			key = strings.Clone(k)
			return err
		})
		if err != nil {
			return fail(err)
		}
		if end {
			break
		}
		first = false
		if key != "Records" && key != "Events" {
			if err := t.step(func(s *scan) error { return s.skip() }); err != nil {
				return fmt.Errorf("%s: %s: %v", name, key, err)
			}
			continue
		}
		if err := t.step(func(s *scan) error { return s.expect('[', "a list") }); err != nil {
			return fmt.Errorf("%s: %s is not a list", name, key)
		}
		found = true
		if err := rd.readList(t, name, key, fn); err != nil {
			return err
		}
	}
	// The file is one object: anything after it but white space is not
	// CloudTrail's.
	for {
		s := scan{b: t.buf[t.start:t.end]}
		if c, err := s.next(); err == nil {
			return fail(&syntaxError{off: t.off + int64(s.i), msg: describe(c) + " after the file's object"})
		}
		t.off += int64(t.end - t.start)
		t.start = t.end
		if t.eof {
			break
		}
		if err := t.fill(); err != nil {
			return fail(err)
		}
	}
	if !found {
		return fmt.Errorf("%s: not a CloudTrail log (no Records), lookup-events output (no Events) or decision log", name)
	}
	return nil
}

// readList reads the records of a Records or Events list, after its '['.
func (rd Reader) readList(t *trailReader, name, key string, fn func(*Call) error) error {
	var (
		rec   record
		i     int
		end   bool
		parse = func(s *scan) error {
			more, err := s.more(i == 0, ']', "a record")
			if end = !more; err != nil || end {
				return err
			}
			rec = record{}
			if key == "Records" {
				return rec.read(s, t.intern)
			}
			return rec.readEvent(s, t.intern)
		}
	)
	var c *Call
	for ; ; i++ {
		if c == nil {
			c = &Call{}
		}
		*c = Call{file: name, list: key, index: i}
		if err := t.step(parse); err != nil {
			var in *eventError
			if errors.As(err, &in) {
				return fmt.Errorf("%s.CloudTrailEvent: %v", c.Where(), in.err)
			}
			return fmt.Errorf("%s: %v", c.Where(), err)
		}
		if end {
			return nil
		}
		if !rec.call(c) {
			continue
		}
		kept, err := rd.pass(c, t.intern, fn)
		if err != nil {
			return err
		}
		if kept {
			c = nil // fn has it; a call left out is used for the next record
		}
	}
}

// record is a CloudTrail event, the fields generation reads.
type record struct {
	eventTime                                             time.Time
	eventSource, eventName, eventType, awsRegion          string
	errorCode, recipient                                  string
	identityType, identityARN, identityAccount, issuerARN string
	// sourceIP, vpcEndpoint and tls are where the call came from: its
	// request context, as far as CloudTrail records it.
	sourceIP, vpcEndpoint string
	tls                   bool
	requestParameters     []byte
	resources             []Resource
}

// read reads a record: an object, or null for an empty one.
func (r *record) read(s *scan, intern func(string) string) error {
	if c, err := s.next(); err != nil {
		return err
	} else if c == 'n' {
		return s.literal("null")
	}
	return s.object(func(key string) error {
		var err error
		switch key {
		case "eventTime":
			// RFC 3339, as time.Time reads it from JSON; null for none.
			r.eventTime = time.Time{}
			var c byte
			if c, err = s.next(); err == nil && c == 'n' {
				err = s.literal("null")
			} else if err == nil && c == '"' {
				var raw []byte
				var plain bool
				if raw, plain, err = s.str(); err == nil {
					if !plain {
						raw = []byte(unquote(raw))
					}
					if err = r.eventTime.UnmarshalText(raw); err != nil {
						err = fmt.Errorf("eventTime: %v", err)
					}
				}
			} else if err == nil {
				err = s.fail("eventTime is %s, not a string", describe(c))
			}
		case "eventSource":
			r.eventSource, err = s.text(key, intern)
		case "eventName":
			r.eventName, err = s.text(key, intern)
		case "eventType":
			r.eventType, err = s.text(key, intern)
		case "awsRegion":
			r.awsRegion, err = s.text(key, intern)
		case "errorCode":
			r.errorCode, err = s.text(key, intern)
		case "recipientAccountId":
			r.recipient, err = s.text(key, intern)
		case "sourceIPAddress":
			r.sourceIP, err = s.text(key, intern)
		case "vpcEndpointId":
			r.vpcEndpoint, err = s.text(key, intern)
		case "tlsDetails":
			// Any value but null says the call came over TLS.
			var c byte
			if c, err = s.next(); err == nil {
				r.tls = c != 'n'
				err = s.skip()
			}
		case "userIdentity":
			r.identityType, r.identityARN, r.identityAccount, r.issuerARN = "", "", "", ""
			err = s.objectOrNull(key, func(key string) error {
				switch key {
				case "type":
					r.identityType, err = s.text("userIdentity.type", intern)
				case "arn":
					r.identityARN, err = s.text("userIdentity.arn", intern)
				case "accountId":
					r.identityAccount, err = s.text("userIdentity.accountId", intern)
				case "sessionContext":
					r.issuerARN = ""
					err = s.objectOrNull("userIdentity.sessionContext", func(key string) error {
						if key != "sessionIssuer" {
							return s.skip()
						}
						r.issuerARN = ""
						return s.objectOrNull("userIdentity.sessionContext.sessionIssuer", func(key string) error {
							if key != "arn" {
								return s.skip()
							}
							r.issuerARN, err = s.text("userIdentity.sessionContext.sessionIssuer.arn", intern)
							return err
						})
					})
				default:
					err = s.skip()
				}
				return err
			})
		case "requestParameters":
			if _, err = s.next(); err == nil {
				start := s.i
				if err = s.skip(); err == nil {
					r.requestParameters = s.b[start:s.i]
				}
			}
		case "resources":
			r.resources = nil
			c, err2 := s.next()
			switch {
			case err2 != nil:
				err = err2
			case c == 'n':
				err = s.literal("null")
			case c != '[':
				err = s.fail("resources is %s, not a list", describe(c))
			default:
				err = s.list(func() error {
					var res Resource
					err := s.objectOrNull("resources[]", func(key string) error {
						var err error
						switch key {
						case "ARN":
							res.ARN, err = s.text("resources[].ARN", nil)
						case "accountId":
							res.Account, err = s.text("resources[].accountId", intern)
						case "type":
							res.Type, err = s.text("resources[].type", intern)
						default:
							err = s.skip()
						}
						return err
					})
					r.resources = append(r.resources, res)
					return err
				})
			}
		default:
			err = s.skip()
		}
		return err
	})
}

// readEvent reads an entry of lookup-events' Events: the record is the
// string CloudTrailEvent holds.
func (r *record) readEvent(s *scan, intern func(string) string) error {
	var event string
	have := false
	err := s.object(func(key string) error {
		if key != "CloudTrailEvent" {
			return s.skip()
		}
		var err error
		event, err = s.text(key, nil)
		have = true
		return err
	})
	if err != nil {
		return err
	}
	if !have || event == "" {
		return errors.New("no CloudTrailEvent")
	}
	inner := scan{b: []byte(event)}
	if err := r.read(&inner, intern); err != nil {
		if err == errShort {
			err = errors.New("unexpected end of JSON input")
		}
		return &eventError{err}
	}
	if _, err := inner.next(); err != errShort {
		return &eventError{inner.fail("more after the record's object")}
	}
	return nil
}

// eventError is an error in the record a CloudTrailEvent string holds.
type eventError struct{ err error }

func (e *eventError) Error() string { return "CloudTrailEvent: " + e.err.Error() }

// more reads what comes between the members of an object or list read
// one step at a time: the end (close), or, before each member but the
// first, the ','. It says whether a member follows.
func (s *scan) more(first bool, close byte, after string) (bool, error) {
	c, err := s.next()
	if err != nil {
		return false, err
	}
	if c == close {
		s.i++
		return false, nil
	}
	if !first {
		if c != ',' {
			return false, s.fail("%s after %s, not ',' or '%c'", describe(c), after, close)
		}
		s.i++
	}
	return true, nil
}

// objectOrNull reads an object, or null as an empty one; what names the
// field in errors.
func (s *scan) objectOrNull(what string, member func(key string) error) error {
	c, err := s.next()
	if err != nil {
		return err
	}
	switch c {
	case 'n':
		return s.literal("null")
	case '{':
		return s.object(member)
	}
	return s.fail("%s is %s, not an object", what, describe(c))
}

// call fills c from the record, and says whether the record is a call a
// policy decides.
func (r *record) call(c *Call) bool {
	// Only calls made to AWS APIs need permissions: service events and
	// console sign-ins are not requests a policy decides.
	if r.eventType != "" && r.eventType != "AwsApiCall" {
		return false
	}
	c.Time, c.Principal, c.Account, c.Region = r.eventTime, r.identityARN, r.recipient, r.awsRegion
	c.Source, c.Name, c.RawParameters, c.Resources = r.eventSource, r.eventName, r.requestParameters, r.resources
	c.Error, c.Denied = r.errorCode, deniedCodes[r.errorCode]
	c.sourceIP, c.vpcEndpoint, c.tls = r.sourceIP, r.vpcEndpoint, r.tls
	if c.Account == "" {
		c.Account = r.identityAccount
	}
	switch r.identityType {
	case "AssumedRole":
		c.Entity = r.issuerARN
	case "AWSService":
		return false // a service acting as itself, with no policy of the account's
	}
	if c.Entity == "" {
		c.Entity = entityOf(c.Principal)
	}
	return true
}

// Values of context keys a CloudTrail record gives.
var valTrue = []string{"true"}

// trailContext is the request context a CloudTrail record tells of, by
// the IAM User Guide's global condition keys: aws:RequestedRegion is the
// record's awsRegion; through a VPC endpoint, aws:SourceVpce is its ID and
// aws:VpcSourceIp the caller's address, and aws:SourceIp is absent;
// otherwise aws:SourceIp is sourceIPAddress when that is an address (a
// service calling for the principal writes its name there instead); a
// record with TLS details came with aws:SecureTransport true. The keys
// CloudTrail does not record (tags, the VPC's ID) are absent, so a
// condition on them is decided as on a missing key.
func (c *Call) trailContext() []engine.ContextKey {
	var keys []engine.ContextKey
	add := func(name, value string) {
		keys = append(keys, engine.ContextKey{Name: name, Values: []string{value}})
	}
	if c.Region != "" {
		add("aws:RequestedRegion", c.Region)
	}
	_, ipErr := netip.ParseAddr(c.sourceIP)
	switch {
	case c.vpcEndpoint != "":
		add("aws:SourceVpce", c.vpcEndpoint)
		if ipErr == nil {
			add("aws:VpcSourceIp", c.sourceIP)
		}
	case ipErr == nil:
		add("aws:SourceIp", c.sourceIP)
	}
	if c.tls {
		keys = append(keys, engine.ContextKey{Name: "aws:SecureTransport", Values: valTrue})
	}
	slices.SortFunc(keys, func(a, b engine.ContextKey) int { return strings.Compare(a.Name, b.Name) })
	return keys
}
