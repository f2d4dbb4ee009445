package storetest

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"
)

// People of the synthetic case (all fictional).
var (
	jonas  = model.Address{Name: "Jonas Reyes", Address: "jonas.reyes@harbor.example"}
	mara   = model.Address{Name: "Mara Okafor", Address: "mara.okafor@delta.example"}
	priya  = model.Address{Name: "Priya Lindqvist", Address: "priya.lindqvist@harbor.example"}
	tomasz = model.Address{Name: "Tomasz Wielgus", Address: "t.wielgus@quarry.example"}
	zoe    = model.Address{Name: "Zoë Müller", Address: "zoe.muller@lumen.example"}
	anders = model.Address{Name: "Anders Falk", Address: "anders.falk@quarry.example"}
	legal  = model.Address{Name: "Legal Desk", Address: "legal@delta.example"}
)

// at returns the UTC instant of a wall-clock time in a zone offset (seconds
// east of UTC), and that offset.
func at(y int, mo time.Month, d, h, mi, off int) (*time.Time, int) {
	t := time.Date(y, mo, d, h, mi, 0, 0, time.FixedZone("", off)).UTC()
	return &t, off
}

// entry is one copy of a message as a source hands it to the store. Several
// entries may share a key (copies of one logical message).
type entry struct {
	key string
	m   *model.Message
}

// The keys of the logical messages of the corpus, in no particular order.
// m5c is the message/rfc822 child of m5.
var corpusKeys = []string{"m1", "m2", "m3", "m4", "m5", "m5c", "m6", "m7", "m8", "m9", "m10"}

