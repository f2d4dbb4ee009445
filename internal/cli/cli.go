// Package cli implements casefile's command line: one file per verb,
// built with cobra. Every read command takes --json; errors are printed
// as "casefile: what happened" plus a hint, and map to documented exit
// codes (see ExitCode constants).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/internal/casedir"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// Exit codes (documented in docs/cli.md).
const (
	ExitOK       = 0 // success
	ExitError    = 1 // the command failed (I/O, damaged case, ...)
	ExitUsage    = 2 // bad flags, arguments or query syntax
	ExitPartial  = 3 // ingest finished but some items failed (see casefile errors)
	ExitNotFound = 4 // the message, thread or case asked for does not exist
)

// DefaultCase is the case folder used when neither --case nor
// CASEFILE_CASE is given.
const DefaultCase = "casefile-case"

type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func withCode(code int, err error) error { return &exitError{code: code, err: err} }

// env carries what commands share; no package-level state.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	caseDir        string
	db, dataDir    string // team mode: PostgreSQL DSN and local folder for originals
	jsonOut        bool
	lastQuery      string
	// unmask shows protected names; maskPII also masks personal numbers;
	// masked is the masking stdout once a case with protections is open.
	unmask, maskPII bool
	masked          *maskWriter
	// token is an API token (team mode); cmdPath and cmdArgs the command
	// being run, for its permission check and audit entry.
	token   string
	cmdPath string
	cmdArgs []string
}

// Main runs the CLI and returns the process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRoot(e)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if e.masked != nil {
		if ferr := e.masked.Flush(); err == nil {
			err = ferr
		}
	}
	if err == nil {
		return ExitOK
	}
	code := ExitError
	var ee *exitError
	var se *query.SyntaxError
	switch {
	case errors.As(err, &ee):
		code = ee.code
	case errors.As(err, &se):
		code = ExitUsage
	case errors.Is(err, store.ErrNotFound), errors.Is(err, casedir.ErrNotACase):
		code = ExitNotFound
	case errors.Is(err, store.ErrAmbiguous):
		code = ExitUsage
	case isCobraUsage(err):
		code = ExitUsage
	}
	if code == ExitPartial {
		return code // summary already printed
	}
	fmt.Fprintf(stderr, "casefile: %v\n", err)
	if errors.As(err, &se) && e.lastQuery != "" {
		fmt.Fprintln(stderr, se.Caret(e.lastQuery))
	}
	return code
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "casefile",
		Short: "Investigate leaked email caches and document dumps",
		Long: `casefile ingests email caches (mbox, Maildir, .eml, PST, zip) and printed
emails into a case folder, de-duplicates and threads them, and answers
questions with citations to the exact source bytes.

The case folder is taken from --case, else $CASEFILE_CASE, else
./` + DefaultCase + `.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       buildVersion().String(),
	}
	root.SetVersionTemplate("casefile {{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usage("%v (see: %s --help)", err, c.CommandPath())
	})
	def := os.Getenv("CASEFILE_CASE")
	if def == "" {
		def = DefaultCase
	}
	root.PersistentFlags().StringVar(&e.caseDir, "case", def, "case folder (env CASEFILE_CASE); with --db, the case name")
	root.PersistentFlags().StringVar(&e.db, "db", "", "team mode: PostgreSQL server holding the case, e.g. postgres://casefile@db.example/casefile (env CASEFILE_DB)")
	root.PersistentFlags().StringVar(&e.dataDir, "data-dir", defaultDataDir(), "team mode: folder for the cases' originals and OCR cache on this machine (env CASEFILE_DATA)")
	root.AddCommand(cmdInit(e), cmdIngest(e), cmdSearch(e), cmdShow(e), cmdThread(e), cmdExport(e),
		cmdStats(e), cmdErrors(e), cmdFiles(e), cmdBenchQueries(e), cmdServe(e))
	root.AddCommand(cmdVerify(e), cmdWorker(e), cmdProtect(e), cmdVersion(e))
	root.PersistentFlags().BoolVar(&e.unmask, "unmask", false, "show protected names (see casefile protect); for the investigator's own reading only")
	root.PersistentFlags().BoolVar(&e.maskPII, "mask-pii", false, "also mask Social Security and phone numbers in the output")
	root.PersistentFlags().StringVar(&e.token, "token", "", "team mode: act as the account of this API token; its role on the case is checked and the command audited (env CASEFILE_TOKEN)")
	// Secrets from the environment are read after parsing, not used as
	// flag defaults, so --help never prints a password or a token.
	root.PersistentPreRun = func(cmd *cobra.Command, args []string) {
		if !cmd.Flags().Changed("db") {
			e.db = os.Getenv("CASEFILE_DB")
		}
		if !cmd.Flags().Changed("token") {
			e.token = os.Getenv("CASEFILE_TOKEN")
		}
		e.rememberCommand(cmd, args)
	}
	root.AddCommand(cmdUser(e), cmdAudit(e), cmdCase(e))
	root.AddCommand(peopleCommands(e)...)
	return root
}

// open opens the case named by --case; from then on output is masked
// as the case's protected names require.
func (e *env) open(ctx context.Context) (*casedir.Case, error) {
	c, err := e.openCase(ctx, false)
	if err != nil {
		return nil, err
	}
	if err := e.applyMask(ctx, c); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// openRaw opens the case without masking the output.
func (e *env) openRaw(ctx context.Context) (*casedir.Case, error) {
	return e.openCase(ctx, false)
}

// openCase opens the case named by --case, in its folder or, with --db,
// on the PostgreSQL server; create makes a missing one.
func (e *env) openCase(ctx context.Context, create bool) (*casedir.Case, error) {
	if e.db != "" {
		if err := e.authorizeCLI(ctx); err != nil {
			return nil, err
		}
		return casedir.OpenDB(ctx, e.db, e.caseDir, e.dataDir, create)
	}
	c, err := casedir.Open(ctx, e.caseDir)
	if errors.Is(err, casedir.ErrNotACase) && create {
		c, err = casedir.Init(ctx, e.caseDir)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// usage wraps an argument error with ExitUsage.
func usage(format string, a ...any) error { return withCode(ExitUsage, fmt.Errorf(format, a...)) }

// isCobraUsage recognises cobra's argument-count and command errors.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"accepts ", "requires at least ", "requires at most ", "unknown command ", "unknown flag", "unknown shorthand flag"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// resolveID expands a message ID or unique prefix, refusing (exit 2)
// anything that is not at least 4 hex digits.
func resolveID(ctx context.Context, st store.Store, arg string) (string, error) {
	a := strings.ToLower(strings.TrimSpace(arg))
	if len(a) < 4 || strings.Trim(a, "0123456789abcdef") != "" {
		return "", usage("%q is not a message ID: give at least 4 hex digits of an ID from search or show", arg)
	}
	return st.ResolveID(ctx, a)
}

// defaultDataDir is $CASEFILE_DATA, else ~/.local/share/casefile (XDG).
func defaultDataDir() string {
	if d := os.Getenv("CASEFILE_DATA"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "casefile")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "casefile")
	}
	return "casefile-data"
}
