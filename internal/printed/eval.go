package printed

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/casefile/casefile/internal/model"
)

// Report holds the accuracy of Recover on a labelled corpus (see
// Evaluate). Rates are 0..1.
type Report struct {
	Files      int // corpus text files
	Labelled   int // files labelled as email
	Missing    int // labelled email files without a text file
	NoMessage  int // labelled email files where nothing was recovered
	Prefixes   []string
	AliasNodes int // names and addresses in the learned alias table

	// Sender: a file counts as predicted when a sender (name or address)
	// was recovered, as gold when the label names an author.
	SenderTP, SenderPred, SenderGold int
	SenderP, SenderR, SenderF1       float64
	// SenderNotPrinted counts labelled authors where the page shows no
	// legible sender (empty or redacted From:); the label came from
	// elsewhere. SenderF1Printed leaves those files out.
	SenderNotPrinted int
	SenderF1Printed  float64

	// Date: exact to the minute against the label. DateZoned/DateLocal
	// split the labelled files by whether the printed date had a zone.
	DateGold, DateExact     int
	DateAcc                 float64
	DateMissing             int // no parseable date recovered
	DateZoned, DateZonedOK  int
	DateLocal, DateLocalOK  int
	DateWholeHours          int // wrong by a whole number of hours (1..14): a time-zone reading
	DateZoneIgnoredByLabels int // zoned dates whose printed wall clock equals the label

	// Recipients: micro-averaged over recipient sets (To+Cc+Bcc).
	// Redacted recipients are abstentions, not predictions.
	RecipTP, RecipPred, RecipGold int
	RecipP, RecipR, RecipF1       float64
	RecipRedacted                 int
	RecipSelf, RecipDup           int // author's own copy / second address of one person, not counted
	// RecipNotPrinted counts gold recipients of files whose top message
	// prints no recipient at all (empty or "Undisclosed recipients").
	RecipNotPrinted int

	// Other files (not labelled email) where Recover found a message.
	OtherFiles, OtherWithMessages int

	Failures []Failure
}

// Failure is one disagreement with a label.
type Failure struct {
	FileID string
	Field  string // "sender", "date", "recipients", "nomessage"
	Got    string
	Want   string
}

// label is one row of labels.csv.
type label struct {
	id, category, author, timestamp, recipients string
}

// Evaluate measures Recover on a corpus folder laid out as
// texts/<PREFIX>_<id>.txt plus labels.csv (file_id, category, author,
// timestamp, recipients_str; see docs/accuracy.md). It learns the Bates
// prefixes and an alias table from the corpus itself, recovers every
// file, scores the top message of each file labelled `email` and writes
// a summary and every disagreement to w.
func Evaluate(ctx context.Context, corpusDir string, w io.Writer) (Report, error) {
	var rep Report
	labels, err := readLabels(filepath.Join(corpusDir, "labels.csv"))
	if err != nil {
		return rep, err
	}
	paths, err := filepath.Glob(filepath.Join(corpusDir, "texts", "*.txt"))
	if err != nil {
		return rep, fmt.Errorf("printed: list texts in %s: %w", corpusDir, err)
	}
	if len(paths) == 0 {
		return rep, fmt.Errorf("printed: no texts/*.txt in %s", corpusDir)
	}
	sort.Strings(paths)
	rep.Files = len(paths)

	texts := make(map[string]string, len(paths)) // id -> text
	var samples []string
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return rep, fmt.Errorf("printed: read %s: %w", p, err)
		}
		id := fileID(p)
		texts[id] = string(b)
		samples = append(samples, string(b))
	}
	rep.Prefixes = LearnBatesPrefixes(samples)
	opts := Options{BatesPrefixes: rep.Prefixes}

	results := make(map[string]Result, len(texts))
	var all []*model.Message
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		id := fileID(p)
		rel := filepath.Base(p)
		res := Recover(Document{Path: rel, Pages: SplitPages(texts[id])}, opts)
		results[id] = res
		all = append(all, res.Messages...)
	}
	aliases := LearnAliases(all)
	rep.AliasNodes = aliases.Size()

	var ids []string
	for id := range labels {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		lb := labels[id]
		res, ok := results[id]
		if lb.category != "email" {
			if ok {
				rep.OtherFiles++
				if len(res.Messages) > 0 {
					rep.OtherWithMessages++
				}
			}
			continue
		}
		rep.Labelled++
		if !ok {
			rep.Missing++
			continue
		}
		if len(res.Messages) == 0 {
			rep.NoMessage++
			rep.Failures = append(rep.Failures, Failure{id, "nomessage", "", lb.author})
			if lb.author != "" {
				rep.SenderGold++
			}
			if lb.timestamp != "" {
				rep.DateGold++
				rep.DateMissing++
			}
			rep.RecipGold += len(goldRecipients(lb.recipients))
			continue
		}
		top := res.Messages[0]
		scoreSender(&rep, aliases, id, top, lb)
		scoreDate(&rep, id, top, lb)
		scoreRecipients(&rep, aliases, id, top, lb)
	}
	rep.SenderP, rep.SenderR, rep.SenderF1 = prf(rep.SenderTP, rep.SenderPred, rep.SenderGold)
	_, _, rep.SenderF1Printed = prf(rep.SenderTP, rep.SenderPred, rep.SenderGold-rep.SenderNotPrinted)
	rep.RecipP, rep.RecipR, rep.RecipF1 = prf(rep.RecipTP, rep.RecipPred, rep.RecipGold)
	if rep.DateGold > 0 {
		rep.DateAcc = float64(rep.DateExact) / float64(rep.DateGold)
	}
	writeReport(w, &rep)
	return rep, nil
}

