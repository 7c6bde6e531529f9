package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wardhq/ward/internal/analyze"
	"github.com/wardhq/ward/internal/document"
	"github.com/wardhq/ward/internal/iamclient"
	"github.com/wardhq/ward/internal/inputs"
)

func runDoc(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ward doc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	check := fs.String("check", "", "compare with this committed document (or, for --out, folder) instead of writing: exit 1 when it no longer matches the policies")
	role := fs.String("role", "", "document this role of the input")
	user := fs.String("user", "", "document this user of the input")
	out := fs.String("out", "", "write one document per role and user of the input into this folder (role-NAME.md, user-NAME.md)")
	format := fs.String("format", "markdown", "markdown, or html: one self-contained page")
	endpoint := fs.String("endpoint", "", "read the account of a running ward serve (or AWS's IAM) at this URL, with GetAccountAuthorizationDetails, instead of an INPUT file")
	profile := fs.String("profile", "", "with --endpoint, sign with this profile of the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials); without it, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, else AWS_PROFILE")
	var notes listFlag
	fs.Var(&notes, "notes", "a notes file (YAML or JSON): title, purpose, and REQUIRED/OPTIONAL marks and purposes by action or Sid (repeatable, one per principal)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: ward doc [--role NAME | --user NAME | --out DIR] [--notes FILE]... [--format markdown|html] [--check DOC|DIR] INPUT
       ward doc [flags] --endpoint URL [--profile NAME]

Writes the permission document of INPUT (anything ward check reads): for a
role or user, an overview (who it is, who can assume it, its inline,
managed and group policies, its permissions boundary), a section per
service with each action's description, access level, resources,
conditions and the policy and statement granting it, the findings of ward
check, and the complete policies. For plain policy files, each policy in
turn. Marks and purposes come only from the Sids and the notes files.

With --endpoint, the input is the account of a running ward serve (or
AWS's IAM), read with GetAccountAuthorizationDetails and signed as the AWS
CLI signs: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or --profile (else
AWS_PROFILE) of the shared credentials file; ward serve writes its root
key to DATA/credentials, profile ward.

An input with several roles and users needs --role, --user, or --out DIR
(one document each). The output is deterministic: commit it, and run
ward doc --check DOC INPUT (or --out DIR --check DIR) in CI.

Exit status: 0 when written (or, with --check, when it matches), 1 when
a document no longer matches, 2 when an input or a notes file cannot be
read.

Flags:
`)
		fs.PrintDefaults()
	}
	args, code, ok := parseOrExit(fs, args)
	if !ok {
		return code
	}
	if len(args) != 1 && *endpoint == "" || len(args) != 0 && *endpoint != "" {
		fs.Usage()
		return exitInvalid
	}
	if !oneOf(stderr, "ward doc", "format", *format, "markdown", "html") {
		return exitInvalid
	}
	if (*role != "") && (*user != "") || (*out != "" && (*role != "" || *user != "")) {
		fmt.Fprintln(stderr, "ward doc: give one of --role, --user and --out")
		return exitInvalid
	}
	cat := openCatalog(stderr)
	if cat == nil {
		return exitInvalid
	}
	name, data, err := docInput(args, *endpoint, *profile)
	if err != nil {
		fmt.Fprintf(stderr, "ward doc: %v\n", err)
		return exitInvalid
	}
	f := inputs.Read(name, data, 0)
	if len(f.Errors) > 0 {
		fmt.Fprintf(stderr, "ward doc: %v\n", f.Errors[0])
		return exitInvalid
	}
	var noteSets []*document.Notes
	for _, n := range notes {
		text, err := os.ReadFile(n)
		if err != nil {
			fmt.Fprintf(stderr, "ward doc: --notes: %v\n", err)
			return exitInvalid
		}
		ns, err := document.ReadNotes(n, text)
		if err != nil {
			fmt.Fprintf(stderr, "ward doc: %v\n", err)
			return exitInvalid
		}
		noteSets = append(noteSets, ns)
	}
	docs, err := docsToWrite(f, *role, *user, *out != "" || isDir(*check))
	if err != nil {
		fmt.Fprintf(stderr, "ward doc: %v\n", err)
		return exitInvalid
	}
	if err := assignNotes(docs, noteSets); err != nil {
		fmt.Fprintf(stderr, "ward doc: %v\n", err)
		return exitInvalid
	}
	findings := analyze.CheckFile(f, cat, nil)
	ext := ".md"
	if *format == "html" {
		ext = ".html"
	}
	folder := *out
	if folder == "" && isDir(*check) {
		folder = *check
	}
	// Writing a folder, documents go to the disk while the next ones are
	// written: creating thousands of files costs the system as much time
	// as writing them, and none is kept in memory once written.
	var jobs chan docToWrite
	var writers sync.WaitGroup
	var writeErr error
	var writeMu sync.Mutex
	if folder != "" && *check == "" {
		if err := os.MkdirAll(folder, 0o755); err != nil {
			fmt.Fprintf(stderr, "ward doc: %v\n", err)
			return exitInvalid
		}
		jobs = make(chan docToWrite, 16)
		for range 4 {
			writers.Go(func() {
				for d := range jobs {
					if err := os.WriteFile(filepath.Join(folder, d.file), d.text, 0o644); err != nil {
						writeMu.Lock()
						if writeErr == nil {
							writeErr = err
						}
						writeMu.Unlock()
					}
				}
			})
		}
	}
	// Documents are independent: they are written on every core, each
	// worker with its own set (the caches are per set).
	var renderErr error
	var renderMu sync.Mutex
	next := make(chan int)
	var renderers sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(1, len(docs)/64)) {
		renderers.Go(func() {
			set := document.NewSet(f, findings, cat)
			for i := range next {
				d := &docs[i]
				var err error
				if d.principal != nil {
					d.text, err = set.Principal(d.principal, d.notes)
				} else {
					d.text, err = document.Markdown(f, findings, cat, d.notes)
				}
				if err != nil {
					renderMu.Lock()
					if renderErr == nil {
						renderErr = err
					}
					renderMu.Unlock()
					continue
				}
				if *format == "html" {
					d.text = document.HTML(d.text)
				}
				d.file += ext
				if jobs != nil {
					jobs <- *d
					d.text = nil
				}
			}
		})
	}
	for i := range docs {
		next <- i
	}
	close(next)
	renderers.Wait()
	if jobs != nil {
		close(jobs)
		writers.Wait()
	}
	if renderErr != nil {
		fmt.Fprintf(stderr, "ward doc: %v\n", renderErr)
		return exitInvalid
	}
	switch {
	case jobs != nil:
		if writeErr != nil {
			fmt.Fprintf(stderr, "ward doc: %v\n", writeErr)
			return exitInvalid
		}
		fmt.Fprintf(stdout, "wrote %d documents to %s\n", len(docs), folder)
		return exitOK
	case *check != "" && folder != "":
		return checkFolder(folder, docs, ext, name, stdout, stderr)
	case *check != "":
		return checkOne(*check, docs[0].text, name, stdout, stderr)
	}
	stdout.Write(docs[0].text)
	return exitOK
}

// docToWrite is one document of a run: a principal's, or (principal
// nil) the input's policies one by one.
type docToWrite struct {
	principal *inputs.Principal
	file      string // its file name in a folder, without extension
	notes     *document.Notes
	text      []byte
}

// docsToWrite chooses the documents: the role or user named; every role
// and user for a folder; the one principal the input defines; or, when it
// defines none, its policies.
func docsToWrite(f *inputs.File, role, user string, all bool) ([]docToWrite, error) {
	var people []*inputs.Principal
	for i := range f.Principals {
		if p := &f.Principals[i]; p.Kind == "role" || p.Kind == "user" {
			people = append(people, p)
		}
	}
	if role != "" || user != "" {
		kind, name := "role", role
		if user != "" {
			kind, name = "user", user
		}
		p := f.Principal(kind, name)
		if p == nil {
			return nil, fmt.Errorf("%s defines no %s %q; %s", f.Name, kind, name, listPrincipals(people))
		}
		return []docToWrite{{principal: p, file: docFileName(p)}}, nil
	}
	switch {
	case len(people) == 0:
		base := strings.TrimSuffix(filepath.Base(f.Name), filepath.Ext(f.Name))
		return []docToWrite{{file: base}}, nil
	case len(people) == 1 || all:
		var out []docToWrite
		for _, p := range people {
			out = append(out, docToWrite{principal: p, file: docFileName(p)})
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s defines %d roles and users: name one with --role or --user, or write them all with --out DIR; %s",
		f.Name, len(people), listPrincipals(people))
}

func listPrincipals(people []*inputs.Principal) string {
	if len(people) == 0 {
		return "it defines no role or user"
	}
	var names []string
	for i, p := range people {
		if i == 10 {
			names = append(names, fmt.Sprintf("and %d more", len(people)-10))
			break
		}
		names = append(names, p.Kind+" "+p.Name)
	}
	return "it defines " + strings.Join(names, ", ")
}

// docFileName names a principal's document in a folder: role-NAME,
// user-NAME, with any character a file name should not hold replaced.
func docFileName(p *inputs.Principal) string {
	var b strings.Builder
	for _, r := range p.Name {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+=,.@_-", r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return p.Kind + "-" + b.String()
}

// assignNotes gives each notes file to the document of the principal it
// names; a notes file that names none goes to the only document. Notes
// for a principal not documented are an error: they would be lost.
func assignNotes(docs []docToWrite, notes []*document.Notes) error {
	for _, n := range notes {
		found := false
		for i := range docs {
			d := &docs[i]
			match := n.Kind == "" && len(docs) == 1
			if p := d.principal; p != nil && n.Kind == p.Kind && (n.Name == p.Name || n.Name == p.Key) {
				match = true
			}
			if match {
				if d.notes != nil {
					return fmt.Errorf("%s and %s are both notes for the same document", d.notes.File, n.File)
				}
				d.notes, found = n, true
				break
			}
		}
		if !found {
			if n.Kind == "" {
				return fmt.Errorf("%s: name the role or user these notes are for (role: NAME), since %d documents are written", n.File, len(docs))
			}
			return fmt.Errorf("%s: the notes are for %s %q, which is not documented here", n.File, n.Kind, n.Name)
		}
	}
	return nil
}

func isDir(path string) bool {
	if path == "" {
		return false
	}
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

func checkOne(path string, doc []byte, input string, stdout, stderr io.Writer) int {
	old, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "ward doc: --check: %v\n", err)
		return exitInvalid
	}
	if bytes.Equal(old, doc) {
		fmt.Fprintf(stdout, "%s matches %s\n", path, input)
		return exitOK
	}
	fmt.Fprintf(stdout, "%s no longer matches %s: it differs from line %d; run ward doc %s > %s\n", path, input, firstDifference(old, doc), input, path)
	return exitFindings
}

// checkFolder compares a folder of documents with what would be written:
// every document must be there and match, and no role's or user's
// document may be left over from a principal that is gone.
func checkFolder(folder string, docs []docToWrite, ext, input string, stdout, stderr io.Writer) int {
	want := map[string]bool{}
	stale := 0
	for _, d := range docs {
		want[d.file] = true
		old, err := os.ReadFile(filepath.Join(folder, d.file))
		switch {
		case errors.Is(err, os.ErrNotExist):
			fmt.Fprintf(stdout, "%s is missing\n", filepath.Join(folder, d.file))
			stale++
		case err != nil:
			fmt.Fprintf(stderr, "ward doc: --check: %v\n", err)
			return exitInvalid
		case !bytes.Equal(old, d.text):
			fmt.Fprintf(stdout, "%s no longer matches %s: it differs from line %d\n", filepath.Join(folder, d.file), input, firstDifference(old, d.text))
			stale++
		}
	}
	entries, err := os.ReadDir(folder)
	if err != nil {
		fmt.Fprintf(stderr, "ward doc: --check: %v\n", err)
		return exitInvalid
	}
	var extra []string
	for _, e := range entries {
		n := e.Name()
		if !want[n] && strings.HasSuffix(n, ext) && (strings.HasPrefix(n, "role-") || strings.HasPrefix(n, "user-")) {
			extra = append(extra, n)
		}
	}
	sort.Strings(extra)
	for _, n := range extra {
		fmt.Fprintf(stdout, "%s documents no role or user of %s\n", filepath.Join(folder, n), input)
		stale++
	}
	if stale > 0 {
		fmt.Fprintf(stdout, "%d of the documents in %s are stale; run ward doc --out %s %s\n", stale, folder, folder, input)
		return exitFindings
	}
	fmt.Fprintf(stdout, "the %d documents in %s match %s\n", len(docs), folder, input)
	return exitOK
}

func firstDifference(a, b []byte) int {
	line := 1
	for i := 0; i < len(a) && i < len(b) && a[i] == b[i]; i++ {
		if a[i] == '\n' {
			line++
		}
	}
	return line
}

// docInput reads the input: the file named, or the account at the
// endpoint, read with GetAccountAuthorizationDetails and named by its URL.
func docInput(args []string, endpoint, profile string) (string, []byte, error) {
	if endpoint == "" {
		data, err := os.ReadFile(args[0])
		return args[0], data, err
	}
	creds, _, err := iamclient.LoadCredentials(profile, os.Getenv)
	if err != nil {
		return "", nil, fmt.Errorf("--endpoint: %v", err)
	}
	client := &iamclient.Client{Endpoint: endpoint, Credentials: creds}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	data, err := client.AccountDetails(ctx)
	// Named as the command line gives it, so that a document says where
	// it came from and a stale one's hint is a command that works.
	return "--endpoint " + endpoint, data, err
}
