// Package pgtest gives tests a PostgreSQL connection pool and a fresh,
// uniquely named schema that is dropped when the test ends.
//
// The server is postgres://postgres@127.0.0.1:5432/test?sslmode=disable
// unless CASEFILE_TEST_PG names another. When it is not reachable,
// pgtest tries once per process to start the local Debian cluster
// (pg_ctlcluster) and otherwise skips the test with a message saying
// how to provide one.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultDSN is the test server used when CASEFILE_TEST_PG is unset.
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// DSN returns the test server's connection string.
func DSN() string {
	if v := os.Getenv("CASEFILE_TEST_PG"); v != "" {
		return v
	}
	return DefaultDSN
}

var startOnce sync.Once // starting the cluster is a process-wide side effect by nature

// Pool returns a pool to the test server, closed at cleanup, or skips t.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	pool, err := connect(ctx)
	if err != nil {
		startOnce.Do(startCluster)
		pool, err = connect(ctx)
	}
	if err != nil {
		t.Skipf("PostgreSQL not reachable at %s (%v); set CASEFILE_TEST_PG or start the server", DSN(), err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func connect(ctx context.Context) (*pgxpool.Pool, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, DSN())
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

func startCluster() {
	versions, _ := filepath.Glob("/etc/postgresql/*")
	for _, v := range versions {
		cmd := exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", filepath.Base(v), "main", "start")
		_ = cmd.Run()
	}
	// Wait (up to 30 s) for the server to accept connections.
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if pool, err := connect(context.Background()); err == nil {
			pool.Close()
			return
		}
	}
}

// Schema returns a fresh schema name, unique to this test run, and drops
// the schema (CASCADE) when the test ends. The schema is not created:
// the code under test creates it.
func Schema(t testing.TB, pool *pgxpool.Pool, prefix string) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := strings.ToLower(prefix) + "_t" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := pool.Exec(ctx, `DROP SCHEMA IF EXISTS "`+name+`" CASCADE`); err != nil {
			t.Errorf("dropping test schema %s: %v", name, err)
		}
	})
	return name
}
