package cli

import (
	"encoding/csv"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

func cmdExport(e *env) *cobra.Command {
	var format, q string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export messages as JSON Lines or CSV (all, or those matching --query)",
		Long: `export writes every message (or those matching --query) to standard
output, in date order. jsonl: one 'show --json' object per line.
csv: one row per message with id, kind, date, date_flag, date_raw, from, to, cc, subject, message_id, thread_id, attachments, sources.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			var node query.Node = query.MatchAll{}
			if q != "" {
				e.lastQuery = q
				n, err := query.Parse(q)
				if err != nil {
					return err
				}
				node = n
			}
			c, err := e.open(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			var emit func(m *model.Message) error
			var done func() error
			switch format {
			case "jsonl":
				aw := &arrayWriter{w: e.stdout, lines: true}
				emit = func(m *model.Message) error { return aw.add(messageOf(m)) }
				done = aw.close
			case "csv":
				cw := csv.NewWriter(e.stdout)
				_ = cw.Write([]string{"id", "kind", "date", "date_flag", "date_raw", "from_name", "from_address", "to", "cc", "subject", "message_id", "thread_id", "attachments", "sources"})
				emit = func(m *model.Message) error {
					date := ""
					if d := dateString(m.DateUTC, m.DateFlag); d != nil {
						date = *d
					}
					var srcs, atts []string
					for _, s := range m.Sources {
						loc := fmt.Sprintf("%s@%d+%d", s.Path, s.Offset, s.Length)
						if s.Member != "" {
							loc = s.Path + "!" + s.Member
						}
						if s.Page > 0 {
							loc = fmt.Sprintf("%s#page=%d", s.Path, s.Page)
							if s.Bates != "" {
								loc += " " + s.Bates
							}
						}
						srcs = append(srcs, loc+" sha256:"+s.SHA256)
					}
					for _, a := range m.Attachments {
						atts = append(atts, a.Filename)
					}
					return cw.Write([]string{m.ID, m.Kind, date, m.DateFlag, m.DateRaw, m.From.Name, m.From.Address, addrs(m.To), addrs(m.Cc), m.Subject,
						m.MessageID, m.ThreadID, strings.Join(atts, "; "), strings.Join(srcs, "; ")})
				}
				done = func() error { cw.Flush(); return cw.Error() }
			default:
				return usage("unknown --format %q: use jsonl or csv", format)
			}
			if _, all := node.(query.MatchAll); all {
				// Every message: not document pages, and printed copies only
				// through their native message (as searches count them).
				err := c.Store.Each(ctx, func(m *model.Message) error {
					if m.Kind == model.KindPage || m.CopyOf != "" {
						return nil
					}
					return emit(m)
				})
				if err != nil {
					return err
				}
				return done()
			}
			var ids []string
			if err := c.Store.Search(ctx, node, store.SearchOptions{Sort: "date"}, func(h store.Hit) error {
				ids = append(ids, h.Message.ID)
				return nil
			}); err != nil {
				return err
			}
			for _, id := range ids {
				m, err := c.Store.Get(ctx, id)
				if err != nil {
					return err
				}
				if err := emit(m); err != nil {
					return err
				}
			}
			return done()
		},
	}
	cmd.Flags().StringVar(&format, "format", "jsonl", "jsonl or csv")
	cmd.Flags().StringVar(&q, "query", "", "export only messages matching this query")
	return cmd
}
