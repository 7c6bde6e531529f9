//go:build unix

package server_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/wardhq/ward/internal/server"
)

// TestDataFolderModes: under a umask that takes nothing away, a new data
// folder is 0700 and every file in it 0600 (the database and its -wal
// and -shm files included), and files an older ward left 0644 are made
// 0600 when the folder is opened again.
func TestDataFolderModes(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	srv, err := server.Open(server.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"ward.db", "ward.db-wal", "ward.db-shm", "secret.key", "credentials", "decisions.log", "lock"}
	checkModes := func(when string) {
		t.Helper()
		if m := mode(t, dir); m != 0o700 {
			t.Errorf("%s: the data folder is %o, want 700", when, m)
		}
		for _, f := range files {
			if m := mode(t, filepath.Join(dir, f)); m != 0o600 {
				t.Errorf("%s: %s is %o, want 600", when, f, m)
			}
		}
	}
	checkModes("new folder")
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"ward.db", "secret.key", "credentials", "decisions.log"} {
		if err := os.Chmod(filepath.Join(dir, f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv, err = server.Open(server.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	checkModes("reopened after chmod 644")
}

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}
