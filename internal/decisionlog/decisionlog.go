// Package decisionlog appends every authorization decision ward serve
// makes to a JSON-lines file, in the spirit of CloudTrail, rotated by
// size. It is the input of least-privilege generation, so it must be
// complete: every decision is written before the response goes out, or
// its Append returns an error and the request fails. A write that fails
// part way (a full disk) is cut back to the last whole record, so the
// file never holds a torn line.
//
// Writes are grouped: while one request writes, the records of the others
// gather, and the next of them writes the whole batch in one system call.
// Each Write still returns only once its own record is written, so the
// promise holds, and under load the log costs one write per batch rather
// than one per request.
package decisionlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sync"
)

// Log is an append-only decision log.
type Log struct {
	mu      sync.Mutex
	written *sync.Cond // signalled after each batch
	path    string
	maxSize int64
	f       *os.File
	// size is the offset where the last complete record ends: the
	// file's size unless a failed write left a torn record past it. Only
	// this Log writes the file (the data folder is locked), so it is
	// also where the next record starts.
	size int64
	// torn says a failed write left bytes past size that could not be
	// cut off yet; the next batch cuts them before it writes.
	torn   bool
	closed bool

	pending  []byte // records waiting for the next batch
	spare    []byte // the previous batch's buffer, for reuse
	queued   uint64 // sequence number of the last record queued
	done     uint64 // of the last record written (or failed)
	flushing bool
	// failed are the batches that could not be written whose writers
	// have not all returned yet. Each writer finds its own there, however
	// many batches failed after it while it slept.
	failed []failure
}

// failure is a batch that could not be written: its records' sequence
// numbers, how many of their writers have yet to return, and why.
type failure struct {
	from, to uint64
	left     uint64
	err      error
}

// Open opens (creating) the log file; past maxSize bytes it is rotated to
// PATH.1 (older files shift up to PATH.9). A torn last record, left by a
// crash in the middle of a write, is cut off, so the file holds only
// whole lines.
func Open(path string, maxSize int64) (*Log, error) {
	l := &Log{path: path, maxSize: maxSize}
	l.written = sync.NewCond(&l.mu)
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *Log) open() error {
	// Read and write: cutting off a torn record reads the file's end.
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_APPEND|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("decision log: %w", err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("decision log: %w", err)
	}
	// Decisions name principals and resources: not for other users, even
	// in a file an older ward made with a looser mode.
	if info.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(info.Mode().Perm() &^ 0o077); err != nil {
			f.Close()
			return fmt.Errorf("decision log: %w", err)
		}
	}
	end, err := lastLineEnd(f, info.Size())
	if err != nil {
		f.Close()
		return fmt.Errorf("decision log: %w", err)
	}
	if end < info.Size() {
		if err := f.Truncate(end); err != nil {
			f.Close()
			return fmt.Errorf("decision log: cutting off a torn last record: %w", err)
		}
	}
	l.f, l.size = f, end
	return nil
}

// lastLineEnd is the offset just past the last newline of the file's
// first size bytes, 0 when there is none.
func lastLineEnd(f *os.File, size int64) (int64, error) {
	buf := make([]byte, 64<<10)
	for end := size; end > 0; {
		start := max(end-int64(len(buf)), 0)
		chunk := buf[:end-start]
		if _, err := f.ReadAt(chunk, start); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return 0, nil
}

// Write appends one record as a JSON line and returns once it is
// written.
func (l *Log) Write(record any) error {
	line, err := json.Marshal(record)
	if err != nil {
		return err
	}
	return l.Append(func(b []byte) []byte { return append(b, line...) })
}

// Append appends one record, which encode appends as a line of JSON
// (without the newline) to the buffer it is given, and returns once it
// is written. The record is encoded straight into the pending batch, so
// a caller whose encoder does not allocate logs without allocating.
func (l *Log) Append(encode func([]byte) []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("decision log %s: closed", l.path)
	}
	l.pending = append(encode(l.pending), '\n')
	l.queued++
	mine := l.queued
	for l.done < mine {
		if l.flushing {
			l.written.Wait()
			continue
		}
		// Lead the next batch: everything queued so far.
		l.flushing = true
		batch, from, to := l.pending, l.done+1, l.queued
		l.pending = l.spare[:0]
		l.mu.Unlock()
		err := l.writeBatch(batch)
		l.mu.Lock()
		l.spare = batch[:0]
		l.done, l.flushing = to, false
		if err != nil {
			l.failed = append(l.failed, failure{from: from, to: to, left: to - from + 1, err: err})
		}
		l.written.Broadcast()
	}
	for i := range l.failed {
		f := &l.failed[i]
		if mine >= f.from && mine <= f.to {
			err := f.err
			if f.left--; f.left == 0 {
				l.failed = slices.Delete(l.failed, i, i+1)
			}
			return err
		}
	}
	return nil
}

