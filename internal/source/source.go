// Package source finds every raw message in a cache of leaked or seized
// files: it walks a directory tree (or one file) in sorted order, detects
// each file's format by content (the name is only a tie-breaker), and
// streams out raw RFC 5322 messages from mbox files, Maildir folders,
// .eml files, zip archives (recursively, bounded) and Outlook PST/OST files
// (via readpst), each with exact provenance (model.Source). Printed or
// scanned material (PDF, images, HTML, plain text) is reported as documents
// for the printed-email pipeline, and everything else is reported as
// skipped with a reason. Nothing is silently ignored: every file produces
// at least one event.
//
// The package does not parse MIME; package message does.
//
// Event sequence: for every regular file, EventFileStart (after the whole
// file has been hashed), then its items, then EventFileEnd with counts.
// Entries that are not processed as files — symbolic links (unless
// Options.FollowSymlinks), special files, excluded directories (.git,
// .casefile...), Maildir tmp/ and metadata files, and files that cannot be
// opened or read — produce a single EventSkipped or EventFailed and no
// FileStart/FileEnd.
package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/casefile/casefile/internal/model"
)

// EventType tells what an Event reports.
type EventType int

// Event types.
const (
	// EventFileStart opens the events of one top-level file; File is
	// complete (including SHA256). The callback may return ErrSkipFile.
	EventFileStart EventType = iota
	// EventMessage carries one raw RFC 5322 message in Raw.
	EventMessage
	// EventDocument is a PDF, image, HTML or plain-text document for the
	// printed-email pipeline: a top-level file (read it at File.AbsPath)
	// or a container member (its bytes are in DocBytes).
	EventDocument
	// EventSkipped reports a file or member that holds no email; Reason
	// says what it is.
	EventSkipped
	// EventFailed reports something that could not be read; Reason and
	// Err say what and where, and the walk continues.
	EventFailed
	// EventFileEnd closes a top-level file with the counts in Seen,
	// Emitted, Documents, Skipped and Failed.
	EventFileEnd
)

func (t EventType) String() string {
	switch t {
	case EventFileStart:
		return "file-start"
	case EventMessage:
		return "message"
	case EventDocument:
		return "document"
	case EventSkipped:
		return "skipped"
	case EventFailed:
		return "failed"
	case EventFileEnd:
		return "file-end"
	}
	return fmt.Sprintf("EventType(%d)", int(t))
}

// ErrSkipFile may be returned by the callback for EventFileStart to skip
// the file entirely (e.g. on resume, when the file was already ingested).
// Nothing more is emitted for that file, not even EventFileEnd.
var ErrSkipFile = errors.New("source: skip file")

// FileInfo describes a top-level file.
type FileInfo struct {
	// Path is relative to the walked root, with forward slashes (the base
	// name when the root is a single file).
	Path    string
	AbsPath string
	Size    int64
	// SHA256 is the hex SHA-256 of the whole file.
	SHA256 string
	// Format is the detected format (see the Format* constants).
	Format string
	// Data is the whole file when the walker read it into memory (files
	// up to SmallFileLimit bytes), nil otherwise. It is shared: read only.
	Data []byte
}

// Event is one thing the walker reports.
type Event struct {
	Type EventType
	// File is the top-level file this event belongs to.
	File FileInfo
	// Raw holds the message bytes of an EventMessage. For mbox it is
	// un-escaped (mboxrd rules) and may differ from the file bytes that
	// Source.SHA256 covers; for PST items it is readpst's export with
	// random MIME boundaries renumbered (see pst.Normalize).
	Raw []byte
	// DocBytes holds the bytes of an EventDocument found inside a
	// container; nil for top-level documents.
	DocBytes []byte
	// Source is the provenance: Path, Member, Offset, Length, SHA256 (of
	// the bytes [Offset, Offset+Length) of the file or member, verifiable
	// with dd; for PST items of Raw) and FileSHA256.
	Source model.Source
	// Format is the format of the innermost container or member.
	Format string
	// Reason explains EventSkipped and EventFailed.
	Reason string
	// Err is the error of an EventFailed, naming file and offset/member.
	Err error
	// Warnings are non-fatal problems with this item (or, on
	// EventFileEnd, with the file as a whole).
	Warnings []string
	// Counts on EventFileEnd. Seen is the number of items the file's
	// containers claim to hold (mbox: From_ lines; PST: the folders' own
	// item counts; zip: its leaf members; a plain file: 1). Every seen item
	// yields one EventMessage, EventDocument, EventSkipped or EventFailed;
	// Emitted, Documents, Skipped and Failed count them, so a shortfall
	// (Seen > Emitted+Documents+Skipped+Failed) means items were lost —
	// which the walker itself also reports with an EventFailed.
	Seen, Emitted, Documents, Skipped, Failed int
}

