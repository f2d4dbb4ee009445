package source

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	eml1 = "Return-Path: <jonas.reyes@harbor.example>\nFrom: Jonas Reyes <jonas.reyes@harbor.example>\n" +
		"To: Mara Lind <mara.lind@quay.example>\nSubject: Berth schedule\nDate: Mon, 4 Mar 2019 09:12:44 +0100\n" +
		"Message-ID: <berth-1@harbor.example>\n\nMara, the berth schedule is attached.\n"
	eml2 = "From: Mara Lind <mara.lind@quay.example>\nTo: Jonas Reyes <jonas.reyes@harbor.example>\n" +
		"Subject: Re: Berth schedule\nDate: Mon, 4 Mar 2019 10:00:00 +0100\nMessage-ID: <berth-2@quay.example>\n\nThanks.\n"
	from1 = "From jonas.reyes@harbor.example Mon Mar  4 09:12:44 2019\n"
	from2 = "From mara.lind@quay.example Mon Mar  4 10:00:00 2019\n"
	mbox2 = from1 + eml1 + "\n" + from2 + eml2
)

var (
	pngHead = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
	oleHead = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + strings.Repeat("\x00", 504)
	junk    = "\x7fELF\x02\x01\x01\x00" + strings.Repeat("\x00\x01\x02\xff", 64)
)

type want struct {
	types  []EventType
	format string // FileInfo.Format ("" = don't check)
	reason string // substring of the first skipped/failed reason
}

