// Package pst exports the items of Outlook PST/OST files by running
// readpst (libpst, Debian package pst-utils) into a temporary directory
// and reports the counts needed to prove that nothing was lost: the
// PST's own per-folder item counts (taken from readpst's debug log), what
// readpst exported, which item types it skipped and which items it could
// not read.
//
// readpst is run as
//
//	readpst -D -e -j 0 -d /dev/fd/3 -L 2 -o TMP FILE
//
// -D includes the "Deleted Items" folder, -e writes one file per item with
// an extension (.eml for mail, .vcf for contacts, .ics for calendar and
// journal items) in a directory tree mirroring the PST folders, -j 0
// disables forking so the output is sequential, and the debug log on fd 3
// carries the folder counts. The package owns the temporary directory and
// removes it before Extract returns.
package pst

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrNotFound is wrapped by Report.Failure when the readpst binary is missing.
var ErrNotFound = errors.New("readpst not found: install the Debian package pst-utils (apt-get install pst-utils)")

// Options configure Extract. The zero value looks readpst up on PATH and
// uses the system temporary directory.
type Options struct {
	// ReadPST is the path of the readpst binary; "" means "readpst" on PATH.
	ReadPST string
	// TempDir is where the export directory is created; "" means os.TempDir().
	TempDir string
}

// Item kinds.
const (
	KindEmail    = "email"    // .eml: an RFC 5322 message
	KindContact  = "contact"  // .vcf
	KindCalendar = "calendar" // .ics: appointment or journal entry
	KindOther    = "other"
)

// Item is one file readpst exported.
type Item struct {
	// Member is the item's path as readpst lays it out, relative to the
	// export directory, with the .eml extension removed for mail:
	// "Personal folders/Inbox/12". Other kinds keep their extension.
	Member string
	Kind   string
	// Path is the exported file; it is deleted after Extract returns.
	Path string
	Size int64
}

// Folder is the account readpst gives for one PST folder.
type Folder struct {
	Name string
	// Claimed is the folder's own content count stored in the PST
	// (-1 when readpst's debug log did not report it).
	Claimed int
	// Processed counts items readpst handled, including sub-folders;
	// Skipped the items it did not export.
	Processed, Skipped int
	// Exported is the number of files found in the folder's directory
	// (-1 when the directory could not be matched unambiguously).
	Exported int
}

// Report is the reconciliation data of one Extract.
type Report struct {
	// Claimed is the sum of the PST folders' own item counts; when the
	// debug log was unavailable it falls back to readpst's processed
	// items (minus sub-folders) plus skipped items. ClaimedFromPST tells
	// which.
	Claimed        int
	ClaimedFromPST bool
	// Exported is the number of files readpst wrote.
	Exported int
	Folders  []Folder
	// SkippedTypes counts items readpst did not export by message class
	// (IPM.Task, IPM.StickyNote, hidden IPM.Configuration.* items...).
	SkippedTypes map[string]int
	// Unreadable counts items readpst could not parse at all.
	Unreadable int
	// Failure is set when readpst could not be run or exited with an
	// error (the message includes the tail of its output). Items exported
	// before the failure are still passed to the callback.
	Failure error
}

// Missing returns how many claimed items have no exported file.
func (r Report) Missing() int {
	if r.Claimed > r.Exported {
		return r.Claimed - r.Exported
	}
	return 0
}

// Extract runs readpst on the PST at path and calls fn for every exported
// file in a deterministic order (folders and items sorted, item numbers
// numerically). It returns ctx.Err() if the context is cancelled (readpst
// is killed) or fn's error; problems with readpst itself are reported in
// Report.Failure.
func Extract(ctx context.Context, opts Options, path string, fn func(Item) error) (Report, error) {
	rep := Report{SkippedTypes: map[string]int{}}
	bin, err := lookPath(opts.ReadPST)
	if err != nil {
		rep.Failure = err
		return rep, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		rep.Failure = fmt.Errorf("pst: %w", err)
		return rep, nil
	}
	tmp, err := os.MkdirTemp(opts.TempDir, "casefile-readpst-")
	if err != nil {
		rep.Failure = fmt.Errorf("pst: cannot create a temporary directory for readpst: %w", err)
		return rep, nil
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "out")
	if err := os.Mkdir(out, 0o700); err != nil {
		rep.Failure = fmt.Errorf("pst: cannot create a temporary directory for readpst: %w", err)
		return rep, nil
	}

	run, err := runReadPST(ctx, bin, abs, out)
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	if err != nil {
		rep.Failure = fmt.Errorf("pst: %w", err)
	}
	rep.Unreadable = run.unreadable
	rep.SkippedTypes = run.skippedTypes

	files, dirCounts, werr := listOutput(out)
	if werr != nil && rep.Failure == nil {
		rep.Failure = fmt.Errorf("pst: %s: reading readpst output: %w", path, werr)
	}
	rep.Exported = len(files)
	rep.Folders, rep.Claimed, rep.ClaimedFromPST = account(run, dirCounts)

	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if err := fn(f); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func lookPath(p string) (string, error) {
	if p == "" {
		found, err := exec.LookPath("readpst")
		if err != nil {
			return "", fmt.Errorf("pst: %w (not on PATH)", ErrNotFound)
		}
		return found, nil
	}
	st, err := os.Stat(p)
	if err != nil || st.IsDir() || st.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("pst: %w (looked for %q)", ErrNotFound, p)
	}
	return p, nil
}

