// Package activity reads what principals did, as one stream of calls:
// CloudTrail's log files as CloudTrail delivers them ({"Records": [...]},
// gzip-compressed or not, one file or the AWSLogs/ACCOUNT/CloudTrail/...
// tree), the output of `aws cloudtrail lookup-events`, and ward's own
// decision log.
//
// Files are read as streams: a CloudTrail file is decoded one record at a
// time, so memory does not grow with the size of a file or of a tree.
// The kind of a file is read from its content, not its name: gzip by its
// magic bytes, CloudTrail and lookup-events by their first key, the
// decision log by its records.
package activity

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/wardhq/ward/internal/decisionlog"
	"github.com/wardhq/ward/internal/engine"
)

// Call is one request a principal made.
type Call struct {
	Time time.Time
	// Principal is the caller's ARN as the call names it: a user, a role
	// session (arn:aws:sts::A:assumed-role/R/S), the root user.
	Principal string
	// Entity is the IAM entity behind the caller: the role of a session
	// (with its path, where the source gives it), the user itself.
	Entity string
	// Account is the account the call was made in; Region its region.
	Account, Region string

	// Source and Name are CloudTrail's eventSource and eventName
	// ("s3.amazonaws.com", "GetObject"), for calls read from CloudTrail.
	Source, Name string
	// Action and Resource are set instead for calls from ward's decision
	// log, which records the IAM action and resource it decided.
	Action, Resource string

	// Parameters are CloudTrail's requestParameters, once Decode has read
	// them from RawParameters: a reader that selects calls by principal
	// first decodes only the calls it keeps, the most costly part of a
	// record.
	Parameters    map[string]any
	RawParameters json.RawMessage
	// Resources are CloudTrail's resources list.
	Resources []Resource

	// Error is the call's error code, if it failed; Denied says it was
	// refused for lack of permission (AccessDenied and its kin, or an
	// engine decision that is not Allow).
	Error  string
	Denied bool

	// Where is the file and record the call was read from.
	Where string
}

// Resource is an entry of a CloudTrail event's resources list.
type Resource struct {
	ARN     string `json:"ARN"`
	Account string `json:"accountId"`
	Type    string `json:"type"`
}

// deniedCodes are the error codes services answer a call that lacks
// permission with.
var deniedCodes = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true, "UnauthorizedOperation": true,
	"Client.UnauthorizedOperation": true, "UnauthorizedAccess": true, "AuthorizationError": true,
	"AuthorizationErrorException": true, "Forbidden": true, "ForbiddenException": true,
	"AccessDeniedFault": true, "UnauthorizedException": true,
}

// record is a CloudTrail event, the fields generation reads.
type record struct {
	EventTime    time.Time `json:"eventTime"`
	EventSource  string    `json:"eventSource"`
	EventName    string    `json:"eventName"`
	EventType    string    `json:"eventType"`
	AWSRegion    string    `json:"awsRegion"`
	ErrorCode    string    `json:"errorCode"`
	Recipient    string    `json:"recipientAccountId"`
	UserIdentity struct {
		Type           string `json:"type"`
		ARN            string `json:"arn"`
		AccountID      string `json:"accountId"`
		SessionContext struct {
			SessionIssuer struct {
				Type string `json:"type"`
				ARN  string `json:"arn"`
			} `json:"sessionIssuer"`
		} `json:"sessionContext"`
	} `json:"userIdentity"`
	RequestParameters json.RawMessage `json:"requestParameters"`
	Resources         []Resource      `json:"resources"`
}

func (r *record) call(where string) (*Call, bool) {
	// Only calls made to AWS APIs need permissions: service events and
	// console sign-ins are not requests a policy decides.
	if r.EventType != "" && r.EventType != "AwsApiCall" {
		return nil, false
	}
	c := &Call{
		Time: r.EventTime, Principal: r.UserIdentity.ARN, Account: r.Recipient, Region: r.AWSRegion,
		Source: r.EventSource, Name: r.EventName, RawParameters: r.RequestParameters, Resources: r.Resources,
		Error: r.ErrorCode, Denied: deniedCodes[r.ErrorCode], Where: where,
	}
	if c.Account == "" {
		c.Account = r.UserIdentity.AccountID
	}
	switch r.UserIdentity.Type {
	case "AssumedRole":
		c.Entity = r.UserIdentity.SessionContext.SessionIssuer.ARN
	case "AWSService":
		return nil, false // a service acting as itself, with no policy of the account's
	}
	if c.Entity == "" {
		c.Entity = entityOf(c.Principal)
	}
	return c, true
}