// Options configure Walk. The zero value means the documented defaults.
type Options struct {
	// MaxMessageSize bounds one message (or one document passed in
	// DocBytes); larger ones produce EventFailed naming the offset or
	// member and the walk continues. 0 means 256 MiB.
	MaxMessageSize int64
	// MaxZipDepth bounds nested zips (a zip in a zip is depth 2). 0 means 4.
	MaxZipDepth int
	// MaxZipTotal bounds the total uncompressed bytes read from one
	// top-level zip, nested zips included. 0 means 8 GiB.
	MaxZipTotal int64
	// MaxZipRatio bounds the uncompressed:compressed ratio of a zip member
	// larger than 1 MiB. 0 means 200.
	MaxZipRatio int
	// ReadPST is the readpst binary; "" means "readpst" on PATH.
	ReadPST string
	// TempDir holds readpst exports and large zip members while they are
	// processed; "" means os.TempDir().
	TempDir string
	// FollowSymlinks makes the walker follow symbolic links (cycles are
	// detected); by default they are reported as skipped.
	FollowSymlinks bool
	// Exclude lists directories (absolute or relative to the working
	// directory) to skip, e.g. the case folder being written to.
	Exclude []string
}

// Defaults.
const (
	DefaultMaxMessageSize = 256 << 20
	DefaultMaxZipDepth    = 4
	DefaultMaxZipTotal    = 8 << 30
	DefaultMaxZipRatio    = 200
)

func (o Options) withDefaults() Options {
	if o.MaxMessageSize <= 0 {
		o.MaxMessageSize = DefaultMaxMessageSize
	}
	if o.MaxZipDepth <= 0 {
		o.MaxZipDepth = DefaultMaxZipDepth
	}
	if o.MaxZipTotal <= 0 {
		o.MaxZipTotal = DefaultMaxZipTotal
	}
	if o.MaxZipRatio <= 0 {
		o.MaxZipRatio = DefaultMaxZipRatio
	}
	return o
}

// skippedDirs are directory names never descended into.
var skippedDirs = map[string]string{
	".casefile": "casefile case directory",
	".git":      "version-control directory (git)",
	".hg":       "version-control directory (Mercurial)",
	".svn":      "version-control directory (Subversion)",
	".bzr":      "version-control directory (Bazaar)",
}

// Walk reports every item under root (a directory or a single file) to
// emit, in sorted path order. It returns ctx.Err() when cancelled, the
// callback's first error (other than ErrSkipFile on EventFileStart), or
// an error when root itself cannot be read; problems with individual files
// are reported as events and the walk continues.
func Walk(ctx context.Context, root string, opts Options, emit func(Event) error) error {
	return walk(ctx, root, opts, defaultMemLimit, emit)
}

