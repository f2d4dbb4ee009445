package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeReadPST writes a shell script standing in for readpst.
func fakeReadPST(t *testing.T, body string) string {
	t.Helper()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	p := filepath.Join(t.TempDir(), "readpst")
	script := "#!/bin/sh\nout=\"\"\nwhile [ $# -gt 0 ]; do\n  case \"$1\" in -o) out=\"$2\"; shift;; esac\n  shift\ndone\n" + body
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPSTReconciliation(t *testing.T) {
	// readpst claims 3 items in Inbox (and one unreadable record, and a
	// skipped task) but writes only 2 files: the loss must be reported.
	bin := fakeReadPST(t, `mkdir -p "$out/Top/Inbox"
printf 'Subject: a\n\nx\n' > "$out/Top/Inbox/1.eml"
printf 'Subject: b\n\nx\n' > "$out/Top/Inbox/3.eml"
printf 'BEGIN:VCARD\nFN:Mara Lind\nEND:VCARD\n' > "$out/Top/2.vcf"
echo 'Processing Folder "Inbox"'
printf '\t"Inbox" - 3 items done, 0 items skipped.\n'
printf '\t"Top" - 2 items done, 0 items skipped.\n'
echo '1 No Function readpst.c(401) Unknown item type 13 (IPM.Task) name (Call Mara)' >&3
echo '1 No Function readpst.c(310) A NULL item was seen' >&3
echo '1 No Function readpst.c(2396) processed item count for folder Inbox is 3, skipped 0, total 3 ' >&3
echo '1 No Function readpst.c(2396) processed item count for folder Top is 2, skipped 0, total 1 ' >&3
`)
	root := t.TempDir()
	write(t, root, "box.pst", "!BDN"+strings.Repeat("\x00", 100))
	evs := collect(t, root, Options{ReadPST: bin})
	var members, fails []string
	for _, ev := range evs {
		switch ev.Type {
		case EventMessage, EventSkipped:
			members = append(members, ev.Type.String()+":"+ev.Source.Member)
		case EventFailed:
			fails = append(fails, ev.Reason)
		}
	}
	wantMembers := []string{"skipped:Top/2.vcf", "message:Top/Inbox/1", "message:Top/Inbox/3"}
	if strings.Join(members, ",") != strings.Join(wantMembers, ",") {
		t.Errorf("items %q, want %q", members, wantMembers)
	}
	if len(fails) != 2 ||
		!strings.Contains(fails[0], "folders list 4 items but readpst exported only 3 (1 missing)") ||
		!strings.Contains(fails[0], `folder "Inbox" lists 3, exported 2`) ||
		!strings.Contains(fails[0], "IPM.Task ×1") ||
		!strings.Contains(fails[1], "could not read 1 items") {
		t.Errorf("failures %q", fails)
	}
	end := evs[len(evs)-1]
	if end.Type != EventFileEnd || end.Seen != 4 || end.Emitted != 2 || end.Skipped != 1 || end.Failed != 2 {
		t.Errorf("FileEnd %+v", end)
	}
}

func TestPSTCrashKeepsExported(t *testing.T) {
	bin := fakeReadPST(t, `mkdir -p "$out/Top"
printf 'Subject: a\n\nx\n' > "$out/Top/1.eml"
echo 'Processing Folder "Top"'
echo 'pst_getBlockOffsetPointer: damaged block' >&2
exit 3
`)
	root := t.TempDir()
	write(t, root, "box.pst", "!BDN"+strings.Repeat("\x00", 100))
	evs := collect(t, root, Options{ReadPST: bin})
	if n := len(byType(evs, EventMessage)); n != 1 {
		t.Errorf("%d messages, want the 1 exported before the crash", n)
	}
	fails := byType(evs, EventFailed)
	if len(fails) != 1 || !strings.Contains(fails[0].Reason, "exit status 3") ||
		!strings.Contains(fails[0].Reason, "damaged block") || !strings.Contains(fails[0].Reason, "1 items exported before the failure") {
		t.Errorf("failures %+v", fails)
	}
}

func TestPSTCancelKillsReadPST(t *testing.T) {
	bin := fakeReadPST(t, "exec sleep 30\n")
	root := t.TempDir()
	write(t, root, "box.pst", "!BDN"+strings.Repeat("\x00", 100))
	ctx, cancel := context.WithCancel(context.Background())
	started := time.Now()
	err := Walk(ctx, root, Options{ReadPST: bin}, func(ev Event) error {
		if ev.Type == EventFileStart {
			time.AfterFunc(200*time.Millisecond, cancel)
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(started); d > 10*time.Second {
		t.Errorf("cancellation took %v", d)
	}
}
