package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/casefile/casefile/internal/ingest"
)

// TestPrintedCopyOfNative: the same email as a native .eml and printed in
// an exhibit becomes one logical message with both sources; a printed
// email without a native original stays on its own.
func TestPrintedCopyOfNative(t *testing.T) {
	src := t.TempDir()
	eml := "From: Mara Lefkowitz <mara@lefko.example>\r\nTo: Jonas Reyes <jonas.reyes@harbor.example>\r\n" +
		"Date: Mon, 6 Feb 2012 15:12:00 -0500\r\nSubject: Quayside accounts\r\nMessage-ID: <quay-1@lefko.example>\r\n\r\n" +
		"Jonas, the quayside ledger is in the blue folder next to the harbour plans.\r\nPlease return it by Friday.\r\n\r\nM.\r\n"
	exhibit := "HARBOR-000301\n\nFrom: Mara Lefkowitz [mailto:mara@lefko.example]\nSent: Monday, February 6, 2012 3:12 PM\n" +
		"To: Jonas Reyes\nSubject: Quayside accounts\n\nJonas, the quayside ledger is in the blue folder next to the harbour plans.\n" +
		"Please return it by Friday.\n\nM.\n\f\nHARBOR-000302\n\nFrom: Petra Quinn [mailto:petra.quinn@portauthority.example]\n" +
		"Sent: Tuesday, March 4, 2014 11:02 AM\nTo: Jonas Reyes\nSubject: Crane\n\nThe crane arrives on Friday.\n"
	for n, b := range map[string]string{"mail/quay.eml": eml, "exhibits/EXHIBIT_30.txt": exhibit} {
		p := filepath.Join(src, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	c := newCase(t)
	sum, err := ingest.Run(ctx, c, src, opts())
	if err != nil {
		t.Fatal(err)
	}
	st := stats(t, c)
	if sum.PrintedCopies != 1 || st.Messages != 2 || st.Native != 1 || st.Printed != 1 || st.PrintedCopies != 1 {
		t.Fatalf("copies %d; stats %+v: want 2 messages (1 native carrying its printed copy, 1 printed)", sum.PrintedCopies, st)
	}
	ids := search(t, c, `quayside`)
	if len(ids) != 1 {
		t.Fatalf("quayside: %d hits, want 1", len(ids))
	}
	m, err := c.Store.Get(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]bool{}
	for _, s := range m.Sources {
		paths[s.Path] = true
	}
	if m.Kind != "native" || len(m.Copies) != 1 || !paths["mail/quay.eml"] || !paths["exhibits/EXHIBIT_30.txt"] {
		t.Errorf("quayside message: kind %s copies %v sources %v; want the native with the exhibit's page as a source", m.Kind, m.Copies, paths)
	}
	if ids := search(t, c, `bates:HARBOR-000301`); len(ids) != 1 || ids[0] != m.ID {
		t.Errorf("bates:HARBOR-000301 = %v, want the native message %s", ids, m.ID)
	}
	// Re-running changes nothing.
	if sum, err = ingest.Run(ctx, c, src, opts()); err != nil || sum.PrintedCopies != 1 || !reflect.DeepEqual(stats(t, c), st) {
		t.Errorf("re-run: copies %d err %v stats %+v", sum.PrintedCopies, err, stats(t, c))
	}
}
