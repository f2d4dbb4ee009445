package printed

import (
	"strings"
	"testing"
	"time"
)

// TestLargeInputIsFast guards against super-linear behaviour on big or
// hostile pages (long lines, thousands of labels, deep quoting).
func TestLargeInputIsFast(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 3000; i++ {
		b.WriteString("From:\nSent:\nTo: a; b; c; d; e; f; g; h; i; j;\n>>>> On Mon, Jun 30, 2016 at 1:10 PM, X <x@y.example>\n")
	}
	b.WriteString(strings.Repeat("On Mon, Jun 30, 2016 at 1:10 PM, ", 2000) + "\n")
	b.WriteString(strings.Repeat("<", 50000) + "\n")
	start := time.Now()
	Recover(Document{Path: "big.txt", Pages: SplitPages(b.String())}, Options{})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Recover took %v on %d bytes", d, b.Len())
	}
}
