package queue

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

type fakeIngester struct {
	calls []string
	err   error
}

func (f *fakeIngester) IngestFile(_ context.Context, c, root, rel, sha string) error {
	f.calls = append(f.calls, c+"|"+root+"|"+rel+"|"+sha)
	return f.err
}

func (f *fakeIngester) OCRPage(_ context.Context, c, root, rel string, page int) error {
	f.calls = append(f.calls, fmt.Sprintf("%s|%s|%s|page %d", c, root, rel, page))
	return f.err
}

func TestIngestHandler(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "a", "x.mbox"), []byte("From x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	transient := errors.New("database connection reset")
	tests := []struct {
		name      string
		u         Unit
		ingestErr error
		wantCall  string
		permanent bool
		ok        bool
	}{
		{"file", Unit{Case: "harbor", Kind: KindFile, Root: root, Path: "a/x.mbox", SHA256: "s"}, nil, "harbor|" + root + "|a/x.mbox|s", false, true},
		{"unclean path", Unit{Case: "harbor", Kind: KindFile, Root: root, Path: "a/./x.mbox"}, nil, "harbor|" + root + "|a/x.mbox|", false, true},
		{"ingest fails: retry", Unit{Case: "harbor", Kind: KindFile, Root: root, Path: "a/x.mbox"}, transient, "harbor|" + root + "|a/x.mbox|", false, false},
		{"missing file", Unit{Case: "harbor", Kind: KindFile, Root: root, Path: "a/gone.mbox"}, nil, "", true, false},
		{"escaping path", Unit{Case: "harbor", Kind: KindFile, Root: root, Path: "../etc/passwd"}, nil, "", true, false},
		{"absolute path", Unit{Case: "harbor", Kind: KindFile, Root: root, Path: "/etc/passwd"}, nil, "", true, false},
		{"relative root", Unit{Case: "harbor", Kind: KindFile, Root: "data", Path: "a/x.mbox"}, nil, "", true, false},
		{"ocr page", Unit{Case: "harbor", Kind: KindOCRPage, Root: root, Path: "a/x.mbox", Page: 2}, nil, "harbor|" + root + "|a/x.mbox|page 2", false, true},
		{"ocr page fails: retry", Unit{Case: "harbor", Kind: KindOCRPage, Root: root, Path: "a/x.mbox", Page: 2}, transient, "harbor|" + root + "|a/x.mbox|page 2", false, false},
		{"ocr page 0", Unit{Case: "harbor", Kind: KindOCRPage, Root: root, Path: "a/x.mbox"}, nil, "", true, false},
		{"other kind", Unit{Case: "harbor", Kind: Kind("member"), Root: root, Path: "a/x.mbox", Member: "m.eml"}, nil, "", true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fi := &fakeIngester{err: tc.ingestErr}
			err := IngestHandler(fi)(context.Background(), tc.u)
			if (err == nil) != tc.ok || IsPermanent(err) != tc.permanent {
				t.Fatalf("err = %v (permanent %v); want ok %v permanent %v", err, IsPermanent(err), tc.ok, tc.permanent)
			}
			if tc.ingestErr != nil && !errors.Is(err, tc.ingestErr) {
				t.Fatalf("ingest error not wrapped: %v", err)
			}
			got := ""
			if len(fi.calls) > 0 {
				got = fi.calls[0]
			}
			if got != tc.wantCall || len(fi.calls) > 1 {
				t.Fatalf("calls %v, want %q", fi.calls, tc.wantCall)
			}
		})
	}
}
