// Package sqlite is ward's embedded storage backend: one SQLite database
// file (modernc.org/sqlite, pure Go) in the data folder, in WAL mode with
// full synchronous commits, so a write ward has answered survives a crash.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	_ "modernc.org/sqlite"

	"github.com/wardhq/ward/internal/store"
)

// DB is a SQLite-backed store.Store.
type DB struct {
	db *sql.DB
	// stmts are the queries, prepared once: parsing SQL is a good part of
	// a small read's cost. database/sql keeps each prepared on every
	// connection it has run on, and a transaction reuses it.
	stmts struct {
		get, getByID, list, create, put, del *sql.Stmt
	}
}

var _ store.Store = (*DB)(nil)

// migrations are applied in order, each once; the schema version is
// len(migrations). Append, never edit.
var migrations = []string{
	`CREATE TABLE entities (
		seq     INTEGER PRIMARY KEY AUTOINCREMENT,
		account TEXT NOT NULL,
		kind    TEXT NOT NULL,
		name    TEXT NOT NULL,
		lname   TEXT NOT NULL,
		id      TEXT,
		body    BLOB NOT NULL
	);
	CREATE UNIQUE INDEX entities_name ON entities (account, kind, lname);
	CREATE UNIQUE INDEX entities_id ON entities (id) WHERE id IS NOT NULL AND id != '';`,
}

// Open opens (creating if needed) the database at path. The database
// file and its -wal and -shm files are readable by their owner only: they
// hold every policy and the sealed secrets. A database that fails
// SQLite's quick_check is refused, rather than served with errors on
// whatever the damage touches.
func Open(path string) (*DB, error) {
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	// WAL with synchronous=FULL: a commit is on disk before it returns.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// One writer at a time is what SQLite allows; readers share.
	db.SetMaxOpenConns(4)
	s := &DB{db: db}
	for _, step := range []func() error{
		func() error { return s.check(path) },
		s.migrate,
		s.prepare,
		// SQLite makes the -wal and -shm files with the database's mode;
		// these are left by an older ward that made it 0644.
		func() error { return private(path+"-wal", path+"-shm") },
	} {
		if err := step(); err != nil {
			db.Close()
			return nil, err
		}
	}
	return s, nil
}

// createPrivate creates the database file, mode 0600 whatever the umask,
// before SQLite does (it would make it 0644), or takes the group's and
// others' access away from one that exists.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return private(path)
	}
	if err != nil {
		return err
	}
	err = f.Chmod(0o600)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// private takes the group's and others' access away from the files that
// exist among paths.
func private(paths ...string) error {
	for _, p := range paths {
		info, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil && info.Mode().Perm()&0o077 != 0 {
			err = os.Chmod(p, info.Mode().Perm()&^0o077)
		}
		if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
	}
	return nil
}