func TestWalkTree(t *testing.T) {
	root := t.TempDir()
	write(t, root, "mail/a.mbox", mbox2)
	write(t, root, "b.eml", eml1)
	write(t, root, "noext", eml2)
	write(t, root, ".hidden.eml", eml1)
	write(t, root, "notes.txt", "Meeting notes: the berth schedule moves to Tuesday.\n")
	write(t, root, "printed.txt", "From: Jonas Reyes\nSent: Monday, March 4, 2019 9:12 AM\nTo: Mara Lind\nSubject: Berth schedule\n\nMara,\n")
	write(t, root, "page.html", "<!DOCTYPE html>\n<html><body>hello</body></html>\n")
	write(t, root, "scan.png", pngHead)
	write(t, root, "doc.pdf", "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
	write(t, root, "junk.bin", junk)
	write(t, root, "empty.txt", "")
	write(t, root, "outlook.msg", oleHead)
	write(t, root, "sheet.xls", oleHead)
	write(t, root, ".git/config", "[core]\n")
	write(t, root, ".casefile/case.db", "x")
	write(t, root, "mail.mbox.gz", "\x1f\x8b\x08\x00\x00\x00\x00\x00")
	// Maildir with Maildir++ sub-folders, odd names and metadata
	write(t, root, "Maildir/cur/1551690764.M1P2.host:2,S", eml1)
	write(t, root, "Maildir/new/odd name with spaces", eml2)
	write(t, root, "Maildir/new/empty-msg", "")
	write(t, root, "Maildir/tmp/123.partial", "From: x\n")
	write(t, root, "Maildir/dovecot-uidlist", "3 V1 N2\n")
	write(t, root, "Maildir/.Sent/cur/1551690800.M2:2,RS", eml2)
	if err := os.MkdirAll(filepath.Join(root, "Maildir/.Sent/new"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, root, "Maildir/.Archive.2019/cur/x", eml1)
	write(t, root, "Maildir/.Archive.2019/new/y", mbox2) // location wins: one message
	write(t, root, "Maildir/.Archive.2019/maildirfolder", "")

	evs := collect(t, root, Options{})

	S, M, D, K, F, E := EventFileStart, EventMessage, EventDocument, EventSkipped, EventFailed, EventFileEnd
	_ = F
	tests := map[string]want{
		"mail/a.mbox":  {types: []EventType{S, M, M, E}, format: FormatMbox},
		"b.eml":        {types: []EventType{S, M, E}, format: FormatEML},
		"noext":        {types: []EventType{S, M, E}, format: FormatEML},
		".hidden.eml":  {types: []EventType{S, M, E}, format: FormatEML},
		"notes.txt":    {types: []EventType{S, D, E}, format: FormatText},
		"printed.txt":  {types: []EventType{S, D, E}, format: FormatText},
		"page.html":    {types: []EventType{S, D, E}, format: FormatHTML},
		"scan.png":     {types: []EventType{S, D, E}, format: FormatImage},
		"doc.pdf":      {types: []EventType{S, D, E}, format: FormatPDF},
		"junk.bin":     {types: []EventType{S, K, E}, format: FormatUnknown, reason: "not an email file (detected: executable (ELF))"},
		"empty.txt":    {types: []EventType{S, K, E}, reason: "empty file"},
		"outlook.msg":  {types: []EventType{S, K, E}, format: FormatMSG, reason: "Outlook .msg files are not supported yet"},
		"sheet.xls":    {types: []EventType{S, K, E}, format: FormatUnknown, reason: "OLE compound document"},
		".git":         {types: []EventType{K}, reason: "version-control directory"},
		".casefile":    {types: []EventType{K}, reason: "casefile case directory"},
		"mail.mbox.gz": {types: []EventType{S, K, E}, reason: "gzip-compressed"},

		"Maildir/cur/1551690764.M1P2.host:2,S": {types: []EventType{S, M, E}, format: FormatMaildir},
		"Maildir/new/odd name with spaces":     {types: []EventType{S, M, E}, format: FormatMaildir},
		"Maildir/new/empty-msg":                {types: []EventType{S, K, E}, reason: "empty file"},
		"Maildir/tmp/123.partial":              {types: []EventType{K}, reason: "Maildir tmp/"},
		"Maildir/dovecot-uidlist":              {types: []EventType{K}, reason: "Maildir metadata"},
		"Maildir/.Sent/cur/1551690800.M2:2,RS": {types: []EventType{S, M, E}, format: FormatMaildir},
		"Maildir/.Archive.2019/cur/x":          {types: []EventType{S, M, E}, format: FormatMaildir},
		"Maildir/.Archive.2019/new/y":          {types: []EventType{S, M, E}, format: FormatMaildir},
		"Maildir/.Archive.2019/maildirfolder":  {types: []EventType{K}, reason: "Maildir metadata"},
	}
	seen := map[string]bool{}
	for _, ev := range evs {
		seen[ev.File.Path] = true
	}
	for p := range seen {
		if _, ok := tests[p]; !ok {
			t.Errorf("unexpected events for %q: %v", p, typesOf(forPath(evs, p)))
		}
	}
	for p, w := range tests {
		got := forPath(evs, p)
		if !slices.Equal(typesOf(got), w.types) {
			t.Errorf("%s: events %v, want %v", p, typesOf(got), w.types)
			continue
		}
		if w.format != "" && got[0].File.Format != w.format {
			t.Errorf("%s: format %q, want %q", p, got[0].File.Format, w.format)
		}
		if w.reason != "" {
			found := false
			for _, ev := range got {
				if (ev.Type == K || ev.Type == F) && strings.Contains(ev.Reason, w.reason) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: no reason containing %q in %+v", p, w.reason, got)
			}
		}
	}

	// sorted, deterministic order of top-level paths
	var order []string
	for _, ev := range evs {
		if len(order) == 0 || order[len(order)-1] != ev.File.Path {
			order = append(order, ev.File.Path)
		}
	}
	// sorted component by component, like filepath.WalkDir
	if !slices.IsSortedFunc(order, func(a, b string) int {
		return slices.Compare(strings.Split(a, "/"), strings.Split(b, "/"))
	}) {
		t.Errorf("paths not in sorted order: %q", order)
	}

	// mbox messages carry exact offsets
	msgs := byType(forPath(evs, "mail/a.mbox"), M)
	if msgs[0].Source.Offset != int64(len(from1)) || msgs[0].Source.Length != int64(len(eml1)) {
		t.Errorf("mbox message 0 at %d+%d", msgs[0].Source.Offset, msgs[0].Source.Length)
	}
	if string(msgs[1].Raw) != eml2 {
		t.Errorf("mbox message 1 raw = %q", msgs[1].Raw)
	}
	end := forPath(evs, "mail/a.mbox")[3]
	if end.Seen != 2 || end.Emitted != 2 {
		t.Errorf("mbox FileEnd Seen/Emitted = %d/%d, want 2/2", end.Seen, end.Emitted)
	}
	// a whole-file message has offset 0 and the file's hash
	b := forPath(evs, "b.eml")[1]
	if b.Source.Offset != 0 || b.Source.Length != int64(len(eml1)) || b.Source.SHA256 != b.File.SHA256 || string(b.Raw) != eml1 {
		t.Errorf("b.eml source %+v", b.Source)
	}
	// top-level documents are read by the pipeline from AbsPath
	if d := forPath(evs, "doc.pdf")[1]; d.DocBytes != nil || d.File.AbsPath == "" {
		t.Errorf("top-level document should have AbsPath and no DocBytes: %+v", d)
	}
}

func typesOf(evs []Event) []EventType {
	var out []EventType
	for _, ev := range evs {
		out = append(out, ev.Type)
	}
	return out
}

func TestWalkMboxVariants(t *testing.T) {
	crlf := strings.ReplaceAll(mbox2, "\n", "\r\n")
	tests := []struct {
		name     string
		data     string
		opts     Options
		types    []EventType
		raws     []string // expected Raw of message events in order
		warn     string   // substring of some warning
		failWant string
	}{
		{
			name:  "crlf",
			data:  crlf,
			types: []EventType{EventMessage, EventMessage},
			raws:  []string{strings.ReplaceAll(eml1, "\n", "\r\n"), strings.ReplaceAll(eml2, "\n", "\r\n")},
		},
		{
			name:  "truncated",
			data:  mbox2 + "\n" + from1 + "From: Jonas Reyes <jonas.reyes@harbor.example>\nSubject: cut",
			types: []EventType{EventMessage, EventMessage, EventMessage},
			warn:  "mbox truncated at offset",
		},
		{
			name:  "mboxrd escaping",
			data:  from1 + eml1 + ">From the quay we saw it\n>>From quoted\n",
			types: []EventType{EventMessage},
			raws:  []string{eml1 + "From the quay we saw it\n>From quoted\n"},
		},
		{
			name:     "oversize message fails, next continues",
			data:     from1 + eml1 + strings.Repeat("filler line\n", 200) + "\n" + from2 + eml2,
			opts:     Options{MaxMessageSize: 1000},
			types:    []EventType{EventFailed, EventMessage},
			failWant: "larger than the limit of 1000 bytes",
		},
		{
			name:  "from in body without blank line",
			data:  from1 + eml1 + from2 + "still body\n",
			types: []EventType{EventMessage},
			raws:  []string{eml1 + from2 + "still body\n"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			write(t, root, "box.mbox", tc.data)
			evs := collect(t, root, tc.opts)
			if f := evs[0].File.Format; f != FormatMbox {
				t.Fatalf("format %q, want mbox", f)
			}
			items := evs[1 : len(evs)-1]
			if !slices.Equal(typesOf(items), tc.types) {
				t.Fatalf("events %v, want %v", typesOf(items), tc.types)
			}
			var raws []string
			var warns, fails []string
			for _, ev := range items {
				if ev.Type == EventMessage {
					raws = append(raws, string(ev.Raw))
				}
				warns = append(warns, ev.Warnings...)
				if ev.Type == EventFailed {
					fails = append(fails, ev.Err.Error())
				}
			}
			if tc.raws != nil && !slices.Equal(raws, tc.raws) {
				t.Errorf("raws\n got %q\nwant %q", raws, tc.raws)
			}
			if tc.warn != "" && !strings.Contains(strings.Join(warns, "\n"), tc.warn) {
				t.Errorf("no warning %q in %q", tc.warn, warns)
			}
			if tc.failWant != "" {
				if len(fails) == 0 || !strings.Contains(fails[0], tc.failWant) || !strings.Contains(fails[0], "box.mbox at offset") {
					t.Errorf("failure %q should name the file, offset and %q", fails, tc.failWant)
				}
			}
		})
	}
}

func TestZipNested(t *testing.T) {
	inner := makeZip(t, []zipEntry{
		{name: "deep/msg.eml", data: []byte(eml1)},
		{name: "box.mbox", data: []byte(mbox2)},
	})
	outer := makeZip(t, []zipEntry{
		{name: "inner.zip", data: inner, method: zip.Store},
		{name: "../evil.eml", data: []byte(eml2)},
		{name: "docs\\notes.txt", data: []byte("plain notes about the quay\n")},
		{name: "scan.png", data: []byte(pngHead)},
		{name: "secret.eml", data: []byte(eml1), flags: 0x1},
		{name: "tool.exe", data: []byte(junk)},
		{name: "folder/", data: nil},
	})
	root := t.TempDir()
	write(t, root, "export.zip", string(outer))
	write(t, root, "z.eml", eml2) // the walk continues after the zip
	evs := collect(t, root, Options{})

	type item struct {
		typ    EventType
		member string
		format string
	}
	var got []item
	for _, ev := range forPath(evs, "export.zip") {
		if ev.Type == EventFileStart || ev.Type == EventFileEnd {
			continue
		}
		got = append(got, item{ev.Type, ev.Source.Member, ev.Format})
	}
	wantItems := []item{
		{EventFailed, "secret.eml", FormatZip},
		{EventDocument, "docs/notes.txt", FormatText},
		{EventMessage, "evil.eml", FormatEML},
		{EventMessage, "inner.zip/box.mbox", FormatMbox},
		{EventMessage, "inner.zip/box.mbox", FormatMbox},
		{EventMessage, "inner.zip/deep/msg.eml", FormatEML},
		{EventDocument, "scan.png", FormatImage},
		{EventSkipped, "tool.exe", FormatUnknown},
	}
	// members are sorted by their original names: "../evil.eml" < "docs\\..." < "inner.zip" < ...
	slices.SortStableFunc(got, func(a, b item) int { return strings.Compare(a.member, b.member) })
	slices.SortStableFunc(wantItems, func(a, b item) int { return strings.Compare(a.member, b.member) })
	if !slices.Equal(got, wantItems) {
		t.Fatalf("zip events\n got %+v\nwant %+v", got, wantItems)
	}
	var evil, encrypted, notes Event
	var boxMsgs []Event
	for _, ev := range forPath(evs, "export.zip") {
		switch ev.Source.Member {
		case "evil.eml":
			evil = ev
		case "secret.eml":
			encrypted = ev
		case "docs/notes.txt":
			notes = ev
		case "inner.zip/box.mbox":
			boxMsgs = append(boxMsgs, ev)
		}
	}
	if !strings.Contains(strings.Join(evil.Warnings, "\n"), `zip member name "../evil.eml" sanitised to "evil.eml"`) {
		t.Errorf("evil.eml warnings %q", evil.Warnings)
	}
	if !strings.Contains(strings.Join(notes.Warnings, "\n"), `sanitised to "docs/notes.txt"`) {
		t.Errorf("backslash name warnings %q", notes.Warnings)
	}
	if string(notes.DocBytes) != "plain notes about the quay\n" {
		t.Errorf("DocBytes = %q", notes.DocBytes)
	}
	if !strings.Contains(encrypted.Err.Error(), "secret.eml") || !strings.Contains(encrypted.Reason, "encrypted") {
		t.Errorf("encrypted member failure %v / %q", encrypted.Err, encrypted.Reason)
	}
	// mbox inside a nested zip: offsets are inside the member
	if boxMsgs[0].Source.Offset != int64(len(from1)) || boxMsgs[1].Source.Offset != int64(len(from1+eml1+"\n"+from2)) {
		t.Errorf("nested mbox offsets %d, %d", boxMsgs[0].Source.Offset, boxMsgs[1].Source.Offset)
	}
	for _, m := range boxMsgs {
		sum := sha256.Sum256([]byte(mbox2[m.Source.Offset : m.Source.Offset+m.Source.Length]))
		if hex.EncodeToString(sum[:]) != m.Source.SHA256 {
			t.Errorf("nested mbox message at %d: SHA256 does not match member bytes", m.Source.Offset)
		}
	}
	end := forPath(evs, "export.zip")
	fe := end[len(end)-1]
	if fe.Seen != 8 || fe.Emitted != 4 || fe.Documents != 2 || fe.Skipped != 1 || fe.Failed != 1 {
		t.Errorf("zip FileEnd counts seen=%d emitted=%d docs=%d skipped=%d failed=%d", fe.Seen, fe.Emitted, fe.Documents, fe.Skipped, fe.Failed)
	}
	if len(byType(forPath(evs, "z.eml"), EventMessage)) != 1 {
		t.Errorf("walk did not continue after the zip")
	}
}

func TestZipDepthLimit(t *testing.T) {
	z := makeZip(t, []zipEntry{{name: "m.eml", data: []byte(eml1)}})
	for i := 0; i < 3; i++ {
		z = makeZip(t, []zipEntry{{name: "level.zip", data: z}})
	}
	root := t.TempDir()
	write(t, root, "deep.zip", string(z)) // 4 levels of zip
	evs := collect(t, root, Options{MaxZipDepth: 3})
	fails := byType(evs, EventFailed)
	if len(fails) != 1 || !strings.Contains(fails[0].Reason, "MaxZipDepth") || fails[0].Source.Member != "level.zip/level.zip/level.zip" {
		t.Fatalf("depth failure: %+v", fails)
	}
	if n := len(byType(collect(t, root, Options{}), EventMessage)); n != 1 {
		t.Errorf("default depth: %d messages, want 1", n)
	}
}

func TestZipBomb(t *testing.T) {
	zeros := make([]byte, 64<<20)
	bomb := makeZip(t, []zipEntry{
		{name: "a-bomb.txt", data: zeros},
		{name: "b-ok.eml", data: []byte(eml1)},
	})
	// a lying header: declare a tiny uncompressed size for the bomb
	lying := bytes.Clone(bomb)
	patchUncompressedSize(t, lying, "a-bomb.txt", 1000)

	big := bytes.Repeat([]byte("berth schedule line\n"), 40000) // 800 KB of text
	budget := makeZip(t, []zipEntry{
		{name: "1.txt", data: big},
		{name: "2.txt", data: big},
		{name: "3.eml", data: []byte(eml1)},
	})

	tests := []struct {
		name     string
		zip      []byte
		opts     Options
		failWant string
		failed   []string // members
		messages []string // members
	}{
		{name: "declared ratio", zip: bomb, failWant: "zip bomb protection", failed: []string{"a-bomb.txt"}, messages: []string{"b-ok.eml"}},
		{name: "lying header", zip: lying, failWant: "", failed: []string{"a-bomb.txt"}, messages: []string{"b-ok.eml"}},
		{name: "total budget", zip: budget, opts: Options{MaxZipTotal: 1 << 20}, failWant: "Options.MaxZipTotal", failed: []string{"2.txt"}, messages: []string{"3.eml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			write(t, root, "bomb.zip", string(tc.zip))
			write(t, root, "next.eml", eml2)
			evs := collect(t, root, tc.opts)
			var failed, msgs []string
			for _, ev := range forPath(evs, "bomb.zip") {
				switch ev.Type {
				case EventFailed:
					failed = append(failed, ev.Source.Member)
					if !strings.Contains(ev.Reason, tc.failWant) {
						t.Errorf("failure reason %q lacks %q", ev.Reason, tc.failWant)
					}
				case EventMessage:
					msgs = append(msgs, ev.Source.Member)
				}
			}
			if !slices.Equal(failed, tc.failed) || !slices.Equal(msgs, tc.messages) {
				t.Errorf("failed %q messages %q, want %q %q", failed, msgs, tc.failed, tc.messages)
			}
			if len(byType(forPath(evs, "next.eml"), EventMessage)) != 1 {
				t.Errorf("walk did not continue after the zip")
			}
		})
	}
}

// patchUncompressedSize rewrites a member's uncompressed size in the
// central directory (and local header).
func patchUncompressedSize(t *testing.T, z []byte, name string, size uint32) {
	t.Helper()
	patched := 0
	for i := 0; i+46 < len(z); i++ {
		if string(z[i:i+4]) == "PK\x01\x02" {
			n := int(binary.LittleEndian.Uint16(z[i+28:]))
			if string(z[i+46:i+46+n]) == name {
				binary.LittleEndian.PutUint32(z[i+24:], size)
				patched++
			}
		}
	}
	if patched != 1 {
		t.Fatalf("patched %d central directory entries", patched)
	}
}

func TestUnreadableFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: chmod 000 does not block reads")
	}
	root := t.TempDir()
	p := write(t, root, "a-locked.eml", eml1)
	write(t, root, "b.eml", eml2)
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(p, 0o644)
	evs := collect(t, root, Options{})
	got := forPath(evs, "a-locked.eml")
	if len(got) != 1 || got[0].Type != EventFailed || !strings.Contains(got[0].Err.Error(), "a-locked.eml") ||
		!errors.Is(got[0].Err, os.ErrPermission) {
		t.Fatalf("locked file events %+v", got)
	}
	if len(byType(forPath(evs, "b.eml"), EventMessage)) != 1 {
		t.Errorf("walk did not continue")
	}
}

