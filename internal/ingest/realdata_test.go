package ingest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/casefile/casefile/internal/ingest"
	"github.com/casefile/casefile/internal/testutil"
)

// TestEnronPST: all 71 messages of the real Enron PST shipped with npm
// pst-extractor@1.12.0 arrive, reconciled against readpst's counts.
func TestEnronPST(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches a PST with npm")
	}
	pst := testutil.EnronPST(t)
	c := newCase(t)
	sum, err := ingest.Run(context.Background(), c, pst, ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := stats(t, c)
	if st.Messages != 71 || st.Sources != 71 || st.Failed != 0 || sum.New != 71 {
		t.Errorf("Enron PST: %d messages, %d sources, %d failed (run %+v); want 71, 71, 0", st.Messages, st.Sources, st.Failed, sum)
	}
	fs, err := c.Store.Files(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Seen != 71 || fs[0].Stored != 71 {
		t.Errorf("reconciliation = %+v, want seen 71 stored 71", fs)
	}
}

// TestFluflBounces ingests the 115 real bounce messages of Debian's
// python3-flufl.bounce: every one yields a message, none fails.
func TestFluflBounces(t *testing.T) {
	dir := testutil.FluflBounceDir(t)
	c := newCase(t)
	if _, err := ingest.Run(context.Background(), c, dir, ingest.Options{NoPreserve: true}); err != nil {
		t.Fatal(err)
	}
	fs, err := c.Store.Files(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	mails := 0
	for _, f := range fs {
		if strings.HasSuffix(f.Path, ".py") || strings.Contains(f.Path, "__pycache__") {
			continue
		}
		mails++
		if f.Stored < 1 || f.Failed != 0 {
			t.Errorf("%s: stored %d failed %d", f.Path, f.Stored, f.Failed)
		}
	}
	if mails != 115 {
		t.Errorf("found %d bounce files, want 115", mails)
	}
	if st := stats(t, c); st.Failed != 0 {
		t.Errorf("%d failures", st.Failed)
	}
}
