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
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/wardhq/ward/internal/catalog"
	"github.com/wardhq/ward/internal/decisionlog"
	"github.com/wardhq/ward/internal/iamapi"
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
}

// Open prepares the data folder and the service.
func Open(cfg Config) (*Server, error) {
	if cfg.Account == "" {
		cfg.Account = "000000000000"
	}
	if cfg.LogMaxBytes == 0 {
		cfg.LogMaxBytes = 64 << 20
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	key, err := dataKey(filepath.Join(cfg.DataDir, "secret.key"))
	if err != nil {
		return nil, err
	}
	sealer, err := iamapi.NewSealer(key)
	if err != nil {
		return nil, err
	}
	var db store.Store
	if cfg.Postgres != "" {
		db, err = postgres.Open(context.Background(), cfg.Postgres)
	} else {
		db, err = sqlite.Open(filepath.Join(cfg.DataDir, "ward.db"))
	}
	if err != nil {
		return nil, err
	}
	cat, err := catalog.Default()
	if err != nil {
		db.Close()
		return nil, err
	}
	log, err := decisionlog.Open(filepath.Join(cfg.DataDir, "decisions.log"), cfg.LogMaxBytes)
	if err != nil {
		db.Close()
		return nil, err
	}
	svc := &iamapi.Service{Store: db, Sealer: sealer, Catalog: cat}
	if w, ok := db.(store.Watcher); ok {
		w.Watch(svc.Invalidate)
	}
	svc.Decisions = func(records []*iamapi.Record) error {
		return log.Append(func(b []byte) []byte { return iamapi.AppendRecords(b, records) })
	}
	s := &Server{Service: svc, Store: db, Log: log, CredentialsFile: filepath.Join(cfg.DataDir, "credentials")}
	id, secret, created, err := svc.Bootstrap(cfg.Account, cfg.RootKeyID, cfg.RootSecret)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("create the account: %w", err)
	}
	if created {
		s.NewRootKey = true
		creds := fmt.Sprintf("[ward]\naws_access_key_id = %s\naws_secret_access_key = %s\nregion = us-east-1\n", id, secret)
		if err := os.WriteFile(s.CredentialsFile, []byte(creds), 0o600); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// dataKey reads the key that seals secrets, making it on first use. It
// lives in its own file (mode 0600) so a copy of the database alone does
// not reveal any secret.
func dataKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key = make([]byte, 32)
		rand.Read(key)
		if err := os.WriteFile(path, key, 0o600); err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
		return key, nil
	}
	if err != nil {
		return nil, err
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("%s: the key must be 32 bytes", path)
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
	mux.Handle("POST /v1/authorize", s.Service.AuthorizeHandler())
	mux.Handle("/", s.Service)
	return mux
}

// Close releases the database and the log.
func (s *Server) Close() error {
	s.Log.Close()
	return s.Store.Close()
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
