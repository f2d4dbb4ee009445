package mbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strconv"
	"strings"
	"testing"
)

type got struct {
	raws     []string
	offsets  []int64
	lengths  []int64
	warnings []string
	cl       []bool
	oversize []bool
	res      Result
}

func split(t testing.TB, data string, opts Options) got {
	t.Helper()
	var g got
	res, err := Split(strings.NewReader(data), int64(len(data)), opts, func(m *Message) error {
		g.raws = append(g.raws, string(m.Raw))
		g.offsets = append(g.offsets, m.Offset)
		g.lengths = append(g.lengths, m.Length)
		g.warnings = append(g.warnings, m.Warnings...)
		g.cl = append(g.cl, m.ContentLength)
		g.oversize = append(g.oversize, m.Oversize)
		return nil
	})
	if err != nil {
		t.Fatalf("Split: %v", err)
	}
	g.res = res
	checkInvariants(t, []byte(data), opts)
	return g
}

const (
	from1 = "From jonas.reyes@harbor.example Mon Jan  1 09:00:00 2001\n"
	from2 = "From mara.lind@quay.example Tue Jan  2 10:30:00 2001\n"
	from3 = "From - Wed Jan 03 11:00:00 2001\n"
	hdr1  = "From: Jonas Reyes <jonas.reyes@harbor.example>\nSubject: one\n\n"
	hdr2  = "From: Mara Lind <mara.lind@quay.example>\nSubject: two\n\n"
	hdr3  = "From: Jonas Reyes <jonas.reyes@harbor.example>\nSubject: three\n\n"
	// clBody contains an unescaped From_ line after a blank line (mboxcl2).
	clBody = "para\n\nFrom jonas.reyes@harbor.example Mon Jan  1 09:00:00 2001\nend\n"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		opts     Options
		want     []string // expected Raw of each message
		warnSub  []string // substrings that must appear in some warning
		cl       []bool
		oversize []bool
		preamble int64
	}{
		{
			name: "mboxrd unescaping",
			data: from1 + hdr1 + ">From the harbour we sailed\n>>From quoted twice\n\n" + from2 + hdr2 + "body two\n",
			want: []string{hdr1 + "From the harbour we sailed\n>From quoted twice\n", hdr2 + "body two\n"},
		},
		{
			name: "mboxo escaping also unescaped",
			data: from1 + hdr1 + "line\n>From Monday on we meet\n\n" + from2 + hdr2 + "x\n\n",
			want: []string{hdr1 + "line\nFrom Monday on we meet\n", hdr2 + "x\n"},
		},
		{
			name: "From in body not preceded by blank line is not a separator",
			data: from1 + hdr1 + "text\nFrom jonas.reyes@harbor.example Mon Jan  1 09:00:00 2001\nmore\n\n" + from2 + hdr2 + "b\n",
			want: []string{hdr1 + "text\nFrom jonas.reyes@harbor.example Mon Jan  1 09:00:00 2001\nmore\n", hdr2 + "b\n"},
		},
		{
			name: "From here on after blank line is not a From_ line",
			data: from1 + hdr1 + "para\n\nFrom here on we sail north.\n\n" + from2 + hdr2 + "b\n",
			want: []string{hdr1 + "para\n\nFrom here on we sail north.\n", hdr2 + "b\n"},
		},
		{
			name: "three messages, thunderbird and plain From_ lines",
			data: from1 + hdr1 + "a\n\n" + from3 + hdr3 + "c\n\n" + from2 + hdr2 + "b\n",
			want: []string{hdr1 + "a\n", hdr3 + "c\n", hdr2 + "b\n"},
		},
		{
			name: "Content-Length correct protects unescaped From_ line in body",
			data: from1 + "From: Jonas Reyes <jonas.reyes@harbor.example>\nContent-Length: " + strconv.Itoa(len(clBody)) + "\n\n" +
				clBody + "\n" + from2 + hdr2 + "b\n",
			want: []string{"From: Jonas Reyes <jonas.reyes@harbor.example>\nContent-Length: " + strconv.Itoa(len(clBody)) + "\n\n" +
				clBody, hdr2 + "b\n"},
			cl: []bool{true, false},
		},
		{
			name: "Content-Length landing on From_ line without blank line",
			data: from1 + "Subject: a\nContent-Length: 5\n\nbody\n" + from2 + hdr2 + "b\n",
			want: []string{"Subject: a\nContent-Length: 5\n\nbody\n", hdr2 + "b\n"},
			cl:   []bool{true, false},
		},
		{
			name: "Content-Length wrong is ignored",
			data: from1 + "Subject: a\nContent-Length: 3\n\nbody text\n\n" + from2 + hdr2 + "b\n",
			want: []string{"Subject: a\nContent-Length: 3\n\nbody text\n", hdr2 + "b\n"},
			cl:   []bool{false, false},
			warnSub: []string{
				"Content-Length 3 ignored",
			},
		},
		{
			name:    "Content-Length beyond end of file",
			data:    from1 + "Subject: a\nContent-Length: 5000\n\nbody\n",
			want:    []string{"Subject: a\nContent-Length: 5000\n\nbody\n"},
			cl:      []bool{false},
			warnSub: []string{"mbox truncated", "Content-Length says 5000"},
		},
		{
			name: "CRLF file",
			data: strings.ReplaceAll(from1+hdr1+"a\n>From x\n\n"+from2+hdr2+"b\n\n", "\n", "\r\n"),
			want: []string{
				strings.ReplaceAll(hdr1+"a\nFrom x\n", "\n", "\r\n"),
				strings.ReplaceAll(hdr2+"b\n", "\n", "\r\n"),
			},
		},
		{
			name:    "truncated last message",
			data:    from1 + hdr1 + "a\n\n" + from2 + hdr2 + "cut off in the mid",
			want:    []string{hdr1 + "a\n", hdr2 + "cut off in the mid"},
			warnSub: []string{"mbox truncated at offset"},
		},
		{
			name:     "oversize message is flagged and split continues",
			data:     from1 + hdr1 + strings.Repeat("long line of text\n", 20) + "\n" + from2 + hdr2 + "b\n",
			opts:     Options{MaxMessageSize: 200},
			want:     []string{"", hdr2 + "b\n"},
			oversize: []bool{true, false},
		},
		{
			name:     "blank preamble",
			data:     "\n\n" + from1 + hdr1 + "a\n",
			want:     []string{hdr1 + "a\n"},
			preamble: 2,
		},
		{
			name:     "UTF-8 byte order mark",
			data:     "\xEF\xBB\xBF" + from1 + hdr1 + "a\n",
			want:     []string{hdr1 + "a\n"},
			preamble: 3,
		},
		{
			name:     "no From_ line at all",
			data:     "Subject: hello\n\nnot an mbox\n",
			want:     nil,
			preamble: int64(len("Subject: hello\n\nnot an mbox\n")),
		},
		{
			name: "From_ line followed by non-headers is still a message",
			data: from1 + "this is not a header\n\n" + from2 + hdr2 + "b\n",
			want: []string{"this is not a header\n", hdr2 + "b\n"},
		},
		{
			name: "long line longer than the read buffer",
			data: from1 + hdr1 + strings.Repeat("x", 3*bufSize) + "\n>From y\n\n" + from2 + hdr2 + "b\n",
			want: []string{hdr1 + strings.Repeat("x", 3*bufSize) + "\nFrom y\n", hdr2 + "b\n"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := split(t, tc.data, tc.opts)
			if len(g.raws) != len(tc.want) {
				t.Fatalf("got %d messages, want %d: %q", len(g.raws), len(tc.want), g.raws)
			}
			for i := range tc.want {
				if g.raws[i] != tc.want[i] {
					t.Errorf("message %d:\n got %q\nwant %q", i, g.raws[i], tc.want[i])
				}
			}
			for _, w := range tc.warnSub {
				if !strings.Contains(strings.Join(g.warnings, "\n"), w) {
					t.Errorf("no warning containing %q in %q", w, g.warnings)
				}
			}
			if len(tc.warnSub) == 0 && len(g.warnings) > 0 {
				t.Errorf("unexpected warnings %q", g.warnings)
			}
			for i, want := range tc.cl {
				if g.cl[i] != want {
					t.Errorf("message %d ContentLength = %v, want %v", i, g.cl[i], want)
				}
			}
			for i, want := range tc.oversize {
				if g.oversize[i] != want {
					t.Errorf("message %d Oversize = %v, want %v", i, g.oversize[i], want)
				}
			}
			if g.res.Preamble != tc.preamble {
				t.Errorf("preamble = %d, want %d", g.res.Preamble, tc.preamble)
			}
		})
	}
}

