package printed

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestDump prints what Recover finds in the files named by PRINTED_DUMP
// (comma-separated paths); a debugging aid, skipped otherwise.
func TestDump(t *testing.T) {
	env := os.Getenv("PRINTED_DUMP")
	if env == "" {
		t.Skip("set PRINTED_DUMP=file1,file2 to dump recovered messages")
	}
	for _, path := range strings.Split(env, ",") {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		res := Recover(Document{Path: path, Pages: SplitPages(string(b))}, Options{})
		fmt.Printf("=== %s: %d messages, %d stamps, %d redactions\n", path, len(res.Messages), len(res.Bates), len(res.Redactions))
		for i, m := range res.Messages {
			d := "<nil>"
			if m.DateUTC != nil {
				d = m.DateUTC.Format("2006-01-02 15:04:05") + " " + m.DateFlag
			}
			s := m.Sources[0]
			fmt.Printf("[%d] L%d-%d bates=%q conf=%.2f\n  from=%q\n  date=%s raw=%q\n  to=%q cc=%q\n  subj=%q\n  refs=%v warn=%v\n  body=%q\n", i, s.LineFrom, s.LineTo, s.Bates, m.Confidence, m.From.String(), d, m.DateRaw, m.To, m.Cc, m.Subject, len(m.References), m.Warnings, trunc(m.BodyText, 120))
		}
	}
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
