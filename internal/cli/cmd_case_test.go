package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/casefile/casefile/internal/pgtest"
	"github.com/casefile/casefile/internal/store/postgres"
)

// TestCaseCommands lists and drops cases on the server: drop needs
// --yes, removes the case and every role on it, keeps or deletes the
// originals on this machine, is audited, and a second drop is not found.
func TestCaseCommands(t *testing.T) {
	teamEnv(t, "clicase")
	data := t.TempDir()
	t.Setenv("CASEFILE_DATA", data)
	rnd := make([]byte, 4)
	rand.Read(rnd)
	keep, gone := "dropkeep_"+hex.EncodeToString(rnd), "dropgone_"+hex.EncodeToString(rnd)
	for _, name := range []string{keep, gone} {
		t.Cleanup(func() { _ = postgres.DropCase(context.Background(), pgtest.DSN(), name) }) // when a step failed
		if r := runCLI(t, "", "ingest", "--init", "--quiet", "--case", name, "--data-dir", data, "../../examples/harbor"); r.code != 0 {
			t.Fatalf("ingest %s: %d %s", name, r.code, r.stderr)
		}
	}
	steps := []struct {
		name           string
		stdin          string
		args           []string
		code           int
		outHas, errHas string
		outLacks       string
		capture        string // store stdout's first line under this name
	}{
		{name: "list", args: []string{"case", "list"}, outHas: keep},
		{name: "account", stdin: "rafael's passphrase here\n", args: []string{"user", "add", "rafael", "--password-stdin"}},
		{name: "member", args: []string{"user", "grant", "rafael", keep, "owner"}},
		{name: "token", args: []string{"user", "token", "add", "rafael", "--expires", "1d"}, capture: "tok"},
		{name: "an account lists its cases", args: []string{"case", "list", "--token", "$tok"}, outHas: keep, outLacks: gone},
		{name: "an owner cannot drop", args: []string{"case", "drop", keep, "--yes", "--token", "$tok"}, code: ExitError, errHas: "instance admin"},
		{name: "without --yes", args: []string{"case", "drop", keep}, code: ExitUsage, errHas: "--yes"},
		{name: "still there", args: []string{"case", "list", "--json"}, outHas: `"name": "` + keep + `"`},
		{name: "bad name", args: []string{"case", "drop", "../etc", "--yes"}, code: ExitUsage, errHas: "case name"},
		{name: "parent folder", args: []string{"case", "drop", "..", "--yes", "--delete-originals"}, code: ExitUsage, errHas: "case name"},
		{name: "drop", args: []string{"case", "drop", keep, "--yes"}, outHas: "originals are still in " + filepath.Join(data, keep)},
		{name: "gone from the list", args: []string{"case", "list", "--json"}, outHas: gone, outLacks: keep},
		{name: "no role left", args: []string{"user", "list", "--json"}, outHas: `"rafael"`, outLacks: keep},
		{name: "drop again", args: []string{"case", "drop", keep, "--yes"}, code: ExitNotFound, errHas: "no case"},
		{name: "drop with originals", args: []string{"case", "drop", gone, "--yes", "--delete-originals", "--json"}, outHas: `"originals_deleted": true`},
		{name: "audited", args: []string{"audit", "--json", "--action", "case_drop"}, outHas: `"case": "` + gone + `"`},
	}
	vars := map[string]string{}
	for _, s := range steps {
		for i, a := range s.args {
			if v, ok := vars[strings.TrimPrefix(a, "$")]; ok && strings.HasPrefix(a, "$") {
				s.args[i] = v
			}
		}
		r := runCLI(t, s.stdin, s.args...)
		if s.capture != "" {
			vars[s.capture] = strings.TrimSpace(strings.SplitN(r.stdout, "\n", 2)[0])
		}
		if r.code != s.code || !strings.Contains(r.stdout, s.outHas) || !strings.Contains(r.stderr, s.errHas) ||
			(s.outLacks != "" && strings.Contains(r.stdout, s.outLacks)) {
			t.Fatalf("%s: casefile %s\n exit %d (want %d)\n stdout %q (want %q, not %q)\n stderr %q (want %q)",
				s.name, strings.Join(s.args, " "), r.code, s.code, r.stdout, s.outHas, s.outLacks, r.stderr, s.errHas)
		}
	}
	if _, err := os.Stat(filepath.Join(data, keep)); err != nil {
		t.Errorf("originals of %s: %v, want them kept", keep, err)
	}
	if _, err := os.Stat(filepath.Join(data, gone)); !os.IsNotExist(err) {
		t.Errorf("originals of %s: %v, want them deleted", gone, err)
	}
}