func TestOffsetsVerifiable(t *testing.T) {
	data := from1 + hdr1 + "a\n>From b\n\n" + from2 + hdr2 + "b\n"
	var ms []Message
	_, err := Split(strings.NewReader(data), int64(len(data)), Options{}, func(m *Message) error {
		ms = append(ms, *m)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Fatalf("got %d messages", len(ms))
	}
	if want := int64(len(from1)); ms[0].Offset != want {
		t.Errorf("offset 0 = %d, want %d", ms[0].Offset, want)
	}
	if want := int64(len(hdr1 + "a\n>From b\n")); ms[0].Length != want {
		t.Errorf("length 0 = %d, want %d", ms[0].Length, want)
	}
	if want := int64(len(from1 + hdr1 + "a\n>From b\n\n" + from2)); ms[1].Offset != want {
		t.Errorf("offset 1 = %d, want %d", ms[1].Offset, want)
	}
	for i, m := range ms {
		sum := sha256.Sum256([]byte(data[m.Offset : m.Offset+m.Length]))
		if hex.EncodeToString(sum[:]) != m.SHA256 {
			t.Errorf("message %d: SHA256 does not match file bytes", i)
		}
	}
}

func TestIsFromLine(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"From jonas.reyes@harbor.example Mon Jan  1 09:00:00 2001\n", true},
		{"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\r\n", true},
		{"From - Tue Mar 02 10:00:00 2010", true},
		{"From \"Jonas Reyes\" Thu Jan 1 00:00:00 1970", true},
		{"From 1539472349839482348@xxx Sat Oct 13 10:12:00 +0000 2018", true},
		{"From jonas@harbor.example Sat, 01 Jan 2001 09:00:00 +0000", true},
		{"From jonas@harbor.example", true},
		{"From here on we sail north.", false},
		{"From: Jonas Reyes <jonas@harbor.example>", false},
		{"From the desk of Jonas Reyes, 2001", false},
		{"From jonas@harbor.example:", false},
		{"Fromage Mon Jan 1 09:00:00 2001", false},
	}
	for _, tc := range tests {
		if got := IsFromLine([]byte(tc.line)); got != tc.want {
			t.Errorf("IsFromLine(%q) = %v, want %v", tc.line, got, tc.want)
		}
	}
}