// corpusEntries builds, afresh on every call, the copies the main corpus
// writes (Write may mutate what it is given).
func corpusEntries() []entry {
	var es []entry
	add := func(key string, m *model.Message) {
		if m.Kind == "" {
			m.Kind = model.KindNative
		}
		if m.ContentHash == "" {
			m.ContentHash = "content-" + key
		}
		if m.RawSHA256 == "" {
			m.RawSHA256 = "raw-" + key
		}
		if m.Confidence == 0 {
			m.Confidence = 1
		}
		es = append(es, entry{key, m})
	}

	d, off := at(2008, time.March, 14, 9, 30, 3600)
	m1 := func(src model.Source, mid string) *model.Message {
		return &model.Message{
			MessageID: mid, DateUTC: d, DateOffset: off, DateRaw: "Fri, 14 Mar 2008 09:30:00 +0100",
			From: jonas, To: []model.Address{mara}, Cc: []model.Address{priya},
			Subject:  "Q3 budget memo",
			BodyText: "Mara, attached is the budget draft memo for the harbor project. Please review before Friday.",
			BodyHTML: "<p>Mara, attached is the <b>budget</b> draft memo for the harbor project. Please review before Friday.</p>",
			Attachments: []model.Attachment{{Filename: "q3-ledger.pdf", MIME: "application/pdf", Size: 48213,
				SHA256: "att-ledger", Text: "Ledger totals: zeppelin consulting 48000"}},
			Headers: [][2]string{{"From", "Jonas Reyes <jonas.reyes@harbor.example>"}, {"To", "Mara Okafor <mara.okafor@delta.example>"},
				{"Subject", "Q3 budget memo"}},
			Size: 1834, Sources: []model.Source{src},
		}
	}
	add("m1", m1(model.Source{Path: "mail/jonas.mbox", Offset: 0, Length: 1834, SHA256: "raw-m1", FileSHA256: "file-jonas"}, "m1@harbor.example"))

	d, off = at(2008, time.March, 15, 0, 30, 7200) // 2008-03-14 22:30 UTC
	add("m2", &model.Message{
		MessageID: "<m2@delta.example>", InReplyTo: "<m1@harbor.example>", References: []string{"m1@harbor.example"},
		DateUTC: d, DateOffset: off, DateRaw: "Sat, 15 Mar 2008 00:30:00 +0200",
		From: mara, To: []model.Address{jonas}, Bcc: []model.Address{anders},
		ReplyTo:  []model.Address{{Name: "Mara (office)", Address: "office@delta.example"}},
		Subject:  "Re: Q3 budget memo",
		BodyText: "Jonas, the numbers look fine. I budgeted the quarry payments separately. Mara",
		Size:     990,
		Sources:  []model.Source{{Path: "mail/mara.mbox", Offset: 0, Length: 990, SHA256: "raw-m2", FileSHA256: "file-mara"}},
	})
	// The second copy of m1: another mailbox, the Message-ID written with
	// brackets and an upper-case domain (same dedup key once normalised).
	add("m1", m1(model.Source{Path: "mail/mara.mbox", Offset: 5000, Length: 1834, SHA256: "raw-m1", FileSHA256: "file-mara"}, "<m1@HARBOR.example>"))

	d, off = at(2008, time.July, 2, 16, 5, -4*3600)
	add("m3", &model.Message{
		MessageID: "m3@harbor.example", DateUTC: d, DateOffset: off, DateRaw: "Wed, 2 Jul 2008 16:05:00 -0400",
		From: priya, To: []model.Address{jonas, tomasz},
		Subject: "Quarry site visit",
		BodyText: "The quarry visit is confirmed for Tuesday. We should settle the budget question early, because the " +
			"surveyors need an answer before they start the long walk along the northern ridge with the old maps and " +
			"the new drone photos, and only then write the memo.",
		Attachments: []model.Attachment{{Filename: "survey-map.png", MIME: "image/png", Size: 90211, SHA256: "att-map",
			TextError: "images are not OCRed"}},
		Size:    95000,
		Sources: []model.Source{{Path: "mail/priya/inbox/cur/1.eml", Offset: 0, Length: 95000, SHA256: "raw-m3", FileSHA256: "file-priya-1"}},
	})

	d, off = at(2009, time.January, 20, 11, 0, 0)
	add("m4", &model.Message{
		MessageID: "m4@quarry.example", DateUTC: d, DateOffset: off, DateRaw: "Tue, 20 Jan 2009 11:00:00 +0000",
		From: tomasz, To: []model.Address{priya}, Cc: []model.Address{zoe},
		Subject:  "Invoice 7731",
		BodyText: "Please find the invoice attached. Regards, Tomasz",
		Attachments: []model.Attachment{{Filename: "invoice-7731.pdf", MIME: "application/pdf", Size: 1200,
			SHA256: "att-invoice", Text: "Invoice total amount due 12400 EUR"}},
		Warnings: []string{"unknown charset x-mac-roman, decoded as windows-1252"},
		Size:     2400,
		Sources: []model.Source{{Path: "archive.zip", Member: "exports/invoice.eml", Offset: 0, Length: 2400,
			SHA256: "raw-m4", FileSHA256: "file-zip"}},
	})

	d, off = at(2007, time.October, 30, 14, 0, 0)
	child := &model.Message{
		MessageID: "draft-17@quarry.example", DateUTC: d, DateOffset: off, DateRaw: "Tue, 30 Oct 2007 14:00:00 +0000",
		From: anders, To: []model.Address{zoe},
		Subject:  "Original settlement draft",
		BodyText: "Draft settlement: the zeppelin clause was removed.",
		Kind:     model.KindNative, ContentHash: "content-m5c", RawSHA256: "raw-m5c", Size: 800, Confidence: 1,
	}
	d, off = at(2007, time.November, 5, 8, 15, -8*3600)
	add("m5", &model.Message{
		MessageID: "m5@lumen.example", DateUTC: d, DateOffset: off, DateRaw: "Mon, 5 Nov 2007 08:15:00 -0800",
		From: zoe, Sender: legal, To: []model.Address{jonas},
		Subject:  "Confidential: settlement terms",
		BodyText: "The settlement terms are final. Do not forward outside the firm.",
		Children: []*model.Message{child},
		Size:     3100,
		Sources:  []model.Source{{Path: "mail/zoe.mbox", Offset: 0, Length: 3100, SHA256: "raw-m5", FileSHA256: "file-zoe"}},
	})

	add("m6", &model.Message{
		MessageID: "m6@delta.example", DateFlag: model.DateMissing,
		From: mara, To: []model.Address{jonas},
		Subject:  "no date here",
		BodyText: "Undated note about the harbor budget.",
		Size:     400,
		Sources:  []model.Source{{Path: "mail/mara.mbox", Offset: 9000, Length: 400, SHA256: "raw-m6", FileSHA256: "file-mara"}},
	})

	add("m7", &model.Message{
		DateRaw: "Tuesday sometime", DateFlag: model.DateUnparseable,
		From: jonas, To: []model.Address{priya},
		Subject:  "lunch?",
		BodyText: "Lunch at the pier on Tuesday?",
		Size:     300,
		Sources:  []model.Source{{Path: "mail/jonas.mbox", Offset: 3000, Length: 300, SHA256: "raw-m7", FileSHA256: "file-jonas"}},
	})

	d, _ = at(2008, time.March, 20, 10, 0, 0)
	add("m8", &model.Message{
		Kind:    model.KindPrinted,
		DateUTC: d, DateRaw: "March 20, 2008 10:00 AM", DateFlag: model.DateLocal,
		From: model.Address{Name: "Jonas Reyes"}, To: []model.Address{{Name: "Mara Okafor"}},
		Subject:    "Harbor budget memo (printed)",
		BodyText:   "Printed copy of the budget memo with handwritten notes.",
		Confidence: 0.8, Flags: []string{"redaction"},
		Sources: []model.Source{{Path: "production/vol1.pdf", SHA256: "raw-m8", FileSHA256: "file-vol1",
			Page: 12, PageEnd: 13, Bates: "HBR-000123", LineFrom: 1, LineTo: 40}},
	})

	d, off = at(2008, time.August, 1, 12, 0, 0)
	add("m9", &model.Message{
		MessageID: "site-photos@quarry.example", DateUTC: d, DateOffset: off, DateRaw: "Fri, 1 Aug 2008 12:00:00 +0000",
		From: tomasz, To: []model.Address{jonas},
		Subject:  "Site photos",
		BodyText: "Photos from the ridge attached as links.",
		Size:     500,
		Sources:  []model.Source{{Path: "mail/jonas.mbox", Offset: 6000, Length: 500, SHA256: "raw-m9", FileSHA256: "file-jonas"}},
	})
	d, off = at(2008, time.August, 1, 13, 0, 0)
	add("m10", &model.Message{
		MessageID: "<site-photos@Quarry.example>", DateUTC: d, DateOffset: off, DateRaw: "Fri, 1 Aug 2008 13:00:00 +0000",
		From: tomasz, To: []model.Address{jonas},
		Subject:  "Site photos",
		BodyText: "Photos from the ridge attached as links. Corrected version.",
		Size:     560,
		Sources:  []model.Source{{Path: "mail/tomasz.mbox", Offset: 0, Length: 560, SHA256: "raw-m10", FileSHA256: "file-tomasz"}},
	})
	return es
}

