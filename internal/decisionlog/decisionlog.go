// Package decisionlog appends every authorization decision ward serve
// makes to a JSON-lines file, in the spirit of CloudTrail, rotated by
// size. It is the input of least-privilege generation, so it must be
// complete: every decision is written before the response goes out.
//
// Writes are grouped: while one request writes, the records of the others
// gather, and the next of them writes the whole batch in one system call.
// Each Write still returns only once its own record is written, so the
// promise holds, and under load the log costs one write per batch rather
// than one per request.
package decisionlog

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
)

// Log is an append-only decision log.
type Log struct {
	mu      sync.Mutex
	written *sync.Cond // signalled after each batch
	path    string
	maxSize int64
	f       *os.File
	size    int64

	pending  []byte // records waiting for the next batch
	spare    []byte // the previous batch's buffer, for reuse
	queued   uint64 // sequence number of the last record queued
	done     uint64 // of the last record written (or failed)
	flushing bool
	// failFrom and failTo are the sequence numbers of the last batch
	// that could not be written, and err why.
	failFrom, failTo uint64
	err              error
}

// Open opens (creating) the log file; past maxSize bytes it is rotated to
// PATH.1 (older files shift up to PATH.9).
func Open(path string, maxSize int64) (*Log, error) {
	l := &Log{path: path, maxSize: maxSize}
	l.written = sync.NewCond(&l.mu)
	if err := l.open(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *Log) open() error {
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("decision log: %w", err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	l.f, l.size = f, info.Size()
	return nil
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
			l.failFrom, l.failTo, l.err = from, to, err
		}
		l.written.Broadcast()
	}
	if l.err != nil && mine >= l.failFrom && mine <= l.failTo {
		return l.err
	}
	return nil
}

// writeBatch writes one batch, rotating first when it would pass the
// size limit. Only the batch's leader calls it, so it needs no lock.
func (l *Log) writeBatch(batch []byte) error {
	if l.size+int64(len(batch)) > l.maxSize && l.size > 0 {
		if err := l.rotate(); err != nil {
			return err
		}
	}
	n, err := l.f.Write(batch)
	l.size += int64(n)
	return err
}

func (l *Log) rotate() error {
	l.f.Close()
	for i := 8; i >= 1; i-- {
		os.Rename(fmt.Sprintf("%s.%d", l.path, i), fmt.Sprintf("%s.%d", l.path, i+1))
	}
	if err := os.Rename(l.path, l.path+".1"); err != nil {
		return err
	}
	return l.open()
}

// Files lists the log files, oldest first.
func Files(path string) []string {
	var out []string
	for i := 9; i >= 1; i-- {
		p := fmt.Sprintf("%s.%d", path, i)
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	if _, err := os.Stat(path); err == nil {
		out = append(out, path)
	}
	return out
}

// Close waits for a batch being written, then closes the file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.flushing {
		l.written.Wait()
	}
	return l.f.Close()
}
