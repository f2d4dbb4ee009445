package cli

import (
	"bytes"
	"encoding/json"
	"runtime"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		var out, errb bytes.Buffer
		if code := Main(args, strings.NewReader(""), &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d, %s", args, code, errb.String())
		}
		if got := out.String(); !strings.HasPrefix(got, "casefile ") || !strings.Contains(got, runtime.Version()) {
			t.Errorf("%v printed %q", args, got)
		}
	}
	var out, errb bytes.Buffer
	if code := Main([]string{"version", "--json"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("version --json: exit %d, %s", code, errb.String())
	}
	var v versionInfo
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || v.Go != runtime.Version() || v.Version == "" {
		t.Errorf("version --json = %s (%v)", out.String(), err)
	}
}

// TestFlagErrorNamesCommand: a wrong flag points to the help of the
// command it was given to.
func TestFlagErrorNamesCommand(t *testing.T) {
	for args, want := range map[string]string{
		"--bogus":                 "(see: casefile --help)",
		"search --bogus x":        "(see: casefile search --help)",
		"user token list --bogus": "(see: casefile user token list --help)",
	} {
		var out, errb bytes.Buffer
		code := Main(strings.Fields(args), strings.NewReader(""), &out, &errb)
		if code != ExitUsage || !strings.Contains(errb.String(), want) {
			t.Errorf("casefile %s: exit %d, stderr %q; want exit %d with %q", args, code, errb.String(), ExitUsage, want)
		}
	}
}