// corpusEntry returns a fresh first copy of the top-level message key.
func corpusEntry(key string) *model.Message {
	for _, e := range corpusEntries() {
		if e.key == key {
			return e.m
		}
	}
	panic("storetest: unknown corpus key " + key)
}

// corpusFiles are the file records of the main corpus.
func corpusFiles() []store.FileRecord {
	return []store.FileRecord{
		{Path: "mail/jonas.mbox", SHA256: "file-jonas", Size: 10000, Format: "mbox", Seen: 3, Emitted: 3, Status: "done"},
		{Path: "mail/mara.mbox", SHA256: "file-mara", Size: 12000, Format: "mbox", Seen: 3, Emitted: 3, Status: "done"},
		{Path: "mail/priya/inbox/cur/1.eml", SHA256: "file-priya-1", Size: 95000, Format: "eml", Seen: 1, Emitted: 1, Status: "done"},
		{Path: "archive.zip", SHA256: "file-zip", Size: 7000, Format: "zip", Seen: 3, Emitted: 2, Status: "partial"},
		{Path: "mail/zoe.mbox", SHA256: "file-zoe", Size: 3100, Format: "mbox", Seen: 1, Emitted: 1, Status: "done"},
		{Path: "mail/tomasz.mbox", SHA256: "file-tomasz", Size: 560, Format: "mbox", Seen: 1, Emitted: 1, Status: "done"},
		{Path: "production/vol1.pdf", SHA256: "file-vol1", Size: 880000, Format: "pdf", Seen: 1, Emitted: 1, Status: "done"},
	}
}

// corpusProblems are the problems of the main corpus.
func corpusProblems() []store.Problem {
	return []store.Problem{
		{Kind: "failed", Path: "archive.zip", Member: "exports/broken.eml", Reason: "unexpected EOF in base64 part"},
		{Kind: "skipped", Path: "archive.zip", Member: "exports/thumbs.db", Reason: "not an email message"},
		{Kind: "warning", Path: "mail/jonas.mbox", Offset: 3000, Reason: "unparseable Date header"},
	}
}

// Thread layout set by loadCorpus. The placeholder stands for
// m0@harbor.example, which m1 answers but the case does not hold.
var corpusThreads = map[string]string{
	"m1": "th-budget", "m2": "th-budget",
	"m3": "th-quarry", "m4": "th-quarry",
	"m5": "th-settle", "m5c": "th-settle",
	"m6": "th-m6", "m7": "th-m7", "m8": "th-m8",
	"m9": "th-site", "m10": "th-site",
}

const placeholderID = "p0000000000000001"

// corpusParents maps a key to its parent key ("ph" = the placeholder).
var corpusParents = map[string]string{"m1": "ph", "m2": "m1", "m4": "m3", "m5c": "m5", "m10": "m9"}

// idOf returns the ID the store must give m: model.IDForKey of its
// dedup key, so IDs are the same in every backend.
func idOf(m *model.Message) string { return model.IDForKey(model.DedupKey(m)) }

// corpusIDs returns key → message ID.
func corpusIDs() map[string]string {
	ids := map[string]string{}
	for _, e := range corpusEntries() {
		ids[e.key] = idOf(e.m)
		for _, c := range e.m.Children {
			ids[e.key+"c"] = idOf(c)
		}
	}
	return ids
}

