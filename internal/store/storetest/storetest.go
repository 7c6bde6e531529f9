// Package storetest is the conformance suite every store.Store backend
// must pass: the same tests run against SQLite always, and against any
// other backend its package wires in.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/wardhq/ward/internal/store"
)

// Run runs the suite against stores made by open; each test gets a fresh,
// empty store.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"CreateGet", testCreateGet},
		{"NamesIgnoreCase", testNamesIgnoreCase},
		{"UniqueIDs", testUniqueIDs},
		{"ListOrderAndPrefix", testList},
		{"PutDelete", testPutDelete},
		{"RollbackOnError", testRollback},
		{"AccountsAreSeparate", testAccounts},
		{"ConcurrentCreates", testConcurrent},
		{"ConcurrentEditsLoseNothing", testConcurrentEdits},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tt.fn(t, s)
		})
	}
}

var ctx = context.Background()

func create(t *testing.T, s store.Store, e *store.Entity) error {
	t.Helper()
	return s.Update(ctx, func(tx store.Tx) error { return tx.Create(e) })
}

func get(t *testing.T, s store.Store, account, kind, name string) (*store.Entity, error) {
	t.Helper()
	var out *store.Entity
	err := s.View(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.Get(account, kind, name)
		return err
	})
	return out, err
}

