package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/casefile/casefile/internal/audit"
	"github.com/casefile/casefile/internal/team"
)

// teamFlags are the flags of the server-mode admin commands (user,
// audit) beyond the root's --db (e.db, env CASEFILE_DB).
type teamFlags struct {
	e      *env
	schema string // --team-schema (hidden), env CASEFILE_TEAM_SCHEMA
	token  string // --token, env CASEFILE_TOKEN (audit only)
}

func (f *teamFlags) add(e *env, cmd *cobra.Command) {
	f.e = e
	def := os.Getenv("CASEFILE_TEAM_SCHEMA")
	if def == "" {
		def = team.DefaultSchema
	}
	cmd.PersistentFlags().StringVar(&f.schema, "team-schema", def, "schema holding accounts and the audit log (env CASEFILE_TEAM_SCHEMA)")
	_ = cmd.PersistentFlags().MarkHidden("team-schema")
}

// teamConn is an open connection to the accounts and audit tables.
type teamConn struct {
	pool *pgxpool.Pool
	svc  *team.Service
	log  *audit.Log
}

func (t *teamConn) Close() { t.pool.Close() }

// openTeam connects to --db and migrates the team schema. Errors say
// where it tried to connect (never the password) and what to check.
func (f *teamFlags) open(ctx context.Context) (*teamConn, error) {
	dsn := f.e.db
	if dsn == "" {
		return nil, usage("no database given: pass --db postgres://USER@HOST:5432/DB or set CASEFILE_DB")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, usage("--db is not a usable PostgreSQL URL (%v); write it as postgres://USER@HOST:5432/DB", redactDSN(err))
	}
	where := fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(cctx, cfg)
	if err == nil {
		err = pool.Ping(cctx)
	}
	if err != nil {
		if pool != nil {
			pool.Close()
		}
		return nil, fmt.Errorf("cannot connect to PostgreSQL at %s: %v (is the server running and is --db right?)", where, redactDSN(err))
	}
	log, err := audit.Open(ctx, pool, audit.Options{Schema: f.schema})
	if err != nil {
		pool.Close()
		return nil, err
	}
	svc, err := team.Open(ctx, pool, team.Options{Schema: f.schema, Audit: log})
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &teamConn{pool: pool, svc: svc, log: log}, nil
}

// redactDSN strips anything that looks like a password from an error.
func redactDSN(err error) string {
	s := err.Error()
	if i := strings.Index(s, "://"); i >= 0 {
		if at := strings.Index(s[i:], "@"); at > 0 {
			s = s[:i+3] + "***" + s[i+at:]
		}
	}
	return s
}

// operatorCtx marks ctx as an operator command (direct --db access).
func operatorCtx(ctx context.Context) context.Context {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return team.WithPrincipal(ctx, team.Operator(name))
}

// readPassword reads a new password: the first line of standard input
// with --password-stdin, else twice from the terminal without echo.
func (e *env) readPassword(fromStdin bool, who string) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", usage("--password-stdin: nothing on standard input")
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	f, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usage("no terminal to ask for the password: pipe it in with --password-stdin")
	}
	fmt.Fprintf(e.stderr, "New password for %s (at least %d characters): ", who, team.MinPasswordLen)
	a, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(e.stderr, "Again: ")
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	if string(a) != string(b) {
		return "", usage("the two passwords differ; nothing was changed")
	}
	return string(a), nil
}

// teamErr gives account errors their exit code.
func teamErr(err error) error {
	if errors.Is(err, team.ErrWeakPassword) || errors.Is(err, team.ErrUserExists) {
		return withCode(ExitUsage, err)
	}
	return err
}

// parseTTL accepts Go durations (720h) and days (90d).
func parseTTL(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, usage("--expires %q: write a number of days like 90d, or a duration like 12h", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		return 0, usage("--expires %q: write a number of days like 90d, or a duration like 12h", s)
	}
	return v, nil
}

