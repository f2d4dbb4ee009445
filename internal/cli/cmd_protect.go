package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/user"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/internal/casedir"
	"github.com/casefile/casefile/internal/mask"
)

// maskWriter masks protected names in each complete line before writing
// it, so every command's text and JSON output is masked the same way.
// Labels hold no quote or backslash, so JSON stays valid.
type maskWriter struct {
	w   io.Writer
	m   *mask.Masker
	buf []byte
}

func (mw *maskWriter) Write(p []byte) (int, error) {
	mw.buf = append(mw.buf, p...)
	for {
		i := bytes.IndexByte(mw.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		if _, err := io.WriteString(mw.w, mw.m.String(string(mw.buf[:i+1]))); err != nil {
			return 0, err
		}
		mw.buf = mw.buf[i+1:]
	}
}

// Flush writes a final line without newline.
func (mw *maskWriter) Flush() error {
	if len(mw.buf) == 0 {
		return nil
	}
	_, err := io.WriteString(mw.w, mw.m.String(string(mw.buf)))
	mw.buf = nil
	return err
}

// applyMask switches stdout to masked output when the case protects
// names or personal data, unless --unmask was given.
func (e *env) applyMask(ctx context.Context, c *casedir.Case) error {
	if e.unmask || e.masked != nil {
		return nil
	}
	m, err := mask.Load(ctx, c.Store, mask.Options{PII: e.maskPII})
	if err != nil {
		return err
	}
	if !m.Active() {
		return nil
	}
	e.masked = &maskWriter{w: e.stdout, m: m}
	e.stdout = e.masked
	return nil
}

// actor names who runs a command, for the edit log: $USER, else the
// account's login name.
func actor() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

func cmdProtect(e *env) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "protect",
		Short: "Protect names (victims, minors, bystanders) so every output masks them",
		Long: `protect keeps a case's list of protected names. Every command's output —
text, JSON, exports — then shows each mention as a stable label such as
"[protected 2]" (the same person keeps the same label), in names,
addresses (jane.doe@… becomes [protected 1]@…), subjects, bodies and file
names. Variants are covered: "Jane Q. Doe" also masks "Jane Doe",
"Doe, Jane", "J. Doe", jane.doe, janedoe and jdoe. --mask-pii also masks
Social Security and phone numbers. --unmask shows everything (for the
investigator's own reading; never for material that leaves the team).

The list lives in the case's append-only edit log: who protected what,
when and why is kept, and it survives re-ingest.`,
	}
	add := &cobra.Command{
		Use:   "add NAME...",
		Short: "Protect one or more names or terms",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := e.openRaw(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			for _, a := range args {
				if err := mask.Add(cmd.Context(), c.Store, a, actor(), reason); err != nil {
					return withCode(ExitUsage, err)
				}
			}
			fmt.Fprintf(e.stderr, "protected %d name(s); outputs now mask them (casefile protect list)\n", len(args))
			return nil
		},
	}
	remove := &cobra.Command{
		Use:   "remove NAME",
		Short: "Stop protecting a name (recorded; its label number is not reused)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := e.openRaw(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			return mask.Remove(cmd.Context(), c.Store, args[0], actor(), reason)
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the protected names with their labels (shows the names themselves)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := e.openRaw(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			terms, err := mask.List(cmd.Context(), c.Store)
			if err != nil {
				return err
			}
			if e.jsonOut {
				if terms == nil {
					terms = []mask.Term{}
				}
				return writeJSON(e.stdout, terms)
			}
			for _, t := range terms {
				fmt.Fprintf(e.stdout, "%-16s %s\t%s (by %s)\n", t.Label, t.Text, t.Reason, t.Actor)
			}
			if len(terms) == 0 {
				fmt.Fprintln(e.stderr, "no protected names")
			}
			return nil
		},
	}
	list.Flags().BoolVar(&e.jsonOut, "json", false, "print JSON: [{text, label, reason, actor}]")
	for _, c := range []*cobra.Command{add, remove} {
		c.Flags().StringVar(&reason, "reason", "", "why (kept in the edit log)")
	}
	cmd.AddCommand(add, remove, list)
	return cmd
}