// Decode reads the call's request parameters. A record whose parameters
// are not an object (null, as CloudTrail writes for calls without any)
// has none.
func (c *Call) Decode() error {
	if c.Parameters != nil || len(c.RawParameters) == 0 {
		return nil
	}
	raw := bytes.TrimSpace(c.RawParameters)
	c.RawParameters = nil
	if string(raw) == "null" {
		return nil
	}
	if raw[0] != '{' {
		return fmt.Errorf("%s: requestParameters is not an object", c.Where)
	}
	if err := json.Unmarshal(raw, &c.Parameters); err != nil {
		return fmt.Errorf("%s: requestParameters: %v", c.Where, err)
	}
	return nil
}

// entityOf is the entity behind a caller ARN: a session's role (without
// the path, which a session ARN does not carry), else the ARN itself.
func entityOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[2] == "sts" && strings.HasPrefix(parts[5], "assumed-role/") {
		role, _, _ := strings.Cut(strings.TrimPrefix(parts[5], "assumed-role/"), "/")
		return "arn:" + parts[1] + ":iam::" + parts[4] + ":role/" + role
	}
	return arn
}

// Read reads the calls in a file or, for a folder, in every file under it
// (sorted, so answers do not depend on the order the file system lists
// them), and passes each to fn. An error from fn stops the reading and is
// returned.
func Read(path string, fn func(*Call) error) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return readFile(path, fn)
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != path && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		// In a folder, only files named as CloudTrail names its files or
		// as the decision log is named are read: a tree also holds
		// digests and notes, which are not calls.
		name := d.Name()
		if strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".json.gz") || strings.HasSuffix(name, ".log") {
			if !strings.Contains(filepath.ToSlash(p), "/CloudTrail-Digest/") {
				files = append(files, p)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	if len(files) == 0 {
		return fmt.Errorf("%s: no .json, .json.gz or .log files in it", path)
	}
	return readFiles(files, runtime.GOMAXPROCS(0), fn)
}

// chunk is a run of one file's calls, or the error that ended the file.
type chunk struct {
	calls []*Call
	err   error
}

const chunkSize = 512

// readFiles reads files with up to workers at once, decompressing and
// decoding in parallel, and passes their calls to fn in file order, from
// one goroutine. Memory is bounded: a worker waits once a few chunks of
// its file are ahead of fn.
func readFiles(files []string, workers int, fn func(*Call) error) error {
	if workers > len(files) {
		workers = len(files)
	}
	if workers <= 1 {
		for _, f := range files {
			if err := readFile(f, fn); err != nil {
				return err
			}
		}
		return nil
	}
	done := make(chan struct{})
	defer close(done)
	results := make([]chan chunk, len(files))
	for i := range results {
		results[i] = make(chan chunk, 4)
	}
	jobs := make(chan int)
	go func() {
		defer close(jobs)
		for i := range files {
			select {
			case jobs <- i:
			case <-done:
				return
			}
		}
	}()
	for w := 0; w < workers; w++ {
		go func() {
			for i := range jobs {
				out := results[i]
				var buf []*Call
				send := func(c chunk) bool {
					select {
					case out <- c:
						return true
					case <-done:
						return false
					}
				}
				err := readFile(files[i], func(c *Call) error {
					buf = append(buf, c)
					if len(buf) == chunkSize {
						if !send(chunk{calls: buf}) {
							return errStopped
						}
						buf = nil
					}
					return nil
				})
				if err == errStopped || !send(chunk{calls: buf, err: err}) {
					return
				}
				close(out)
			}
		}()
	}
	for i := range files {
		for c := range results[i] {
			for _, call := range c.calls {
				if err := fn(call); err != nil {
					return err
				}
			}
			if c.err != nil {
				return c.err
			}
		}
	}
	return nil
}

// errStopped ends a worker's file when the reading has stopped.
var errStopped = errors.New("stopped")

func readFile(path string, fn func(*Call) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return ReadFrom(f, path, fn)
}

// ReadFrom reads the calls in one stream, named name in errors.
func ReadFrom(r io.Reader, name string, fn func(*Call) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	key, err := firstKey(br)
	if err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	// ward writes "time" first in every decision log record; CloudTrail
	// and lookup-events files are objects that hold Records or Events.
	if key == "time" {
		return readDecisions(br, name, fn)
	}
	return readTrail(br, name, fn)
}

// firstKey peeks at the first key of the stream's first JSON object.
func firstKey(br *bufio.Reader) (string, error) {
	head, err := br.Peek(4096)
	if len(head) == 0 {
		if err == io.EOF {
			return "", fmt.Errorf("empty file")
		}
		return "", err
	}
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) == 0 || head[0] != '{' {
		return "", fmt.Errorf("not a CloudTrail log, lookup-events output or decision log: it does not start with a JSON object")
	}
	head = bytes.TrimLeft(head[1:], " \t\r\n")
	if len(head) > 0 && head[0] == '}' {
		return "", nil
	}
	if len(head) == 0 || head[0] != '"' {
		return "", fmt.Errorf("not a CloudTrail log, lookup-events output or decision log: its first object has no key")
	}
	end := bytes.IndexByte(head[1:], '"')
	if end < 0 {
		return "", fmt.Errorf("the first key is not closed in the first 4 KiB")
	}
	return string(head[1 : 1+end]), nil
}