// WalkFiles is Walk for the given files only, named by their paths
// relative to root (forward slashes); each is reported under that path, as
// a walk of the whole of root would. Distributed ingest uses it to process
// one file per work unit. A path that escapes root, or is not a regular
// file, is reported as failed or skipped like any other entry.
func WalkFiles(ctx context.Context, root string, rels []string, opts Options, emit func(Event) error) error {
	abs, err := filepath.Abs(root)
	if err != nil {
		return fmt.Errorf("source: %s: %w", root, err)
	}
	w := &walker{ctx: ctx, opts: opts.withDefaults(), emitFn: emit, visited: map[fileID]bool{}, exclude: map[string]bool{}, memLimit: defaultMemLimit}
	for _, rel := range rels {
		if err := ctx.Err(); err != nil {
			return err
		}
		clean := filepath.ToSlash(filepath.Clean(filepath.FromSlash(rel)))
		p := filepath.Join(abs, filepath.FromSlash(clean))
		if clean == "." || clean == ".." || strings.HasPrefix(clean, "../") || filepath.IsAbs(filepath.FromSlash(rel)) {
			if err := w.failEntry(p, rel, "refused", fmt.Errorf("the path is not inside the root %s", root)); err != nil {
				return err
			}
			continue
		}
		st, err := os.Lstat(p)
		if err != nil {
			if err := w.failEntry(p, clean, "cannot read file", err); err != nil {
				return err
			}
			continue
		}
		if !st.Mode().IsRegular() {
			if err := w.skipEntry(p, clean, "not a regular file ("+modeName(st.Mode())+")"); err != nil {
				return err
			}
			continue
		}
		if err := w.processFile(p, clean, "", nil); err != nil {
			return err
		}
	}
	return nil
}

// walk is Walk with the in-memory limit for zip members as a parameter
// (tests lower it to exercise spooling to temporary files).
func walk(ctx context.Context, root string, opts Options, memLimit int64, emit func(Event) error) error {
	abs, err := filepath.Abs(root)
	if err != nil {
		return fmt.Errorf("source: %s: %w", root, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return fmt.Errorf("source: cannot read %s: %w", root, err)
	}
	w := &walker{
		ctx:      ctx,
		opts:     opts.withDefaults(),
		emitFn:   emit,
		visited:  map[fileID]bool{},
		exclude:  map[string]bool{},
		memLimit: memLimit,
	}
	for _, e := range opts.Exclude {
		if a, err := filepath.Abs(e); err == nil {
			w.exclude[filepath.Clean(a)] = true
		}
	}
	if st.IsDir() {
		w.markVisited(st)
		return w.walkDir(abs, "")
	}
	if !st.Mode().IsRegular() {
		return w.skipEntry(abs, filepath.Base(abs), "not a regular file ("+modeName(st.Mode())+")")
	}
	return w.processFile(abs, filepath.Base(abs), "", nil)
}

type fileID struct{ dev, ino uint64 }

type walker struct {
	ctx      context.Context
	opts     Options
	emitFn   func(Event) error
	visited  map[fileID]bool
	exclude  map[string]bool
	memLimit int64
}

func (w *walker) markVisited(st os.FileInfo) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	id := fileID{uint64(sys.Dev), uint64(sys.Ino)}
	if w.visited[id] {
		return false
	}
	w.visited[id] = true
	return true
}

