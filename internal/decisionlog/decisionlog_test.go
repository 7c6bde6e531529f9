package decisionlog

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

type rec struct {
	Writer, N int
}

// readAll reads every record of the log's files, oldest first.
func readAll(t *testing.T, path string) []rec {
	t.Helper()
	var out []rec
	for _, f := range Files(path) {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			var r rec
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatalf("%s: a line that is not one record: %q", f, sc.Text())
			}
			out = append(out, r)
		}
		fh.Close()
	}
	return out
}

// TestConcurrentWritesAreComplete: records written at once by many
// goroutines, grouped into batches and across rotations, are each in the
// log exactly once, whole, and in each writer's order.
func TestConcurrentWritesAreComplete(t *testing.T) {
	for _, maxSize := range []int64{64 << 20, 4096} {
		t.Run(fmt.Sprint(maxSize), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "decisions.log")
			l, err := Open(path, maxSize)
			if err != nil {
				t.Fatal(err)
			}
			const writers, each = 16, 100
			var wg sync.WaitGroup
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n := 0; n < each; n++ {
						if err := l.Write(rec{w, n}); err != nil {
							t.Error(err)
						}
					}
				}()
			}
			wg.Wait()
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			got := readAll(t, path)
			if maxSize == 4096 && len(Files(path)) < 2 {
				t.Errorf("no rotation at %d bytes: %v", maxSize, Files(path))
			}
			if maxSize == 4096 {
				// Nine rotated files are kept: the oldest records are gone,
				// the newest are all there.
				if len(got) == 0 {
					t.Fatal("nothing in the log")
				}
			} else if len(got) != writers*each {
				t.Fatalf("%d records, want %d", len(got), writers*each)
			}
			next := make([]int, writers)
			for i := range next {
				next[i] = -1
			}
			for _, r := range got {
				if r.N <= next[r.Writer] {
					t.Fatalf("writer %d: record %d after %d", r.Writer, r.N, next[r.Writer])
				}
				if maxSize != 4096 && r.N != next[r.Writer]+1 {
					t.Fatalf("writer %d: record %d missing", r.Writer, next[r.Writer]+1)
				}
				next[r.Writer] = r.N
			}
			for w, n := range next {
				if n != each-1 {
					t.Errorf("writer %d: last record %d, want %d", w, n, each-1)
				}
			}
		})
	}
}

// TestWriteReportsFailure: a record that cannot be written is an error for
// its writer, not a silent loss.
func TestWriteReportsFailure(t *testing.T) {
	l, err := Open(filepath.Join(t.TempDir(), "decisions.log"), 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	l.f.Close() // the file goes away under the log
	if err := l.Write(rec{0, 0}); err == nil {
		t.Error("a write to a closed file reported success")
	}
}

func BenchmarkWriteParallel(b *testing.B) {
	l, err := Open(filepath.Join(b.TempDir(), "decisions.log"), 1<<40)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	b.ReportAllocs()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Write(rec{1, 2})
		}
	})
}
