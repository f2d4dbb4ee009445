package cli

import (
	"bufio"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// cmdBenchQueries times queries in-process (for bench/); hidden.
func cmdBenchQueries(e *env) *cobra.Command {
	var file string
	var runs, limit int
	cmd := &cobra.Command{
		Use:    "bench-queries",
		Short:  "Time a file of queries in-process (used by the bench harness)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			c, err := e.open(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			f, err := os.Open(file)
			if err != nil {
				return err
			}
			defer f.Close()
			type qres struct {
				Query     string  `json:"query"`
				Hits      int     `json:"hits"`
				Durations []int64 `json:"durations_ns"`
			}
			var out []qres
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				line := strings.TrimSpace(sc.Text())
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				r := qres{Query: line}
				for i := 0; i < runs; i++ {
					t0 := time.Now()
					node, err := query.Parse(line)
					if err != nil {
						return err
					}
					n := 0
					if err := c.Store.Search(ctx, node, store.SearchOptions{Limit: limit}, func(store.Hit) error { n++; return nil }); err != nil {
						return err
					}
					r.Durations = append(r.Durations, time.Since(t0).Nanoseconds())
					r.Hits = n
				}
				out = append(out, r)
			}
			return writeJSON(e.stdout, map[string]any{"queries": out})
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "file with one query per line")
	cmd.Flags().IntVar(&runs, "runs", 5, "runs per query")
	cmd.Flags().IntVar(&limit, "limit", 20, "hits per query")
	cmd.Flags().Bool("json", true, "JSON output (always on)")
	return cmd
}