// runResult holds what readpst printed.
type runResult struct {
	folders      []Folder // from the debug log, in order
	stdFolders   []Folder // from stdout "items done" lines
	folderLines  int      // "Processing Folder" lines on stdout
	skippedTypes map[string]int
	unreadable   int
}

func runReadPST(ctx context.Context, bin, pstPath, out string) (runResult, error) {
	res := runResult{skippedTypes: map[string]int{}}
	logR, logW, err := os.Pipe()
	if err != nil {
		return res, fmt.Errorf("cannot create pipe for readpst: %w", err)
	}
	cmd := exec.CommandContext(ctx, bin, "-D", "-e", "-j", "0", "-d", "/dev/fd/3", "-L", "2", "-o", out, pstPath)
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	cmd.ExtraFiles = []*os.File{logW}
	cmd.WaitDelay = 5 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logR.Close()
		logW.Close()
		return res, fmt.Errorf("cannot run readpst: %w", err)
	}
	var stderr tailBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		logR.Close()
		logW.Close()
		return res, fmt.Errorf("cannot run readpst %s: %w", bin, err)
	}
	logW.Close()

	var wg sync.WaitGroup
	var stdoutTail tailBuffer
	wg.Add(2)
	go func() {
		defer wg.Done()
		parseStdout(io.TeeReader(stdout, &stdoutTail), &res)
	}()
	go func() {
		defer wg.Done()
		parseDebugLog(logR, &res)
		logR.Close()
	}()
	wg.Wait()
	werr := cmd.Wait()
	if werr != nil {
		tail := strings.TrimSpace(stderr.String() + "\n" + lastLines(stdoutTail.String(), 5))
		return res, fmt.Errorf("readpst failed (%v): %s", werr, tail)
	}
	return res, nil
}

var (
	reDone    = regexp.MustCompile(`^\s*"(.*)" - (\d+) items done, (\d+) items skipped\.\s*$`)
	reDbgDone = regexp.MustCompile(`processed item count for folder (.*) is (-?\d+), skipped (-?\d+), total (-?\d+)`)
	reUnknown = regexp.MustCompile(`Unknown item type -?\d+ \((.*?)\) name`)
	reStore   = regexp.MustCompile(`item with message store content, type -?\d+ (\S+), skipping`)
)

func parseStdout(r io.Reader, res *runResult) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Processing Folder ") {
			res.folderLines++
			continue
		}
		if m := reDone.FindStringSubmatch(line); m != nil {
			done, _ := strconv.Atoi(m[2])
			skip, _ := strconv.Atoi(m[3])
			res.stdFolders = append(res.stdFolders, Folder{Name: m[1], Claimed: -1, Processed: done, Skipped: skip, Exported: -1})
		}
	}
	io.Copy(io.Discard, r) // drain after an over-long line
}

// parseDebugLog scans readpst's debug log (which is large: it includes
// headers of every message) for the few lines that carry counts.
func parseDebugLog(r io.Reader, res *runResult) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			scanDebugLine(line, res)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			// skip the rest of an over-long line (hex dumps, bodies)
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			io.Copy(io.Discard, br)
			return
		}
	}
}

func scanDebugLine(line []byte, res *runResult) {
	switch {
	case bytes.Contains(line, []byte("processed item count for folder ")):
		if m := reDbgDone.FindSubmatch(line); m != nil {
			done, _ := strconv.Atoi(string(m[2]))
			skip, _ := strconv.Atoi(string(m[3]))
			total, _ := strconv.Atoi(string(m[4]))
			res.folders = append(res.folders, Folder{Name: string(m[1]), Claimed: total, Processed: done, Skipped: skip, Exported: -1})
		}
	case bytes.Contains(line, []byte("Unknown item type ")):
		if m := reUnknown.FindSubmatch(line); m != nil {
			res.skippedTypes[string(m[1])]++
		}
	case bytes.Contains(line, []byte("item with message store content")):
		if m := reStore.FindSubmatch(line); m != nil {
			res.skippedTypes[strings.TrimSuffix(string(m[1]), ",")]++
		}
	case bytes.Contains(line, []byte("A NULL item was seen")),
		bytes.Contains(line, []byte("item's desc record is NULL")):
		res.unreadable++
	}
}

