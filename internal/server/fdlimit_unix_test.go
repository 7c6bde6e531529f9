//go:build unix

package server_test

import (
	"syscall"
	"testing"

	"github.com/wardhq/ward/internal/server"
)

// TestConnLimitFitsTheFileLimit: a connection limit past the process's
// descriptor limit is lowered below it; one well under it is kept.
func TestConnLimitFitsTheFileLimit(t *testing.T) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		t.Skip(err)
	}
	if r.Cur > 1<<30 {
		t.Skipf("open file limit %d: no limit to fit", r.Cur)
	}
	asked := int(r.Cur) + 1000
	n, lowered := server.ConnLimit(asked)
	if !lowered || n <= 0 || uint64(n) >= uint64(r.Cur) {
		t.Errorf("ConnLimit(%d) with %d descriptors = %d, %v", asked, r.Cur, n, lowered)
	}
	if r.Cur > 200 {
		if n, lowered := server.ConnLimit(10); n != 10 || lowered {
			t.Errorf("ConnLimit(10) with %d descriptors = %d, %v", r.Cur, n, lowered)
		}
	}
	if n, lowered := server.ConnLimit(0); n != 0 || lowered {
		t.Errorf("ConnLimit(0) = %d, %v; 0 is no limit", n, lowered)
	}
}
