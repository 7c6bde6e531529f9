//go:build unix

package decisionlog

import (
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
)

// TestFileSizeLimitFailsClosed fills the log up to a real limit the
// kernel enforces: RLIMIT_FSIZE, under which a write past the limit is
// cut short and the next fails with EFBIG, as on a full disk. The limit
// applies to the whole process, so the test runs itself again in a child
// process that sets it; it needs no privileges.
func TestFileSizeLimitFailsClosed(t *testing.T) {
	if dir := os.Getenv("DECISIONLOG_FSIZE_DIR"); dir != "" {
		// In the child: past the limit the kernel would kill the process
		// with SIGXFSZ; ignored, the write fails with EFBIG instead.
		signal.Ignore(syscall.SIGXFSZ)
		lim := syscall.Rlimit{Cur: 64 << 10, Max: 64 << 10}
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
			t.Fatalf("setrlimit: %v", err)
		}
		ok, _ := fillUntilFull(t, dir)
		if ok == 0 {
			t.Error("no write succeeded under a 64 KiB limit")
		}
		t.Log("child: filled")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFileSizeLimitFailsClosed$", "-test.v")
	cmd.Env = append(os.Environ(), "DECISIONLOG_FSIZE_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	t.Logf("child:\n%s", out)
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	if !strings.Contains(string(out), "child: filled") {
		t.Fatal("the child did not run the test")
	}
}
