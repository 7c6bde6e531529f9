package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/wardhq/ward/internal/store"
	"github.com/wardhq/ward/internal/store/sqlite"
	"github.com/wardhq/ward/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := sqlite.Open(filepath.Join(t.TempDir(), "ward.db"))
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ward.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(t.Context(), func(tx store.Tx) error {
		return tx.Create(&store.Entity{Account: "a", Kind: "user", Name: "kept", Body: []byte(`{}`)})
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = sqlite.Open(path) // migrations run again: must be a no-op
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.Get("a", "user", "KEPT")
		return err
	})
	if err != nil {
		t.Errorf("after reopening: %v", err)
	}
}

// TestEmpty: a new database is empty; one with an entity is not, and
// stays so when reopened.
func TestEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ward.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if empty, err := db.Empty(t.Context()); err != nil || !empty {
		t.Errorf("new database: empty %v, %v", empty, err)
	}
	err = db.Update(t.Context(), func(tx store.Tx) error {
		return tx.Create(&store.Entity{Account: "a", Kind: "user", Name: "u", Body: []byte(`{}`)})
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err = sqlite.Open(path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if empty, err := db.Empty(t.Context()); err != nil || empty {
		t.Errorf("with a user: empty %v, %v", empty, err)
	}
}
