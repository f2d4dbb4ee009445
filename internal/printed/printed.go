package printed

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"

	"github.com/casefile/casefile/internal/model"

	"github.com/casefile/casefile/internal/lazyre"
)

// Page is the text of one printed page.
type Page struct {
	Number int // 1-based page number in the document
	Text   string
}

// Document is one printed document: a PDF, an OCR'd image set, an HTML
// render...
type Document struct {
	Path       string // relative path, forward slashes
	FileSHA256 string // SHA-256 of the original file
	Pages      []Page
}

// Options tunes recovery. The zero value means: learn Bates prefixes from
// the document itself and read ambiguous numeric dates month first unless
// the document proves day-first.
type Options struct {
	// BatesPrefixes are the production's prefixes (see LearnBatesPrefixes).
	// Empty: detect generically and learn from the document.
	BatesPrefixes []string
	// DateOrder is DateOrderAuto (""), DateOrderMDY or DateOrderDMY.
	DateOrder string
}

// Result is what Recover found in one document.
type Result struct {
	// Messages in document order (the top message first). Kind is
	// model.KindPrinted; Sources[0] locates each one.
	Messages []*model.Message
	// Bates lists every stamp found, in page/line order.
	Bates []BatesStamp
	// Redactions lists every redaction marker found, in page/line order.
	Redactions []Redaction
}

// SplitPages splits extracted text into pages at form feeds (what
// pdftotext and most OCR engines emit between pages). Text without form
// feeds is one page.
func SplitPages(text string) []Page {
	parts := strings.Split(text, "\f")
	if len(parts) > 1 && strings.TrimSpace(parts[len(parts)-1]) == "" {
		parts = parts[:len(parts)-1]
	}
	out := make([]Page, len(parts))
	for i, p := range parts {
		out[i] = Page{Number: i + 1, Text: p}
	}
	return out
}

// line is one printed line with its provenance.
type line struct {
	page, no  int    // 1-based page number and line within the page
	raw       string // as printed (BOM and trailing \r removed)
	text      string // quote markers and inline Bates stamps removed, trimmed
	depth     int    // number of leading '>' quote markers
	furniture bool   // page furniture: Bates-only line, page number
	stamp     int    // index of the governing Bates stamp in Result.Bates, -1 none
	hadStamp  bool   // a stamp was cut out of this line
}

func (l *line) blank() bool { return l.text == "" }

var rePageNum = lazyre.New(`(?i)^(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$`)

// Recover reconstructs the messages printed in doc.
func Recover(doc Document, opts Options) Result {
	var res Result
	prefixes := opts.BatesPrefixes
	if len(prefixes) == 0 {
		texts := make([]string, len(doc.Pages))
		for i, p := range doc.Pages {
			texts[i] = p.Text
		}
		prefixes = LearnBatesPrefixes(texts)
		if len(texts) > 1 {
			// Within one document a stamp seen once is still a stamp.
			prefixes = append(prefixes, learnSingle(texts)...)
		}
	}
	bm := newBatesMatcher(prefixes)
	lines := buildLines(doc, bm, &res)

	p := &parser{lines: lines, order: opts.DateOrder, stamps: res.Bates}
	if p.order == DateOrderAuto {
		p.order = p.detectOrder()
	}
	heads := p.scan()
	res.Messages = p.messages(doc, heads)
	return res
}

// learnSingle returns prefixes of standalone stamps found on any page.
func learnSingle(texts []string) []string {
	var out []string
	for _, t := range texts {
		for _, ln := range strings.Split(t, "\n") {
			for _, s := range genericStamps(ln) {
				if s.Standalone {
					out = append(out, s.Prefix)
				}
			}
		}
	}
	return out
}

// buildLines splits pages into lines, removes Bates stamps and records
// stamps and redactions.
func buildLines(doc Document, bm batesMatcher, res *Result) []line {
	var lines []line
	for pi, pg := range doc.Pages {
		num := pg.Number
		if num == 0 {
			num = pi + 1
		}
		pageStart := len(lines)
		for i, raw := range PageLines(pg.Text) {
			l := line{page: num, no: i + 1, raw: raw, stamp: -1}
			body, depth := stripQuotes(raw, -1)
			l.depth = depth
			stamps := bm.find(body)
			if len(stamps) > 0 {
				var b strings.Builder
				last := 0
				for _, s := range stamps {
					st := s.BatesStamp
					st.Page, st.Line = num, i+1
					res.Bates = append(res.Bates, st)
					b.WriteString(body[last:s.from])
					b.WriteByte(' ')
					last = s.to
				}
				b.WriteString(body[last:])
				rest := strings.TrimSpace(b.String())
				if strings.TrimFunc(rest, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) == "" {
					l.furniture = true
					rest = ""
				} else {
					l.hadStamp = true
					rest = collapseInner(rest)
				}
				body = rest
			}
			for _, r := range findRedactions(body) {
				r.Page, r.Line = num, i+1
				res.Redactions = append(res.Redactions, r)
			}
			l.text = strings.TrimSpace(strings.TrimPrefix(body, "\ufeff"))
			lines = append(lines, l)
		}
		markPageNumbers(lines[pageStart:])
	}
	assignStamps(lines, res.Bates)
	return lines
}

