package postgres

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	_ "modernc.org/sqlite" // the reference tokenizer: SQLite FTS5 unicode61
)

// fts5Words returns the words SQLite's FTS5 (as configured by the sqlite
// backend) indexes for each text.
func fts5Words(t *testing.T, texts []string) [][]string {
	t.Helper()
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`CREATE VIRTUAL TABLE f USING fts5(x, tokenize='unicode61 remove_diacritics 2')`,
		`CREATE VIRTUAL TABLE v USING fts5vocab(f, instance)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	out := make([][]string, len(texts))
	for i, s := range texts {
		if _, err := db.Exec(`INSERT INTO f(rowid, x) VALUES(?, ?)`, i+1, s); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := db.Query(`SELECT doc, term FROM v ORDER BY doc, offset`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var doc int
		var term string
		if err := rows.Scan(&doc, &term); err != nil {
			t.Fatal(err)
		}
		out[doc-1] = append(out[doc-1], term)
	}
	return out
}

// TestTokenizeMatchesFTS5 checks that the Go tokenizer splits and folds
// text exactly as SQLite FTS5 does, so both backends find the same
// messages: hand-picked cases plus every code point of the Latin, Greek,
// Cyrillic and punctuation blocks between two letters.
func TestTokenizeMatchesFTS5(t *testing.T) {
	texts := []string{
		"Zoë Müller <zoe.muller@lumen.example>",
		"cafe\u0301s", "İstanbul ǖ ø ł đ ß ﬁ Ω K", "한국어 東京 x²y ½ a_b o'brien ⅓",
		"\ue000x", "a\u200db", "a\u00adb", "ǅ Σς", "x\u0903y", "x\u20ddy",
		"Q3 budget memo", "HARBOR-000123", "http://harbor.example/page?x=1", "AT&T", "48000 12,400.50 EUR",
		"RE: FW: Quarterly-Report_v2.xlsx", "tab\tnew\nline", "naïve façade Ångström œuvre", "ΑΘΗΝΑ Москва",
	}
	for _, block := range [][2]rune{{0x20, 0x2ff}, {0x300, 0x36f}, {0x370, 0x52f}, {0x1e00, 0x1fff}, {0x2000, 0x215f}, {0xff00, 0xff65}} {
		for r := block[0]; r <= block[1]; r++ {
			if !utf8.ValidRune(r) || !assigned(r) || newerThanFTS5[r] || (r >= 0x20ba && r <= 0x20c0) {
				continue
			}
			texts = append(texts, "a"+string(r)+"b "+string(r)+" "+strings.ToUpper(string(r))+"x")
		}
	}
	want := fts5Words(t, texts)
	bad := 0
	for i, s := range texts {
		if got := words(s); !slices.Equal(got, want[i]) {
			bad++
			if bad <= 20 {
				t.Errorf("words(%q) = %q, FTS5 indexes %q", s, got, want[i])
			}
		}
	}
	if bad > 20 {
		t.Errorf("... %d texts differ in all", bad)
	}
}

// assigned reports whether r has a Unicode category (SQLite treats
// unassigned code points as letters; they never occur in real text).
func assigned(r rune) bool { return !unicode.Is(unicode.Categories["Cn"], r) }

// newerThanFTS5 are letters whose case pair (or the letter itself) came
// after the Unicode version of SQLite's tables: Go folds them, FTS5 does
// not. The ₺..⃀ currency signs are skipped for the same reason.
var newerThanFTS5 = map[rune]bool{
	0x25c: true, 0x261: true, 0x26a: true, 0x26c: true, 0x282: true, 0x287: true, 0x29d: true, 0x29e: true,
	0x37f: true, 0x3f3: true, 0x528: true, 0x529: true, 0x52a: true, 0x52b: true, 0x52c: true, 0x52d: true,
	0x52e: true, 0x52f: true, 0x2066: true, 0x2067: true, 0x2068: true, 0x2069: true,
}

func TestTokenizeSpans(t *testing.T) {
	s := "Zoë Müller, «budget» memo"
	var got []string
	for _, tk := range tokenize(s) {
		got = append(got, fmt.Sprintf("%s=%s", tk.word, s[tk.start:tk.end]))
	}
	want := []string{"zoe=Zoë", "muller=Müller", "budget=budget", "memo=memo"}
	if !slices.Equal(got, want) {
		t.Errorf("tokenize(%q) = %q, want %q", s, got, want)
	}
}

func TestVector(t *testing.T) {
	tests := []struct {
		text, want string
	}{
		{"", ""},
		{"budget memo budget", "'budget':1,3 'memo':2"},
		{"O'Brien's", "'brien':2 'o':1 's':3"},
		{"Zoë", "'zoe':1"},
	}
	for _, tc := range tests {
		b := budget{left: vectorBudget}
		if got := vector(tc.text, &b); got != tc.want {
			t.Errorf("vector(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
	// Positions past PostgreSQL's limit are clamped, at most 256 per word.
	long := strings.Repeat("w ", 20000) + "tail"
	b := budget{left: vectorBudget}
	v := vector(long, &b)
	if !strings.Contains(v, "'tail':16383") || strings.Count(v, ",") != maxPositions-1 {
		t.Errorf("vector of 20000 words: %.80q... (%d commas)", v, strings.Count(v, ","))
	}
	// A spent budget stops indexing instead of failing the write.
	small := budget{left: 30}
	if got := vector("alpha beta gamma delta", &small); got != "'alpha':1 'beta':2" {
		t.Errorf("vector with a small budget = %q", got)
	}
}

func TestQuoteLexeme(t *testing.T) {
	tests := []struct{ word, want string }{
		{"", "''"},
		{"budget", "'budget'"},
		{"o'brien", "'o''brien'"},
		{`back\slash`, `'back\\slash'`},
		{`'\'`, `'''\\'''`},
		{"zoë", "'zoë'"},
	}
	for _, tc := range tests {
		if got := quoteLexeme(tc.word); got != tc.want {
			t.Errorf("quoteLexeme(%q) = %s, want %s", tc.word, got, tc.want)
		}
	}
}

func BenchmarkVector(b *testing.B) {
	text := strings.Repeat("the quarterly budget memo for Berth 7 was sent to the harbour board on Tuesday ", 40)
	for b.Loop() {
		bud := budget{left: vectorBudget}
		vector(text, &bud)
	}
}

func TestTsJoinWeights(t *testing.T) {
	tests := []struct {
		ws     []string
		prefix bool
		op, w  string
		want   string
	}{
		{[]string{"budget"}, false, " & ", "", "'budget'"},
		{[]string{"budget"}, true, " & ", "", "'budget':*"},
		{[]string{"budget"}, false, " & ", "A", "'budget':A"},
		{[]string{"budget", "me"}, true, " & ", "B", "'budget':B & 'me':*B"},
		{[]string{"o'brien", "memo"}, false, " <-> ", "", "'o''brien' <-> 'memo'"},
	}
	for _, tc := range tests {
		if got := tsJoinWeights(tc.ws, tc.prefix, tc.op, tc.w); got != tc.want {
			t.Errorf("tsJoinWeights(%q, %v, %q, %q) = %s, want %s", tc.ws, tc.prefix, tc.op, tc.w, got, tc.want)
		}
	}
}

func TestConcatClamped(t *testing.T) {
	words := func(prefix string, n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = fmt.Sprintf("%s%d", prefix, i)
		}
		return strings.Join(ws, " ")
	}
	tests := []struct {
		name string
		f    map[int]string
		want bool
	}{
		{"short fields", map[int]string{fSubject: "berth manifest", fBody: "wire transfer at noon", fSender: "Ines Cache ines@cache.example"}, false},
		{"a body past the last position", map[int]string{fBody: words("b", maxPos+5)}, true},
		{"a body shifted past it by the subject", map[int]string{fSubject: words("s", 40), fBody: words("b", maxPos-30)}, true},
		{"the same body alone", map[int]string{fBody: words("b", maxPos-30)}, false},
		{"a word 255 times in one field", map[int]string{fBody: strings.Repeat("cargo ", 255)}, false},
		{"a word 256 times in one field", map[int]string{fBody: strings.Repeat("cargo ", 256)}, true},
		{"a word 256 times across fields", map[int]string{fSubject: strings.Repeat("cargo ", 100), fBody: strings.Repeat("cargo ", 156)}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var pos [numFields]map[string][]int
			var last [numFields]int
			b := budget{left: vectorBudget}
			for i, s := range tc.f {
				_, pos[i], last[i] = vectorPos(s, &b)
			}
			if got := concatClamped(&pos, &last); got != tc.want {
				t.Errorf("concatClamped = %v, want %v", got, tc.want)
			}
		})
	}
}
