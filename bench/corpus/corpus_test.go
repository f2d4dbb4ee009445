package corpus

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
)

func digest(c *Corpus) [32]byte {
	h := sha256.New()
	for i := 0; i < c.N(); i++ {
		h.Write(c.Message(i))
		io.WriteString(h, c.FileName(i))
	}
	var d [32]byte
	copy(d[:], h.Sum(nil))
	return d
}

func TestDeterministicBySeed(t *testing.T) {
	tests := []struct {
		name     string
		a, b     Options
		wantSame bool
	}{
		{"same seed", Options{N: 300, Seed: 42}, Options{N: 300, Seed: 42}, true},
		{"same seed, different workers", Options{N: 300, Seed: 42, Workers: 1}, Options{N: 300, Seed: 42, Workers: 5}, true},
		{"different seed", Options{N: 300, Seed: 42}, Options{N: 300, Seed: 43}, false},
		{"seed zero is a real seed", Options{N: 300}, Options{N: 300, Seed: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			same := digest(New(tt.a)) == digest(New(tt.b))
			if same != tt.wantSame {
				t.Fatalf("identical output = %v, want %v", same, tt.wantSame)
			}
		})
	}
}

// TestWriteMaildirMatchesMessage checks the files on disk are the rendered
// messages, under unique names, whatever the worker count.
func TestWriteMaildirMatchesMessage(t *testing.T) {
	for _, workers := range []int{1, 3} {
		c := New(Options{N: 250, Seed: 9, Workers: workers})
		dir := t.TempDir()
		s, err := c.WriteMaildir(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, sub := range []string{"new", "tmp"} {
			if fi, err := os.Stat(filepath.Join(dir, sub)); err != nil || !fi.IsDir() {
				t.Fatalf("maildir lacks %s/: %v", sub, err)
			}
		}
		ents, err := os.ReadDir(filepath.Join(dir, "cur"))
		if err != nil {
			t.Fatal(err)
		}
		if len(ents) != c.N() || s.Messages != c.N() {
			t.Fatalf("workers=%d: %d files, stats %d, want %d", workers, len(ents), s.Messages, c.N())
		}
		var total int64
		for i := 0; i < c.N(); i++ {
			got, err := os.ReadFile(filepath.Join(dir, "cur", c.FileName(i)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, c.Message(i)) {
				t.Fatalf("workers=%d: file of message %d differs from Message(%d)", workers, i, i)
			}
			total += int64(len(got))
		}
		if total != s.Bytes {
			t.Fatalf("stats bytes %d, files hold %d", s.Bytes, total)
		}
	}
}

func TestWriteMaildirCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(Options{N: 100}).WriteMaildir(ctx, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "corpus:") {
		t.Fatalf("err = %v, want a corpus: context error", err)
	}
}

// decodeText returns the decoded text of a leaf part.
func decodeText(t *testing.T, h map[string][]string, body io.Reader) string {
	t.Helper()
	get := func(k string) string {
		if v := h[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	r := body
	switch strings.ToLower(get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		return "" // binary or CSV; checked elsewhere
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode body: %v", err)
	}
	_, params, _ := mime.ParseMediaType(get("Content-Type"))
	switch strings.ToLower(params["charset"]) {
	case "iso-8859-1":
		raw, _ = charmap.ISO8859_1.NewDecoder().Bytes(raw)
	case "windows-1252":
		raw, _ = charmap.Windows1252.NewDecoder().Bytes(raw)
	case "koi8-r":
		raw, _ = charmap.KOI8R.NewDecoder().Bytes(raw)
	}
	return string(raw)
}

// TestValidRFC5322 parses every message with net/mail and mime/multipart
// and checks headers, dates, encodings and structure.
func TestValidRFC5322(t *testing.T) {
	c := New(Options{N: 3000, Seed: 5})
	var sawQP, sawHTML, sawKOI, sawLatin1, sawCP1252, sawCSV, sawBinary, sawEncodedWord int
	dec := &mime.WordDecoder{CharsetReader: func(cs string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(cs) {
		case "iso-8859-1":
			return charmap.ISO8859_1.NewDecoder().Reader(in), nil
		case "windows-1252":
			return charmap.Windows1252.NewDecoder().Reader(in), nil
		case "koi8-r":
			return charmap.KOI8R.NewDecoder().Reader(in), nil
		}
		return in, nil
	}}
	lo := time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC)
	hi := time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < c.N(); i++ {
		raw := c.Message(i)
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		for _, line := range bytes.Split(raw, []byte("\n")) {
			if len(line) > 998 {
				t.Fatalf("message %d: line longer than 998 bytes", i)
			}
		}
		d, err := m.Header.Date()
		if err != nil || d.Before(lo) || !d.Before(hi) {
			t.Fatalf("message %d: date %v, err %v", i, d, err)
		}
		if got := m.Header.Get("Message-Id"); got != "<"+c.MessageID(i)+">" {
			t.Fatalf("message %d: Message-ID %q", i, got)
		}
		from, err := m.Header.AddressList("From")
		if err != nil || len(from) != 1 || !strings.HasSuffix(from[0].Address, ".example") {
			t.Fatalf("message %d: From %v, err %v", i, from, err)
		}
		if _, err := m.Header.AddressList("To"); err != nil {
			t.Fatalf("message %d: To: %v", i, err)
		}
		if m.Header.Get("Cc") != "" {
			if _, err := m.Header.AddressList("Cc"); err != nil {
				t.Fatalf("message %d: Cc: %v", i, err)
			}
		}
		subj, err := dec.DecodeHeader(m.Header.Get("Subject"))
		if err != nil || subj == "" {
			t.Fatalf("message %d: subject %q, err %v", i, subj, err)
		}
		if strings.Contains(m.Header.Get("Subject"), "=?") {
			sawEncodedWord++
		}
		mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("message %d: Content-Type: %v", i, err)
		}
		type leaf struct {
			h    map[string][]string
			body []byte
		}
		var leaves []leaf
		if mt == "multipart/mixed" {
			mr := multipart.NewReader(m.Body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("message %d: multipart: %v", i, err)
				}
				b, err := io.ReadAll(p)
				if err != nil {
					t.Fatalf("message %d: part: %v", i, err)
				}
				leaves = append(leaves, leaf{p.Header, b})
			}
			if len(leaves) < 2 {
				t.Fatalf("message %d: multipart with %d parts", i, len(leaves))
			}
		} else {
			b, _ := io.ReadAll(m.Body)
			leaves = append(leaves, leaf{m.Header, b})
		}
		text := decodeText(t, leaves[0].h, bytes.NewReader(leaves[0].body))
		if strings.ContainsRune(text, '\uFFFD') {
			t.Fatalf("message %d: body decodes with replacement characters", i)
		}
		ct := leaves[0].h["Content-Type"][0]
		switch {
		case strings.HasPrefix(ct, "text/html"):
			sawHTML++
			if !strings.Contains(text, "<p>") {
				t.Fatalf("message %d: HTML body without paragraphs", i)
			}
		case strings.Contains(ct, "koi8-r"):
			sawKOI++
			if !strings.ContainsAny(text, "бдвсп") {
				t.Fatalf("message %d: KOI8-R body without Cyrillic: %q", i, text)
			}
		case strings.Contains(ct, "iso-8859-1"):
			sawLatin1++
		case strings.Contains(ct, "windows-1252"):
			sawCP1252++
		case leaves[0].h["Content-Transfer-Encoding"][0] == "quoted-printable":
			sawQP++
		}
		for _, l := range leaves[1:] {
			if _, _, err := mime.ParseMediaType(l.h["Content-Disposition"][0]); err != nil {
				t.Fatalf("message %d: attachment disposition: %v", i, err)
			}
			if l.h["Content-Transfer-Encoding"][0] == "base64" {
				if strings.HasPrefix(l.h["Content-Type"][0], "text/csv") {
					sawCSV++
				} else {
					sawBinary++
				}
			}
		}
	}
	for name, n := range map[string]int{"quoted-printable": sawQP, "HTML": sawHTML, "KOI8-R": sawKOI,
		"ISO-8859-1": sawLatin1, "windows-1252": sawCP1252, "base64 CSV": sawCSV, "binary": sawBinary,
		"encoded-word subject": sawEncodedWord} {
		if n == 0 {
			t.Errorf("no %s message in 3000", name)
		}
	}
}

