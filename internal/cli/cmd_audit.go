package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/internal/audit"
	"github.com/casefile/casefile/internal/team"
)

func cmdAudit(e *env) *cobra.Command {
	var (
		f            teamFlags
		userName     string
		actions      string
		since, until string
		limit        int
		oldest       bool
	)
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show the audit log of a casefile server: who searched, opened, exported or changed what, when, from where",
		Long: `audit lists the append-only audit log kept in the server's PostgreSQL
database (--db or CASEFILE_DB), newest first.

With --token (or CASEFILE_TOKEN) the log is read as that account: an owner
of --case NAME sees that case's entries, an instance admin sees any case or
the whole log. Without a token the command runs as the database operator
(instance admin). Reading the log is itself recorded.

--case here names a case on the server (not a case folder); without it
every case is listed.

Examples:
  casefile audit --db postgres://casefile@db.example/casefile --case harbor --json
  casefile audit --case harbor --action search,export --since 24h
  casefile audit --user rafael --since 2026-03-01 --until 2026-03-08`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			flt := audit.Filter{User: strings.ToLower(userName), Limit: limit, Oldest: oldest}
			if cmd.Flags().Changed("case") {
				flt.Case = e.caseDir
			}
			if actions != "" {
				for _, a := range strings.Split(actions, ",") {
					if a = strings.TrimSpace(a); a != "" {
						flt.Actions = append(flt.Actions, a)
					}
				}
			}
			var err error
			if flt.Since, err = parseWhen(since, "--since"); err != nil {
				return err
			}
			if flt.Until, err = parseWhen(until, "--until"); err != nil {
				return err
			}
			t, err := f.open(ctx)
			if err != nil {
				return err
			}
			defer t.Close()
			var p *team.Principal
			if !cmd.Flags().Changed("token") {
				f.token = os.Getenv("CASEFILE_TOKEN")
			}
			if f.token != "" {
				if p, err = t.svc.AuthenticateToken(ctx, f.token); err != nil {
					return err
				}
				if flt.Case != "" {
					err = t.svc.Authorize(ctx, p, flt.Case, team.ActionAdmin)
				} else if !p.Admin {
					err = usage("only an instance admin can read the whole audit log; name a case you own with --case NAME")
				}
				if err != nil {
					return err
				}
				ctx = team.WithPrincipal(ctx, p)
			} else {
				ctx = operatorCtx(ctx)
				p, _ = team.PrincipalFrom(ctx)
			}
			evs, err := t.log.List(ctx, flt)
			if err != nil {
				return err
			}
			det := map[string]any{"via": "cli", "returned": len(evs)}
			if flt.User != "" {
				det["user"] = flt.User
			}
			if len(flt.Actions) > 0 {
				det["actions"] = flt.Actions
			}
			if _, err := t.log.Record(ctx, audit.Event{User: p.Name, UserID: p.UserID, Action: audit.ActionAuditView, Case: flt.Case, Details: det}); err != nil {
				return err
			}
			if e.jsonOut {
				if evs == nil {
					evs = []audit.Event{}
				}
				return writeJSON(e.stdout, map[string]any{"format_version": FormatVersion, "events": evs})
			}
			if len(evs) == 0 {
				fmt.Fprintln(e.stderr, "no audit entries match")
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME (UTC)\tUSER\tACTION\tCASE\tTARGET\tFROM\tDETAILS")
			for _, ev := range evs {
				det := ""
				if len(ev.Details) > 0 {
					b, _ := json.Marshal(ev.Details)
					det = string(b)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ev.Time.Format(time.DateTime), ev.User, ev.Action, ev.Case, ev.Target, ev.RemoteAddr, det)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if limit > 0 && len(evs) == limit || limit == 0 && len(evs) == 1000 {
				fmt.Fprintf(e.stderr, "showing the newest %d entries; use --limit or --since/--until for more\n", len(evs))
			}
			return nil
		},
	}
	f.add(e, cmd)
	cmd.Flags().StringVar(&f.token, "token", "", "read the log as the account of this API token (env CASEFILE_TOKEN)")
	cmd.Flags().StringVar(&userName, "user", "", "only entries by this account")
	cmd.Flags().StringVar(&actions, "action", "", "only these actions, comma-separated (search, open, export, edit, login, login_failed, grant...)")
	cmd.Flags().StringVar(&since, "since", "", "only entries at or after: 2026-03-01, 2026-03-01T09:00:00Z, or an age like 24h / 7d")
	cmd.Flags().StringVar(&until, "until", "", "only entries before this time (same forms as --since)")
	cmd.Flags().IntVar(&limit, "limit", 1000, "at most this many entries")
	cmd.Flags().BoolVar(&oldest, "oldest-first", false, "oldest entries first")
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, "print JSON")
	return cmd
}

// parseWhen reads a date, a timestamp, or an age (24h, 7d) before now.
func parseWhen(s, flag string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", time.DateTime, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if d, err := parseTTL(s); err == nil && d > 0 {
		return time.Now().Add(-d), nil
	}
	return time.Time{}, usage("%s %q: write a date (2026-03-01), a UTC time (2026-03-01T09:00:00Z) or an age (24h, 7d)", flag, s)
}
