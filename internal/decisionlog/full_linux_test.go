package decisionlog

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestFullDiskFailsClosed fills a real, small file system: a 64 KiB tmpfs
// mounted for the test. Mounting needs root (CI runs as root); elsewhere
// TestFileSizeLimitFailsClosed makes writes fail without privileges.
func TestFullDiskFailsClosed(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := filepath.Join(t.TempDir(), "full")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	fillUntilFull(t, dir)
}