// writeBatch writes one batch, rotating first when it would pass the
// size limit. Only the batch's leader calls it, so it needs no lock.
//
// Either the whole batch is written or none of it stays in the file: a
// write that fails part way (a full disk, a file size limit) is cut back
// to where the batch began, so the file never holds a torn record and the
// next batch starts on a line of its own.
func (l *Log) writeBatch(batch []byte) error {
	if l.torn {
		if err := l.f.Truncate(l.size); err != nil {
			return fmt.Errorf("decision log: cutting off a torn record: %w", err)
		}
		l.torn = false
	}
	if l.size+int64(len(batch)) > l.maxSize && l.size > 0 {
		if err := l.rotate(); err != nil {
			return err
		}
	}
	n, err := l.f.Write(batch)
	if err == nil && n == len(batch) {
		l.size += int64(n)
		return nil
	}
	if err == nil {
		err = fmt.Errorf("write %s: %w", l.path, io.ErrShortWrite)
	}
	err = fmt.Errorf("decision log: %w", err)
	if n > 0 {
		if terr := l.f.Truncate(l.size); terr != nil {
			l.torn = true
			return fmt.Errorf("%w; cutting off the partial batch: %v", err, terr)
		}
	}
	return err
}

// rotate renames the file to PATH.1, after shifting the older ones up,
// and starts a new one. When it fails the current file stays in use and
// the batch fails, so a rotation that cannot happen is an error for the
// requests rather than a silent loss.
func (l *Log) rotate() error {
	for i := 8; i >= 1; i-- {
		err := os.Rename(fmt.Sprintf("%s.%d", l.path, i), fmt.Sprintf("%s.%d", l.path, i+1))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("decision log: rotate: %w", err)
		}
	}
	if err := os.Rename(l.path, l.path+".1"); err != nil {
		return fmt.Errorf("decision log: rotate: %w", err)
	}
	old, oldSize := l.f, l.size
	if err := l.open(); err != nil {
		// Put the file back where it is read; the open file still
		// refers to it, and the next batch tries rotating again.
		if rerr := os.Rename(l.path+".1", l.path); rerr != nil {
			return fmt.Errorf("%w; putting %s back: %v", err, l.path, rerr)
		}
		l.f, l.size = old, oldSize
		return err
	}
	if err := old.Close(); err != nil {
		return fmt.Errorf("decision log: closing %s.1: %w", l.path, err)
	}
	return nil
}

// Files lists the log files, oldest first.
func Files(path string) []string {
	var out []string
	for i := 9; i >= 1; i-- {
		if p := fmt.Sprintf("%s.%d", path, i); isFile(p) {
			out = append(out, p)
		}
	}
	if isFile(path) {
		out = append(out, path)
	}
	return out
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.Mode().IsRegular()
}

// Close waits until every record queued is written (or has failed), then
// closes the file. Records appended after Close fail.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	// A writer whose record is queued leads its batch once woken, so
	// this wait ends.
	for l.flushing || l.done < l.queued {
		l.written.Wait()
	}
	if l.closed {
		return fmt.Errorf("decision log %s: already closed", l.path)
	}
	l.closed = true
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("decision log: %w", err)
	}
	return nil
}
