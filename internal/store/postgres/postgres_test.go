package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/wardhq/ward/internal/store"
	"github.com/wardhq/ward/internal/store/postgres"
	"github.com/wardhq/ward/internal/store/storetest"
)

func open(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, storetest.PostgresDatabase(t)) })
}

// TestTwoNodes: two handles on one database see each other's writes,
// refuse each other's names, and are told of each other's changes.
func TestTwoNodes(t *testing.T) {
	url := storetest.PostgresDatabase(t)
	a, b := open(t, url), open(t, url)
	defer a.Close()
	defer b.Close()
	changed := make(chan struct{}, 16)
	b.Watch(func() { changed <- struct{}{} })
	// The first call reports the (re)connection itself.
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("no call when the listener connected")
	}
	ctx := context.Background()
	if err := a.Update(ctx, func(tx store.Tx) error {
		return tx.Create(&store.Entity{Account: "a", Kind: "user", Name: "Alice", ID: "AIDA1", Body: []byte(`{}`)})
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("node b was not told of node a's change")
	}
	if err := b.View(ctx, func(tx store.Tx) error {
		_, err := tx.Get("a", "user", "alice")
		return err
	}); err != nil {
		t.Errorf("node b reads node a's user: %v", err)
	}
	err := b.Update(ctx, func(tx store.Tx) error {
		return tx.Create(&store.Entity{Account: "a", Kind: "user", Name: "ALICE", Body: []byte(`{}`)})
	})
	if err == nil {
		t.Error("node b created a name node a holds")
	}
}

// TestMigrationIsIdempotent: reopening a migrated database changes nothing.
func TestMigrationIsIdempotent(t *testing.T) {
	url := storetest.PostgresDatabase(t)
	open(t, url).Close()
	db := open(t, url)
	defer db.Close()
	if err := db.View(context.Background(), func(tx store.Tx) error {
		_, err := tx.List("a", "user", "")
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
