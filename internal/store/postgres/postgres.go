// Package postgres is ward's storage backend for several `ward serve`
// nodes sharing one PostgreSQL database (github.com/jackc/pgx/v5).
//
// Transactions run at SERIALIZABLE isolation, so two nodes creating the
// same name, or editing the same role, cannot both win; a transaction
// that loses a serialization conflict is run again (its function must be
// safe to repeat, as store.Store's callers' are: they read what they
// change inside the transaction). Every committed change sends a NOTIFY on
// the ward_changes channel; Watch delivers it to each node so it can drop
// its cached policy sets and credentials.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/wardhq/ward/internal/store"
)

// channel is the LISTEN/NOTIFY channel of committed changes.
const channel = "ward_changes"

// DB is a PostgreSQL-backed store.Store.
type DB struct {
	pool *pgxpool.Pool

	mu       sync.Mutex
	watchers []func()
	cancel   context.CancelFunc
	done     chan struct{}
}

var (
	_ store.Store   = (*DB)(nil)
	_ store.Watcher = (*DB)(nil)
)

// migrations are applied in order, each once, under an advisory lock so
// that nodes starting together do not race. Append, never edit.
var migrations = []string{
	`CREATE TABLE ward_entities (
		seq     BIGSERIAL PRIMARY KEY,
		account TEXT NOT NULL,
		kind    TEXT NOT NULL,
		name    TEXT NOT NULL,
		lname   TEXT NOT NULL,
		id      TEXT,
		body    BYTEA NOT NULL
	);
	CREATE UNIQUE INDEX ward_entities_name ON ward_entities (account, kind, lname);
	CREATE UNIQUE INDEX ward_entities_id ON ward_entities (id) WHERE id IS NOT NULL AND id <> '';`,
}

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string) and brings its schema up to date.
func Open(ctx context.Context, url string) (*DB, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	db := &DB{pool: pool}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

func (db *DB) migrate(ctx context.Context) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		// One node migrates at a time; the lock ends with the transaction.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7572617264)`); err != nil {
			return fmt.Errorf("postgres: migrate: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS ward_schema_version (version INTEGER NOT NULL)`); err != nil {
			return fmt.Errorf("postgres: migrate: %w", err)
		}
		var v int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM ward_schema_version`).Scan(&v); err != nil {
			return fmt.Errorf("postgres: read schema version: %w", err)
		}
		if v > len(migrations) {
			return fmt.Errorf("postgres: the database has schema version %d, newer than this ward (%d)", v, len(migrations))
		}
		for i := v; i < len(migrations); i++ {
			if _, err := tx.Exec(ctx, migrations[i]); err != nil {
				return fmt.Errorf("postgres: migration %d: %w", i+1, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO ward_schema_version (version) VALUES ($1)`, i+1); err != nil {
				return fmt.Errorf("postgres: migration %d: %w", i+1, err)
			}
		}
		return nil
	})
}

// Close stops watching and closes the pool.
func (db *DB) Close() error {
	db.mu.Lock()
	cancel, done := db.cancel, db.done
	db.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	db.pool.Close()
	return nil
}

// View runs fn in a read-only transaction.
func (db *DB) View(ctx context.Context, fn func(store.Tx) error) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer tx.Rollback(ctx)
	return fn(&txn{ctx: ctx, tx: tx})
}

// maxAttempts bounds the retries of a transaction that keeps losing
// serialization conflicts.
const maxAttempts = 10

// Update runs fn in a serializable transaction and commits it, running
// it again when it loses a conflict with another node's transaction.
func (db *DB) Update(ctx context.Context, fn func(store.Tx) error) error {
	var err error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if err = db.update(ctx, fn); !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
	return fmt.Errorf("postgres: gave up after %d serialization conflicts: %w", maxAttempts, err)
}

