package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/verify"
)

// verifyReport is verify's JSON output.
type verifyReport struct {
	Counts    map[string]int  `json:"counts"`
	Originals []verify.Result `json:"originals,omitempty"`
	Messages  []verifiedMsg   `json:"messages,omitempty"`
}

type verifiedMsg struct {
	ID      string          `json:"id"`
	Sources []verify.Result `json:"sources"`
}

func cmdVerify(e *env) *cobra.Command {
	var originals bool
	cmd := &cobra.Command{
		Use:   "verify [ID...]",
		Short: "Re-check citations: re-hash the cited bytes or printed lines in the preserved originals",
		Long: `verify reads every source of the given messages back from the case's
preserved originals and compares its SHA-256 with the one recorded at
ingest: byte ranges of mbox/Maildir/.eml files (and of attached messages
stored verbatim), and the cited lines of printed messages and pages.
Without IDs it checks every source of every message and every preserved
original file. --originals checks only the original files.

Statuses: ok, mismatch (the original or the record changed), missing (the
original is not in the case: ingested with --no-preserve?), unchecked
(cannot be re-read on its own: archive and PST members, attached
messages stored encoded; the reason is given). OCR'd pages are re-read
through the case's OCR cache.. Exit code 1 when anything is a mismatch or missing.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := e.open(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			v, err := verify.New(ctx, c)
			if err != nil {
				return err
			}
			rep := verifyReport{Counts: map[string]int{verify.OK: 0, verify.Mismatch: 0, verify.Missing: 0, verify.Unchecked: 0}}
			report := func(what string, r verify.Result) {
				rep.Counts[r.Status]++
				if e.jsonOut || r.Status == verify.OK {
					return
				}
				loc := r.Source.Path
				if r.Source.Member != "" {
					loc += " member " + r.Source.Member
				}
				if r.Source.Page > 0 {
					loc += fmt.Sprintf(" page %d lines %d-%d", r.Source.Page, r.Source.LineFrom, r.Source.LineTo)
				} else if what != "original" {
					loc += fmt.Sprintf(" bytes %d+%d", r.Source.Offset, r.Source.Length)
				}
				fmt.Fprintf(e.stdout, "%-9s %-8s %s: %s\n", r.Status, what, loc, r.Detail)
			}
			check := func(m *model.Message) {
				vm := verifiedMsg{ID: m.ID}
				for _, src := range m.Sources {
					r := v.Source(ctx, src)
					report(m.ID, r)
					vm.Sources = append(vm.Sources, r)
				}
				if e.jsonOut {
					rep.Messages = append(rep.Messages, vm)
				}
			}
			switch {
			case len(args) > 0:
				for _, a := range args {
					id, err := resolveID(ctx, c.Store, a)
					if err != nil {
						return err
					}
					m, err := c.Store.Get(ctx, id)
					if err != nil {
						return err
					}
					check(m)
				}
			default:
				files, err := c.Store.Files(ctx)
				if err != nil {
					return err
				}
				for _, f := range files {
					r := v.Original(f)
					report("original", r)
					if e.jsonOut {
						rep.Originals = append(rep.Originals, r)
					}
				}
				if !originals {
					if err := c.Store.Each(ctx, func(m *model.Message) error {
						check(m)
						return ctx.Err()
					}); err != nil {
						return err
					}
				}
			}
			if e.jsonOut {
				if err := writeJSON(e.stdout, rep); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(e.stderr, "%d ok, %d mismatch, %d missing, %d unchecked\n",
					rep.Counts[verify.OK], rep.Counts[verify.Mismatch], rep.Counts[verify.Missing], rep.Counts[verify.Unchecked])
			}
			if bad := rep.Counts[verify.Mismatch] + rep.Counts[verify.Missing]; bad > 0 {
				return fmt.Errorf("verification failed: %d citation(s) do not match the preserved originals (listed above)", bad)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&originals, "originals", false, "only re-hash the preserved original files")
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, "print JSON: counts, originals and per-message results")
	return cmd
}