func joinRel(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

func (w *walker) walkDir(abs, rel string) error {
	entries, rerr := os.ReadDir(abs)
	if rerr != nil {
		if err := w.failEntry(abs, rel, "cannot read directory", rerr); err != nil {
			return err
		}
	}
	maildir := isMaildir(entries)
	ra := startReadahead(abs, entries)
	defer ra.close()
	for i, d := range entries {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		pre := ra.get(i)
		name := d.Name()
		cabs, crel := filepath.Join(abs, name), joinRel(rel, name)
		if maildir {
			switch {
			case (name == "cur" || name == "new") && d.IsDir():
				if err := w.walkMaildirSub(cabs, crel); err != nil {
					return err
				}
				continue
			case name == "tmp" && d.IsDir():
				if err := w.skipMaildirTmp(cabs, crel); err != nil {
					return err
				}
				continue
			case isMaildirMeta(name):
				if err := w.skipEntry(cabs, crel, "Maildir metadata file (not a message)"); err != nil {
					return err
				}
				continue
			}
		}
		if err := w.entry(cabs, crel, d, "", pre); err != nil {
			return err
		}
	}
	return nil
}

// entry handles one directory entry; forced is the format to use for a
// regular file ("maildir" inside cur/ and new/, "" to detect).
// pre is the file's read-ahead result, if any.
func (w *walker) entry(abs, rel string, d fs.DirEntry, forced string, pre *prefetched) error {
	typ := d.Type()
	if typ&fs.ModeSymlink != 0 {
		if !w.opts.FollowSymlinks {
			return w.skipEntry(abs, rel, "symbolic link not followed (enable FollowSymlinks to follow it)")
		}
		st, err := os.Stat(abs)
		if err != nil {
			return w.failEntry(abs, rel, "broken symbolic link", err)
		}
		if st.IsDir() {
			if !w.markVisited(st) {
				return w.skipEntry(abs, rel, "symbolic link to a directory already walked (loop or duplicate)")
			}
			return w.walkDir(abs, rel)
		}
		if !st.Mode().IsRegular() {
			return w.skipEntry(abs, rel, "not a regular file ("+modeName(st.Mode())+")")
		}
		return w.processFile(abs, rel, forced, nil)
	}
	if d.IsDir() {
		if why, ok := skippedDirs[d.Name()]; ok {
			return w.skipEntry(abs, rel, why+" skipped")
		}
		if w.exclude[filepath.Clean(abs)] {
			return w.skipEntry(abs, rel, "excluded directory skipped")
		}
		if st, err := os.Stat(abs); err == nil {
			w.markVisited(st)
		}
		return w.walkDir(abs, rel)
	}
	if !typ.IsRegular() {
		return w.skipEntry(abs, rel, "not a regular file ("+modeName(typ)+")")
	}
	return w.processFile(abs, rel, forced, pre)
}

func modeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeIrregular != 0:
		return "irregular file"
	}
	return m.Type().String()
}

// skipEntry reports an entry that is not processed as a file.
func (w *walker) skipEntry(abs, rel, reason string) error {
	return w.emitFn(Event{
		Type:   EventSkipped,
		File:   FileInfo{Path: rel, AbsPath: abs},
		Source: model.Source{Path: rel},
		Reason: reason,
	})
}

// failEntry reports an entry that could not be opened or read.
func (w *walker) failEntry(abs, rel, what string, cause error) error {
	err := fmt.Errorf("source: %s: %s: %w", rel, what, cause)
	return w.emitFn(Event{
		Type:   EventFailed,
		File:   FileInfo{Path: rel, AbsPath: abs},
		Source: model.Source{Path: rel},
		Reason: what + ": " + causeText(cause),
		Err:    err,
	})
}

// causeText renders an OS error without repeating the path.
func causeText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// isMaildir reports whether a directory's entries include cur/ and new/.
func isMaildir(entries []fs.DirEntry) bool {
	var cur, nw bool
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		switch e.Name() {
		case "cur":
			cur = true
		case "new":
			nw = true
		}
	}
	return cur && nw
}

func isMaildirMeta(name string) bool {
	switch name {
	case "maildirfolder", "maildirsize", "subscriptions", ".subscriptions", ".uidvalidity", "courierimapsubscribed":
		return true
	}
	return strings.HasPrefix(name, "dovecot") || strings.HasPrefix(name, "courierimap")
}

func (w *walker) walkMaildirSub(abs, rel string) error {
	entries, rerr := os.ReadDir(abs)
	if rerr != nil {
		if err := w.failEntry(abs, rel, "cannot read directory", rerr); err != nil {
			return err
		}
	}
	ra := startReadahead(abs, entries)
	defer ra.close()
	for i, d := range entries {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		pre := ra.get(i)
		forced := FormatMaildir
		if d.IsDir() {
			forced = ""
		}
		if err := w.entry(filepath.Join(abs, d.Name()), joinRel(rel, d.Name()), d, forced, pre); err != nil {
			return err
		}
	}
	return nil
}

func (w *walker) skipMaildirTmp(abs, rel string) error {
	entries, rerr := os.ReadDir(abs)
	if rerr != nil {
		return w.failEntry(abs, rel, "cannot read directory", rerr)
	}
	for _, d := range entries {
		if err := w.skipEntry(filepath.Join(abs, d.Name()), joinRel(rel, d.Name()),
			"Maildir tmp/ holds messages still being delivered; not imported"); err != nil {
			return err
		}
	}
	return nil
}

