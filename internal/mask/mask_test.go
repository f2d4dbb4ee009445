package mask

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/store/sqlite"
)

func TestString(t *testing.T) {
	m := New([]Term{{Text: "Jane Q. Doe", Label: "[protected 1]"}, {Text: "José Núñez", Label: "[protected 2]"}, {Text: "Quill", Label: "[protected 3]"}}, Options{PII: true})
	for _, tc := range []struct{ in, want string }{
		{"Jane Q. Doe wrote", "[protected 1] wrote"},
		{"from Jane Doe, Jane Doe.", "from [protected 1], [protected 1]."},
		{"Doe, Jane and J. Doe", "[protected 1] and [protected 1]"},
		{"mail jane.doe@harbor.example or jdoe@x.example", "mail [protected 1]@harbor.example or [protected 1]@x.example"},
		{"JANE DOE", "[protected 1]"},
		{"Janet Doerr is someone else", "Janet Doerr is someone else"},
		{"José Núñez y Núñez", "[protected 2] y Núñez"},
		{"Quill, Quillon and Quill.", "[protected 3], Quillon and [protected 3]."},
		{"SSN 123-45-6789, call +1 555 123 4567", "SSN [SSN], call [phone]"},
		{"meeting at 10:30 on 2012-02-06", "meeting at 10:30 on 2012-02-06"},
	} {
		if got := m.String(tc.in); got != tc.want {
			t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	var none *Masker
	if none.String("Jane Doe") != "Jane Doe" || New(nil, Options{}).Active() {
		t.Error("an empty masker changed text")
	}
}

func TestMessage(t *testing.T) {
	m := New([]Term{{Text: "Jane Doe", Label: "[protected 1]"}}, Options{})
	msg := &model.Message{From: model.Address{Name: "Jane Doe", Address: "jane.doe@harbor.example"},
		To: []model.Address{{Name: "Jonas Reyes", Address: "jonas@harbor.example"}}, Subject: "For Jane Doe",
		BodyText: "Dear Jane Doe", Sources: []model.Source{{Path: "mail/jane.doe.mbox"}},
		Attachments: []model.Attachment{{Filename: "jane doe passport.pdf"}}, Headers: [][2]string{{"From", "Jane Doe <jane.doe@harbor.example>"}}}
	got := m.Message(msg)
	if got.From.Name != "[protected 1]" || got.From.Address != "[protected 1]@harbor.example" || got.To[0].Name != "Jonas Reyes" ||
		got.Subject != "For [protected 1]" || got.BodyText != "Dear [protected 1]" || got.Attachments[0].Filename != "[protected 1] passport.pdf" ||
		got.Headers[0][1] != "[protected 1] <[protected 1]@harbor.example>" {
		t.Errorf("masked message = %+v", got)
	}
	withAddr := New([]Term{{Text: "Mara Lefkowitz", Label: "[protected 1]", addresses: []string{"mara@lefko.example"}}}, Options{})
	if a := withAddr.Address(model.Address{Name: "M.", Address: "Mara@Lefko.example"}); a.Address != "[protected 1]" {
		t.Errorf("an address used under the protected name = %q, want masked whole", a.Address)
	}
	if msg.From.Name != "Jane Doe" || msg.Attachments[0].Filename != "jane doe passport.pdf" {
		t.Error("Message changed the original")
	}
	if got.Sources[0].Path != "mail/jane.doe.mbox" {
		t.Error("sources must still cite the file")
	}
}

// TestEditLog: protection is stored, audited and replayed; labels keep
// their numbers when a term is removed.
func TestEditLog(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, n := range []string{"Jane Doe", "Ana Lima", "Bo Chen"} {
		if err := Add(ctx, st, n, "ana", "minor"); err != nil {
			t.Fatal(err)
		}
	}
	if err := Add(ctx, st, "Jo", "ana", ""); err == nil {
		t.Error("a two-letter term was accepted")
	}
	if err := Remove(ctx, st, "ana  lima", "ana", "not a victim"); err != nil {
		t.Fatal(err)
	}
	if err := Remove(ctx, st, "Nobody Here", "ana", ""); err == nil {
		t.Error("removing an unknown term succeeded")
	}
	terms, err := List(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(terms) != 2 || terms[0].Label != "[protected 1]" || terms[1].Text != "Bo Chen" || terms[1].Label != "[protected 3]" || terms[0].Actor != "ana" {
		t.Errorf("terms = %+v", terms)
	}
	m, err := Load(ctx, st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.String("Jane Doe, Ana Lima, Bo Chen"); got != "[protected 1], Ana Lima, [protected 3]" {
		t.Errorf("masked = %q", got)
	}
}
