package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadahead walks a Maildir with more files than the read-ahead
// window, a file over SmallFileLimit and an empty file: events stay in
// sorted order, small files arrive with Data equal to their bytes, hashes
// match, large files are streamed (Data nil) and nothing is lost.
func TestReadahead(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	n := 3*readAheadWindow + 7
	want := map[string][]byte{}
	var order []string
	for i := range n {
		name := fmt.Sprintf("%05d.msg:2,S", i)
		body := fmt.Sprintf("From: a%d@harbor.example\r\nSubject: s%d\r\n\r\nbody %d\r\n", i, i, i)
		if i == 17 { // one large message, streamed rather than read ahead
			body += string(bytes.Repeat([]byte("x"), SmallFileLimit+10))
		}
		if i == 18 {
			body = ""
		}
		p := filepath.Join(root, "cur", name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		want["cur/"+name] = []byte(body)
		order = append(order, "cur/"+name)
	}
	evs := collect(t, root, Options{})
	var got []string
	for _, ev := range evs {
		if ev.Type != EventFileStart {
			continue
		}
		got = append(got, ev.File.Path)
		body := want[ev.File.Path]
		sum := sha256.Sum256(body)
		if ev.File.SHA256 != hex.EncodeToString(sum[:]) || ev.File.Size != int64(len(body)) {
			t.Errorf("%s: sha %s size %d, want %x size %d", ev.File.Path, ev.File.SHA256, ev.File.Size, sum, len(body))
		}
		big := len(body) > SmallFileLimit
		switch {
		case big && ev.File.Data != nil:
			t.Errorf("%s: %d bytes held in memory, want streamed", ev.File.Path, len(body))
		case !big && !bytes.Equal(ev.File.Data, body):
			t.Errorf("%s: Data = %d bytes, want the file's %d bytes", ev.File.Path, len(ev.File.Data), len(body))
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(order) {
		t.Fatalf("files in order %v…, want %v…", got[:min(5, len(got))], order[:5])
	}
	msgs := 0
	for _, ev := range evs {
		if ev.Type == EventMessage {
			msgs++
			if !bytes.Equal(ev.Raw, want[ev.File.Path]) {
				t.Errorf("%s: Raw differs from the file", ev.File.Path)
			}
		}
	}
	if msgs != n-1 { // the empty file is skipped
		t.Errorf("%d messages, want %d", msgs, n-1)
	}
}

// TestReadaheadStopEarly: a callback error in the middle of a directory
// ends the walk without leaking or deadlocking the read-ahead goroutines.
func TestReadaheadStopEarly(t *testing.T) {
	root := t.TempDir()
	for i := range 2 * readAheadWindow {
		if err := os.WriteFile(filepath.Join(root, fmt.Sprintf("%04d.eml", i)), []byte("Subject: x\r\n\r\nx\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stop := fmt.Errorf("stop")
	seen := 0
	err := Walk(context.Background(), root, Options{}, func(ev Event) error {
		if ev.Type == EventFileStart {
			seen++
			if seen == 3 {
				return stop
			}
		}
		return nil
	})
	if err != stop {
		t.Fatalf("Walk = %v, want the callback's error", err)
	}
}

// TestWalkFiles: only the named files are reported, under their paths
// relative to the root, exactly as a whole walk reports them; a path that
// escapes the root or does not exist fails with its name.
func TestWalkFiles(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a/b/one.eml", "a/two.eml", "three.eml"} {
		if err := os.WriteFile(filepath.Join(root, n), []byte("From: a@harbor.example\r\nTo: b@harbor.example\r\nSubject: "+n+"\r\nDate: Mon, 1 Feb 2010 10:00:00 +0000\r\n\r\nx\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	whole := map[string]Event{}
	for _, ev := range collect(t, root, Options{}) {
		if ev.Type == EventMessage {
			whole[ev.File.Path] = ev
		}
	}
	var evs []Event
	err := WalkFiles(context.Background(), root, []string{"a/b/one.eml", "three.eml", "../outside.eml", "missing.eml"}, Options{},
		func(ev Event) error { evs = append(evs, ev); return nil })
	if err != nil {
		t.Fatal(err)
	}
	var msgs, failed []string
	for _, ev := range evs {
		switch ev.Type {
		case EventMessage:
			msgs = append(msgs, ev.File.Path)
			if w := whole[ev.File.Path]; w.Source.SHA256 != ev.Source.SHA256 || w.File.SHA256 != ev.File.SHA256 {
				t.Errorf("%s: source %+v differs from the whole walk's %+v", ev.File.Path, ev.Source, w.Source)
			}
		case EventFailed:
			failed = append(failed, ev.File.Path+": "+ev.Reason)
		}
	}
	if fmt.Sprint(msgs) != "[a/b/one.eml three.eml]" {
		t.Errorf("messages from %v, want a/b/one.eml and three.eml", msgs)
	}
	if len(failed) != 2 || !strings.Contains(failed[0], "not inside the root") || !strings.Contains(failed[1], "missing.eml") {
		t.Errorf("failures %q, want the escaping and the missing path", failed)
	}
}