// check runs SQLite's quick_check, which reads every page and verifies
// the b-trees' structure (all but the indexes' agreement with their
// tables, which integrity_check adds at many times the cost).
func (s *DB) check(path string) error {
	rows, err := s.db.Query(`PRAGMA quick_check`)
	if err != nil {
		return fmt.Errorf("sqlite: %s cannot be read as a database (%w); restore it from a backup", path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("sqlite: %s: quick_check: %w", path, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: %s is damaged (%w); restore it from a backup", path, err)
	}
	if len(problems) > 0 {
		if len(problems) > 3 {
			problems = append(problems[:3], fmt.Sprintf("and %d more", len(problems)-3))
		}
		return fmt.Errorf("sqlite: %s is damaged (quick_check: %s); restore it from a backup", path, strings.Join(problems, "; "))
	}
	return nil
}

// Empty says whether the database holds no entity at all: whether it is
// a new database, which nothing has been stored in yet.
func (s *DB) Empty(ctx context.Context) (bool, error) {
	var found bool
	if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM entities)`).Scan(&found); err != nil {
		return false, fmt.Errorf("sqlite: %w", err)
	}
	return !found, nil
}

func (s *DB) prepare() error {
	for _, q := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&s.stmts.get, `SELECT ` + columns + ` FROM entities WHERE account = ? AND kind = ? AND lname = ?`},
		{&s.stmts.getByID, `SELECT ` + columns + ` FROM entities WHERE id = ?`},
		{&s.stmts.list, `SELECT ` + columns + ` FROM entities WHERE account = ? AND kind = ? AND substr(name, 1, length(?)) = ? ORDER BY seq`},
		{&s.stmts.create, `INSERT INTO entities (account, kind, name, lname, id, body) VALUES (?, ?, ?, ?, ?, ?)`},
		{&s.stmts.put, `UPDATE entities SET body = ? WHERE account = ? AND kind = ? AND lname = ?`},
		{&s.stmts.del, `DELETE FROM entities WHERE account = ? AND kind = ? AND lname = ?`},
	} {
		stmt, err := s.db.Prepare(q.sql)
		if err != nil {
			return fmt.Errorf("sqlite: prepare: %w", err)
		}
		*q.stmt = stmt
	}
	return nil
}

func (s *DB) migrate() error {
	if _, err := s.db.Exec(`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	var v int
	if err := s.db.QueryRow(`SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&v); err != nil {
		return fmt.Errorf("sqlite: read schema version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("sqlite: the database has schema version %d, newer than this ward (%d)", v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		tx, err := s.db.Begin()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(migrations[i]); err != nil {
			tx.Rollback()
			return fmt.Errorf("sqlite: migration %d: %w", i+1, err)
		}
		if _, err := tx.Exec(`INSERT INTO schema_version (version) VALUES (?)`, i+1); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the database.
func (s *DB) Close() error { return s.db.Close() }

// View runs fn in a read transaction.
func (s *DB) View(ctx context.Context, fn func(store.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer tx.Rollback()
	return fn(&txn{tx: tx, db: s})
}

// Update runs fn in a write transaction and commits it when fn succeeds.
func (s *DB) Update(ctx context.Context, fn func(store.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	if err := fn(&txn{tx: tx, db: s}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

type txn struct {
	tx *sql.Tx
	db *DB
}

const columns = `seq, account, kind, name, COALESCE(id, ''), body`

func scan(row store.Row) (*store.Entity, error) {
	return store.ScanEntity(row, func(err error) bool { return errors.Is(err, sql.ErrNoRows) }, "sqlite")
}

func (t *txn) Get(account, kind, name string) (*store.Entity, error) {
	return scan(t.tx.Stmt(t.db.stmts.get).QueryRow(account, kind, strings.ToLower(name)))
}

func (t *txn) GetByID(id string) (*store.Entity, error) {
	if id == "" {
		return nil, store.ErrNotFound
	}
	return scan(t.tx.Stmt(t.db.stmts.getByID).QueryRow(id))
}

func (t *txn) List(account, kind, prefix string) ([]*store.Entity, error) {
	rows, err := t.tx.Stmt(t.db.stmts.list).Query(account, kind, prefix, prefix)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list: %w", err)
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
	return out, rows.Err()
}

func (t *txn) Create(e *store.Entity) error {
	var id any
	if e.ID != "" {
		id = e.ID
	}
	res, err := t.tx.Stmt(t.db.stmts.create).Exec(e.Account, e.Kind, e.Name, strings.ToLower(e.Name), id, e.Body)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE constraint failed") {
			return fmt.Errorf("%s %q: %w", e.Kind, e.Name, store.ErrExists)
		}
		return fmt.Errorf("sqlite: create: %w", err)
	}
	e.Seq, _ = res.LastInsertId()
	return nil
}

func (t *txn) Put(e *store.Entity) error {
	res, err := t.tx.Stmt(t.db.stmts.put).Exec(e.Body, e.Account, e.Kind, strings.ToLower(e.Name))
	if err != nil {
		return fmt.Errorf("sqlite: put: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s %q: %w", e.Kind, e.Name, store.ErrNotFound)
	}
	return nil
}

func (t *txn) Delete(account, kind, name string) error {
	res, err := t.tx.Stmt(t.db.stmts.del).Exec(account, kind, strings.ToLower(name))
	if err != nil {
		return fmt.Errorf("sqlite: delete: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s %q: %w", kind, name, store.ErrNotFound)
	}
	return nil
}