func TestUnescape(t *testing.T) {
	in := "a\n>From b\n>>From c\nFrom d\n> From e\n"
	want := "a\nFrom b\n>From c\nFrom d\n> From e\n"
	if got := string(Unescape([]byte(in))); got != want {
		t.Errorf("Unescape = %q, want %q", got, want)
	}
}

func TestFixtureFile(t *testing.T) {
	data, err := os.ReadFile("testdata/sample.mbox")
	if err != nil {
		t.Fatal(err)
	}
	g := split(t, string(data), Options{})
	if len(g.raws) != 3 {
		t.Fatalf("got %d messages, want 3", len(g.raws))
	}
	if !strings.Contains(g.raws[1], "\nFrom the harbour office we confirm") {
		t.Errorf("message 1 not unescaped: %q", g.raws[1])
	}
}

// checkInvariants verifies that Split's segments tile the input exactly:
// preamble, then for each message From_ line + message bytes + separator.
func checkInvariants(t testing.TB, data []byte, opts Options) {
	t.Helper()
	var end int64
	first := true
	firstFrom := int64(-1)
	res, err := Split(bytes.NewReader(data), int64(len(data)), opts, func(m *Message) error {
		if first {
			end = m.FromOffset // preamble
			firstFrom = m.FromOffset
			first = false
		}
		if m.FromOffset != end {
			t.Fatalf("message %d: From_ line at %d, previous segment ended at %d", m.Index, m.FromOffset, end)
		}
		fl := int64(len(m.FromLine))
		if m.FromOffset+fl > int64(len(data)) || !bytes.Equal(data[m.FromOffset:m.FromOffset+fl], m.FromLine) {
			t.Fatalf("message %d: FromLine does not match file bytes", m.Index)
		}
		if m.Offset != m.FromOffset+fl || m.Length < 0 || m.Offset+m.Length+m.SepLength > int64(len(data)) {
			t.Fatalf("message %d: bad offsets %d+%d+%d (size %d)", m.Index, m.Offset, m.Length, m.SepLength, len(data))
		}
		body := data[m.Offset : m.Offset+m.Length]
		sum := sha256.Sum256(body)
		if hex.EncodeToString(sum[:]) != m.SHA256 {
			t.Fatalf("message %d: SHA256 mismatch", m.Index)
		}
		if !m.Oversize && !bytes.Equal(m.Raw, Unescape(body)) {
			t.Fatalf("message %d: Raw is not the unescaped file bytes", m.Index)
		}
		if m.Oversize && m.Raw != nil {
			t.Fatalf("message %d: oversize message has Raw", m.Index)
		}
		sep := data[m.Offset+m.Length : m.Offset+m.Length+m.SepLength]
		if len(sep) != 0 && !isBlank(sep) {
			t.Fatalf("message %d: separator %q is not a blank line", m.Index, sep)
		}
		end = m.Offset + m.Length + m.SepLength
		return nil
	})
	if err != nil {
		t.Fatalf("Split: %v", err)
	}
	if first {
		end = int64(len(data))
	}
	if res.Preamble > int64(len(data)) {
		t.Fatalf("preamble %d > size %d", res.Preamble, len(data))
	}
	if !first && res.Preamble != firstFrom {
		t.Fatalf("preamble %d does not end at first From_ line (%d)", res.Preamble, firstFrom)
	}
	if first && res.Preamble != int64(len(data)) {
		t.Fatalf("no messages but preamble %d != size %d", res.Preamble, len(data))
	}
	if res.PreambleBlank != (len(bytes.TrimSpace(bytes.TrimPrefix(data[:res.Preamble], []byte("\xEF\xBB\xBF")))) == 0) {
		t.Fatalf("PreambleBlank = %v for preamble %q", res.PreambleBlank, data[:res.Preamble])
	}
	if end != int64(len(data)) {
		t.Fatalf("segments end at %d, file size %d", end, len(data))
	}
}

func FuzzMboxSplit(f *testing.F) {
	seeds := []string{
		"",
		"\n",
		from1,
		from1 + hdr1 + "a\n\n" + from2 + hdr2 + "b\n",
		from1 + "Content-Length: 3\n\nab\n\n" + from2 + "x",
		from1 + "Content-Length: 0\n\n" + from2,
		strings.ReplaceAll(from1+hdr1+"a\n>From x\n\n"+from2+hdr2+"b\n\n", "\n", "\r\n"),
		"junk\n\n" + from1 + "\n\n\n" + from3,
		"\xEF\xBB\xBF" + from1 + hdr1,
		from1 + hdr1 + "From here\n\nFrom there\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), int64(0))
		f.Add([]byte(s), int64(16))
	}
	f.Fuzz(func(t *testing.T, data []byte, max int64) {
		if max < 0 || max > 1<<20 {
			max = 0
		}
		checkInvariants(t, data, Options{MaxMessageSize: max})
	})
}
