package source

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/casefile/casefile/internal/testutil"
)

// collect walks root and returns all events, checking the invariants that
// hold for every walk: FileStart/FileEnd pairing, counts, and that every
// message's Source.SHA256 matches the file bytes at [Offset, Offset+Length)
// for top-level (non-container) files.
func collect(t *testing.T, root string, opts Options) []Event {
	t.Helper()
	return collectMem(t, root, opts, defaultMemLimit)
}

// collectMem is collect with a custom in-memory limit for zip members.
func collectMem(t *testing.T, root string, opts Options, memLimit int64) []Event {
	t.Helper()
	var evs []Event
	err := walk(context.Background(), root, opts, memLimit, func(ev Event) error {
		evs = append(evs, ev)
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	checkEvents(t, evs)
	return evs
}

func checkEvents(t *testing.T, evs []Event) {
	t.Helper()
	var open *FileInfo
	var counts [EventFileEnd + 1]int
	for i, ev := range evs {
		switch ev.Type {
		case EventFileStart:
			if open != nil {
				t.Fatalf("event %d: FileStart %s while %s is open", i, ev.File.Path, open.Path)
			}
			f := ev.File
			open = &f
			counts = [EventFileEnd + 1]int{}
			if ev.File.SHA256 == "" {
				t.Errorf("FileStart %s without SHA256", ev.File.Path)
			}
		case EventFileEnd:
			if open == nil || open.Path != ev.File.Path {
				t.Fatalf("event %d: FileEnd %s without FileStart", i, ev.File.Path)
			}
			if ev.Emitted != counts[EventMessage] || ev.Documents != counts[EventDocument] ||
				ev.Skipped != counts[EventSkipped] || ev.Failed != counts[EventFailed] {
				t.Errorf("FileEnd %s counts %d/%d/%d/%d do not match events %v", ev.File.Path,
					ev.Emitted, ev.Documents, ev.Skipped, ev.Failed, counts)
			}
			open = nil
		default:
			if open == nil {
				// stand-alone skipped/failed entries
				if ev.Type != EventSkipped && ev.Type != EventFailed {
					t.Fatalf("event %d: %v for %s outside a file", i, ev.Type, ev.File.Path)
				}
				if ev.Reason == "" {
					t.Errorf("event %d: %v for %s without a reason", i, ev.Type, ev.File.Path)
				}
				continue
			}
			counts[ev.Type]++
			if ev.File.Path != open.Path || ev.Source.Path != open.Path || ev.Source.FileSHA256 != open.SHA256 {
				t.Errorf("event %d: provenance %+v does not match open file %s", i, ev.Source, open.Path)
			}
			if (ev.Type == EventSkipped || ev.Type == EventFailed) && ev.Reason == "" {
				t.Errorf("event %d: %v without a reason", i, ev.Type)
			}
			if ev.Type == EventFailed && ev.Err == nil {
				t.Errorf("event %d: EventFailed without Err", i)
			}
			if ev.Type == EventMessage && ev.Source.Member == "" && ev.Format != FormatPST {
				verifySlice(t, ev)
			}
		}
	}
	if open != nil {
		t.Fatalf("file %s never closed", open.Path)
	}
}

// verifySlice checks that Source.SHA256 is the hash of the file bytes at
// [Offset, Offset+Length) — the dd check.
func verifySlice(t *testing.T, ev Event) {
	t.Helper()
	f, err := os.Open(ev.File.AbsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, ev.Source.Offset, ev.Source.Length)); err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != ev.Source.SHA256 {
		t.Errorf("%s [%d,+%d]: SHA256 %s does not match file bytes %s", ev.File.Path, ev.Source.Offset, ev.Source.Length, ev.Source.SHA256, got)
	}
}

func byType(evs []Event, typ EventType) []Event {
	var out []Event
	for _, ev := range evs {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

func forPath(evs []Event, p string) []Event {
	var out []Event
	for _, ev := range evs {
		if ev.File.Path == p {
			out = append(out, ev)
		}
	}
	return out
}

func write(t *testing.T, root, rel, content string) string {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

type zipEntry struct {
	name   string
	data   []byte
	method uint16
	flags  uint16
}

func makeZip(t *testing.T, entries []zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		m := e.method
		if m == 0 && len(e.data) > 0 {
			m = zip.Deflate
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: m, Flags: e.flags})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// enronPST returns the real Enron PST (see testutil.EnronPST).
func enronPST(t *testing.T) string { return testutil.EnronPST(t) }
