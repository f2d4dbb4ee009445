package cli

import (
	"fmt"
	"github.com/casefile/casefile/internal/store"

	"github.com/spf13/cobra"
)

func cmdErrors(e *env) *cobra.Command {
	var kind string
	var run int64
	var all bool
	cmd := &cobra.Command{
		Use:   "errors",
		Short: "List items that failed (and, with --all, were skipped or warned about)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch kind {
			case "failed", "skipped", "warning":
			default:
				if !all {
					return usage("unknown --kind %q: use failed, skipped or warning (or --all)", kind)
				}
			}
			c, err := e.open(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			if all {
				kind = ""
			}
			if run != 0 {
				runs, err := c.Store.Runs(cmd.Context())
				if err != nil {
					return err
				}
				found := false
				for _, r := range runs {
					found = found || r.ID == run
				}
				if !found {
					return fmt.Errorf("no ingest run %d in this case (casefile stats --json lists runs): %w", run, store.ErrNotFound)
				}
			}
			ps, err := c.Store.Problems(cmd.Context(), kind, run)
			if err != nil {
				return err
			}
			if e.jsonOut {
				return writeJSON(e.stdout, ps)
			}
			for _, p := range ps {
				loc := p.Path
				if p.Member != "" {
					loc += " member " + p.Member
				}
				if p.Offset > 0 {
					loc += fmt.Sprintf(" offset %d", p.Offset)
				}
				if p.Page > 0 {
					loc += fmt.Sprintf(" page %d", p.Page)
				}
				fmt.Fprintf(e.stdout, "%-7s %s: %s\n", p.Kind, loc, p.Reason)
			}
			if len(ps) == 0 {
				fmt.Fprintln(e.stderr, "nothing recorded")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "failed", "failed, skipped or warning")
	cmd.Flags().BoolVar(&all, "all", false, "every kind")
	cmd.Flags().Int64Var(&run, "run", 0, "only this ingest run")
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, "print JSON")
	return cmd
}

func cmdFiles(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "files",
		Short: "Per-file reconciliation: items seen, stored, duplicates, skipped, failed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := e.open(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			fs, err := c.Store.Files(cmd.Context())
			if err != nil {
				return err
			}
			if e.jsonOut {
				return writeJSON(e.stdout, fs)
			}
			fmt.Fprintf(e.stdout, "%-8s %6s %6s %6s %6s %6s %6s %6s  %s\n", "format", "seen", "items", "stored", "dups", "pages", "skip", "fail", "path")
			for _, f := range fs {
				fmt.Fprintf(e.stdout, "%-8s %6d %6d %6d %6d %6d %6d %6d  %s\n", f.Format, f.Seen, f.Emitted, f.Stored, f.Duplicates, f.Pages, f.Skipped, f.Failed, f.Path)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, "print JSON")
	return cmd
}
