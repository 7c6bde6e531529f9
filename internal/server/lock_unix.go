//go:build unix

package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockDir takes the data folder's lock, DIR/lock, for as long as the
// server is open: two processes on one folder would each serve from
// their own cache, so that a key deleted through one still worked on the
// other. The lock is an exclusive flock, which the kernel drops when the
// process ends, however it ends; release drops it sooner.
func lockDir(dir string) (release func() error, err error) {
	path := filepath.Join(dir, "lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data folder %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := ""
		if b, rerr := os.ReadFile(path); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil && pid > 0 {
				holder = fmt.Sprintf(" (process %d)", pid)
			}
		}
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("data folder %s is in use: another ward serve or ward command%s holds %s; stop it, or give this one another --data", dir, holder, path)
		}
		return nil, fmt.Errorf("data folder %s: lock %s: %w", dir, path, err)
	}
	// Who holds it, for the message above; the lock does not depend on it.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f.Close, nil
}