func TestSymlinks(t *testing.T) {
	root := t.TempDir()
	target := write(t, root, "real/m.eml", eml1)
	if err := os.Symlink(target, filepath.Join(root, "link.eml")); err != nil {
		t.Skip("symlinks not supported:", err)
	}
	if err := os.Symlink(root, filepath.Join(root, "real/loop")); err != nil {
		t.Fatal(err)
	}
	evs := collect(t, root, Options{})
	l := forPath(evs, "link.eml")
	if len(l) != 1 || l[0].Type != EventSkipped || !strings.Contains(l[0].Reason, "symbolic link") {
		t.Errorf("link.eml: %+v", l)
	}
	evs = collect(t, root, Options{FollowSymlinks: true})
	if n := len(byType(forPath(evs, "link.eml"), EventMessage)); n != 1 {
		t.Errorf("followed link: %d messages", n)
	}
	loop := forPath(evs, "real/loop")
	if len(loop) != 1 || loop[0].Type != EventSkipped || !strings.Contains(loop[0].Reason, "already walked") {
		t.Errorf("loop: %+v", loop)
	}
}

func TestSkipFileAndCancel(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a.mbox", mbox2)
	write(t, root, "b.eml", eml1)
	var got []string
	err := Walk(context.Background(), root, Options{}, func(ev Event) error {
		got = append(got, ev.Type.String()+":"+ev.File.Path)
		if ev.Type == EventFileStart && ev.File.Path == "a.mbox" {
			return ErrSkipFile
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"file-start:a.mbox", "file-start:b.eml", "message:b.eml", "file-end:b.eml"}
	if !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}

	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err = Walk(ctx, root, Options{}, func(ev Event) error {
		if ev.Type == EventMessage {
			n++
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 1 {
		t.Errorf("cancel: err=%v after %d messages", err, n)
	}

	stop := errors.New("stop")
	err = Walk(context.Background(), root, Options{}, func(ev Event) error {
		if ev.Type == EventMessage {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Errorf("callback error not returned: %v", err)
	}
}

func TestSingleFileRoot(t *testing.T) {
	root := t.TempDir()
	p := write(t, root, "only.mbox", mbox2)
	evs := collect(t, p, Options{})
	if len(evs) != 4 || evs[0].File.Path != "only.mbox" {
		t.Fatalf("events %+v", evs)
	}
	if err := Walk(context.Background(), filepath.Join(root, "missing"), Options{}, func(Event) error { return nil }); err == nil {
		t.Error("missing root: no error")
	}
}

func TestReadPSTMissing(t *testing.T) {
	root := t.TempDir()
	write(t, root, "a.pst", "!BDN"+strings.Repeat("\x00", 512))
	write(t, root, "b.eml", eml1)
	evs := collect(t, root, Options{ReadPST: filepath.Join(root, "no-such-readpst")})
	a := forPath(evs, "a.pst")
	if len(a) != 3 || a[0].File.Format != FormatPST || a[1].Type != EventFailed {
		t.Fatalf("a.pst events %+v", a)
	}
	if !strings.Contains(a[1].Reason, "readpst not found: install the Debian package pst-utils (apt-get install pst-utils)") {
		t.Errorf("reason %q", a[1].Reason)
	}
	if !strings.Contains(a[1].Err.Error(), "a.pst") {
		t.Errorf("error does not name the file: %v", a[1].Err)
	}
	if len(byType(forPath(evs, "b.eml"), EventMessage)) != 1 {
		t.Error("walk did not continue")
	}
}

func TestReadPSTFailure(t *testing.T) {
	if _, err := os.Stat("/usr/bin/readpst"); err != nil {
		t.Skip("readpst not installed")
	}
	root := t.TempDir()
	write(t, root, "broken.pst", "!BDN"+strings.Repeat("\x00\x17", 300))
	evs := collect(t, root, Options{})
	fails := byType(evs, EventFailed)
	if len(fails) != 1 || !strings.Contains(fails[0].Reason, "readpst failed") || !strings.Contains(fails[0].Err.Error(), "broken.pst") {
		t.Fatalf("failures %+v", fails)
	}
	t.Logf("reason: %s", fails[0].Reason)
}

func TestEnronPST(t *testing.T) {
	pstPath := enronPST(t)
	root := t.TempDir()
	data, err := os.ReadFile(pstPath)
	if err != nil {
		t.Fatal(err)
	}
	write(t, root, "enron.pst", string(data))
	// the same PST inside a zip
	write(t, root, "zipped.zip", string(makeZip(t, []zipEntry{{name: "mail/enron.pst", data: data}})))

	run := func() (map[string]string, []Event) {
		evs := collect(t, root, Options{TempDir: t.TempDir()})
		members := map[string]string{}
		for _, ev := range byType(forPath(evs, "enron.pst"), EventMessage) {
			members[ev.Source.Member] = ev.Source.SHA256
		}
		return members, evs
	}
	first, evs := run()
	fe := forPath(evs, "enron.pst")
	end := fe[len(fe)-1]
	if len(first) != 71 || end.Emitted != 71 || end.Seen != 71 {
		t.Fatalf("enron.pst: %d distinct messages, FileEnd emitted=%d seen=%d; want 71", len(first), end.Emitted, end.Seen)
	}
	if f := byType(fe, EventFailed); len(f) != 0 {
		t.Errorf("unexpected failures: %+v", f)
	}
	if _, ok := first["Personal folders/lokay-m/MLOKAY (Non-Privileged)/Personal/1"]; !ok {
		t.Errorf("member paths do not follow readpst's layout: %v", keys(first))
	}
	for _, ev := range byType(fe, EventMessage) {
		low := bytes.ToLower(ev.Raw)
		if ev.Format != FormatPST || !bytes.Contains(low, []byte("\nsubject:")) || !bytes.Contains(low, []byte("\nmime-version: 1.0\n")) {
			t.Errorf("%s: not a message: %.200q", ev.Source.Member, ev.Raw)
		}
	}
	zipped := byType(forPath(evs, "zipped.zip"), EventMessage)
	if len(zipped) != 71 || !strings.HasPrefix(zipped[0].Source.Member, "mail/enron.pst/Personal folders/") {
		t.Errorf("zipped PST: %d messages, first member %q", len(zipped), zipped[0].Source.Member)
	}
	// readpst's random MIME boundaries are normalised: same bytes every run
	second, _ := run()
	for m, sum := range first {
		if second[m] != sum {
			t.Errorf("%s: SHA256 differs between runs", m)
			break
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	if len(out) > 5 {
		out = out[:5]
	}
	return out
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name, head, file, want string
	}{
		{"mbox", mbox2, "x", FormatMbox},
		{"mbox crlf", strings.ReplaceAll(mbox2, "\n", "\r\n"), "x", FormatMbox},
		{"mbox leading blank", "\n" + mbox2, "x", FormatMbox},
		{"eml", eml1, "x.txt", FormatEML},
		{"eml received first", "Received: from quay.example by harbor.example; Mon, 4 Mar 2019 09:12:44 +0100\n\tid 1\nX-Spam: no\nSubject: hi\n\nbody", "x", FormatEML},
		{"eml headers only X-", "X-Mailer: Quay Mail 1.0\nSubject: hi\n\nbody", "x", FormatEML},
		{"basic headers", "From: Jonas Reyes <jonas.reyes@harbor.example>\nTo: mara.lind@quay.example\nSubject: hi\n\nbody", "x", FormatEML},
		{"outlook printed text", "From: Jonas Reyes\nSent: Monday, March 4, 2019 9:12 AM\nTo: Mara Lind\nSubject: hi\n\nbody", "x", FormatText},
		{"prose", "Dear Mara,\nthe schedule: see below.\n", "x.eml", FormatText},
		{"from prose", "From here on, we sail.\nSecond line\n", "x", FormatText},
		{"html", "  <!DOCTYPE html><html><body>x</body></html>", "x", FormatHTML},
		{"html tag", "<html>\n<head><title>x</title></head>", "x", FormatHTML},
		{"pdf", "%PDF-1.7\n", "x", FormatPDF},
		{"png", pngHead, "x", FormatImage},
		{"jpeg", "\xFF\xD8\xFF\xE0\x00\x10JFIF", "x", FormatImage},
		{"gif", "GIF89a\x01\x00", "x", FormatImage},
		{"tiff", "II*\x00\x08\x00\x00\x00", "x", FormatImage},
		{"zip", "PK\x03\x04\x14\x00\x00\x00\x08\x00", "x", FormatZip},
		{"docx", "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x13\x00\x00\x00[Content_Types].xml", "x.zip", FormatUnknown},
		{"docx by name", "PK\x03\x04\x14\x00\x00\x00\x08\x00", "report.docx", FormatUnknown},
		{"pst", "!BDN\x00\x00", "x", FormatPST},
		{"msg by name", oleHead, "mail.MSG", FormatMSG},
		{"msg by content", oleHead[:100] + string([]byte{'_', 0, '_', 0, 's', 0, 'u', 0, 'b', 0, 's', 0, 't', 0, 'g', 0, '1', 0, '.', 0, '0', 0, '_', 0}), "x", FormatMSG},
		{"ole other", oleHead, "x.doc", FormatUnknown},
		{"elf", junk, "x.eml", FormatUnknown},
		{"empty", "", "x.eml", FormatUnknown},
		{"latin1 text", "Caf\xe9 au lait, cr\xe8me br\xfbl\xe9e.\n", "x", FormatText},
		{"utf16 text", "\xff\xfeH\x00i\x00\n\x00", "x", FormatText},
	}
	for _, tc := range tests {
		if got := Detect([]byte(tc.head), tc.file); got != tc.want {
			t.Errorf("%s: Detect = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestZipSpoolToTempFile(t *testing.T) {
	inner := makeZip(t, []zipEntry{{name: "box.mbox", data: []byte(mbox2)}})
	outer := makeZip(t, []zipEntry{
		{name: "box.mbox", data: []byte(mbox2)},
		{name: "inner.zip", data: inner},
		{name: "small.eml", data: []byte(eml1)},
	})
	root := t.TempDir()
	write(t, root, "a.zip", string(outer))
	tmp := t.TempDir()
	// members larger than 64 bytes go to temporary files
	evs := collectMem(t, root, Options{TempDir: tmp}, 64)
	var members []string
	for _, ev := range byType(evs, EventMessage) {
		members = append(members, ev.Source.Member)
		sum := sha256.Sum256([]byte(mbox2[ev.Source.Offset : ev.Source.Offset+ev.Source.Length]))
		if ev.Format == FormatMbox && hex.EncodeToString(sum[:]) != ev.Source.SHA256 {
			t.Errorf("%s at %d: SHA256 mismatch", ev.Source.Member, ev.Source.Offset)
		}
	}
	want := []string{"box.mbox", "box.mbox", "inner.zip/box.mbox", "inner.zip/box.mbox", "small.eml"}
	if !slices.Equal(members, want) {
		t.Errorf("members %q, want %q", members, want)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func TestMboxWithBOM(t *testing.T) {
	root := t.TempDir()
	write(t, root, "bom.mbox", "\xEF\xBB\xBF"+mbox2)
	evs := collect(t, root, Options{})
	if got := typesOf(evs); !slices.Equal(got, []EventType{EventFileStart, EventMessage, EventMessage, EventFileEnd}) {
		t.Errorf("events %v", got)
	}
}

func TestSanitizeMemberName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ok/x.eml", "ok/x.eml"},
		{"../../etc/x", "etc/x"},
		{"/abs/x.eml", "abs/x.eml"},
		{`C:\Users\jonas\x.eml`, "Users/jonas/x.eml"},
		{"a\x00b.eml", "ab.eml"},
		{"a/./b/../c.eml", "a/c.eml"},
		{"..", "unnamed"},
		{"caf\x82.eml", "café.eml"}, // CP437 0x82 = é
	}
	for _, tc := range tests {
		got, warnings := sanitizeMemberName(&zip.File{FileHeader: zip.FileHeader{Name: tc.in}})
		if got != tc.want {
			t.Errorf("sanitize(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if (got != tc.in) != (len(warnings) > 0) {
			t.Errorf("sanitize(%q): warnings %q", tc.in, warnings)
		}
	}
}

func TestExclude(t *testing.T) {
	root := t.TempDir()
	write(t, root, "case/store.eml", eml1)
	write(t, root, "mail/a.eml", eml2)
	evs := collect(t, root, Options{Exclude: []string{filepath.Join(root, "case")}})
	c := forPath(evs, "case")
	if len(c) != 1 || c[0].Type != EventSkipped || len(byType(evs, EventMessage)) != 1 {
		t.Errorf("events %+v", evs)
	}
}
