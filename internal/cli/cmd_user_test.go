package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/casefile/casefile/internal/pgtest"
)

type cliResult struct {
	stdout, stderr string
	code           int
}

// teamEnv points the commands at the test PostgreSQL server, with
// accounts and audit log in a throwaway schema, no token and no case.
func teamEnv(t *testing.T, prefix string) {
	t.Helper()
	schema := pgtest.Schema(t, pgtest.Pool(t), prefix)
	t.Setenv("CASEFILE_DB", pgtest.DSN())
	t.Setenv("CASEFILE_TEAM_SCHEMA", schema)
	t.Setenv("CASEFILE_TOKEN", "")
	t.Setenv("CASEFILE_CASE", "")
}

func runCLI(t *testing.T, stdin string, args ...string) cliResult {
	t.Helper()
	var o, e bytes.Buffer
	code := Main(args, strings.NewReader(stdin), &o, &e)
	return cliResult{o.String(), e.String(), code}
}

// TestUserAndAuditCommands drives the server admin commands against a
// throwaway schema: accounts, roles, tokens, and the audit log with its
// permission checks and exit codes.
func TestUserAndAuditCommands(t *testing.T) {
	teamEnv(t, "cli")

	steps := []struct {
		name    string
		stdin   string
		args    []string
		code    int
		outHas  string
		errHas  string
		capture string // store stdout's first line under this name
	}{
		{name: "first admin", stdin: "a long admin passphrase\n", args: []string{"user", "add", "Dana", "--admin", "--password-stdin"}, outHas: "created instance admin dana"},
		{name: "weak password", stdin: "short\n", args: []string{"user", "add", "rafael", "--password-stdin"}, code: ExitUsage, errHas: "at least 12"},
		{name: "no password source", args: []string{"user", "add", "rafael"}, code: ExitUsage, errHas: "--password-stdin"},
		{name: "reporter", stdin: "rafael's passphrase here\n", args: []string{"user", "add", "rafael", "--password-stdin", "--json"}, outHas: `"name": "rafael"`},
		{name: "duplicate", stdin: "another passphrase here\n", args: []string{"user", "add", "RAFAEL", "--password-stdin"}, code: ExitUsage, errHas: "already exists"},
		{name: "grant", args: []string{"user", "grant", "rafael", "harbor", "reader"}, outHas: "rafael is now reader of case harbor"},
		{name: "bad role", args: []string{"user", "grant", "rafael", "harbor", "god"}, code: ExitUsage, errHas: "reader, editor or owner"},
		{name: "grant to unknown user", args: []string{"user", "grant", "ghost", "harbor", "reader"}, code: ExitNotFound, errHas: "casefile user add ghost"},
		{name: "token", args: []string{"user", "token", "add", "rafael", "--label", "laptop", "--expires", "30d"}, outHas: "cf_", errHas: "shown only now", capture: "tok"},
		{name: "bad expiry", args: []string{"user", "token", "add", "rafael", "--expires", "soon"}, code: ExitUsage, errHas: "90d"},
		{name: "token list", args: []string{"user", "token", "list", "rafael"}, outHas: "laptop"},
		{name: "list", args: []string{"user", "list", "--json"}, outHas: `"case": "harbor"`},
		{name: "reader cannot read audit", args: []string{"audit", "--case", "harbor", "--token", "$tok"}, code: ExitError, errHas: "permission denied"},
		{name: "other case is not found", args: []string{"audit", "--case", "lighthouse", "--token", "$tok"}, code: ExitNotFound, errHas: `case "lighthouse": not found`},
		{name: "non-admin whole log", args: []string{"audit", "--token", "$tok"}, code: ExitUsage, errHas: "--case"},
		{name: "promote", args: []string{"user", "grant", "rafael", "harbor", "owner"}},
		{name: "owner reads audit", args: []string{"audit", "--case", "harbor", "--token", "$tok", "--action", "grant", "--oldest-first"}, outHas: "grant"},
		{name: "operator reads audit JSON", args: []string{"audit", "--case", "harbor", "--json", "--since", "1h"}, outHas: `"action": "audit_view"`},
		{name: "bad --since", args: []string{"audit", "--since", "yesterday"}, code: ExitUsage, errHas: "--since"},
		{name: "revoke", args: []string{"user", "revoke", "rafael", "harbor"}, outHas: "no role on case harbor"},
		{name: "token revoke", args: []string{"user", "token", "revoke", "1"}, outHas: "revoked"},
		{name: "revoked token refused", args: []string{"audit", "--case", "harbor", "--token", "$tok"}, code: ExitError, errHas: "was revoked"},
		{name: "disable", args: []string{"user", "disable", "rafael"}, outHas: "rafael disabled"},
		{name: "passwd", stdin: "a brand new passphrase\n", args: []string{"user", "passwd", "rafael", "--password-stdin"}, outHas: "sessions were ended"},
		{name: "no db", args: []string{"user", "list", "--db", ""}, code: ExitUsage, errHas: "CASEFILE_DB"},
		{name: "db down", args: []string{"user", "list", "--db", "postgres://someone:hunter2@127.0.0.1:1/x"}, code: ExitError, errHas: "cannot connect to PostgreSQL at 127.0.0.1:1/x"},
	}
	vars := map[string]string{}
	for _, s := range steps {
		args := make([]string, len(s.args))
		for i, a := range s.args {
			if v, ok := vars[strings.TrimPrefix(a, "$")]; ok && strings.HasPrefix(a, "$") {
				a = v
			}
			args[i] = a
		}
		r := runCLI(t, s.stdin, args...)
		if r.code != s.code || !strings.Contains(r.stdout, s.outHas) || !strings.Contains(r.stderr, s.errHas) {
			t.Fatalf("%s: casefile %s\n exit %d (want %d)\n stdout %q (want %q)\n stderr %q (want %q)",
				s.name, strings.Join(s.args, " "), r.code, s.code, r.stdout, s.outHas, r.stderr, s.errHas)
		}
		if strings.Contains(r.stderr, "hunter2") {
			t.Fatalf("%s: password leaked in error: %s", s.name, r.stderr)
		}
		if s.capture != "" {
			vars[s.capture] = strings.TrimSpace(strings.SplitN(r.stdout, "\n", 2)[0])
		}
	}

	// The JSON audit log: every admin action of the test is there, by the
	// operator or the token's account, with the case.
	r := runCLI(t, "", "audit", "--json", "--oldest-first")
	var out struct {
		FormatVersion int `json:"format_version"`
		Events        []struct {
			User, Action, Case, Target string
			Details                    map[string]any
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 0 {
		t.Fatalf("audit --json: %v %d %s", err, r.code, r.stderr)
	}
	var got []string
	for _, ev := range out.Events {
		got = append(got, ev.Action+":"+ev.Case+":"+ev.Target)
		if ev.Action == "audit_view" && ev.Case == "harbor" && !strings.HasPrefix(ev.User, "operator:") && ev.User != "rafael" {
			t.Errorf("audit_view by %q", ev.User)
		}
	}
	want := []string{"user_add::dana", "user_add::rafael", "grant:harbor:rafael", "token_create::rafael", "grant:harbor:rafael",
		"audit_view:harbor:", "audit_view:harbor:", "revoke:harbor:rafael", "token_revoke::rafael", "user_change::rafael", "passwd::rafael"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("audit actions\n got  %v\n want %v", got, want)
	}
}
