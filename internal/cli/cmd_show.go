package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/casefile/casefile/internal/model"
)

func isTerminal(w io.Writer) bool {
	if mw, ok := w.(*maskWriter); ok {
		w = mw.w
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func cmdShow(e *env) *cobra.Command {
	var headers bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one message with its provenance",
		Long:  "show prints a message (ID may be a unique prefix of at least 4 hex digits) with every source it was found in.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := e.open(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			id, err := resolveID(cmd.Context(), c.Store, args[0])
			if err != nil {
				return err
			}
			m, err := c.Store.Get(cmd.Context(), id)
			if err != nil {
				return err
			}
			if e.jsonOut {
				return writeJSON(e.stdout, messageOf(m))
			}
			printMessage(e.stdout, m, headers)
			return nil
		},
	}
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, "print JSON")
	cmd.Flags().BoolVar(&headers, "headers", false, "print all header fields")
	return cmd
}

func addrs(as []model.Address) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

func printMessage(w io.Writer, m *model.Message, headers bool) {
	fmt.Fprintf(w, "ID:       %s (%s)\n", m.ID, m.Kind)
	fmt.Fprintf(w, "Date:     %s", fmtDate(m.DateUTC, m.DateFlag))
	if m.DateRaw != "" {
		fmt.Fprintf(w, "   [as written: %s]", m.DateRaw)
	}
	if m.DateFlag != "" && m.DateFlag != "local" {
		fmt.Fprintf(w, "   [date %s]", m.DateFlag)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "From:     %s\n", m.From.String())
	if len(m.To) > 0 {
		fmt.Fprintf(w, "To:       %s\n", addrs(m.To))
	}
	if len(m.Cc) > 0 {
		fmt.Fprintf(w, "Cc:       %s\n", addrs(m.Cc))
	}
	if len(m.Bcc) > 0 {
		fmt.Fprintf(w, "Bcc:      %s\n", addrs(m.Bcc))
	}
	fmt.Fprintf(w, "Subject:  %s\n", m.Subject)
	if m.MessageID != "" {
		fmt.Fprintf(w, "Msg-ID:   <%s>\n", m.MessageID)
	}
	fmt.Fprintf(w, "Thread:   %s\n", m.ThreadID)
	if len(m.Copies) > 0 {
		fmt.Fprintf(w, "Printed:  also found printed: %s (its pages are among the sources below)\n", strings.Join(m.Copies, ", "))
	}
	if m.CopyOf != "" {
		fmt.Fprintf(w, "Copy of:  %s (this printed email is the same as that native message, where searches find it)\n", m.CopyOf)
	}
	if len(m.Flags) > 0 {
		fmt.Fprintf(w, "Flags:    %s\n", strings.Join(m.Flags, " "))
	}
	if headers {
		fmt.Fprintln(w, "--- headers ---")
		for _, h := range m.Headers {
			fmt.Fprintf(w, "%s: %s\n", h[0], h[1])
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, m.BodyText)
	if len(m.Attachments) > 0 {
		fmt.Fprintln(w, "--- attachments ---")
		for _, a := range m.Attachments {
			fmt.Fprintf(w, "%s  %s  %d bytes  sha256:%s\n", a.Filename, a.MIME, a.Size, a.SHA256)
		}
	}
	fmt.Fprintln(w, "--- sources ---")
	for _, s := range m.Sources {
		loc := fmt.Sprintf("offset %d length %d", s.Offset, s.Length)
		if s.Page > 0 {
			loc = fmt.Sprintf("page %d lines %d-%d", s.Page, s.LineFrom, s.LineTo)
			if s.Bates != "" {
				loc += " Bates " + s.Bates
			}
		}
		member := ""
		if s.Member != "" {
			member = " member " + s.Member
		}
		fmt.Fprintf(w, "%s%s  %s  sha256:%s  run %d\n", s.Path, member, loc, s.SHA256, s.RunID)
	}
	for _, wn := range m.Warnings {
		fmt.Fprintf(w, "warning: %s\n", wn)
	}
}
