package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/casefile/casefile/internal/casedir"
	"github.com/casefile/casefile/internal/extract"
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
	var headers, raw bool
	var copyN int
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one message with its provenance",
		Long: `show prints a message (ID may be a unique prefix of at least 4 hex digits) with every source it was found in.

--raw prints instead the message's original bytes as read back from the
case's preserved copy of the file it came from (--copy N: its N-th source,
as listed by show; default 1), for opening in a mail program or checking
against the source's SHA-256. Masking cannot cover raw bytes (encoded
parts), so with protected names --raw needs --unmask.`,
		Args: cobra.ExactArgs(1),
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
			if raw {
				return e.showRaw(cmd.Context(), c, m, copyN)
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
	cmd.Flags().BoolVar(&raw, "raw", false, "print the message's original bytes (RFC 5322), read back from the case")
	cmd.Flags().IntVar(&copyN, "copy", 1, "with --raw: which source (1 = the first show lists)")
	return cmd
}

// showRaw writes the raw bytes of copy n of m to stdout.
func (e *env) showRaw(ctx context.Context, c *casedir.Case, m *model.Message, n int) error {
	if e.masked != nil {
		return usage("this case protects names, and masking cannot cover a message's raw bytes (encoded parts): add --unmask to print them (for your own reading only)")
	}
	if n < 1 || n > len(m.Sources) {
		return usage("message %s has %d source(s): --copy takes 1 to %d", m.ID, len(m.Sources), len(m.Sources))
	}
	files, err := c.Store.Files(ctx)
	if err != nil {
		return err
	}
	formats := extract.FileFormats(files)
	src := m.Sources[n-1]
	b, verified, err := extract.Copy(ctx, c, formats, src)
	if errors.Is(err, extract.ErrNoBytes) {
		return withCode(ExitNotFound, err)
	}
	if err != nil {
		return err
	}
	if !verified {
		fmt.Fprintf(e.stderr, "casefile: note: these bytes are re-extracted (%s), so they do not hash to the source's SHA-256 %s\n",
			rawKind(src, formats), src.SHA256)
	}
	_, err = e.stdout.Write(b)
	return err
}

// rawKind says why a copy's bytes are not the cited ones.
func rawKind(src model.Source, formats map[string]string) string {
	switch {
	case formats[src.Path] == "pst":
		return "readpst's export of a PST item"
	case strings.Contains(src.Member, "#rfc822-"):
		return "an attached message taken from its parent"
	default:
		return "an mbox member inside an archive, un-escaped"
	}
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