func testCreateGet(t *testing.T, s store.Store) {
	e := &store.Entity{Account: "000000000000", Kind: "user", Name: "Alice", ID: "AIDAALICE", Body: []byte(`{"n":1}`)}
	if err := create(t, s, e); err != nil {
		t.Fatal(err)
	}
	if e.Seq == 0 {
		t.Error("Create did not set Seq")
	}
	got, err := get(t, s, "000000000000", "user", "Alice")
	if err != nil || got.Name != "Alice" || got.ID != "AIDAALICE" || string(got.Body) != `{"n":1}` {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	err = s.View(ctx, func(tx store.Tx) error {
		byID, err := tx.GetByID("AIDAALICE")
		if err != nil || byID.Name != "Alice" {
			return fmt.Errorf("GetByID = %+v, %v", byID, err)
		}
		if _, err := tx.GetByID("AIDANOBODY"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("GetByID of a missing ID: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	if _, err := get(t, s, "000000000000", "user", "bob"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get of a missing name: %v", err)
	}
}

func testNamesIgnoreCase(t *testing.T, s store.Store) {
	if err := create(t, s, &store.Entity{Account: "a", Kind: "role", Name: "Admin", Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if err := create(t, s, &store.Entity{Account: "a", Kind: "role", Name: "ADMIN", Body: []byte(`{}`)}); !errors.Is(err, store.ErrExists) {
		t.Errorf("a name differing only in case must be taken: %v", err)
	}
	if got, err := get(t, s, "a", "role", "admin"); err != nil || got.Name != "Admin" {
		t.Errorf("lookup ignoring case: %+v, %v", got, err)
	}
	// The same name under another kind is another object.
	if err := create(t, s, &store.Entity{Account: "a", Kind: "user", Name: "Admin", Body: []byte(`{}`)}); err != nil {
		t.Errorf("another kind: %v", err)
	}
}

func testUniqueIDs(t *testing.T, s store.Store) {
	if err := create(t, s, &store.Entity{Account: "a", Kind: "user", Name: "u1", ID: "AIDA1", Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if err := create(t, s, &store.Entity{Account: "b", Kind: "role", Name: "r1", ID: "AIDA1", Body: []byte(`{}`)}); !errors.Is(err, store.ErrExists) {
		t.Errorf("a taken ID must be refused: %v", err)
	}
	// Empty IDs are not unique keys.
	for _, n := range []string{"x", "y"} {
		if err := create(t, s, &store.Entity{Account: "a", Kind: "tag", Name: n, Body: []byte(`{}`)}); err != nil {
			t.Errorf("empty ID: %v", err)
		}
	}
}

func testList(t *testing.T, s store.Store) {
	for _, n := range []string{"/team/b", "/team/a", "/other/c", "/team/c"} {
		if err := create(t, s, &store.Entity{Account: "a", Kind: "policy", Name: n, Body: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	var all, team []*store.Entity
	s.View(ctx, func(tx store.Tx) error {
		all, _ = tx.List("a", "policy", "")
		team, _ = tx.List("a", "policy", "/team/")
		return nil
	})
	names := func(es []*store.Entity) string {
		var out string
		for _, e := range es {
			out += e.Name + " "
		}
		return out
	}
	if got := names(all); got != "/team/b /team/a /other/c /team/c " {
		t.Errorf("List in creation order = %q", got)
	}
	if got := names(team); got != "/team/b /team/a /team/c " {
		t.Errorf("List with prefix = %q", got)
	}
}

func testPutDelete(t *testing.T, s store.Store) {
	e := &store.Entity{Account: "a", Kind: "user", Name: "u", Body: []byte(`{"v":1}`)}
	create(t, s, e)
	err := s.Update(ctx, func(tx store.Tx) error {
		return tx.Put(&store.Entity{Account: "a", Kind: "user", Name: "U", Body: []byte(`{"v":2}`)})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := get(t, s, "a", "user", "u"); string(got.Body) != `{"v":2}` {
		t.Errorf("Put did not replace the body: %s", got.Body)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.Put(&store.Entity{Account: "a", Kind: "user", Name: "nobody", Body: []byte(`{}`)})
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Put of a missing entity: %v", err)
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Delete("a", "user", "U") }); err != nil {
		t.Fatal(err)
	}
	if _, err := get(t, s, "a", "user", "u"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted entity still there: %v", err)
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Delete("a", "user", "u") }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delete of a missing entity: %v", err)
	}
}

func testRollback(t *testing.T, s store.Store) {
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Create(&store.Entity{Account: "a", Kind: "user", Name: "ghost", Body: []byte(`{}`)}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v", err)
	}
	if _, err := get(t, s, "a", "user", "ghost"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a failed transaction left its writes: %v", err)
	}
}

func testAccounts(t *testing.T, s store.Store) {
	create(t, s, &store.Entity{Account: "111111111111", Kind: "user", Name: "u", Body: []byte(`{}`)})
	if err := create(t, s, &store.Entity{Account: "222222222222", Kind: "user", Name: "u", Body: []byte(`{}`)}); err != nil {
		t.Errorf("the same name in another account: %v", err)
	}
	if _, err := get(t, s, "333333333333", "user", "u"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an account sees another's objects: %v", err)
	}
}

func testConcurrent(t *testing.T, s store.Store) {
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- s.Update(ctx, func(tx store.Tx) error {
				return tx.Create(&store.Entity{Account: "a", Kind: "user", Name: fmt.Sprintf("u%d", i%20), Body: []byte(`{}`)})
			})
		}(i)
	}
	wg.Wait()
	close(errs)
	ok, exists := 0, 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrExists):
			exists++
		default:
			t.Errorf("concurrent create: %v", err)
		}
	}
	if ok != 20 || exists != 20 {
		t.Errorf("%d created, %d refused; want 20 and 20", ok, exists)
	}
}

// testConcurrentEdits: read-modify-write transactions on one entity from
// many goroutines lose no update (one writer at a time in SQLite;
// serializable transactions, run again on conflict, in PostgreSQL).
func testConcurrentEdits(t *testing.T, s store.Store) {
	if err := create(t, s, &store.Entity{Account: "a", Kind: "counter", Name: "c", Body: []byte("0")}); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 10
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				err := s.Update(ctx, func(tx store.Tx) error {
					e, err := tx.Get("a", "counter", "c")
					if err != nil {
						return err
					}
					n, _ := strconv.Atoi(string(e.Body))
					e.Body = []byte(strconv.Itoa(n + 1))
					return tx.Put(e)
				})
				if err != nil {
					t.Errorf("edit: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	e, err := get(t, s, "a", "counter", "c")
	if err != nil {
		t.Fatal(err)
	}
	if string(e.Body) != strconv.Itoa(workers*each) {
		t.Errorf("counter = %s after %d increments", e.Body, workers*each)
	}
}
