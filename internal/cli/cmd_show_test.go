package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// TestShowRaw: show --raw prints a copy's original bytes, which hash to
// the source's SHA-256, for a Maildir message (kept in a pack), an mbox
// member and a zip member; a printed copy has none; masking refuses.
func TestShowRaw(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "case")
	if _, errs, code := run(t, "ingest", "--init", "--case", dir, "--quiet", "../../examples/harbor"); code != 0 && code != ExitPartial {
		t.Fatalf("ingest: exit %d: %s", code, errs)
	}
	out, errs, code := run(t, "search", "--case", dir, "--json", "*")
	if code != 0 {
		t.Fatalf("search: %d %s", code, errs)
	}
	var hits []struct {
		ID      string `json:"id"`
		Sources []struct {
			Path   string `json:"path"`
			Member string `json:"member"`
			SHA256 string `json:"sha256"`
			Page   int    `json:"page"`
		} `json:"sources"`
	}
	if err := json.Unmarshal([]byte(out), &hits); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, h := range hits {
		for i, src := range h.Sources {
			n := string(rune('1' + i))
			raw, errs, code := run(t, "show", "--case", dir, "--raw", "--copy", n, h.ID)
			switch {
			case src.Page > 0:
				if code != ExitNotFound || !strings.Contains(errs, "printed copy") {
					t.Errorf("%s copy %s (printed): exit %d, %q", h.ID, n, code, errs)
				}
				kinds["printed"] = true
				continue
			case code != 0:
				t.Errorf("%s copy %s (%s %s): exit %d, %s", h.ID, n, src.Path, src.Member, code, errs)
				continue
			}
			sum := sha256.Sum256([]byte(raw))
			if hex.EncodeToString(sum[:]) != src.SHA256 {
				t.Errorf("%s copy %s (%s %s): bytes hash to %x, source says %s", h.ID, n, src.Path, src.Member, sum, src.SHA256)
			}
			switch {
			case strings.Contains(src.Path, "Maildir"):
				kinds["maildir"] = true
			case strings.HasSuffix(src.Path, ".mbox"):
				kinds["mbox"] = true
			case src.Member != "":
				kinds["zip"] = true
			}
		}
	}
	for _, k := range []string{"maildir", "mbox", "zip", "printed"} {
		if !kinds[k] {
			t.Errorf("no %s copy checked", k)
		}
	}
	if _, errs, code := run(t, "show", "--case", dir, "--raw", "--copy", "9", hits[0].ID); code != ExitUsage || !strings.Contains(errs, "--copy takes 1 to") {
		t.Errorf("--copy 9: exit %d, %q", code, errs)
	}
	if _, errs, code := run(t, "protect", "add", "--case", dir, "--reason", "test", "Mara Lefkowitz"); code != 0 {
		t.Fatalf("protect: %d %s", code, errs)
	}
	if _, errs, code := run(t, "show", "--case", dir, "--raw", hits[0].ID); code != ExitUsage || !strings.Contains(errs, "--unmask") {
		t.Errorf("--raw on a case with protected names: exit %d, %q", code, errs)
	}
	if _, errs, code := run(t, "show", "--case", dir, "--raw", "--unmask", hits[0].ID); code != 0 {
		t.Errorf("--raw --unmask: exit %d, %q", code, errs)
	}
}