// TestThreads checks In-Reply-To and References point at existing
// messages, that replies are later than their parents and that subjects
// carry Re:.
func TestThreads(t *testing.T) {
	c := New(Options{N: 3000, Seed: 11})
	ids := map[string]int{}
	for i := 0; i < c.N(); i++ {
		ids["<"+c.MessageID(i)+">"] = i
	}
	if len(ids) != c.N() {
		t.Fatalf("%d distinct Message-IDs for %d messages", len(ids), c.N())
	}
	replies, deep := 0, 0
	for i := 0; i < c.N(); i++ {
		m, err := mail.ReadMessage(bytes.NewReader(c.Message(i)))
		if err != nil {
			t.Fatal(err)
		}
		irt := m.Header.Get("In-Reply-To")
		refs := strings.Fields(m.Header.Get("References"))
		if c.Parent(i) < 0 {
			if irt != "" || len(refs) != 0 {
				t.Fatalf("root %d has In-Reply-To %q References %v", i, irt, refs)
			}
			continue
		}
		replies++
		p, ok := ids[irt]
		if !ok || p != c.Parent(i) {
			t.Fatalf("message %d: In-Reply-To %q does not name parent %d", i, irt, c.Parent(i))
		}
		if len(refs) == 0 || refs[len(refs)-1] != irt {
			t.Fatalf("message %d: References %v must end with In-Reply-To %s", i, refs, irt)
		}
		if len(refs) > 1 {
			deep++
		}
		for _, r := range refs {
			j, ok := ids[r]
			if !ok || j >= i {
				t.Fatalf("message %d: reference %s is not an earlier message", i, r)
			}
		}
		if !c.Date(i).After(c.Date(p)) {
			t.Fatalf("message %d dated %v, not after parent %v", i, c.Date(i), c.Date(p))
		}
		subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if err != nil {
			continue // non-UTF-8 subjects are decoded in TestValidRFC5322
		}
		if !strings.HasPrefix(strings.ToLower(subj), "re: ") {
			t.Fatalf("reply %d subject %q lacks Re:", i, subj)
		}
	}
	if replies < c.N()/5 || deep == 0 {
		t.Fatalf("only %d replies (%d with longer References) in %d messages", replies, deep, c.N())
	}
}

