package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/internal/audit"
	"github.com/casefile/casefile/internal/casedir"
	"github.com/casefile/casefile/internal/store"
	"github.com/casefile/casefile/internal/store/postgres"
	"github.com/casefile/casefile/internal/team"
)

// cmdCase is casefile case list|drop: the cases on a casefile server.
// Like user and audit, these are operator commands (whoever holds the
// database credentials), recorded in the audit log.
func cmdCase(e *env) *cobra.Command {
	var f teamFlags
	cmd := &cobra.Command{
		Use:   "case",
		Short: "List the cases on a casefile server, or delete one (server mode, --db)",
		Long: `case lists the cases a PostgreSQL server holds, or deletes one. Local cases
are folders: list them with ls, delete them with rm -r.

Examples:
  casefile case list --db postgres://casefile@db.example/casefile
  casefile case drop harbor --db postgres://casefile@db.example/casefile --yes`,
	}
	f.add(e, cmd)
	cmd.PersistentFlags().BoolVar(&e.jsonOut, "json", false, "print JSON")

	list := &cobra.Command{
		Use:   "list",
		Short: "List the cases on the server: name, created, schema version",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if e.db == "" {
				return usage("no database given: pass --db postgres://USER@HOST:5432/DB or set CASEFILE_DB")
			}
			cases, err := postgres.ListCases(c.Context(), e.db)
			if err != nil {
				return err
			}
			if e.token != "" {
				// An account lists the cases it holds a role on (an
				// instance admin: all of them).
				t, err := f.open(c.Context())
				if err != nil {
					return err
				}
				defer t.Close()
				p, err := e.tokenPrincipal(c.Context(), t)
				if err != nil {
					return err
				}
				if !p.Admin {
					grants, err := t.svc.Cases(c.Context(), p)
					if err != nil {
						return err
					}
					cases = slices.DeleteFunc(cases, func(ci postgres.CaseInfo) bool {
						return !slices.ContainsFunc(grants, func(g team.Grant) bool { return g.Case == ci.Name })
					})
				}
			}
			if e.jsonOut {
				return writeJSON(e.stdout, map[string]any{"format_version": FormatVersion, "cases": cases})
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CASE\tCREATED\tSCHEMA")
			for _, ci := range cases {
				fmt.Fprintf(tw, "%s\t%s\t%d\n", ci.Name, ci.Created.Format("2006-01-02 15:04 UTC"), ci.Version)
			}
			return tw.Flush()
		},
	}

	var yes, originals bool
	drop := &cobra.Command{
		Use:   "drop NAME",
		Short: "Delete a case from the server: its messages, people, tags, notes and every member's role (needs --yes)",
		Long: `drop deletes case NAME from the PostgreSQL server: every message, source
record, tag, note and person edit in it, and every account's role on it (a
later case of the same name starts with no members). It cannot be undone.
The preserved originals on this machine (--data-dir/NAME) are kept unless
--delete-originals is given. The deletion is recorded in the audit log.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			name := args[0]
			dir, err := casedir.DataDirOf(e.dataDir, name)
			if err != nil {
				return usage("%v", err)
			}
			if !yes {
				return usage("case drop deletes case %q with every message, tag, note and person edit in it, and every member's role on it; "+
					"it cannot be undone. Run again with --yes", name)
			}
			t, err := f.open(c.Context())
			if err != nil {
				return err
			}
			defer t.Close()
			ctx := operatorCtx(c.Context())
			if e.token != "" {
				p, err := e.tokenPrincipal(c.Context(), t)
				if err != nil {
					return err
				}
				if !p.Admin {
					return fmt.Errorf("permission denied: only an instance admin (or the operator, with the database credentials and no token) can delete a case")
				}
				ctx = team.WithPrincipal(c.Context(), p)
			}
			res, err := dropCase(ctx, e.db, t, name, dir, originals)
			if err != nil {
				return err
			}
			if e.jsonOut {
				return writeJSON(e.stdout, map[string]any{"format_version": FormatVersion, "case": name, "dropped": true,
					"originals": res.originals, "originals_deleted": originals})
			}
			fmt.Fprintf(e.stdout, "case %s deleted\n", name)
			switch {
			case originals:
				fmt.Fprintf(e.stdout, "its originals in %s were deleted\n", res.originals)
			case res.kept:
				fmt.Fprintf(e.stdout, "its originals are still in %s (delete them with --delete-originals, or rm -r)\n", res.originals)
			}
			return nil
		},
	}
	drop.Flags().BoolVar(&yes, "yes", false, "really delete the case")
	drop.Flags().BoolVar(&originals, "delete-originals", false, "also delete the case's preserved originals and OCR cache on this machine (--data-dir/NAME)")
	cmd.AddCommand(list, drop)
	return cmd
}

type dropResult struct {
	originals string // the case's folder on this machine
	kept      bool   // it exists and was kept
}

// dropCase removes every role on the case first (so that no later case
// of the same name inherits its members, even if what follows fails),
// then its schema, then, if asked, its folder on this machine (dir,
// from casedir.DataDirOf); and records the deletion in the audit log.
func dropCase(ctx context.Context, dsn string, t *teamConn, name, dir string, originals bool) (dropResult, error) {
	res := dropResult{originals: dir}
	cases, err := postgres.ListCases(ctx, dsn)
	if err != nil {
		return res, err
	}
	if !slices.ContainsFunc(cases, func(ci postgres.CaseInfo) bool { return ci.Name == name }) {
		return res, withCode(ExitNotFound, fmt.Errorf("no case %q on the server (casefile case list shows them)", name))
	}
	if err := t.svc.DropCase(ctx, name); err != nil {
		return res, fmt.Errorf("case drop %s: removing its members' roles: %w (nothing else was changed)", name, err)
	}
	if err := postgres.DropCase(ctx, dsn, name); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return res, withCode(ExitNotFound, err)
		}
		return res, fmt.Errorf("%w (its members' roles were removed; run the command again)", err)
	}
	if _, err := os.Stat(res.originals); err == nil {
		res.kept = !originals
		if originals {
			if err := os.RemoveAll(res.originals); err != nil {
				return res, fmt.Errorf("case %s was deleted, but its originals could not be: %w", name, err)
			}
		}
	}
	ev := audit.Event{User: "unknown", Action: audit.ActionCaseDrop, Case: name}
	if p, ok := team.PrincipalFrom(ctx); ok {
		ev.User, ev.UserID = p.Name, p.UserID
	}
	ev.Details = map[string]any{"originals_deleted": originals}
	if _, err := t.log.Record(ctx, ev); err != nil {
		return res, fmt.Errorf("case %s was deleted, but the audit log could not record it: %w", name, err)
	}
	return res, nil
}