func cmdUser(e *env) *cobra.Command {
	var f teamFlags
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage server accounts, case roles and API tokens (server mode, --db)",
		Long: `user manages the accounts of a casefile server stored in PostgreSQL
(--db or CASEFILE_DB). These are operator commands: whoever can reach the
database with these credentials already controls every case, so they act
as instance admin and are recorded in the audit log as operator:<login>.

Roles per case: reader (search, read, export), editor (also tag, annotate,
edit identities, ingest) and owner (also manage members, read the audit
log). An instance admin (--admin) may do everything on every case.

Examples:
  casefile user add dana --admin --db postgres://casefile@db.example/casefile
  casefile user grant rafael harbor editor
  casefile user token add rafael --label "laptop CLI" --expires 30d`,
		Args: cobra.NoArgs,
	}
	f.add(e, cmd)
	cmd.PersistentFlags().BoolVar(&e.jsonOut, "json", false, "print JSON")
	withTeam := func(run func(ctx context.Context, t *teamConn, args []string) error) func(*cobra.Command, []string) error {
		return func(c *cobra.Command, args []string) error {
			t, err := f.open(c.Context())
			if err != nil {
				return err
			}
			defer t.Close()
			return teamErr(run(operatorCtx(c.Context()), t, args))
		}
	}

	var admin, pwStdin bool
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Create an account (asks for the password, or reads it with --password-stdin)",
		Args:  cobra.ExactArgs(1),
		RunE: withTeam(func(ctx context.Context, t *teamConn, args []string) error {
			pw, err := e.readPassword(pwStdin, args[0])
			if err != nil {
				return err
			}
			u, err := t.svc.CreateUser(ctx, args[0], pw, admin)
			if err != nil {
				return err
			}
			if e.jsonOut {
				return writeJSON(e.stdout, map[string]any{"format_version": FormatVersion, "user": u})
			}
			kind := "user"
			if u.Admin {
				kind = "instance admin"
			}
			fmt.Fprintf(e.stdout, "created %s %s (id %d); give them a case with: casefile user grant %s CASE reader|editor|owner\n", kind, u.Name, u.ID, u.Name)
			return nil
		}),
	}
	add.Flags().BoolVar(&admin, "admin", false, "make the account an instance admin (every case, every action)")
	add.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input")

	var pwStdin2 bool
	passwd := &cobra.Command{
		Use:   "passwd NAME",
		Short: "Set an account's password (ends its browser sessions; API tokens stay valid)",
		Args:  cobra.ExactArgs(1),
		RunE: withTeam(func(ctx context.Context, t *teamConn, args []string) error {
			pw, err := e.readPassword(pwStdin2, args[0])
			if err != nil {
				return err
			}
			if err := t.svc.SetPassword(ctx, args[0], pw); err != nil {
				return err
			}
			if e.jsonOut {
				return writeJSON(e.stdout, map[string]any{"format_version": FormatVersion, "user": strings.ToLower(args[0]), "password_changed": true, "sessions_revoked": true})
			}
			fmt.Fprintf(e.stdout, "password of %s changed; their browser sessions were ended\n", strings.ToLower(args[0]))
			return nil
		}),
	}
	passwd.Flags().BoolVar(&pwStdin2, "password-stdin", false, "read the password from the first line of standard input")

	list := &cobra.Command{
		Use:   "list",
		Short: "List accounts and their case roles",
		Args:  cobra.NoArgs,
		RunE: withTeam(func(ctx context.Context, t *teamConn, _ []string) error {
			users, err := t.svc.Users(ctx)
			if err != nil {
				return err
			}
			type row struct {
				team.User
				Roles []team.Grant `json:"roles"`
			}
			rows := make([]row, 0, len(users))
			for _, u := range users {
				g, err := t.svc.UserGrants(ctx, u.Name)
				if err != nil {
					return err
				}
				rows = append(rows, row{u, g})
			}
			if e.jsonOut {
				return writeJSON(e.stdout, map[string]any{"format_version": FormatVersion, "users": rows})
			}
			if len(rows) == 0 {
				fmt.Fprintln(e.stderr, "no accounts yet; create the first admin with: casefile user add NAME --admin")
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "USER\tFLAGS\tROLES")
			for _, r := range rows {
				var flags []string
				if r.Admin {
					flags = append(flags, "admin")
				}
				if r.Disabled {
					flags = append(flags, "disabled")
				}
				var roles []string
				for _, g := range r.Roles {
					roles = append(roles, g.Case+"="+string(g.Role))
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Name, strings.Join(flags, ","), strings.Join(roles, " "))
			}
			return tw.Flush()
		}),
	}

	grant := &cobra.Command{
		Use:   "grant NAME CASE ROLE",
		Short: "Give an account a role (reader, editor, owner) on a case, replacing its previous role",
		Args:  cobra.ExactArgs(3),
		RunE: withTeam(func(ctx context.Context, t *teamConn, args []string) error {
			role, err := team.ParseRole(args[2])
			if err != nil {
				return usage("%v", err)
			}
			if err := t.svc.Grant(ctx, args[0], args[1], role); err != nil {
				return err
			}
			if e.jsonOut {
				return writeJSON(e.stdout, map[string]any{"format_version": FormatVersion, "user": strings.ToLower(args[0]), "case": args[1], "role": role})
			}
			fmt.Fprintf(e.stdout, "%s is now %s of case %s\n", strings.ToLower(args[0]), role, args[1])
			return nil
		}),
	}

	revoke := &cobra.Command{
		Use:   "revoke NAME CASE",
		Short: "Remove an account's role on a case (effective on its next request)",
		Args:  cobra.ExactArgs(2),
		RunE: withTeam(func(ctx context.Context, t *teamConn, args []string) error {
			if err := t.svc.Revoke(ctx, args[0], args[1]); err != nil {
				return err
			}
			if e.jsonOut {
				return writeJSON(e.stdout, map[string]any{"format_version": FormatVersion, "user": strings.ToLower(args[0]), "case": args[1], "role": nil})
			}
			fmt.Fprintf(e.stdout, "%s has no role on case %s any more\n", strings.ToLower(args[0]), args[1])
			return nil
		}),
	}

	setDisabled := func(use, short string, v bool) *cobra.Command {
		return &cobra.Command{
			Use:   use + " NAME",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: withTeam(func(ctx context.Context, t *teamConn, args []string) error {
				if err := t.svc.SetDisabled(ctx, args[0], v); err != nil {
					return err
				}
				if e.jsonOut {
					return writeJSON(e.stdout, map[string]any{"format_version": FormatVersion, "user": strings.ToLower(args[0]), "disabled": v})
				}
				fmt.Fprintf(e.stdout, "%s %sd\n", strings.ToLower(args[0]), use)
				return nil
			}),
		}
	}

	cmd.AddCommand(add, passwd, list, grant, revoke,
		setDisabled("disable", "Disable an account: it cannot log in, and its sessions and API tokens are revoked", true),
		setDisabled("enable", "Re-enable a disabled account (revoked tokens stay revoked)", false),
		cmdUserToken(e, withTeam))
	return cmd
}

