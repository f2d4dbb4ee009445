package storetest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store"
)

// testPrepared: a batch made ready ahead with store.Preparer (as ingest
// does, off the writer's path) is stored and indexed exactly as the same
// batch written without it — rows, rfc822 children with their inherited
// sources, and each message's own words in the full-text index.
func testPrepared(t *testing.T, open opener) {
	ctx := context.Background()
	batch := func() store.Batch {
		d := time.Date(2009, 3, 4, 5, 6, 7, 0, time.UTC)
		child := &model.Message{Kind: model.KindNative, MessageID: "inner@harbor.example", ContentHash: "inner",
			Subject: "the forwarded quayside", BodyText: "inner text about moorings", RawSHA256: "inner-raw", Size: 40, RawOffset: 300, Confidence: 1}
		m := &model.Message{Kind: model.KindNative, MessageID: "outer@harbor.example", ContentHash: "outer", Subject: "Fwd: plan",
			From: model.Address{Name: "Mara Okafor", Address: "Mara@Harbor.example"}, To: []model.Address{{Address: "jonas@harbor.example"}},
			Headers: [][2]string{{"X-Test", "1"}}, References: []string{"a@b.example"}, DateUTC: &d, BodyText: "see the O'Brien ledger",
			Attachments: []model.Attachment{{Filename: "ledger.csv", MIME: "text/csv", Size: 12, SHA256: "att", Text: "tonnage,berth"}},
			Sources:     []model.Source{{Path: "box.mbox", Offset: 1000, Length: 500, SHA256: "outer-raw"}},
			Children:    []*model.Message{child}, Confidence: 1}
		other := &model.Message{Kind: model.KindNative, MessageID: "other@harbor.example", ContentHash: "other", Subject: "dredging",
			From: model.Address{Address: "jonas@harbor.example"}, BodyText: "unrelated words", Confidence: 1,
			Sources: []model.Source{{Path: "box.mbox", Offset: 2000, Length: 90, SHA256: "other-raw"}}}
		return store.Batch{Messages: []*model.Message{m, other}}
	}
	// Each query must find exactly the message with this Message-ID.
	queries := map[string]string{
		"moorings": "inner@harbor.example", "quayside": "inner@harbor.example", "tonnage": "outer@harbor.example",
		"o'brien": "outer@harbor.example", "from:mara@harbor.example": "outer@harbor.example", "filename:ledger": "outer@harbor.example",
		"dredging": "other@harbor.example", "subject:plan": "outer@harbor.example", "unrelated": "other@harbor.example",
	}
	type stored struct {
		rows []string
		hits map[string][]string
	}
	ids := map[string]string{} // Message-ID → ID
	var got [2]stored
	for i, prepared := range []bool{false, true} {
		st := mustOpen(t, open)
		p, ok := st.(store.Preparer)
		if !ok {
			t.Skip("this backend does not implement store.Preparer")
		}
		run, err := st.BeginRun(ctx, "/in")
		if err != nil {
			t.Fatal(err)
		}
		b := batch()
		if prepared {
			p.Prepare(&b)
		}
		if _, err := st.Write(ctx, run, b); err != nil {
			t.Fatal(err)
		}
		if err := st.Each(ctx, func(m *model.Message) error {
			ids[m.MessageID] = m.ID
			js, err := json.Marshal(m)
			got[i].rows = append(got[i].rows, string(js))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		slices.Sort(got[i].rows)
		got[i].hits = map[string][]string{}
		for q := range queries {
			got[i].hits[q] = sorted(hitIDs(search(t, st, parse(t, q), store.SearchOptions{})))
		}
	}
	if len(got[0].rows) != 3 || !slices.Equal(got[0].rows, got[1].rows) {
		t.Errorf("rows with Prepare:\n%v\nwithout:\n%v", got[1].rows, got[0].rows)
	}
	for q, mid := range queries {
		want := []string{ids[mid]}
		for i, how := range []string{"without Prepare", "with Prepare"} {
			if !slices.Equal(got[i].hits[q], want) {
				t.Errorf("%s %s: hits %v, want %v (%s)", q, how, got[i].hits[q], want, mid)
			}
		}
	}
	if !slices.ContainsFunc(got[1].rows, func(r string) bool { return strings.Contains(r, `"member":"#rfc822-1"`) }) {
		t.Errorf("the child's inherited source is missing: %v", got[1].rows)
	}
}