// listOutput returns the exported files in deterministic order and the
// number of files per directory base name.
func listOutput(out string) ([]Item, map[string][]int, error) {
	var items []Item
	counts := map[string][]int{} // base name -> counts of each dir with that name
	dirIndex := map[string]int{}
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != out {
				base := filepath.Base(p)
				dirIndex[p] = len(counts[base])
				counts[base] = append(counts[base], 0)
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(out, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		kind := KindOther
		member := rel
		switch strings.ToLower(filepath.Ext(p)) {
		case ".eml":
			kind = KindEmail
			member = strings.TrimSuffix(rel, filepath.Ext(rel))
		case ".vcf":
			kind = KindContact
		case ".ics":
			kind = KindCalendar
		}
		dir := filepath.Dir(p)
		if i, ok := dirIndex[dir]; ok {
			counts[filepath.Base(dir)][i]++
		}
		items = append(items, Item{Member: member, Kind: kind, Path: p, Size: info.Size()})
		return nil
	})
	sort.SliceStable(items, func(i, j int) bool { return naturalLess(items[i].Member, items[j].Member) })
	return items, counts, err
}

// naturalLess compares slash-separated paths component by component,
// comparing numeric item names ("2" < "10") as numbers.
func naturalLess(a, b string) bool {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] == bs[i] {
			continue
		}
		// a file (last component) sorts before a sub-directory
		aLast, bLast := i == len(as)-1, i == len(bs)-1
		if aLast != bLast {
			return aLast
		}
		an, aerr := strconv.Atoi(strings.TrimSuffix(as[i], filepath.Ext(as[i])))
		bn, berr := strconv.Atoi(strings.TrimSuffix(bs[i], filepath.Ext(bs[i])))
		if aerr == nil && berr == nil && an != bn {
			return an < bn
		}
		return as[i] < bs[i]
	}
	return len(as) < len(bs)
}

// account combines readpst's counts with the exported files.
func account(run runResult, dirCounts map[string][]int) (folders []Folder, claimed int, fromPST bool) {
	if len(run.folders) > 0 {
		folders = run.folders
		fromPST = true
		for _, f := range folders {
			if f.Claimed > 0 {
				claimed += f.Claimed
			}
		}
	} else {
		folders = run.stdFolders
		processed := 0
		for _, f := range folders {
			processed += f.Processed + f.Skipped
		}
		claimed = processed - run.folderLines
		if claimed < 0 {
			claimed = 0
		}
	}
	for i := range folders {
		name := strings.NewReplacer("/", "_", "\\", "_", ":", "_").Replace(folders[i].Name)
		if c := dirCounts[name]; len(c) == 1 {
			folders[i].Exported = c[0]
		} else if len(c) == 0 {
			folders[i].Exported = 0
		}
	}
	return folders, claimed, fromPST
}

// Normalize makes readpst's output deterministic: readpst draws its MIME
// boundaries ("--boundary-LibPST-iamunique-<random>_-_-") and the names of
// calendar attachments ("i<random>.ics") from a time-seeded random number
// generator, so two exports of the same PST differ. Normalize renumbers
// them 1, 2, 3... in order of first appearance, keeping distinct values
// distinct, so the same item always yields the same bytes and hash.
func Normalize(raw []byte) []byte {
	raw = renumber(raw, reBoundary)
	return renumber(raw, reICSName)
}

var (
	reBoundary = regexp.MustCompile(`boundary-LibPST-iamunique-(-?\d+)_-_-`)
	reICSName  = regexp.MustCompile(`"i(\d+)\.ics"`)
)

func renumber(raw []byte, re *regexp.Regexp) []byte {
	if !re.Match(raw) {
		return raw
	}
	seen := map[string]int{}
	return re.ReplaceAllFunc(raw, func(m []byte) []byte {
		sub := re.FindSubmatchIndex(m)
		num := string(m[sub[2]:sub[3]])
		n, ok := seen[num]
		if !ok {
			n = len(seen) + 1
			seen[num] = n
		}
		out := append([]byte{}, m[:sub[2]]...)
		out = strconv.AppendInt(out, int64(n), 10)
		return append(out, m[sub[3]:]...)
	})
}

// tailBuffer keeps the last 4 KiB written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailMax = 4 << 10

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailMax {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailMax:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