// collapseInner collapses the double blank left where a stamp was cut.
func collapseInner(s string) string {
	for strings.Contains(s, "   ") {
		s = strings.ReplaceAll(s, "   ", "  ")
	}
	return s
}

// markPageNumbers marks bare page numbers next to a page boundary or a
// Bates line as furniture.
func markPageNumbers(pg []line) {
	nb := func(from, step int) int {
		for k := from; k >= 0 && k < len(pg); k += step {
			if !pg[k].blank() || pg[k].furniture {
				return k
			}
		}
		return -1
	}
	for i := range pg {
		if pg[i].furniture || !rePageNum.MatchString(pg[i].text) {
			continue
		}
		prev, next := nb(i-1, -1), nb(i+1, 1)
		if prev < 0 || next < 0 || pg[prev].furniture || pg[next].furniture {
			pg[i].furniture = true
		}
	}
}

// assignStamps sets each line's governing stamp: the first standalone
// stamp at or below the line on the same page (stamps sit at the foot of
// a sheet), else the last one above it.
func assignStamps(lines []line, stamps []BatesStamp) {
	if len(stamps) == 0 {
		return
	}
	// index stamps by page
	byPage := map[int][]int{}
	for i, s := range stamps {
		byPage[s.Page] = append(byPage[s.Page], i)
	}
	for i := range lines {
		l := &lines[i]
		idx := byPage[l.page]
		best := -1
		for _, si := range idx {
			s := stamps[si]
			if s.Line >= l.no && (s.Standalone || best < 0) {
				best = si
				if s.Standalone {
					break
				}
			}
		}
		if best < 0 {
			for _, si := range idx {
				if stamps[si].Line < l.no {
					best = si
				}
			}
		}
		l.stamp = best
	}
}

// stripQuotes removes up to n leading '>' quote markers (all when n < 0)
// and reports how many were removed.
func stripQuotes(s string, n int) (string, int) {
	depth := 0
	i := 0
	for i < len(s) && (n < 0 || depth < n) {
		c := s[i]
		if c == ' ' || c == '\t' {
			j := i
			for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
				j++
			}
			if j < len(s) && s[j] == '>' {
				i = j
				continue
			}
			break
		}
		if c != '>' {
			break
		}
		depth++
		i++
	}
	if depth == 0 {
		return s, 0
	}
	return strings.TrimPrefix(s[i:], " "), depth
}

// syntheticID derives the deterministic Message-ID of a printed message.
func syntheticID(path string, page, lineNo int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s|%d|%d", path, page, lineNo)))
	return "printed." + hex.EncodeToString(sum[:8]) + "@casefile.invalid"
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// PageLines splits a page's text into the lines that provenance cites:
// invalid UTF-8 replaced, CR LF and CR read as line ends, a byte-order
// mark and trailing white space removed from each line.
func PageLines(text string) []string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	lines := strings.Split(text, "\n")
	for i, raw := range lines {
		raw = strings.TrimPrefix(raw, "\ufeff")
		lines[i] = strings.TrimRightFunc(raw, unicode.IsSpace)
	}
	return lines
}

// SpanText is the text a printed source's SHA-256 covers: the lines from
// line lineFrom of page pageFrom to line lineTo of page pageTo (1-based,
// as in model.Source), as PageLines gives them, joined by "\n". ok is
// false when the span is not inside pages.
func SpanText(pages []Page, pageFrom, lineFrom, pageTo, lineTo int) (text string, ok bool) {
	var span []string
	for _, pg := range pages {
		if pg.Number < pageFrom || pg.Number > pageTo {
			continue
		}
		ls := PageLines(pg.Text)
		from, to := 1, len(ls)
		if pg.Number == pageFrom {
			from = lineFrom
		}
		if pg.Number == pageTo {
			to = lineTo
		}
		if from < 1 || to > len(ls) || from > to+1 {
			return "", false
		}
		span = append(span, ls[from-1:to]...)
	}
	if len(span) == 0 {
		return "", false
	}
	return strings.Join(span, "\n"), true
}
