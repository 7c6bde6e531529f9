package server_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/wardhq/ward/internal/server"
	"github.com/wardhq/ward/internal/store"
	"github.com/wardhq/ward/internal/store/storetest"
)

// newFolder makes a data folder with an account and a few writes in it,
// closed again, and returns it.
func newFolder(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	srv, err := server.Open(server.Config{DataDir: dir, Account: "123456789012"})
	if err != nil {
		t.Fatal(err)
	}
	err = srv.Store.Update(context.Background(), func(tx store.Tx) error {
		for i := range 300 {
			// Bodies of some size, so the database spans many pages.
			body := fmt.Sprintf(`{"pad":%q}`, strings.Repeat(fmt.Sprint(i), 200))
			if err := tx.Create(&store.Entity{Account: "123456789012", Kind: "test", Name: fmt.Sprint("e", i), Body: []byte(body)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSecondOpenOfAFolderFails: while one server has a data folder open,
// a second one on it is refused with an error naming the folder, and can
// open it once the first has closed.
func TestSecondOpenOfAFolderFails(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	first, err := server.Open(server.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	second, err := server.Open(server.Config{DataDir: dir})
	if err == nil {
		second.Close()
		first.Close()
		t.Fatal("a second server opened a data folder the first still has open")
	}
	if !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "another ward serve") {
		t.Errorf("error %q does not name the folder and say who holds it", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := server.Open(server.Config{DataDir: dir})
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	again.Close()
}

// TestBrokenFolderIsRefused: a data folder whose files no longer go
// together is refused with an error saying what is wrong, and nothing in
// it is replaced: no new account, key or credentials over the old ones.
func TestBrokenFolderIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name    string
		breakIt func(t *testing.T, dir string)
		want    []string
	}{
		{"empty database", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "ward.db"), nil)
		}, []string{"ward.db is empty", "secret.key", "credentials"}},
		{"missing database", func(t *testing.T, dir string) {
			remove(t, filepath.Join(dir, "ward.db"))
		}, []string{"ward.db is missing", "secret.key"}},
		{"missing key", func(t *testing.T, dir string) {
			remove(t, filepath.Join(dir, "secret.key"))
		}, []string{"secret.key is missing", "ward.db holds data sealed with it"}},
		{"missing key and credentials", func(t *testing.T, dir string) {
			remove(t, filepath.Join(dir, "secret.key"))
			remove(t, filepath.Join(dir, "credentials"))
		}, []string{"secret.key is missing"}},
		{"damaged page", func(t *testing.T, dir string) {
			db := filepath.Join(dir, "ward.db")
			info, err := os.Stat(db)
			if err != nil {
				t.Fatal(err)
			}
			const page = 4096
			if info.Size() < 8*page {
				t.Fatalf("ward.db is %d bytes: too small to damage a page in its middle", info.Size())
			}
			f, err := os.OpenFile(db, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			mid := info.Size() / page / 2 * page
			if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, page), mid); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}, []string{"ward.db is damaged", "restore it"}},
		{"not a database", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "ward.db"), bytes.Repeat([]byte("not sqlite "), 1000))
		}, []string{"ward.db cannot be read as a database"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := newFolder(t)
			// A clean close leaves the whole database in ward.db; a stale
			// -wal would be replayed over what the case breaks.
			for _, f := range []string{"ward.db-wal", "ward.db-shm"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
					t.Fatalf("%s left after a clean close", f)
				}
			}
			tc.breakIt(t, dir)
			before := snapshot(t, dir)
			srv, err := server.Open(server.Config{DataDir: dir, Account: "123456789012"})
			if err == nil {
				srv.Close()
				t.Fatal("a broken data folder was opened")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			after := snapshot(t, dir)
			for _, name := range []string{"ward.db", "secret.key", "credentials"} {
				if !bytes.Equal(before[name], after[name]) {
					t.Errorf("%s changed by the refused Open", name)
				}
			}
		})
	}
}

