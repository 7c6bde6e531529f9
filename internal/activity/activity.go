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
//
// CloudTrail records are read by a scanner of this package's own
// (scan.go), as encoding/json reads JSON into generic values: the same
// grammar, strings and numbers, the last of repeated keys winning. Field
// names are matched as CloudTrail spells them, exactly: encoding/json's
// case-insensitive match of struct fields would read "EventName" as
// "eventName", which no CloudTrail record holds.
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
	"strconv"
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
	// Context is the request context of the call: for the decision log,
	// the one it was decided with, as the log records it; for CloudTrail,
	// the keys its record tells of (trailContext).
	Context []engine.ContextKey

	// Parameters are CloudTrail's requestParameters, once Decode has read
	// them from RawParameters. A Reader with Keep decodes them for the
	// calls it keeps; otherwise they are left raw, and decoding them is
	// the most costly part of a record.
	Parameters    map[string]any
	RawParameters []byte
	decodeErr     error
	// Resources are CloudTrail's resources list.
	Resources []Resource

	// Error is the call's error code, if it failed; Denied says it was
	// refused for lack of permission (AccessDenied and its kin, or an
	// engine decision that is not Allow).
	Error  string
	Denied bool

	// sourceIP, vpcEndpoint and tls are a CloudTrail record's
	// sourceIPAddress, vpcEndpointId and whether it has tlsDetails, from
	// which the call's Context is made once it is kept.
	sourceIP, vpcEndpoint string
	tls                   bool

	// file, list and index are where the call was read from: the file,
	// and the list ("Records", "Events") and index in it, or the line of
	// a decision log (list empty).
	file, list string
	index      int
}

