package verify_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/casefile/casefile/internal/casedir"
	"github.com/casefile/casefile/internal/ingest"
	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/verify"
)

func ingestExample(t *testing.T) *casedir.Case {
	t.Helper()
	ctx := context.Background()
	c, err := casedir.Init(ctx, filepath.Join(t.TempDir(), "case"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	opts := ingest.Options{Documents: ingest.PrintedDocuments(ingest.PrintedOptions{NoOCR: true})}
	if _, err := ingest.Run(ctx, c, "../../examples/harbor", opts); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestExampleSources: every source of the example case re-checks, by
// kind: mbox ranges, Maildir/eml files, rfc822 children, printed line
// spans and pages are OK; zip members are explicitly unchecked.
func TestExampleSources(t *testing.T) {
	ctx := context.Background()
	c := ingestExample(t)
	v, err := verify.New(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	kinds := map[string]int{}
	err = c.Store.Each(ctx, func(m *model.Message) error {
		for _, src := range m.Sources {
			r := v.Source(ctx, src)
			count[r.Status]++
			if r.Status == verify.OK {
				kinds[m.Kind]++
			}
			if r.Status == verify.Mismatch || r.Status == verify.Missing {
				t.Errorf("%s %s: %s %s", m.ID, src.Path, r.Status, r.Detail)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// 17 message sources + 1 page; the zip member is the one unchecked.
	if count[verify.OK] != 17 || count[verify.Unchecked] != 1 {
		t.Errorf("statuses %v, want 17 ok and 1 unchecked", count)
	}
	if kinds[model.KindPrinted] != 2 || kinds[model.KindPage] != 1 {
		t.Errorf("verified by kind %v, want 2 printed and 1 page", kinds)
	}
	files, _ := c.Store.Files(ctx)
	for _, f := range files {
		if r := v.Original(f); r.Status != verify.OK {
			t.Errorf("original %s: %s %s", f.Path, r.Status, r.Detail)
		}
	}
}

// TestTampered: a changed byte in a preserved original, a wrong recorded
// hash and a missing original are each reported.
func TestTampered(t *testing.T) {
	ctx := context.Background()
	c := ingestExample(t)
	files, _ := c.Store.Files(ctx)
	var mbox, exhibit, eml string
	for _, f := range files {
		switch filepath.Base(f.Path) {
		case "inbox.mbox":
			mbox = f.SHA256
		case "EXHIBIT_12.txt":
			exhibit = f.SHA256
		case "forwarded.eml":
			eml = f.SHA256
		}
	}
	// Flip one byte of the .eml, kept in a pack.
	o, err := c.OpenOriginal(eml)
	if err != nil || o.Path != "" {
		t.Fatalf("the .eml original: %v (path %q, want a pack)", err, o.Path)
	}
	pack, off, _ := o.Outer()
	o.Close()
	pf := pack.(*os.File).Name()
	pb, err := os.ReadFile(pf)
	if err != nil {
		t.Fatal(err)
	}
	pb[off+20] ^= 0x20
	os.Chmod(pf, 0o644)
	if err := os.WriteFile(pf, pb, 0o444); err != nil {
		t.Fatal(err)
	}
	// Flip one byte of the mbox original (as root the 0444 mode does not stop us; chmod first).
	p := c.OriginalPath(mbox)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x20
	os.Chmod(p, 0o644)
	if err := os.WriteFile(p, b, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(c.OriginalPath(exhibit)); err != nil {
		t.Fatal(err)
	}
	v, err := verify.New(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]map[string]int{}
	err = c.Store.Each(ctx, func(m *model.Message) error {
		for _, src := range m.Sources {
			r := v.Source(ctx, src)
			if status[src.Path] == nil {
				status[src.Path] = map[string]int{}
			}
			status[src.Path][r.Status]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := status["custodians/reyes/inbox.mbox"]; got[verify.Mismatch] < 1 || got[verify.OK] < 1 {
		t.Errorf("mbox statuses %v: want the message holding the flipped byte mismatched and the others ok", got)
	}
	if got := status["loose/forwarded.eml"]; got[verify.Mismatch] < 1 {
		t.Errorf(".eml statuses %v: want the message of the flipped byte mismatched", got)
	}
	if got := status["exhibits/EXHIBIT_12.txt"]; got[verify.Missing] != 3 {
		t.Errorf("exhibit statuses %v, want 3 missing", got)
	}
	for _, f := range files {
		r := v.Original(f)
		want := verify.OK
		switch f.SHA256 {
		case mbox:
			want = verify.Mismatch
		case exhibit:
			want = verify.Missing
		case eml:
			want = verify.Mismatch
		}
		if r.Status != want {
			t.Errorf("original %s: %s, want %s", f.Path, r.Status, want)
		}
	}
	// A recorded hash that does not match the bytes of an intact original.
	for _, f := range files {
		if f.SHA256 == mbox || f.SHA256 == exhibit || f.SHA256 == eml {
			continue
		}
		bad := model.Source{Path: f.Path, FileSHA256: f.SHA256, Offset: 0, Length: 10, SHA256: "00"}
		if r := v.Source(ctx, bad); r.Status != verify.Mismatch {
			t.Errorf("wrong recorded hash on %s: %s, want mismatch", f.Path, r.Status)
		}
		break
	}
}
