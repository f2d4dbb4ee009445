// Package casedir owns the on-disk layout of a case: a folder holding
// case.json (format marker), casefile.db (the SQLite store) and
// originals/ (every ingested input file, content-addressed by SHA-256,
// written once and never modified: a file of its own, or for small
// single-message files a range of an append-only pack, see packs.go).
package casedir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/casefile/casefile/internal/store"
	"github.com/casefile/casefile/internal/store/postgres"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/casefile/casefile/internal/store/sqlite"
)

// FormatVersion is the case folder layout version written to case.json.
const FormatVersion = 1

// Names inside a case folder.
const (
	MetaFile     = "case.json"
	DBFile       = "casefile.db"
	OriginalsDir = "originals"
)

// ErrNotACase means the folder has no case.json.
var ErrNotACase = errors.New("casedir: not a casefile case")

// Meta is the content of case.json.
type Meta struct {
	Format  int       `json:"format"`
	Created time.Time `json:"created"`
	Name    string    `json:"name"`
}

// Case is an open case folder.
type Case struct {
	// Dir holds originals/ and ocr-cache/ (and, for an embedded case,
	// case.json and the database).
	Dir   string
	Meta  Meta
	Store store.Store

	packs *packs // small single-message originals (PreserveMessage)
}

// Init creates a case folder (or accepts an existing empty one) and
// returns it open. Initialising an existing case is an error.
func Init(ctx context.Context, dir string) (*Case, error) {
	if _, err := os.Stat(filepath.Join(dir, MetaFile)); err == nil {
		return nil, fmt.Errorf("casedir: %s is already a case", dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, OriginalsDir), 0o755); err != nil {
		return nil, fmt.Errorf("casedir: create %s: %w", dir, err)
	}
	abs, _ := filepath.Abs(dir)
	meta := Meta{Format: FormatVersion, Created: time.Now().UTC().Truncate(time.Second), Name: filepath.Base(abs)}
	b, _ := json.MarshalIndent(meta, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, MetaFile), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("casedir: write %s: %w", MetaFile, err)
	}
	return Open(ctx, dir)
}

// Open opens an existing case.
func Open(ctx context.Context, dir string) (*Case, error) {
	b, err := os.ReadFile(filepath.Join(dir, MetaFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s has no %s (create one with: casefile init --case %s)", ErrNotACase, dir, MetaFile, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("casedir: read %s: %w", MetaFile, err)
	}
	var meta Meta
	if err := json.Unmarshal(b, &meta); err != nil {
		return nil, fmt.Errorf("casedir: %s in %s is damaged: %w", MetaFile, dir, err)
	}
	if meta.Format > FormatVersion {
		return nil, fmt.Errorf("casedir: %s was written by a newer casefile (layout %d > %d): upgrade casefile", dir, meta.Format, FormatVersion)
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, DBFile))
	if err != nil {
		return nil, err
	}
	return &Case{Dir: dir, Meta: meta, Store: st, packs: newPacks(filepath.Join(dir, OriginalsDir))}, nil
}

// Close closes the store and the pack this process appends to.
func (c *Case) Close() error { return errors.Join(c.packs.close(), c.Store.Close()) }

// OriginalPath is where the original with this SHA-256 is kept.
func (c *Case) OriginalPath(sha string) string {
	if len(sha) < 4 {
		return filepath.Join(c.Dir, OriginalsDir, sha)
	}
	return filepath.Join(c.Dir, OriginalsDir, sha[:2], sha)
}

// Preserve copies the file at src into the originals store under sha
// unless it is already there with the right size (see keep).
func (c *Case) Preserve(src, sha string, size int64) error {
	return c.keep(sha, size, src, func(w io.Writer) error {
		in, err := os.Open(src)
		if err != nil {
			return err
		}
		defer in.Close()
		_, err = io.Copy(w, in)
		return err
	})
}

// PreserveBytes stores data, the whole content of an input file whose
// SHA-256 is sha, like Preserve but without reading the file again. It is
// safe to call from several goroutines, also for the same sha.
func (c *Case) PreserveBytes(data []byte, sha string) error {
	return c.keep(sha, int64(len(data)), sha, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// keep writes an original of size bytes under sha unless it is already
// there with that size. It is not fsynced per file (that dominated ingest
// of Maildirs); a copy truncated by a crash has the wrong size and is
// rewritten on the next run. what names the input in errors.
//
// A new original is created read-only in place with O_EXCL: three system
// calls for the common case (a Maildir is one file per message, and
// temporary name, chmod and rename took 15% of ingest CPU at 100k). A
// copy already there with another size (one cut short by a crash, or
// being written right now for a duplicate by another worker) is replaced
// whole through a temporary file and a rename, so it never ends up
// mixed.
func (c *Case) keep(sha string, size int64, what string, write func(io.Writer) error) error {
	dst := c.OriginalPath(sha)
	fail := func(err error) error { return fmt.Errorf("casedir: preserve %s: %w", what, err) }
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if errors.Is(err, os.ErrNotExist) { // the first original in its folder
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fail(err)
		}
		f, err = os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	}
	switch {
	case err == nil:
		werr := write(f)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			// Left as it is: its size is wrong, so the next run
			// replaces it (removing it could remove a whole copy that
			// a worker with the same original has renamed over it).
			return fail(werr)
		}
		return nil
	case !errors.Is(err, os.ErrExist):
		return fail(err)
	}
	if fi, err := os.Stat(dst); err == nil && fi.Size() == size {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".tmp-*")
	if err != nil {
		return fail(err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fail(err)
	}
	if err := tmp.Chmod(0o444); err != nil {
		tmp.Close()
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return fail(err)
	}
	return nil
}

// OCRCacheDir is where OCR results are cached, keyed by page image hash,
// so no page is OCR'd twice across runs.
func (c *Case) OCRCacheDir() string { return filepath.Join(c.Dir, "ocr-cache") }

// DataDirOf returns the folder of case name (team mode) under dataDir:
// its preserved originals and OCR cache on this machine. A name that is
// empty, "." or "..", or holds a path separator is refused, so the
// folder is always a child of dataDir.
func DataDirOf(dataDir, name string) (string, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\") {
		return "", fmt.Errorf("casedir: with --db, --case is a case name (letters, digits, - and _), not %q", name)
	}
	return filepath.Join(dataDir, name), nil
}

// OpenDB opens case name on a PostgreSQL server (team mode). Its
// originals and OCR cache are kept under dataDir/name on this machine.
// With create, a missing case is created; otherwise it is ErrNotACase.
func OpenDB(ctx context.Context, dsn, name, dataDir string, create bool) (*Case, error) {
	dir, err := DataDirOf(dataDir, name)
	if err != nil {
		return nil, err
	}
	if !create {
		cases, err := postgres.ListCases(ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("casedir: %w", err)
		}
		found := false
		for _, c := range cases {
			found = found || c.Name == name
		}
		if !found {
			return nil, fmt.Errorf("%w: no case %q on the server (create it with: casefile ingest --init --db DSN --case %s PATH)", ErrNotACase, name, name)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, OriginalsDir), 0o755); err != nil {
		return nil, fmt.Errorf("casedir: create %s: %w", dir, err)
	}
	st, err := postgres.Open(ctx, dsn, name)
	if err != nil {
		return nil, err
	}
	return &Case{Dir: dir, Meta: Meta{Format: FormatVersion, Name: name}, Store: st, packs: newPacks(filepath.Join(dir, OriginalsDir))}, nil
}