// readTrail reads a CloudTrail log file ({"Records": [...]}) or the
// output of lookup-events ({"Events": [{"CloudTrailEvent": "..."}]}), one
// record at a time.
func readTrail(r io.Reader, name string, fn func(*Call) error) error {
	lim := &recordLimit{r: r, n: maxRecord}
	dec := json.NewDecoder(lim)
	if _, err := dec.Token(); err != nil { // {
		return fmt.Errorf("%s: %v", name, err)
	}
	found := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
		key, _ := tok.(string)
		if key != "Records" && key != "Events" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fmt.Errorf("%s: %s: %v", name, key, err)
			}
			lim.n = maxRecord
			continue
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
			return fmt.Errorf("%s: %s is not a list", name, key)
		}
		found = true
		for i := 0; dec.More(); i++ {
			where := fmt.Sprintf("%s: %s[%d]", name, key, i)
			var rec record
			if key == "Records" {
				if err := dec.Decode(&rec); err != nil {
					return fmt.Errorf("%s: %v", where, err)
				}
			} else {
				var ev struct {
					CloudTrailEvent string `json:"CloudTrailEvent"`
				}
				if err := dec.Decode(&ev); err != nil {
					return fmt.Errorf("%s: %v", where, err)
				}
				if ev.CloudTrailEvent == "" {
					return fmt.Errorf("%s: no CloudTrailEvent", where)
				}
				if err := json.Unmarshal([]byte(ev.CloudTrailEvent), &rec); err != nil {
					return fmt.Errorf("%s.CloudTrailEvent: %v", where, err)
				}
			}
			lim.n = maxRecord
			if c, ok := rec.call(where); ok {
				if err := fn(c); err != nil {
					return err
				}
			}
		}
		if _, err := dec.Token(); err != nil { // ]
			return fmt.Errorf("%s: %v", name, err)
		}
	}
	if _, err := dec.Token(); err != nil { // }
		return fmt.Errorf("%s: %v", name, err)
	}
	if !found {
		return fmt.Errorf("%s: not a CloudTrail log (no Records), lookup-events output (no Events) or decision log", name)
	}
	return nil
}

// maxRecord bounds the bytes read for one record (or one value skipped)
// of a CloudTrail file: CloudTrail's records are kilobytes, so a larger
// one is not a record, and reading it whole would hold it all in memory.
const maxRecord = 8 << 20

var errRecordTooLarge = fmt.Errorf("a record is larger than %d MiB: not a CloudTrail record", maxRecord>>20)

// recordLimit fails a read once n bytes have been read since the last
// record.
type recordLimit struct {
	r io.Reader
	n int64
}

func (l *recordLimit) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errRecordTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// maxDecisionLine bounds one line of a decision log: ward writes records
// of a few hundred bytes, so a longer line is not one of its.
const maxDecisionLine = 1 << 20

// readDecisions reads ward's decision log: one JSON record per line.
func readDecisions(br *bufio.Reader, name string, fn func(*Call) error) error {
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 64<<10), maxDecisionLine)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		where := fmt.Sprintf("%s:%d", name, line)
		var rec decisionlog.Record
		if err := json.Unmarshal(text, &rec); err != nil {
			return fmt.Errorf("%s: not a decision log record: %v", where, err)
		}
		if rec.Action == "" || rec.Caller == "" || rec.Decision == "" {
			return fmt.Errorf("%s: not a decision log record: it has no caller, action or decision", where)
		}
		c := &Call{
			Time: rec.Time, Principal: rec.Caller, Entity: entityOf(rec.Caller), Account: rec.Account,
			Action: rec.Action, Resource: rec.Resource, Where: where,
		}
		switch res, ok := engine.ParseResult(rec.Decision); {
		case !ok:
			return fmt.Errorf("%s: decision %q is not Allowed, ExplicitDeny or ImplicitDeny", where, rec.Decision)
		case res != engine.Allowed:
			c.Error, c.Denied = rec.Decision, true
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("%s: a line is longer than %d bytes: not a decision log", name, maxDecisionLine)
		}
		return fmt.Errorf("%s: %v", name, err)
	}
	return nil
}
