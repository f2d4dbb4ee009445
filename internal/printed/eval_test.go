package printed

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusDir locates a corpus folder: $CASEFILE_CORPORA/<name> or
// ../../../shared/corpora/<name> relative to this package.
func corpusDir(name string) string {
	if env := os.Getenv("CASEFILE_CORPORA"); env != "" {
		return filepath.Join(env, name)
	}
	return filepath.Join("..", "..", "..", "shared", "corpora", name)
}

func TestHouseOversightAccuracy(t *testing.T) {
	dir := corpusDir("house-oversight-2025")
	if _, err := os.Stat(filepath.Join(dir, "labels.csv")); err != nil {
		t.Skipf("corpus not available at %s (set CASEFILE_CORPORA): %v", dir, err)
	}
	if testing.Short() {
		t.Skip("corpus evaluation skipped in -short mode")
	}
	var out strings.Builder
	rep, err := Evaluate(context.Background(), dir, &out)
	if err != nil {
		t.Fatal(err)
	}
	if p := os.Getenv("PRINTED_EVAL_OUT"); p != "" {
		if err := os.WriteFile(p, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("sender F1 %.3f, date %.3f, recipients F1 %.3f", rep.SenderF1, rep.DateAcc, rep.RecipF1)
	if rep.SenderF1 < 0.95 || rep.DateAcc < 0.95 || rep.RecipF1 < 0.90 {
		t.Errorf("below target: sender F1 %.3f (>= 0.95), date %.3f (>= 0.95), recipients F1 %.3f (>= 0.90)", rep.SenderF1, rep.DateAcc, rep.RecipF1)
	}
}
