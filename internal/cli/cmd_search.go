package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

func cmdSearch(e *env) *cobra.Command {
	var (
		limit, offset int
		sortBy        string
		count, jsonl  bool
	)
	cmd := &cobra.Command{
		Use:   "search QUERY...",
		Short: "Search messages with the casefile query language",
		Long: `search prints the messages matching QUERY (see docs/query.md), ranked by
relevance when the query has words, else by date. There is no result cap:
use --limit/--offset to page, or stream everything with --limit 0.

Examples:
  casefile search 'from:jonas.reyes@harbor.example subject:invoice'
  casefile search '"offshore account" date:2008-01..2008-06 -has:attachment'
  casefile search 'NEAR/5(transfer approved)' --sort date --json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !store.ValidSort(sortBy) {
				return usage("unknown --sort %q: use rank, date or -date", sortBy)
			}
			if limit < 0 || offset < 0 {
				return usage("--limit and --offset must not be negative")
			}
			q := strings.Join(args, " ")
			e.lastQuery = q
			node, err := query.Parse(q)
			if err != nil {
				return err
			}
			c, err := e.open(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			if count {
				n, err := c.Store.Count(cmd.Context(), node)
				if err != nil {
					return err
				}
				if e.jsonOut {
					return writeJSON(e.stdout, map[string]any{"query": node.String(), "count": n})
				}
				fmt.Fprintln(e.stdout, n)
				return nil
			}
			opts := store.SearchOptions{Sort: sortBy, Limit: limit, Offset: offset}
			if e.jsonOut || jsonl {
				aw := &arrayWriter{w: e.stdout, lines: jsonl}
				err := c.Store.Search(cmd.Context(), node, opts, func(h store.Hit) error {
					return aw.add(hitOf(h.Message, h.Snippet))
				})
				if err != nil {
					return err
				}
				return aw.close()
			}
			opts.HighStart, opts.HighEnd = "\x1b[1m", "\x1b[0m"
			if !isTerminal(e.stdout) {
				opts.HighStart, opts.HighEnd = "[", "]"
			}
			n := 0
			err = c.Store.Search(cmd.Context(), node, opts, func(h store.Hit) error {
				n++
				m := h.Message
				date := "(no date)    "
				if m.DateUTC != nil {
					date = m.DateUTC.Format("2006-01-02 15:04")
				}
				from := m.From.Name
				if from == "" {
					from = m.From.Address
				}
				kind := ""
				if m.Kind != "native" {
					kind = " [" + m.Kind + "]"
				}
				fmt.Fprintf(e.stdout, "%s  %s  %-24.24s  %s%s\n", m.ID, date, from, m.Subject, kind)
				if h.Snippet != "" {
					fmt.Fprintf(e.stdout, "    %s\n", h.Snippet)
				}
				return nil
			})
			if err != nil {
				return err
			}
			if n == 0 {
				fmt.Fprintln(e.stderr, "no messages match", node.String())
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 50, "maximum hits to print (0 = all)")
	cmd.Flags().IntVar(&offset, "offset", 0, "skip this many hits (paging)")
	cmd.Flags().StringVar(&sortBy, "sort", "", "rank, date or -date (default: rank when the query has words)")
	cmd.Flags().BoolVar(&count, "count", false, "print only the number of matching messages")
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, "print a JSON array of hits (streamed)")
	cmd.Flags().BoolVar(&jsonl, "jsonl", false, "print one JSON hit per line")
	return cmd
}

func fmtDate(t *time.Time, flag string) string {
	if t == nil {
		return "(no date)"
	}
	s := t.UTC().Format("2006-01-02 15:04:05 UTC")
	if flag == "local" {
		s = t.UTC().Format("2006-01-02 15:04:05") + " (time zone not printed)"
	}
	return s
}
