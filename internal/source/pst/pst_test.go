package pst

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	in := "Content-Type: multipart/mixed;\n\tboundary=\"--boundary-LibPST-iamunique-1142695839_-_-\"\n\n" +
		"----boundary-LibPST-iamunique-1142695839_-_-\nContent-Type: multipart/alternative;\n" +
		"\tboundary=\"alt---boundary-LibPST-iamunique-1142695839_-_-\"\n" +
		"--alt---boundary-LibPST-iamunique-1142695839_-_-\n" +
		"Content-Type: message/rfc822\n\nboundary=\"--boundary-LibPST-iamunique-77_-_-\"\n" +
		"Content-Type: text/calendar; name=\"i1804289383.ics\"\nfilename=\"i1804289383.ics\"\n" +
		"----boundary-LibPST-iamunique-1142695839_-_---\n"
	want := "Content-Type: multipart/mixed;\n\tboundary=\"--boundary-LibPST-iamunique-1_-_-\"\n\n" +
		"----boundary-LibPST-iamunique-1_-_-\nContent-Type: multipart/alternative;\n" +
		"\tboundary=\"alt---boundary-LibPST-iamunique-1_-_-\"\n" +
		"--alt---boundary-LibPST-iamunique-1_-_-\n" +
		"Content-Type: message/rfc822\n\nboundary=\"--boundary-LibPST-iamunique-2_-_-\"\n" +
		"Content-Type: text/calendar; name=\"i1.ics\"\nfilename=\"i1.ics\"\n" +
		"----boundary-LibPST-iamunique-1_-_---\n"
	if got := string(Normalize([]byte(in))); got != want {
		t.Errorf("Normalize:\n got %q\nwant %q", got, want)
	}
	plain := []byte("Subject: no boundaries\n\nbody\n")
	if got := Normalize(plain); string(got) != string(plain) {
		t.Errorf("Normalize changed a message without readpst boundaries")
	}
}

func TestNaturalLess(t *testing.T) {
	in := []string{"Top/Inbox/10", "Top/Inbox/2", "Top/Inbox/Sub/1", "Top/Archive/3", "Top/Inbox/1", "Top/5"}
	want := []string{"Top/5", "Top/Archive/3", "Top/Inbox/1", "Top/Inbox/2", "Top/Inbox/10", "Top/Inbox/Sub/1"}
	slices.SortFunc(in, func(a, b string) int {
		if naturalLess(a, b) {
			return -1
		}
		if naturalLess(b, a) {
			return 1
		}
		return 0
	})
	if !slices.Equal(in, want) {
		t.Errorf("got %q, want %q", in, want)
	}
}

// Output captured from readpst 0.6.76 on an OST (names shortened).
const stdoutSample = `Opening PST file and indexes...
Processing Folder "Deleted Items"
	"Deleted Items" - 1 items done, 0 items skipped.
Processing Folder "Inbox"
	"Inbox" - 10 items done, 13 items skipped.
Processing Folder "Calendar"
Processing Folder "Birthdays"
	"Calendar" - 11 items done, 6 items skipped.
	"box.ost" - 3 items done, 0 items skipped.
`

const debugSample = `009092 No Function readpst.c(2396) processed item count for folder Deleted Items is 1, skipped 0, total 1 
009092 No Function readpst.c(397) item with message store content, type 13 IPM.Configuration.Calendar, skipping it
009092 No Function readpst.c(401) Unknown item type 13 (IPM.Task) name ((null))
009092 No Function readpst.c(401) Unknown item type 13 (IPM.Task) name (Call Mara)
009092 No Function readpst.c(2396) processed item count for folder Inbox is 10, skipped 13, total 12 
009092 No Function readpst.c(310) A NULL item was seen
009092 No Function readpst.c(2396) processed item count for folder Calendar is 11, skipped 6, total 9 
009092 No Function readpst.c(2396) processed item count for folder box.ost is 3, skipped 0, total 0 
`

func TestParseOutputAndAccount(t *testing.T) {
	var res runResult
	res.skippedTypes = map[string]int{}
	parseStdout(strings.NewReader(stdoutSample), &res)
	parseDebugLog(strings.NewReader(debugSample), &res)
	if res.folderLines != 4 || len(res.stdFolders) != 4 || len(res.folders) != 4 {
		t.Fatalf("parsed %d folder lines, %d stdout folders, %d debug folders", res.folderLines, len(res.stdFolders), len(res.folders))
	}
	if res.unreadable != 1 || res.skippedTypes["IPM.Task"] != 2 || res.skippedTypes["IPM.Configuration.Calendar"] != 1 {
		t.Errorf("unreadable=%d skipped=%v", res.unreadable, res.skippedTypes)
	}
	dirs := map[string][]int{"Deleted Items": {1}, "Inbox": {10}, "Calendar": {9}}
	folders, claimed, fromPST := account(res, dirs)
	if !fromPST || claimed != 1+12+9 {
		t.Errorf("claimed %d fromPST %v, want 22 true", claimed, fromPST)
	}
	if folders[1].Name != "Inbox" || folders[1].Claimed != 12 || folders[1].Exported != 10 {
		t.Errorf("Inbox account %+v", folders[1])
	}
	// without the debug log: processed + skipped - sub-folders
	res.folders = nil
	_, claimed, fromPST = account(res, dirs)
	if fromPST || claimed != (1+10+11+3)+(13+6)-4 {
		t.Errorf("fallback claimed %d fromPST %v", claimed, fromPST)
	}
}

func TestReadPSTNotFound(t *testing.T) {
	dir := t.TempDir()
	rep, err := Extract(context.Background(), Options{ReadPST: filepath.Join(dir, "readpst")}, filepath.Join(dir, "x.pst"), func(Item) error {
		t.Fatal("callback called")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(rep.Failure, ErrNotFound) || !strings.Contains(rep.Failure.Error(), "apt-get install pst-utils") {
		t.Errorf("Failure = %v", rep.Failure)
	}
}
