package query

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDocsExamples checks every query in the tables of docs/query.md: in
// the "Errors" section each must fail to parse, everywhere else each
// must parse. Queries are the backticked items in the column headed
// "You type", "Query" or "Example".
func TestDocsExamples(t *testing.T) {
	data, err := os.ReadFile("../../docs/query.md")
	if err != nil {
		t.Fatalf("read the user documentation: %v", err)
	}
	code := regexp.MustCompile("`([^`]+)`")
	section, col, checked := "", -1, 0
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "#") {
			section, col = strings.TrimLeft(line, "# "), -1
			continue
		}
		if !strings.HasPrefix(line, "|") {
			col = -1
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		if col < 0 {
			for i, c := range cells {
				switch strings.TrimSpace(c) {
				case "You type", "Query", "Example":
					col = i
				}
			}
			continue
		}
		if col >= len(cells) || strings.HasPrefix(cells[0], " ---") {
			continue
		}
		for _, m := range code.FindAllStringSubmatch(cells[col], -1) {
			q := m[1]
			_, err := Parse(q)
			checked++
			switch {
			case section == "Errors" && err == nil:
				t.Errorf("docs: %q in the Errors table parses without error", q)
			case section != "Errors" && err != nil:
				t.Errorf("docs (%s): %q does not parse: %v", section, q, err)
			}
		}
	}
	if checked < 80 {
		t.Errorf("checked only %d documented queries; did the table layout change?", checked)
	}
}
