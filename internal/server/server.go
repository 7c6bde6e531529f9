// Package server runs ward as a service: it opens the data folder (the
// database, the key that seals secrets, the root credentials, the
// decision log) and serves the IAM and STS Query API, /healthz and
// /v1/authorize on one listener.
package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/wardhq/ward/internal/authorizeapi"
	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/decisionlog"
	"github.com/wardhq/ward/internal/iamapi"
	"github.com/wardhq/ward/internal/seal"
	"github.com/wardhq/ward/internal/store"
	"github.com/wardhq/ward/internal/store/postgres"
	"github.com/wardhq/ward/internal/store/sqlite"
)

// Config says where and how to run.
type Config struct {
	DataDir string
	Account string // the first account, created with the data folder
	// RootKeyID and RootSecret, when set, are the root credentials of a
	// new data folder (WARD_ROOT_ACCESS_KEY_ID, WARD_ROOT_SECRET_ACCESS_KEY).
	RootKeyID, RootSecret string
	LogMaxBytes           int64
	// Postgres, when set, is the URL of a PostgreSQL database that
	// several ward nodes share, instead of the data folder's SQLite file.
	// Nodes sharing a database must share DataDir/secret.key too.
	Postgres string
}

// Server is an opened data folder ready to serve.
type Server struct {
	Service *iamapi.Service
	Store   store.Store
	Log     *decisionlog.Log
	// CredentialsFile is where the root credentials were written.
	CredentialsFile string
	// NewRootKey says whether the root credentials were made now.
	NewRootKey bool

	unlock func() error // releases the data folder's lock
}

// accountKind is the kind under which iamapi stores an account (its
// kindAccount). It is part of the stored data's format, so it does not
// change: Open reads it to know whether an account exists before it
// decides to make one.
const accountKind = "account"

// Open prepares the data folder and the service. The folder is locked
// while the server is open. Open makes a new account, its root
// credentials and the key that seals secrets only in a folder (or, with
// Postgres, a database) that holds no data yet; it refuses a folder whose
// files do not go together (a database without its key, a key or
// credentials without their database, a damaged database) rather than
// start over on top of them.
func Open(cfg Config) (srv *Server, err error) {
	if cfg.DataDir == "" {
		return nil, errors.New("no data folder given")
	}
	if cfg.Account == "" {
		cfg.Account = "000000000000"
	}
	if cfg.LogMaxBytes == 0 {
		cfg.LogMaxBytes = 64 << 20
	}
	if err := makeDir(cfg.DataDir); err != nil {
		return nil, err
	}
	unlock, err := lockDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	// Undo, newest first, what was opened when Open fails.
	undo := []func() error{unlock}
	defer func() {
		if err != nil {
			for i := len(undo) - 1; i >= 0; i-- {
				undo[i]()
			}
		}
	}()
	dir := cfg.DataDir
	keyPath, credsPath := filepath.Join(dir, "secret.key"), filepath.Join(dir, "credentials")
	hasKey, hasCreds, err := present(keyPath, credsPath)
	if err != nil {
		return nil, err
	}

	// hasData: the store holds data sealed with a key; exists: it holds
	// the account cfg.Account.
	var db store.Store
	var hasData, exists bool
	if cfg.Postgres != "" {
		if db, err = postgres.Open(context.Background(), cfg.Postgres); err != nil {
			return nil, err
		}
		undo = append(undo, db.Close)
		if exists, err = accountExists(db, cfg.Account); err != nil {
			return nil, err
		}
		// Other accounts cannot be listed through the store; a shared
		// database is taken to hold data once its first account exists.
		hasData = exists
		if !hasKey && exists {
			return nil, fmt.Errorf("%s is missing, but the shared database already holds account %s, whose secrets are sealed with the key of the node that created it: copy secret.key from another node's data folder", keyPath, cfg.Account)
		}
	} else {
		dbPath := filepath.Join(dir, "ward.db")
		if err := checkDatabaseFile(dbPath, keyPath, credsPath, hasKey, hasCreds); err != nil {
			return nil, err
		}
		sq, err := sqlite.Open(dbPath)
		if err != nil {
			return nil, err
		}
		db = sq
		undo = append(undo, db.Close)
		empty, err := sq.Empty(context.Background())
		if err != nil {
			return nil, err
		}
		if hasData = !empty; hasData {
			if exists, err = accountExists(db, cfg.Account); err != nil {
				return nil, err
			}
		}
		if !hasKey && hasData {
			return nil, fmt.Errorf("%s is missing, but %s holds data sealed with it: restore secret.key from a backup (a new key would make every access key fail)", keyPath, dbPath)
		}
	}
	if hasCreds && !hasData {
		return nil, fmt.Errorf("%s exists, but the database holds no account %s: the file belongs to another database; move it away to start a new account", credsPath, cfg.Account)
	}

	newKey := !hasKey
	key, err := dataKey(keyPath, newKey)
	if err != nil {
		return nil, err
	}
	sealer, err := seal.New(key)
	if err != nil {
		return nil, err
	}
	cat, err := catalog.Default()
	if err != nil {
		return nil, err
	}
	log, err := decisionlog.Open(filepath.Join(dir, "decisions.log"), cfg.LogMaxBytes)
	if err != nil {
		return nil, err
	}
	undo = append(undo, log.Close)
	svc := &iamapi.Service{Store: db, Sealer: sealer, Catalog: cat}
	if w, ok := db.(store.Watcher); ok {
		w.Watch(svc.Invalidate)
	}
	svc.Decisions = log.Record
	s := &Server{Service: svc, Store: db, Log: log, CredentialsFile: credsPath, unlock: unlock}
	// A folder with data but without the account asked for (one made
	// with another --account) gets no new account: Config.Account is the
	// first account, made with the folder.
	if !exists && hasData {
		return s, nil
	}
	// Bootstrap makes the account when it is missing, and brings an
	// existing one's stored data up to date.
	id, secret, created, err := svc.Bootstrap(cfg.Account, cfg.RootKeyID, cfg.RootSecret)
	if err != nil {
		return nil, fmt.Errorf("account %s: %w", cfg.Account, err)
	}
	if !created {
		if newKey {
			// Another node made the account between our look and
			// Bootstrap, sealing with its own key: ours is no use.
			os.Remove(keyPath)
			return nil, fmt.Errorf("account %s was just created by another node, with its own key: copy its secret.key to %s and start again", cfg.Account, keyPath)
		}
		return s, nil
	}
	s.NewRootKey = true
	creds := fmt.Sprintf("[ward]\naws_access_key_id = %s\naws_secret_access_key = %s\nregion = us-east-1\n", id, secret)
	if err := writeNew(credsPath, []byte(creds)); err != nil {
		return nil, fmt.Errorf("the root credentials of the new account %s could not be saved (%w): start again from an empty data folder (and, with --postgres, an empty database)", cfg.Account, err)
	}
	return s, nil
}

