package decisionlog

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fillUntilFull writes records from several goroutines to a log in dir,
// whose writes start failing at some point (a full disk, a file size
// limit), and checks that the log failed closed: some writes returned an
// error, the file holds only whole records, every record whose write
// returned nil is in it and none whose write failed. It returns how many
// writes succeeded and failed.
func fillUntilFull(t *testing.T, dir string) (ok, failed int) {
	t.Helper()
	path := filepath.Join(dir, "decisions.log")
	l, err := Open(path, 1<<40) // no rotation: one file fills the disk
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 400
	var mu sync.Mutex
	acked := map[rec]bool{}
	var firstErr error
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range each {
				// Records of some size, so that a batch crosses the limit
				// part way through a record.
				err := l.Write(struct {
					Writer, N int
					Pad       string
				}{w, n, strings.Repeat("x", 50+n%70)})
				mu.Lock()
				if err == nil {
					acked[rec{w, n}] = true
					ok++
				} else {
					failed++
					if firstErr == nil {
						firstErr = err
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if failed == 0 {
		t.Fatalf("all %d writes succeeded: the disk never filled", ok)
	}
	t.Logf("%d writes succeeded, %d failed; the first failure: %v", ok, failed, firstErr)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 0 && !bytes.HasSuffix(data, []byte("\n")) {
		t.Errorf("the log ends in a torn record: %q", data[max(len(data)-80, 0):])
	}
	got := readAll(t, path) // fails on any line that is not a whole record
	inFile := map[rec]bool{}
	for _, r := range got {
		if inFile[r] {
			t.Errorf("record %v twice", r)
		}
		inFile[r] = true
		if !acked[r] {
			t.Errorf("record %v is in the log though its write failed", r)
		}
	}
	for r := range acked {
		if !inFile[r] {
			t.Errorf("record %v was acknowledged but is not in the log", r)
		}
	}
	return ok, failed
}

// TestTornRecordIsCutAtOpen: a record torn by a crash in the middle of a
// write is cut off when the log is opened, so the next record starts on
// its own line.
func TestTornRecordIsCutAtOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "decisions.log")
	if err := os.WriteFile(path, []byte(`{"Writer":1,"N":1}`+"\n"+`{"Writer":1,"N"`), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Open(path, 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Write(rec{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, path)
	if len(got) != 2 || got[0] != (rec{1, 1}) || got[1] != (rec{1, 2}) {
		t.Errorf("records %v, want {1 1} {1 2}", got)
	}
}

// TestRotateFailureIsReported: when the log cannot be rotated (here an
// older file cannot be shifted up, as a directory is in its way), the
// writes that needed the rotation fail rather than being lost, the log
// keeps whole records, and once the obstacle is gone writes and rotation
// resume.
func TestRotateFailureIsReported(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "decisions.log")
	if err := os.WriteFile(path+".8", []byte(`{"Writer":9,"N":0}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A non-empty directory cannot be replaced by a file, even by root.
	if err := os.MkdirAll(filepath.Join(path+".9", "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	l, err := Open(path, 1024)
	if err != nil {
		t.Fatal(err)
	}
	var acked []rec
	var rotateErr error
	for n := 0; n < 200 && rotateErr == nil; n++ {
		if err := l.Write(rec{0, n}); err != nil {
			rotateErr = err
		} else {
			acked = append(acked, rec{0, n})
		}
	}
	if rotateErr == nil || !strings.Contains(rotateErr.Error(), "rotate") {
		t.Fatalf("writes past the size limit with rotation impossible: error %v", rotateErr)
	}
	if err := l.Write(rec{0, 1000}); err == nil {
		t.Error("a write after a failed rotation succeeded while the rotation still cannot happen")
	}
	if err := os.RemoveAll(path + ".9"); err != nil {
		t.Fatal(err)
	}
	if err := l.Write(rec{0, 1001}); err != nil {
		t.Fatalf("with the obstacle gone: %v", err)
	}
	acked = append(acked, rec{0, 1001})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, path)
	want := append([]rec{{9, 0}}, acked...)
	if len(got) != len(want) {
		t.Fatalf("%d records in the log, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("record %d is %v, want %v", i, got[i], want[i])
		}
	}
	if len(Files(path)) < 3 {
		t.Errorf("no rotation once possible: %v", Files(path))
	}
}

// TestWriteAfterClose: a record appended to a closed log is an error, and
// so is closing it twice.
func TestWriteAfterClose(t *testing.T) {
	l, err := Open(filepath.Join(t.TempDir(), "decisions.log"), 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Write(rec{0, 0}); err == nil {
		t.Error("a write to a closed log succeeded")
	}
	if err := l.Close(); err == nil {
		t.Error("closing twice reported success")
	}
}
