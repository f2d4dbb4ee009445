package cli

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"
)

type threadMsgView struct {
	ID          string        `json:"id"`
	ParentID    string        `json:"parent_id"`
	Date        *string       `json:"date"`
	From        model.Address `json:"from"`
	Subject     string        `json:"subject"`
	Placeholder bool          `json:"placeholder,omitempty"`
	MessageID   string        `json:"message_id,omitempty"`
}

func cmdThread(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "thread ID",
		Short: "Show the thread a message belongs to (or a thread ID) as a tree",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := e.open(ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			tid := args[0]
			entries, err := c.Store.Thread(ctx, tid)
			if errors.Is(err, store.ErrNotFound) {
				id, rerr := resolveID(ctx, c.Store, args[0])
				if rerr != nil {
					return rerr
				}
				m, gerr := c.Store.Get(ctx, id)
				if gerr != nil {
					return gerr
				}
				tid = m.ThreadID
				entries, err = c.Store.Thread(ctx, tid)
			}
			if err != nil {
				return err
			}
			if e.jsonOut {
				out := struct {
					ThreadID string          `json:"thread_id"`
					Messages []threadMsgView `json:"messages"`
				}{ThreadID: tid, Messages: []threadMsgView{}}
				for _, en := range entries {
					flag := ""
					if en.Message != nil {
						flag = en.Message.DateFlag
					}
					out.Messages = append(out.Messages, threadMsgView{ID: en.ID, ParentID: en.ParentID, Date: dateString(en.Date, flag),
						From: en.From, Subject: en.Subject, Placeholder: en.Placeholder, MessageID: en.MessageID})
				}
				return writeJSON(e.stdout, out)
			}
			printTree(e, entries)
			return nil
		},
	}
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, "print JSON")
	return cmd
}

func printTree(e *env, entries []store.ThreadEntry) {
	children := map[string][]store.ThreadEntry{}
	ids := map[string]bool{}
	for _, en := range entries {
		ids[en.ID] = true
	}
	var roots []store.ThreadEntry
	for _, en := range entries {
		if en.ParentID == "" || !ids[en.ParentID] {
			roots = append(roots, en)
		} else {
			children[en.ParentID] = append(children[en.ParentID], en)
		}
	}
	less := func(s []store.ThreadEntry) {
		sort.SliceStable(s, func(i, j int) bool {
			a, b := s[i].Date, s[j].Date
			if a == nil || b == nil {
				return a != nil
			}
			return a.Before(*b)
		})
	}
	less(roots)
	var walk func(en store.ThreadEntry, depth int)
	walk = func(en store.ThreadEntry, depth int) {
		ind := strings.Repeat("  ", depth)
		if en.Placeholder {
			fmt.Fprintf(e.stdout, "%s[not in case] <%s>\n", ind, en.MessageID)
		} else {
			date := "(no date)       "
			if en.Date != nil {
				date = en.Date.Format("2006-01-02 15:04")
			}
			from := en.From.Name
			if from == "" {
				from = en.From.Address
			}
			fmt.Fprintf(e.stdout, "%s%s  %s  %s  %s\n", ind, en.ID, date, from, en.Subject)
		}
		kids := children[en.ID]
		less(kids)
		for _, k := range kids {
			walk(k, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, 0)
	}
}