// TestStrayCredentialsAreNotOverwritten: a credentials file in a folder
// with no database is not replaced by new root credentials.
func TestStrayCredentialsAreNotOverwritten(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials")
	writeFile(t, creds, []byte("[ward]\naws_access_key_id = AKIAOLD\naws_secret_access_key = old\n"))
	srv, err := server.Open(server.Config{DataDir: dir})
	if err == nil {
		srv.Close()
		t.Fatal("a folder with credentials and no database was opened")
	}
	if !strings.Contains(err.Error(), creds) {
		t.Errorf("error %q does not name %s", err, creds)
	}
	if b, _ := os.ReadFile(creds); !bytes.Contains(b, []byte("AKIAOLD")) {
		t.Errorf("credentials replaced: %q", b)
	}
}

// TestNoNewAccountInAFolderWithData: opening a folder with data under
// another account ID (a restart without the --account it was made with)
// makes no account and no root credentials.
func TestNoNewAccountInAFolderWithData(t *testing.T) {
	dir := newFolder(t)
	creds, err := os.ReadFile(filepath.Join(dir, "credentials"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.Open(server.Config{DataDir: dir, Account: "222222222222"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptestServer(t, srv) // closes srv when the test ends
	if srv.NewRootKey {
		t.Error("new root credentials in a folder that has an account")
	}
	if b, _ := os.ReadFile(srv.CredentialsFile); !bytes.Equal(b, creds) {
		t.Error("credentials rewritten")
	}
	err = srv.Store.View(context.Background(), func(tx store.Tx) error {
		_, err := tx.Get("222222222222", "account", "222222222222")
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("account 222222222222 made in a folder with data: %v", err)
	}
	// The folder's own account still answers.
	id, secret, err := server.ReadCredentials(srv.CredentialsFile)
	if err != nil {
		t.Fatal(err)
	}
	iamc, _ := clients(ts, id, secret, "")
	if _, err := iamc.ListUsers(context.Background(), &iam.ListUsersInput{}); err != nil {
		t.Errorf("the folder's root: %v", err)
	}
}

// TestPostgresNodeWithoutKeyIsRefused: a node joining a shared database
// that already has the account, without the first node's secret.key, is
// refused rather than given a key of its own (with which no access key
// would verify), and makes none.
func TestPostgresNodeWithoutKeyIsRefused(t *testing.T) {
	url := storetest.PostgresDatabase(t)
	first, err := server.Open(server.Config{DataDir: t.TempDir(), Account: "123456789012", Postgres: url})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	dir := t.TempDir()
	second, err := server.Open(server.Config{DataDir: dir, Account: "123456789012", Postgres: url})
	if err == nil {
		second.Close()
		t.Fatal("a node without the shared key opened the shared database")
	}
	if !strings.Contains(err.Error(), "secret.key is missing") || !strings.Contains(err.Error(), "123456789012") {
		t.Errorf("error %q", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "secret.key")); err == nil {
		t.Error("the refused node made a secret.key")
	}
}

// TestDefaultDataDir: $XDG_DATA_HOME/ward when it is set (and absolute),
// ~/.local/share/ward otherwise.
func TestDefaultDataDir(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, "xdg"))
	if got, err := server.DefaultDataDir(); err != nil || got != filepath.Join(home, "xdg", "ward") {
		t.Errorf("with XDG_DATA_HOME: %q, %v", got, err)
	}
	for _, xdg := range []string{"", "relative/path"} {
		t.Setenv("XDG_DATA_HOME", xdg)
		if got, err := server.DefaultDataDir(); err != nil || got != filepath.Join(home, ".local", "share", "ward") {
			t.Errorf("with XDG_DATA_HOME %q: %q, %v", xdg, got, err)
		}
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func remove(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}

// snapshot is the content of the folder's files, nil for those missing.
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, name := range []string{"ward.db", "secret.key", "credentials"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		out[name] = b
	}
	return out
}