// fileState accumulates the counts of one top-level file.
type fileState struct {
	info     FileInfo
	seen     int
	counts   [EventFileEnd + 1]int
	warnings []string
	zipUsed  int64 // uncompressed bytes read from zips in this file
}

// send completes and emits an item event of the current file.
func (w *walker) send(st *fileState, ev Event) error {
	ev.File = st.info
	ev.Source.Path = st.info.Path
	ev.Source.FileSHA256 = st.info.SHA256
	st.counts[ev.Type]++
	return w.emitFn(ev)
}

// processFile hashes, announces, dispatches and closes one regular file.
// pre, when not nil, holds the file already read by the read-ahead.
func (w *walker) processFile(abs, rel, forced string, pre *prefetched) error {
	if pre != nil && !pre.tooBig {
		return w.processSmall(abs, rel, forced, pre)
	}
	f, err := os.Open(abs)
	if err != nil {
		return w.failEntry(abs, rel, "cannot open file", err)
	}
	defer f.Close()
	head := make([]byte, HeadSize)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return w.failEntry(abs, rel, "cannot read file", err)
	}
	head = head[:n]
	h := sha256.New()
	h.Write(head)
	size, err := io.Copy(h, f)
	size += int64(n)
	if err != nil {
		return w.failEntry(abs, rel, fmt.Sprintf("cannot read file at offset %d", size), err)
	}
	return w.runFile(abs, rel, forced, f, head, size, hex.EncodeToString(h.Sum(nil)), nil)
}

// processSmall is processFile for a file the read-ahead holds in memory.
func (w *walker) processSmall(abs, rel, forced string, pre *prefetched) error {
	if pre.err != nil {
		return w.failEntry(abs, rel, pre.what, pre.err)
	}
	head := pre.data[:min(len(pre.data), HeadSize)]
	return w.runFile(abs, rel, forced, bytes.NewReader(pre.data), head, int64(len(pre.data)), pre.sha, pre.data)
}

// runFile announces, dispatches and closes one hashed regular file; data
// is its content when held in memory.
func (w *walker) runFile(abs, rel, forced string, r io.ReaderAt, head []byte, size int64, sha string, data []byte) error {
	format, what := detect(head, filepath.Base(abs))
	if forced != "" {
		format, what = forced, "Maildir message"
	}
	st := &fileState{info: FileInfo{
		Path:    rel,
		AbsPath: abs,
		Size:    size,
		SHA256:  sha,
		Format:  format,
		Data:    data,
	}}
	if err := w.emitFn(Event{Type: EventFileStart, File: st.info, Format: format,
		Source: model.Source{Path: rel, Length: size, SHA256: st.info.SHA256, FileSHA256: st.info.SHA256}}); err != nil {
		if errors.Is(err, ErrSkipFile) {
			return nil
		}
		return err
	}
	b := &blob{
		r:      r,
		data:   data,
		size:   size,
		head:   head,
		name:   filepath.Base(abs),
		path:   abs,
		sha:    st.info.SHA256,
		format: format,
		what:   what,
	}
	if err := w.dispatch(st, b); err != nil {
		return err
	}
	return w.emitFn(Event{
		Type:      EventFileEnd,
		File:      st.info,
		Format:    format,
		Source:    model.Source{Path: rel, Length: size, SHA256: st.info.SHA256, FileSHA256: st.info.SHA256},
		Warnings:  st.warnings,
		Seen:      st.seen,
		Emitted:   st.counts[EventMessage],
		Documents: st.counts[EventDocument],
		Skipped:   st.counts[EventSkipped],
		Failed:    st.counts[EventFailed],
	})
}

// blob is a file or a container member being dispatched.
type blob struct {
	r    io.ReaderAt
	data []byte // the whole blob when held in memory (read-only), else nil
	size int64
	head []byte
	name string // base name, for detection tie-breaks
	// member is the path inside containers ("" for a top-level file).
	member string
	// path is a filesystem path holding exactly these bytes, if any.
	path     string
	sha      string // hex SHA-256 of the blob
	format   string
	what     string
	depth    int      // zip nesting depth of the containing zip
	warnings []string // carried onto every event of this blob
}

