package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func cmdStats(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Summarise the case: messages, copies, duplicates, threads, failures",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := e.open(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			st, err := c.Store.Stats(cmd.Context())
			if err != nil {
				return err
			}
			if e.jsonOut {
				return writeJSON(e.stdout, st)
			}
			w := e.stdout
			fmt.Fprintf(w, "messages          %d (%d native, %d printed)\n", st.Messages, st.Native, st.Printed)
			fmt.Fprintf(w, "copies (sources)  %d\n", st.Sources)
			if st.Pages > 0 {
				fmt.Fprintf(w, "document pages    %d (searchable with kind:page)\n", st.Pages)
			}
			fmt.Fprintf(w, "duplicates        %d extra copies of %d messages\n", st.Duplicates, st.DuplicatedMsg)
			fmt.Fprintf(w, "Message-ID clash  %d messages (same Message-ID, different content; flag mid_conflict)\n", st.MIDConflicts)
			fmt.Fprintf(w, "threads           %d (%d placeholders for messages not in the case)\n", st.Threads, st.Placeholders)
			fmt.Fprintf(w, "attachments       %d\n", st.Attachments)
			fmt.Fprintf(w, "undated           %d\n", st.UndatedMsgs)
			if st.First != nil {
				fmt.Fprintf(w, "date range        %s .. %s\n", st.First.Format(time.DateOnly), st.Last.Format(time.DateOnly))
			}
			fmt.Fprintf(w, "input files       %d in %d ingest run(s)\n", st.Files, st.Runs)
			fmt.Fprintf(w, "failed / skipped  %d / %d (casefile errors)\n", st.Failed, st.Skipped)
			return nil
		},
	}
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, "print JSON")
	return cmd
}