func (db *DB) update(ctx context.Context, fn func(store.Tx) error) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer tx.Rollback(ctx)
	if err := fn(&txn{ctx: ctx, tx: tx}); err != nil {
		return err
	}
	// Delivered to the listeners when, and only if, the commit succeeds.
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, channel); err != nil {
		return fmt.Errorf("postgres: notify: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// retryable reports a serialization failure or a deadlock: the
// transaction did nothing and may be run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// Watch calls fn after every committed change, from any node, and after
// the connection that listens is re-established (changes may have been
// missed meanwhile). fn runs on the listening goroutine: keep it short.
func (db *DB) Watch(fn func()) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.watchers = append(db.watchers, fn)
	if db.cancel == nil {
		ctx, cancel := context.WithCancel(context.Background())
		db.cancel, db.done = cancel, make(chan struct{})
		go db.listen(ctx)
	}
}

func (db *DB) notify() {
	db.mu.Lock()
	ws := append([]func(){}, db.watchers...)
	db.mu.Unlock()
	for _, fn := range ws {
		fn()
	}
}

func (db *DB) listen(ctx context.Context) {
	defer close(db.done)
	for ctx.Err() == nil {
		conn, err := db.pool.Acquire(ctx)
		if err == nil {
			if _, err = conn.Exec(ctx, "LISTEN "+channel); err == nil {
				db.notify() // anything missed while not listening
				for err == nil {
					_, err = conn.Conn().WaitForNotification(ctx)
					if err == nil {
						db.notify()
					}
				}
			}
			// The connection may be mid-wait: do not hand it back.
			conn.Hijack().Close(context.Background())
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

type txn struct {
	ctx context.Context
	tx  pgx.Tx
}

const columns = `seq, account, kind, name, COALESCE(id, ''), body`

func scan(row pgx.Row) (*store.Entity, error) {
	return store.ScanEntity(row, func(err error) bool { return errors.Is(err, pgx.ErrNoRows) }, "postgres")
}

func (t *txn) Get(account, kind, name string) (*store.Entity, error) {
	return scan(t.tx.QueryRow(t.ctx, `SELECT `+columns+` FROM ward_entities WHERE account = $1 AND kind = $2 AND lname = $3`,
		account, kind, strings.ToLower(name)))
}

func (t *txn) GetByID(id string) (*store.Entity, error) {
	if id == "" {
		return nil, store.ErrNotFound
	}
	return scan(t.tx.QueryRow(t.ctx, `SELECT `+columns+` FROM ward_entities WHERE id = $1`, id))
}

func (t *txn) List(account, kind, prefix string) ([]*store.Entity, error) {
	rows, err := t.tx.Query(t.ctx, `SELECT `+columns+` FROM ward_entities WHERE account = $1 AND kind = $2 AND left(name, length($3)) = $3 ORDER BY seq`,
		account, kind, prefix)
	if err != nil {
		return nil, fmt.Errorf("postgres: list: %w", err)
	}
	defer rows.Close()
	var out []*store.Entity
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list: %w", err)
	}
	return out, nil
}

func (t *txn) Create(e *store.Entity) error {
	var id any
	if e.ID != "" {
		id = e.ID
	}
	err := t.tx.QueryRow(t.ctx, `INSERT INTO ward_entities (account, kind, name, lname, id, body) VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq`,
		e.Account, e.Kind, e.Name, strings.ToLower(e.Name), id, e.Body).Scan(&e.Seq)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "23505" { // unique_violation
			return fmt.Errorf("%s %q: %w", e.Kind, e.Name, store.ErrExists)
		}
		return fmt.Errorf("postgres: create: %w", err)
	}
	return nil
}

func (t *txn) Put(e *store.Entity) error {
	tag, err := t.tx.Exec(t.ctx, `UPDATE ward_entities SET body = $1 WHERE account = $2 AND kind = $3 AND lname = $4`,
		e.Body, e.Account, e.Kind, strings.ToLower(e.Name))
	if err != nil {
		return fmt.Errorf("postgres: put: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s %q: %w", e.Kind, e.Name, store.ErrNotFound)
	}
	return nil
}

func (t *txn) Delete(account, kind, name string) error {
	tag, err := t.tx.Exec(t.ctx, `DELETE FROM ward_entities WHERE account = $1 AND kind = $2 AND lname = $3`, account, kind, strings.ToLower(name))
	if err != nil {
		return fmt.Errorf("postgres: delete: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s %q: %w", kind, name, store.ErrNotFound)
	}
	return nil
}