func scoreSender(rep *Report, t *AliasTable, id string, m *model.Message, lb label) {
	if lb.author == "" {
		return
	}
	rep.SenderGold++
	if m.From.IsZero() || m.From.Name == RedactedName && m.From.Address == "" {
		rep.SenderNotPrinted++
		rep.Failures = append(rep.Failures, Failure{id, "sender", "", lb.author})
		return
	}
	rep.SenderPred++
	if t.SamePerson(m.From, lb.author) {
		rep.SenderTP++
		return
	}
	rep.Failures = append(rep.Failures, Failure{id, "sender", m.From.String(), lb.author})
}

func scoreDate(rep *Report, id string, m *model.Message, lb label) {
	if lb.timestamp == "" {
		return
	}
	want, err := time.Parse("2006-01-02 15:04:05-07:00", lb.timestamp)
	if err != nil {
		return
	}
	want = want.UTC()
	rep.DateGold++
	if m.DateUTC == nil {
		rep.DateMissing++
		rep.Failures = append(rep.Failures, Failure{id, "date", m.DateRaw, want.Format("2006-01-02 15:04")})
		return
	}
	got := m.DateUTC.UTC()
	zoned := m.DateFlag == model.DateOK
	if zoned {
		rep.DateZoned++
	} else {
		rep.DateLocal++
	}
	if got.Truncate(time.Minute).Equal(want.Truncate(time.Minute)) {
		rep.DateExact++
		if zoned {
			rep.DateZonedOK++
		} else {
			rep.DateLocalOK++
		}
		return
	}
	diff := got.Truncate(time.Minute).Sub(want.Truncate(time.Minute))
	h := math.Abs(diff.Hours())
	if h >= 1 && h <= 14 && h == math.Trunc(h) {
		rep.DateWholeHours++
	}
	if zoned {
		wall := got.Add(time.Duration(m.DateOffset) * time.Second)
		if wall.Truncate(time.Minute).Equal(want.Truncate(time.Minute)) {
			rep.DateZoneIgnoredByLabels++
		}
	}
	rep.Failures = append(rep.Failures, Failure{id, "date", got.Format("2006-01-02 15:04") + " (" + flagOrZone(m) + ", printed " + m.DateRaw + ")", want.Format("2006-01-02 15:04")})
}

func flagOrZone(m *model.Message) string {
	if m.DateFlag == model.DateLocal {
		return "no zone"
	}
	return fmt.Sprintf("zone %+.1fh", float64(m.DateOffset)/3600)
}

func scoreRecipients(rep *Report, t *AliasTable, id string, m *model.Message, lb label) {
	gold := goldRecipients(lb.recipients)
	// The labels list distinct people other than the author (the author
	// appears only when they wrote to nobody else), so the prediction is
	// reduced the same way: one entry per person (two addresses of one
	// person count once) and the sender's own copy dropped when others
	// received the message.
	others := 0
	for _, l := range [][]model.Address{m.To, m.Cc, m.Bcc} {
		for _, a := range l {
			if !(a.Name == RedactedName && a.Address == "") && (m.From.IsZero() || !samePersonAddr(t, a, m.From)) {
				others++
			}
		}
	}
	var pred []model.Address
	for _, l := range [][]model.Address{m.To, m.Cc, m.Bcc} {
		for _, a := range l {
			if a.Name == RedactedName && a.Address == "" {
				rep.RecipRedacted++
				continue
			}
			if others > 0 && !m.From.IsZero() && samePersonAddr(t, a, m.From) {
				rep.RecipSelf++
				continue
			}
			dup := false
			for _, b := range pred {
				if samePersonAddr(t, a, b) {
					dup = true
					break
				}
			}
			if dup {
				rep.RecipDup++
				continue
			}
			pred = append(pred, a)
		}
	}
	rep.RecipGold += len(gold)
	rep.RecipPred += len(pred)
	if len(m.To)+len(m.Cc)+len(m.Bcc) == 0 {
		rep.RecipNotPrinted += len(gold)
	}
	used := make([]bool, len(gold))
	tp := 0
	var extra []string
	for _, a := range pred {
		hit := false
		for i, g := range gold {
			if !used[i] && t.SamePerson(a, g) {
				used[i], hit = true, true
				tp++
				break
			}
		}
		if !hit {
			extra = append(extra, a.String())
		}
	}
	rep.RecipTP += tp
	if tp != len(gold) || tp != len(pred) {
		var missed []string
		for i, g := range gold {
			if !used[i] {
				missed = append(missed, g)
			}
		}
		rep.Failures = append(rep.Failures, Failure{id, "recipients", "extra: " + strings.Join(extra, "; "), "missed: " + strings.Join(missed, "; ")})
	}
}