// loaded is the main corpus written to a store.
type loaded struct {
	st  store.Store
	run int64
	ids map[string]string // key → ID
	key map[string]string // ID → key
}

func (l *loaded) idsOf(keys ...string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		id, ok := l.ids[k]
		if !ok {
			panic("storetest: unknown corpus key " + k)
		}
		out = append(out, id)
	}
	return out
}

// keysOf maps IDs back to corpus keys (unknown IDs are kept as they are).
func (l *loaded) keysOf(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if k, ok := l.key[id]; ok {
			out = append(out, k)
		} else {
			out = append(out, id)
		}
	}
	return out
}

// loadCorpus writes the main corpus in one run, finalizes it and sets
// its threads.
func loadCorpus(t *testing.T, st store.Store) *loaded {
	t.Helper()
	ctx := context.Background()
	run, err := st.BeginRun(ctx, "/cases/harbor/input")
	if err != nil {
		t.Fatalf("BeginRun: %v", err)
	}
	var b store.Batch
	for _, e := range corpusEntries() {
		b.Messages = append(b.Messages, e.m)
	}
	b.Files = corpusFiles()
	b.Problems = corpusProblems()
	res, err := st.Write(ctx, run, b)
	if err != nil {
		t.Fatalf("Write corpus: %v", err)
	}
	// 11 logical messages (m5c is m5's child), m1 copied twice.
	if want := (store.PutResult{New: 11, Duplicates: 1}); res != want {
		t.Fatalf("Write corpus = %+v, want %+v", res, want)
	}
	if err := st.Finalize(ctx); err != nil {
		t.Fatalf("Finalize: %v", err)
	}
	if err := st.FinishRun(ctx, run, "done", map[string]int{"new": 11, "duplicates": 1}); err != nil {
		t.Fatalf("FinishRun: %v", err)
	}
	l := &loaded{st: st, run: run, ids: corpusIDs(), key: map[string]string{}}
	for k, id := range l.ids {
		l.key[id] = k
	}
	var as []store.ThreadAssignment
	for _, k := range corpusKeys {
		parent := ""
		switch p := corpusParents[k]; p {
		case "":
		case "ph":
			parent = placeholderID
		default:
			parent = l.ids[p]
		}
		as = append(as, store.ThreadAssignment{ID: l.ids[k], ThreadID: corpusThreads[k], ParentID: parent})
	}
	ph := []store.Placeholder{{ID: placeholderID, MessageID: "m0@harbor.example", ThreadID: "th-budget"}}
	if err := st.SetThreads(ctx, as, ph); err != nil {
		t.Fatalf("SetThreads: %v", err)
	}
	return l
}

// expected returns the message the store must return from Get for key
// after loadCorpus: every copy's sources merged (with the run ID set and
// in (run, path, member, offset, page, line) order), the Message-ID
// normalised, the sender's address lower-cased, children detached,
// attachment text dropped (it is index-only), flags after Finalize and
// the thread assignment.
func (l *loaded) expected(key string) *model.Message {
	var out *model.Message
	var srcs []model.Source
	for _, e := range corpusEntries() {
		cands := []struct {
			key string
			m   *model.Message
		}{{e.key, e.m}}
		for i, c := range e.m.Children {
			// Inherited provenance: the parent's sources, member suffixed.
			if len(c.Sources) == 0 {
				for _, s := range e.m.Sources {
					s.Member += "#rfc822-" + strconv.Itoa(i+1)
					s.SHA256 = c.RawSHA256
					s.Length = c.Size
					c.Sources = append(c.Sources, s)
				}
			}
			c.ContainerID = l.ids[e.key]
			cands = append(cands, struct {
				key string
				m   *model.Message
			}{e.key + "c", c})
		}
		for _, c := range cands {
			if c.key != key {
				continue
			}
			if out == nil {
				out = c.m
			}
			srcs = append(srcs, c.m.Sources...)
		}
	}
	if out == nil {
		panic("storetest: unknown corpus key " + key)
	}
	m := *out
	m.ID = l.ids[key]
	m.MessageID = model.NormalizeMessageID(m.MessageID)
	m.InReplyTo = model.NormalizeMessageID(m.InReplyTo)
	m.From.Address = strings.ToLower(m.From.Address)
	m.Children = nil
	m.Attachments = slices.Clone(m.Attachments)
	for i := range m.Attachments {
		m.Attachments[i].Text = ""
	}
	for i := range srcs {
		srcs[i].RunID = l.run
	}
	sortSources(srcs)
	m.Sources = srcs
	if key == "m9" || key == "m10" {
		m.Flags = append(slices.Clone(m.Flags), "mid_conflict")
	}
	m.ThreadID = corpusThreads[key]
	switch p := corpusParents[key]; p {
	case "":
	case "ph":
		m.ParentID = placeholderID
	default:
		m.ParentID = l.ids[p]
	}
	return &m
}