func (b *blob) source() model.Source {
	return model.Source{Member: b.member, Offset: 0, Length: b.size, SHA256: b.sha}
}

func (b *blob) where() string {
	if b.member != "" {
		return " (member " + b.member + ")"
	}
	return ""
}

// fail emits an EventFailed for (part of) b.
func (w *walker) fail(st *fileState, b *blob, src model.Source, format, msg string, cause error) error {
	loc := st.info.Path
	if src.Member != "" {
		loc += ": member " + src.Member
	}
	if src.Offset > 0 || format == FormatMbox {
		loc += fmt.Sprintf(" at offset %d", src.Offset)
	}
	var err error
	if cause != nil {
		err = fmt.Errorf("source: %s: %s: %w", loc, msg, cause)
		msg += ": " + cause.Error()
	} else {
		err = fmt.Errorf("source: %s: %s", loc, msg)
	}
	return w.send(st, Event{Type: EventFailed, Source: src, Format: format, Reason: msg, Err: err, Warnings: b.warnings})
}

func (w *walker) skip(st *fileState, b *blob, reason string) error {
	return w.send(st, Event{Type: EventSkipped, Source: b.source(), Format: b.format, Reason: reason, Warnings: b.warnings})
}

// dispatch routes a blob by format.
func (w *walker) dispatch(st *fileState, b *blob) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	if b.size == 0 {
		st.seen++
		return w.skip(st, b, "empty file")
	}
	switch b.format {
	case FormatEML, FormatMaildir:
		st.seen++
		return w.wholeMessage(st, b)
	case FormatMbox:
		return w.doMbox(st, b)
	case FormatZip:
		return w.doZip(st, b)
	case FormatPST:
		return w.doPST(st, b)
	case FormatMSG:
		st.seen++
		return w.skip(st, b, "Outlook .msg files are not supported yet")
	case FormatPDF, FormatImage, FormatText, FormatHTML:
		st.seen++
		return w.document(st, b)
	}
	st.seen++
	return w.skip(st, b, "not an email file (detected: "+b.what+")")
}

func (w *walker) tooLarge(st *fileState, b *blob, what string) error {
	return w.fail(st, b, b.source(), b.format, fmt.Sprintf(
		"%s is %d bytes, larger than the limit of %d bytes (Options.MaxMessageSize)", what, b.size, w.opts.MaxMessageSize), nil)
}

func (w *walker) readAll(b *blob) ([]byte, error) {
	if b.data != nil && int64(len(b.data)) == b.size {
		return b.data, nil
	}
	buf := make([]byte, b.size)
	n, err := b.r.ReadAt(buf, 0)
	if int64(n) == b.size {
		return buf, nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return nil, fmt.Errorf("read at offset %d: %w", n, err)
}

func (w *walker) wholeMessage(st *fileState, b *blob) error {
	if b.size > w.opts.MaxMessageSize {
		return w.tooLarge(st, b, "message")
	}
	raw, err := w.readAll(b)
	if err != nil {
		return w.fail(st, b, b.source(), b.format, "cannot read message", err)
	}
	return w.send(st, Event{Type: EventMessage, Raw: raw, Source: b.source(), Format: b.format, Warnings: b.warnings})
}

func (w *walker) document(st *fileState, b *blob) error {
	ev := Event{Type: EventDocument, Source: b.source(), Format: b.format, Warnings: b.warnings}
	if b.member != "" {
		if b.size > w.opts.MaxMessageSize {
			return w.tooLarge(st, b, "document")
		}
		doc, err := w.readAll(b)
		if err != nil {
			return w.fail(st, b, b.source(), b.format, "cannot read document", err)
		}
		ev.DocBytes = doc
	}
	return w.send(st, ev)
}

// memberPath joins a container member path with a name inside it.
func memberPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "/" + name
}
