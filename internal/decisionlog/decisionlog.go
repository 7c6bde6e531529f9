// Package decisionlog appends every authorization decision ward serve
// makes to a JSON-lines file, in the spirit of CloudTrail, rotated by
// size. It is the input of least-privilege generation, so it must be
// complete: every decision is written before the response goes out.
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
	path    string
	maxSize int64
	f       *os.File
	size    int64
	err     error
}

// Open opens (creating) the log file; past maxSize bytes it is rotated to
// PATH.1 (older files shift up to PATH.9).
func Open(path string, maxSize int64) (*Log, error) {
	l := &Log{path: path, maxSize: maxSize}
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

// Write appends one record as a JSON line.
func (l *Log) Write(record any) error {
	line, err := json.Marshal(record)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.size+int64(len(line)) > l.maxSize && l.size > 0 {
		if err := l.rotate(); err != nil {
			l.err = err
			return err
		}
	}
	n, err := l.f.Write(line)
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

// Close closes the file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Close()
}