// Where is the file and record the call was read from: "FILE: Records[7]",
// "FILE: Events[0]", or "FILE:LINE" for a decision log. It is formatted
// when asked for, as few calls ever are.
func (c *Call) Where() string {
	if c.list == "" {
		return c.file + ":" + strconv.Itoa(c.index)
	}
	return c.file + ": " + c.list + "[" + strconv.Itoa(c.index) + "]"
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

// Decode reads the call's request parameters. A record whose parameters
// are null, as CloudTrail writes for calls without any, has none; any
// other value that is not an object is an error.
func (c *Call) Decode() error { return c.decode(nil) }

// decode is Decode with the parameters' keys shared through intern.
func (c *Call) decode(intern func(string) string) error {
	if c.decodeErr != nil || c.Parameters != nil || len(c.RawParameters) == 0 {
		return c.decodeErr
	}
	c.Parameters, c.decodeErr = decodeParameters(c.RawParameters, intern)
	c.RawParameters = nil
	if c.decodeErr != nil {
		c.decodeErr = fmt.Errorf("%s: requestParameters%v", c.Where(), c.decodeErr)
	}
	return c.decodeErr
}

// decodeParameters reads a requestParameters value: an object, or null
// for none. Errors begin with ": " or " " to follow the field's name.
func decodeParameters(raw []byte, intern func(string) string) (map[string]any, error) {
	s := scan{b: raw}
	c, err := s.next()
	if err != nil {
		return nil, fmt.Errorf(": %v", err)
	}
	switch c {
	case 'n':
		if err := s.literal("null"); err != nil {
			return nil, fmt.Errorf(": %v", err)
		}
		return nil, nil
	case '{':
	default:
		return nil, fmt.Errorf(" is not an object")
	}
	// The raw value is whole (the record was read to its end), so a scan
	// that runs short of it is a fault of the value.
	v, err := s.value(intern)
	if err != nil {
		return nil, fmt.Errorf(": %v", err)
	}
	return v.(map[string]any), nil
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

// A Reader reads calls. Its zero value passes on every call, with its
// request parameters left raw.
type Reader struct {
	// Keep, if set, selects the calls to pass on; the request parameters
	// of those it keeps are decoded before they are passed on. Keep is
	// called from several goroutines at once when a folder is read: the
	// selection and the decoding run where the records are read, on
	// every core.
	Keep func(*Call) bool

	// bufferSize is the size a CloudTrail file's buffer starts at; tests
	// make it small, so that records run past its end.
	bufferSize int
}

// Read reads the calls in a file or folder with the zero Reader.
func Read(path string, fn func(*Call) error) error { return Reader{}.Read(path, fn) }

// ReadFrom reads the calls in one stream with the zero Reader.
func ReadFrom(r io.Reader, name string, fn func(*Call) error) error {
	return Reader{}.ReadStream(r, name, fn)
}

// Read reads the calls in a file or, for a folder, in every file under it
// (sorted, so answers do not depend on the order the file system lists
// them), and passes each to fn. An error from fn stops the reading and is
// returned.
func (rd Reader) Read(path string, fn func(*Call) error) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return rd.readFile(path, fn)
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
	return rd.readFiles(files, runtime.GOMAXPROCS(0), fn)
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
// its file are ahead of fn, and no file is begun more than 2×workers
// files ahead of fn.
func (rd Reader) readFiles(files []string, workers int, fn func(*Call) error) error {
	if workers > len(files) {
		workers = len(files)
	}
	if workers <= 1 {
		for _, f := range files {
			if err := rd.readFile(f, fn); err != nil {
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
	// A file is handed to a worker only while fewer than 2×workers files
	// are being read or waiting for fn: the workers may outrun fn, and a
	// file's channel alone would not stop them reading every file ahead.
	ahead := make(chan struct{}, 2*workers)
	jobs := make(chan int)
	go func() {
		defer close(jobs)
		for i := range files {
			select {
			case ahead <- struct{}{}:
			case <-done:
				return
			}
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
				err := rd.readFile(files[i], func(c *Call) error {
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
		<-ahead
	}
	return nil
}

// errStopped ends a worker's file when the reading has stopped.
var errStopped = errors.New("stopped")

func (rd Reader) readFile(path string, fn func(*Call) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return rd.ReadStream(f, path, fn)
}

// ReadStream reads the calls in one stream, named name in errors.
func (rd Reader) ReadStream(r io.Reader, name string, fn func(*Call) error) error {
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
		return rd.readDecisions(br, name, fn)
	}
	return rd.readTrail(br, name, fn)
}

// pass hands a call to fn if Keep keeps it, its parameters decoded and,
// for CloudTrail's, its context made, and says whether it did.
func (rd Reader) pass(c *Call, intern func(string) string, fn func(*Call) error) (bool, error) {
	if rd.Keep != nil && !rd.Keep(c) {
		return false, nil
	}
	if c.list != "" {
		c.Context = c.trailContext()
	}
	if rd.Keep != nil {
		c.decode(intern) // an error is kept for Decode to return
	} else if len(c.RawParameters) > 0 {
		// The raw bytes are the reader's buffer, read over by the next
		// records.
		c.RawParameters = bytes.Clone(c.RawParameters)
	}
	return true, fn(c)
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

// maxDecisionLine bounds one line of a decision log: ward writes records
// of a few hundred bytes, so a longer line is not one of its.
const maxDecisionLine = 1 << 20

// readDecisions reads ward's decision log: one JSON record per line.
func (rd Reader) readDecisions(br *bufio.Reader, name string, fn func(*Call) error) error {
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 64<<10), maxDecisionLine)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		c := &Call{file: name, index: line}
		var rec decisionlog.Record
		if err := json.Unmarshal(text, &rec); err != nil {
			return fmt.Errorf("%s: not a decision log record: %v", c.Where(), err)
		}
		if rec.Action == "" || rec.Caller == "" || rec.Decision == "" {
			return fmt.Errorf("%s: not a decision log record: it has no caller, action or decision", c.Where())
		}
		c.Time, c.Principal, c.Entity, c.Account = rec.Time, rec.Caller, entityOf(rec.Caller), rec.Account
		c.Action, c.Resource, c.Context = rec.Action, rec.Resource, rec.Context
		switch res, ok := engine.ParseResult(rec.Decision); {
		case !ok:
			return fmt.Errorf("%s: decision %q is not Allowed, ExplicitDeny or ImplicitDeny", c.Where(), rec.Decision)
		case res != engine.Allowed:
			c.Error, c.Denied = rec.Decision, true
		}
		if _, err := rd.pass(c, nil, fn); err != nil {
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