// present says which of the key and credentials files exist.
func present(keyPath, credsPath string) (hasKey, hasCreds bool, err error) {
	keySize, err := fileSize(keyPath)
	if err != nil {
		return false, false, err
	}
	credsSize, err := fileSize(credsPath)
	if err != nil {
		return false, false, err
	}
	// An older ward, or a copy, may have left them readable by others.
	for _, p := range []string{keyPath, credsPath} {
		if err := tighten(p); err != nil {
			return false, false, err
		}
	}
	return keySize >= 0, credsSize >= 0, nil
}

// checkDatabaseFile refuses a missing or empty ward.db in a folder that
// has a key or credentials: SQLite would make a new database of it, and
// ward a new account, over the data the other files belong to.
func checkDatabaseFile(dbPath, keyPath, credsPath string, hasKey, hasCreds bool) error {
	size, err := fileSize(dbPath)
	if err != nil || size > 0 || !hasKey && !hasCreds {
		return err
	}
	var others []string
	if hasKey {
		others = append(others, keyPath)
	}
	if hasCreds {
		others = append(others, credsPath)
	}
	state := "missing"
	if size == 0 {
		state = "empty"
	}
	list := strings.Join(others, " and ")
	return fmt.Errorf("%s is %s, but %s exists: the database was lost; restore it from a backup, or remove %s to start a new account",
		dbPath, state, list, list)
}

// accountExists says whether the store holds the account.
func accountExists(db store.Store, account string) (bool, error) {
	err := db.View(context.Background(), func(tx store.Tx) error {
		_, err := tx.Get(account, accountKind, account)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("account %s: %w", account, err)
	}
	return true, nil
}

// dataKey reads the key that seals secrets, or makes it when create is
// set. It lives in its own file (mode 0600) so a copy of the database
// alone does not reveal any secret.
func dataKey(path string, create bool) ([]byte, error) {
	if create {
		key := make([]byte, 32)
		rand.Read(key)
		if err := writeNew(path, key); err != nil {
			return nil, err
		}
		return key, nil
	}
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("%s: the key must be 32 bytes, not %d", path, len(key))
	}
	return key, nil
}

// Handler is the HTTP handler: the Query API at /, POST /v1/authorize
// for services using ward as their decision point, and /healthz.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		err := s.Store.View(r.Context(), func(store.Tx) error { return nil })
		if err != nil {
			http.Error(w, "unhealthy: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
	})
	mux.Handle("POST /v1/authorize", authorizeapi.Handler(s.Service))
	mux.Handle("/", s.Service)
	return mux
}

// Close closes the log and the database, then releases the data folder.
func (s *Server) Close() error {
	err := errors.Join(s.Log.Close(), s.Store.Close())
	if s.unlock != nil {
		err = errors.Join(err, s.unlock())
	}
	return err
}

// ReadCredentials parses the profile file ward writes.
func ReadCredentials(path string) (id, secret string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	data, _ := io.ReadAll(f)
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "aws_access_key_id":
			id = strings.TrimSpace(v)
		case "aws_secret_access_key":
			secret = strings.TrimSpace(v)
		}
	}
	if id == "" || secret == "" {
		return "", "", fmt.Errorf("%s: no ward credentials", path)
	}
	return id, secret, nil
}