// goldRecipients splits recipients_str; "None" marks an unknown
// recipient in the labels and is dropped.
func goldRecipients(s string) []string {
	var out []string
	for _, r := range strings.Split(s, ";") {
		r = strings.TrimSpace(r)
		if r != "" && r != "None" {
			out = append(out, r)
		}
	}
	return out
}

// samePersonAddr compares two recovered addresses.
func samePersonAddr(t *AliasTable, a, b model.Address) bool {
	if a.Address != "" && strings.EqualFold(a.Address, b.Address) {
		return true
	}
	if b.Name != "" && b.Name != RedactedName && t.SamePerson(a, b.Name) {
		return true
	}
	return b.Address != "" && t.SamePerson(a, b.Address)
}

func prf(tp, pred, gold int) (p, r, f float64) {
	if pred > 0 {
		p = float64(tp) / float64(pred)
	}
	if gold > 0 {
		r = float64(tp) / float64(gold)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return
}

func fileID(path string) string {
	b := strings.TrimSuffix(filepath.Base(path), ".txt")
	if i := strings.LastIndexAny(b, "_-"); i >= 0 {
		return b[i+1:]
	}
	return b
}

func readLabels(path string) (map[string]label, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("printed: open labels: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("printed: read header of %s: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"file_id", "category", "author", "timestamp", "recipients_str"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("printed: %s has no %q column", path, need)
		}
	}
	out := map[string]label{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("printed: %s line %d: %w", path, line, err)
		}
		get := func(k string) string {
			if i := col[k]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		out[get("file_id")] = label{get("file_id"), get("category"), get("author"), get("timestamp"), get("recipients_str")}
	}
	return out, nil
}

func writeReport(w io.Writer, r *Report) {
	if w == nil {
		return
	}
	fmt.Fprintf(w, "files %d, labelled email %d, missing %d, nothing recovered %d\n", r.Files, r.Labelled, r.Missing, r.NoMessage)
	fmt.Fprintf(w, "bates prefixes learned: %q; alias nodes: %d\n", r.Prefixes, r.AliasNodes)
	fmt.Fprintf(w, "sender:     P %.3f R %.3f F1 %.3f (tp %d, predicted %d, gold %d); no sender printed %d; F1 where printed %.3f\n", r.SenderP, r.SenderR, r.SenderF1, r.SenderTP, r.SenderPred, r.SenderGold, r.SenderNotPrinted, r.SenderF1Printed)
	fmt.Fprintf(w, "date:       exact-to-minute %.3f (%d/%d); missing %d; zoned %d/%d ok, no-zone %d/%d ok; whole-hour diffs %d; zoned but label uses printed wall clock %d\n",
		r.DateAcc, r.DateExact, r.DateGold, r.DateMissing, r.DateZonedOK, r.DateZoned, r.DateLocalOK, r.DateLocal, r.DateWholeHours, r.DateZoneIgnoredByLabels)
	fmt.Fprintf(w, "recipients: P %.3f R %.3f F1 %.3f (tp %d, predicted %d, gold %d, gold in files printing no recipient %d; not counted: redacted %d, author's own copy %d, same person twice %d)\n", r.RecipP, r.RecipR, r.RecipF1, r.RecipTP, r.RecipPred, r.RecipGold, r.RecipNotPrinted, r.RecipRedacted, r.RecipSelf, r.RecipDup)
	fmt.Fprintf(w, "other (non-email) files with a recovered message: %d/%d\n", r.OtherWithMessages, r.OtherFiles)
	for _, f := range r.Failures {
		fmt.Fprintf(w, "FAIL %s %-10s got=%q want=%q\n", f.FileID, f.Field, f.Got, f.Want)
	}
}
