// Package store keeps the IAM objects `ward serve` manages: accounts,
// users, groups, roles, policies, access keys and the rest.
//
// The interface is small on purpose. An object is an Entity: its account,
// kind, name, unique ID and a JSON body the IAM layer owns. Names are
// unique per account and kind, case-insensitively, as IAM names are. Every
// change happens in a transaction, and a transaction that returns nil is
// durable when Update returns: that is the promise the crash test checks.
// The embedded default is SQLite (package store/sqlite); the PostgreSQL
// backend (package store/postgres) serves several ward nodes, implements
// Watcher, and passes the same conformance suite (storetest).
package store

import (
	"context"
	"errors"
	"fmt"
)

// Sentinel errors. Backends wrap them; callers test with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
)

// Entity is one stored object.
type Entity struct {
	Account string
	Kind    string // "user", "role", "policy", "accesskey", ...
	Name    string // as created; lookups ignore case
	// ID is the object's unique ID (AIDA..., AROA..., AKIA...), unique
	// across the store; empty when the kind has none.
	ID   string
	Body []byte // JSON, owned by the caller
	// Seq orders objects by creation, for listing in creation order.
	Seq int64
}

// Store is a storage backend. Implementations are safe for concurrent use.
type Store interface {
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction and commits it when fn
	// returns nil. Once Update returns nil the changes survive a crash.
	Update(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// Tx reads and writes within a transaction.
type Tx interface {
	// Get returns the entity of a kind with a name (case-insensitive), or
	// ErrNotFound.
	Get(account, kind, name string) (*Entity, error)
	// GetByID returns the entity with a unique ID, or ErrNotFound.
	GetByID(id string) (*Entity, error)
	// List returns the entities of a kind in creation order, those whose
	// name starts with prefix (case-sensitive) when prefix is not empty.
	List(account, kind, prefix string) ([]*Entity, error)
	// Create stores a new entity; ErrExists when its name (or its ID) is
	// taken. It sets e.Seq.
	Create(e *Entity) error
	// Put replaces the body of an existing entity; ErrNotFound when there
	// is none.
	Put(e *Entity) error
	// Delete removes an entity; ErrNotFound when there is none.
	Delete(account, kind, name string) error
}

// Watcher is implemented by backends that several ward nodes share: Watch
// calls fn after changes committed by any node, so that each can drop
// what it has cached from the store.
type Watcher interface {
	Watch(fn func())
}

// Row is one result row of a SQL backend: *sql.Row, *sql.Rows, pgx.Row.
type Row interface {
	Scan(dest ...any) error
}

// ScanEntity reads a row of the columns seq, account, kind, name, id and
// body, as both SQL backends select them. noRows reports the driver's
// "no rows" error, which becomes ErrNotFound; backend prefixes others.
func ScanEntity(row Row, noRows func(error) bool, backend string) (*Entity, error) {
	e := &Entity{}
	if err := row.Scan(&e.Seq, &e.Account, &e.Kind, &e.Name, &e.ID, &e.Body); err != nil {
		if noRows(err) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("%s: %w", backend, err)
	}
	return e, nil
}