func cmdUserToken(e *env, withTeam func(func(context.Context, *teamConn, []string) error) func(*cobra.Command, []string) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Create, list and revoke API tokens for the CLI and scripts",
		Args:  cobra.NoArgs,
	}
	var label, expires string
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Create an API token for an account and print it (shown only this once)",
		Args:  cobra.ExactArgs(1),
		RunE: withTeam(func(ctx context.Context, t *teamConn, args []string) error {
			ttl, err := parseTTL(expires)
			if err != nil {
				return err
			}
			secret, tok, err := t.svc.CreateToken(ctx, args[0], label, ttl)
			if err != nil {
				return err
			}
			if e.jsonOut {
				return writeJSON(e.stdout, map[string]any{"format_version": FormatVersion, "token": secret, "info": tok})
			}
			fmt.Fprintln(e.stdout, secret)
			fmt.Fprintf(e.stderr, "API token %d for %s, expires %s. It is shown only now: store it in a password manager.\n"+
				"Use it as: Authorization: Bearer <token>, or CASEFILE_TOKEN=<token>. Revoke it with: casefile user token revoke %d\n",
				tok.ID, tok.User, tok.Expires.Format(time.DateOnly), tok.ID)
			return nil
		}),
	}
	add.Flags().StringVar(&label, "label", "", "what the token is for (shown in token list)")
	add.Flags().StringVar(&expires, "expires", "", "lifetime: 90d, 12h... (default 90d)")

	list := &cobra.Command{
		Use:   "list NAME",
		Short: "List an account's API tokens (never their secrets)",
		Args:  cobra.ExactArgs(1),
		RunE: withTeam(func(ctx context.Context, t *teamConn, args []string) error {
			toks, err := t.svc.Tokens(ctx, args[0])
			if err != nil {
				return err
			}
			if e.jsonOut {
				if toks == nil {
					toks = []team.Token{}
				}
				return writeJSON(e.stdout, map[string]any{"format_version": FormatVersion, "tokens": toks})
			}
			if len(toks) == 0 {
				fmt.Fprintf(e.stderr, "%s has no API tokens\n", strings.ToLower(args[0]))
				return nil
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPREFIX\tLABEL\tCREATED\tEXPIRES\tLAST USED\tSTATE")
			now := time.Now()
			for _, k := range toks {
				state := "active"
				switch {
				case k.Revoked != nil:
					state = "revoked"
				case !now.Before(k.Expires):
					state = "expired"
				}
				last := "never"
				if k.LastUsed != nil {
					last = k.LastUsed.UTC().Format(time.DateTime)
				}
				fmt.Fprintf(tw, "%d\t%s…\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Prefix, k.Label, k.Created.Format(time.DateOnly), k.Expires.Format(time.DateOnly), last, state)
			}
			return tw.Flush()
		}),
	}

	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API token by its id (see token list)",
		Args:  cobra.ExactArgs(1),
		RunE: withTeam(func(ctx context.Context, t *teamConn, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return usage("token id %q is not a number (see: casefile user token list NAME)", args[0])
			}
			if err := t.svc.RevokeToken(ctx, id); err != nil {
				return err
			}
			if e.jsonOut {
				return writeJSON(e.stdout, map[string]any{"format_version": FormatVersion, "token": id, "revoked": true})
			}
			fmt.Fprintf(e.stdout, "API token %d revoked\n", id)
			return nil
		}),
	}
	cmd.AddCommand(add, list, revoke)
	return cmd
}
