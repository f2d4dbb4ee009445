package message

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/casefile/casefile/internal/model"
)

// enmimeTestdata locates enmime's own testdata in the module cache.
func enmimeTestdata(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Skipf("go env GOMODCACHE: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "github.com", "jhillyerd", "enmime", "v2@v2.3.0", "testdata")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("enmime testdata not found: %v", err)
	}
	return dir
}

// TestEnmimeCorpus parses every file of enmime's testdata: no panic, no
// error for mail-like files, valid UTF-8 everywhere.
func TestEnmimeCorpus(t *testing.T) {
	dir := enmimeTestdata(t)
	notMail := map[string]bool{"erroneous.raw": true} // "// Not an RFC-822 Document"
	n := 0
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		rel, _ := filepath.Rel(dir, path)
		m, perr := Parse(context.Background(), raw, Options{PDFToText: noPDF})
		switch {
		case notMail[info.Name()]:
			if perr == nil {
				t.Errorf("%s: expected an error for a non-mail file", rel)
			}
		case perr != nil && looksLikeEmail(raw):
			t.Errorf("%s: %v", rel, perr)
		case perr != nil && strings.Contains(perr.Error(), "internal parser error"):
			t.Errorf("%s: %v", rel, perr)
		case perr == nil:
			assertValidUTF8(t, m)
			if m.ContentHash != ContentHash(m) || m.ID == "" {
				t.Errorf("%s: hash/ID not set", rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Errorf("only %d files found in %s", n, dir)
	}
	// Spot checks against what enmime's own tests expect.
	spot := []struct {
		file  string
		check func(*model.Message) bool
	}{
		{"mail/mime-bad-8bit-filename.raw", func(m *model.Message) bool {
			return len(m.Attachments) == 1 && m.Attachments[0].Filename == "管理.doc"
		}},
		{"parts/chardet-success-big-5.raw", func(m *model.Message) bool { return strings.Contains(m.BodyText, "顏之推") }},
		{"mail/qp-utf8-header.raw", func(m *model.Message) bool {
			return m.Subject == "MIME UTF8 Test ¢ More Text" && len(m.To) == 1 && m.To[0].Name == "Mirosław Marczak"
		}},
		{"mail/non-mime-missing-charset.raw", func(m *model.Message) bool { return strings.ContainsRune(m.BodyHTML, '€') }},
		{"low-quality/bad-header-start.raw", func(m *model.Message) bool { return m.From.Address == "james@makita.skynet" }},
		{"mail/epilogue-sample.raw", func(m *model.Message) bool {
			return len(m.Attachments) > 0 && strings.Contains(m.Attachments[len(m.Attachments)-1].Text, "Potentially malicious content")
		}},
	}
	for _, s := range spot {
		raw, err := os.ReadFile(filepath.Join(dir, s.file))
		if err != nil {
			t.Errorf("%s: %v", s.file, err)
			continue
		}
		m, err := Parse(context.Background(), raw, Options{})
		if err != nil || !s.check(m) {
			t.Errorf("%s: unexpected result (err %v): subject=%q from=%q atts=%+v body=%.80q", s.file, err, m.Subject, m.From, m.Attachments, m.BodyText)
		}
	}
}

func noPDF(context.Context, []byte) (string, error) { return "", nil }

// fluflDirs are where Debian's python3-flufl.bounce keeps its 115 real
// bounce messages.
var fluflDirs = []string{
	"/usr/lib/python3/dist-packages/flufl/bounce/tests/data",
	"/usr/lib/python3/site-packages/flufl/bounce/tests/data",
}

// TestFluflBounces parses the real-world bounce corpus: every message
// parses, has valid UTF-8, a From address whenever a From header exists,
// and a parsed or explicitly flagged Date.
func TestFluflBounces(t *testing.T) {
	var files []string
	for _, d := range fluflDirs {
		files, _ = filepath.Glob(filepath.Join(d, "*.txt"))
		if len(files) > 0 {
			break
		}
	}
	if len(files) == 0 {
		t.Skip("python3-flufl.bounce test data not installed (apt-get install python3-flufl.bounce)")
	}
	if len(files) < 100 {
		t.Errorf("only %d bounce files", len(files))
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		m, err := Parse(context.Background(), raw, Options{PDFToText: noPDF})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		assertValidUTF8(t, m)
		for _, h := range m.Headers {
			if !strings.EqualFold(h[0], "From") {
				continue
			}
			// "Mail Delivery System <>" (null sender) has only a name.
			nullSender := strings.Contains(h[1], "<>")
			if (!nullSender && !strings.Contains(m.From.Address, "@")) || m.From.IsZero() {
				t.Errorf("%s: From = %q from header %q", name, m.From, h[1])
			}
			break
		}
		switch m.DateFlag {
		case model.DateOK:
			if m.DateUTC == nil || m.DateUTC.Year() < 1995 || m.DateUTC.Year() > 2030 {
				t.Errorf("%s: DateUTC = %v from %q", name, m.DateUTC, m.DateRaw)
			}
		case model.DateLocal:
			if m.DateUTC == nil || m.DateRaw == "" {
				t.Errorf("%s: local date without value", name)
			}
		case model.DateMissing:
			if m.DateRaw != "" {
				t.Errorf("%s: missing date with DateRaw %q", name, m.DateRaw)
			}
		default:
			t.Errorf("%s: Date %q flagged %q", name, m.DateRaw, m.DateFlag)
		}
		if m.BodyText == "" && len(m.Attachments) == 0 {
			t.Errorf("%s: no body and no attachments", name)
		}
	}
}

// TestLargeAttachment parses a message with a 50 MB base64 attachment.
func TestLargeAttachment(t *testing.T) {
	if testing.Short() {
		t.Skip("50 MB message: skipped under -short")
	}
	const size = 50 << 20
	data := make([]byte, size)
	rand.New(rand.NewSource(1)).Read(data)
	want := sha256.Sum256(data)

	var buf bytes.Buffer
	buf.Grow(size*4/3 + size/38 + 1024)
	buf.WriteString("From: Jonas Reyes <jonas.reyes@harbor.example>\r\nTo: ana.lima@harbor.example\r\n" +
		"Subject: big\r\nDate: Mon, 3 Mar 2008 10:00:00 +0100\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"big-boundary\"\r\n\r\n" +
		"--big-boundary\r\nContent-Type: text/plain\r\n\r\nSee the archive.\r\n" +
		"--big-boundary\r\nContent-Type: application/zip; name=\"archive.zip\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(data)
	for i := 0; i < len(enc); i += 76 {
		end := min(i+76, len(enc))
		buf.WriteString(enc[i:end])
		buf.WriteString("\r\n")
	}
	enc = ""
	buf.WriteString("--big-boundary--\r\n")
	raw := buf.Bytes()
	data = nil

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m, err := Parse(context.Background(), raw, Options{})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("attachments = %d", len(m.Attachments))
	}
	a := m.Attachments[0]
	if a.Size != size || a.SHA256 != hex.EncodeToString(want[:]) || a.Filename != "archive.zip" {
		t.Errorf("attachment = %s %d %s", a.Filename, a.Size, a.SHA256)
	}
	if m.BodyText != "See the archive." {
		t.Errorf("BodyText = %q", m.BodyText)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("raw %d MB, allocated %d MB while parsing", len(raw)>>20, alloc>>20)
	if alloc > 8*uint64(len(raw)) {
		t.Errorf("allocated %d MB for a %d MB message", alloc>>20, len(raw)>>20)
	}
}
