package storetest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
)

var databases atomic.Int64

// PostgresDatabase creates an empty database on the PostgreSQL server
// that WARD_POSTGRES_URL names (scripts/postgres-start.sh starts one;
// .ci/run always does), returns its URL, and drops it when the test
// ends. Without the variable the test is skipped, except under CI, where
// it fails: a backend test that CI skips would test nothing.
func PostgresDatabase(t *testing.T) string {
	t.Helper()
	url := os.Getenv("WARD_POSTGRES_URL")
	if url == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("WARD_POSTGRES_URL is not set: CI must start PostgreSQL (scripts/postgres-start.sh)")
		}
		t.Skip("WARD_POSTGRES_URL is not set; start a server with scripts/postgres-start.sh")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("ward_test_%d_%d", os.Getpid(), databases.Add(1))
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(ctx)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close(ctx)
	})
	// A dbname parameter overrides the database the URL names.
	if strings.Contains(url, "?") {
		return url + "&dbname=" + name
	}
	return url + "?dbname=" + name
}