// TestDistribution checks the corpus has the advertised shape: Zipf
// activity, a large vocabulary, attachments around 10%.
func TestDistribution(t *testing.T) {
	c := New(Options{N: 5000, Seed: 3})
	s := c.Plan()
	if s.WithAttachments < 350 || s.WithAttachments > 650 {
		t.Errorf("%d of 5000 with attachments, want about 10%%", s.WithAttachments)
	}
	if s.HTMLOnly == 0 || s.NonUTF8 == 0 || s.QuotedPrintable == 0 {
		t.Errorf("missing features: %+v", s)
	}
	if c.People() != DefaultPeople || c.Words() != DefaultVocabulary {
		t.Errorf("people %d words %d", c.People(), c.Words())
	}
	sent := map[int32]int{}
	for i := range c.plans {
		sent[c.plans[i].from]++
	}
	if sent[0] < 10*max(1, sent[1000]) {
		t.Errorf("rank 0 sent %d, rank 1000 sent %d: activity is not Zipf-like", sent[0], sent[1000])
	}
	domains := map[string]bool{}
	for r := 0; r < c.People(); r++ {
		a := c.Person(r).Address
		domains[a[strings.IndexByte(a, '@')+1:]] = true
		if !strings.HasSuffix(a, ".example") {
			t.Fatalf("address %q outside .example", a)
		}
	}
	if len(domains) < 40 {
		t.Errorf("only %d domains in use", len(domains))
	}
	// The most frequent generated word must be far more common than a
	// rare one.
	var all strings.Builder
	for i := 0; i < 1000; i++ {
		all.Write(c.Message(i))
	}
	text := all.String()
	top, rare := strings.Count(text, " "+c.Word(0)+" "), strings.Count(text, " "+c.Word(40000)+" ")
	if top < 100 || rare > top/20 {
		t.Errorf("word rank 0 seen %d times, rank 40000 %d times", top, rare)
	}
}
