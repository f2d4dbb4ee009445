package casedir

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Pack files keep small single-message originals (a Maildir or a folder
// of .eml files: one file per message) appended to a few large files
// instead of one file each. Creating a file costs more than all the rest
// of keeping it (15% of ingest CPU at 100k messages, in file creation
// alone). Each writer appends to its own pair of files in
// originals/packs/:
//
//	NAME.pack  the originals' bytes, one after the other, never rewritten
//	NAME.idx   one line per original: "<sha256> <offset> <size>\n"
//
// An original's line is written after its bytes, and both before the
// file it belongs to is recorded as done, so a killed run leaves at
// most bytes no line points to, and redoes that file. Text lines keep
// the index readable without casefile (sha256sum can check any entry
// with dd).
//
// Both are buffered in memory (two write calls per message were 200,000
// system calls at 100k messages, made under the packs' lock):
// Case.FlushOriginals writes them out, bytes first, and the ingest calls
// it before every commit that records files as done. Index lines are
// only ever written after the bytes they point to.
const (
	PacksDir = "packs"
	// packMax is the largest original kept in a pack.
	packMax = 1 << 20
	// packLimit is the size at which a writer starts a new pack.
	packLimit = 1 << 30
	// packBuffer is the pack writer's buffer; idxBuffer the most index
	// text held before both are written out.
	packBuffer = 1 << 20
	idxBuffer  = 256 << 10
)

type packLoc struct {
	pack      int // index into names
	off, size int64
}

// packs is a case's set of pack files: the writer of this process and
// the index of all packs, read lazily and refreshed on a miss (another
// process may be appending).
type packs struct {
	dir string

	mu    sync.Mutex
	names []string         // pack file names (without extension)
	read  map[string]int64 // bytes of each .idx already indexed
	index map[[32]byte]packLoc
	w     *os.File // the pack this process appends to
	wIdx  *os.File
	wName int
	wOff  int64
	// bw buffers w; lines holds the index lines of bytes not yet
	// flushed to wIdx (see flushLocked), pending their keys in index.
	bw      *bufio.Writer
	lines   []byte
	pending [][32]byte
}

func newPacks(originals string) *packs {
	return &packs{dir: filepath.Join(originals, PacksDir), read: map[string]int64{}, index: map[[32]byte]packLoc{}}
}

func shaKey(sha string) ([32]byte, bool) {
	var k [32]byte
	if len(sha) != 64 {
		return k, false
	}
	if _, err := hex.Decode(k[:], []byte(sha)); err != nil {
		return k, false
	}
	return k, true
}

// refresh indexes index lines added since the last call. Caller holds mu.
func (p *packs) refresh() error {
	ents, err := os.ReadDir(p.dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".idx")
		if !ok || e.IsDir() {
			continue
		}
		if err := p.readIndex(name); err != nil {
			return err
		}
	}
	return nil
}

// readIndex reads the complete lines of NAME.idx after the part already
// read. Caller holds mu.
func (p *packs) readIndex(name string) error {
	f, err := os.Open(filepath.Join(p.dir, name+".idx"))
	if err != nil {
		return err
	}
	defer f.Close()
	from := p.read[name]
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		return err
	}
	pack := -1
	for i, n := range p.names {
		if n == name {
			pack = i
		}
	}
	if pack < 0 {
		p.names = append(p.names, name)
		pack = len(p.names) - 1
	}
	br := bufio.NewReader(f)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			// A last line without its newline is still being written
			// (or was cut by a crash): read again next time.
			break
		}
		from += int64(len(line))
		fs := strings.Fields(line)
		if len(fs) != 3 {
			return fmt.Errorf("casedir: %s.idx: damaged line %q", name, strings.TrimSpace(line))
		}
		k, ok := shaKey(fs[0])
		off, err1 := strconv.ParseInt(fs[1], 10, 64)
		size, err2 := strconv.ParseInt(fs[2], 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("casedir: %s.idx: damaged line %q", name, strings.TrimSpace(line))
		}
		if _, dup := p.index[k]; !dup {
			p.index[k] = packLoc{pack: pack, off: off, size: size}
		}
	}
	p.read[name] = from
	return nil
}

// lookup finds an original in the packs.
func (p *packs) lookup(sha string) (path string, loc packLoc, ok bool, err error) {
	k, valid := shaKey(sha)
	if !valid {
		return "", loc, false, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	loc, ok = p.index[k]
	if !ok {
		if err := p.refresh(); err != nil {
			return "", loc, false, fmt.Errorf("casedir: read pack index: %w", err)
		}
		loc, ok = p.index[k]
	}
	if !ok {
		return "", loc, false, nil
	}
	if p.w != nil && loc.pack == p.wName && len(p.lines) > 0 {
		// Still in this process's buffers.
		if err := p.flushLocked(); err != nil {
			return "", loc, false, err
		}
	}
	return filepath.Join(p.dir, p.names[loc.pack]+".pack"), loc, true, nil
}

// flush writes the buffered originals and their index lines out.
func (p *packs) flush() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.flushLocked()
}

// flushLocked writes the pack's buffered bytes, then the index lines
// that point to them. Caller holds mu.
func (p *packs) flushLocked() error {
	if p.w == nil || len(p.lines) == 0 && p.bw.Buffered() == 0 {
		return nil
	}
	if err := p.bw.Flush(); err != nil {
		return p.fail(err)
	}
	if _, err := p.wIdx.Write(p.lines); err != nil {
		return p.fail(err)
	}
	p.lines, p.pending = p.lines[:0], p.pending[:0]
	return nil
}

// fail gives up the pack being written after a write error: its end is
// no longer known, so later originals go to a new pack. Their index
// lines not yet written are dropped with it (the files they belong to
// are not recorded as done: the next run keeps them again). Caller
// holds mu.
func (p *packs) fail(err error) error {
	name := p.names[p.wName]
	p.w.Close()
	p.wIdx.Close()
	for _, k := range p.pending {
		delete(p.index, k) // not kept after all: keep it again next time
	}
	p.w, p.wIdx, p.bw, p.lines, p.pending = nil, nil, nil, nil, nil
	return fmt.Errorf("casedir: append to pack %s: %w", name, err)
}

// put appends data, whose SHA-256 is sha, unless a pack has it already.
func (p *packs) put(data []byte, sha string) error {
	k, valid := shaKey(sha)
	if !valid {
		return fmt.Errorf("casedir: %q is not a SHA-256", sha)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.w == nil {
		// The first write of this process: index what earlier runs
		// packed, so no original is kept twice.
		if err := p.refresh(); err != nil {
			return fmt.Errorf("casedir: read pack index: %w", err)
		}
	}
	if _, ok := p.index[k]; ok {
		return nil
	}
	if p.w == nil || p.wOff+int64(len(data)) > packLimit {
		if err := p.start(); err != nil {
			return err
		}
	}
	if _, err := p.bw.Write(data); err != nil {
		return p.fail(err)
	}
	n := len(p.lines)
	p.lines = fmt.Appendf(p.lines, "%s %d %d\n", sha, p.wOff, len(data))
	p.index[k] = packLoc{pack: p.wName, off: p.wOff, size: int64(len(data))}
	p.pending = append(p.pending, k)
	p.wOff += int64(len(data))
	p.read[p.names[p.wName]] += int64(len(p.lines) - n)
	if len(p.lines) >= idxBuffer {
		return p.flushLocked()
	}
	return nil
}

// start opens a new pack and its index for appending. Caller holds mu.
func (p *packs) start() error {
	if p.w != nil {
		if err := p.flushLocked(); err != nil {
			return err
		}
		p.w.Close()
		p.wIdx.Close()
		p.w, p.wIdx, p.bw = nil, nil, nil
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return fmt.Errorf("casedir: create %s: %w", p.dir, err)
	}
	var rnd [4]byte
	rand.Read(rnd[:])
	name := fmt.Sprintf("pack-%s-%d-%x", time.Now().UTC().Format("20060102T150405"), os.Getpid(), rnd)
	w, err := os.OpenFile(filepath.Join(p.dir, name+".pack"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return fmt.Errorf("casedir: create pack: %w", err)
	}
	idx, err := os.OpenFile(filepath.Join(p.dir, name+".idx"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		w.Close()
		return fmt.Errorf("casedir: create pack index: %w", err)
	}
	p.w, p.wIdx, p.wOff = w, idx, 0
	p.bw = bufio.NewWriterSize(w, packBuffer)
	p.names = append(p.names, name)
	p.wName = len(p.names) - 1
	p.read[name] = 0
	return nil
}

// close closes the files this process appends to.
func (p *packs) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.w == nil {
		return nil
	}
	if err := p.flushLocked(); err != nil {
		return err
	}
	err := errors.Join(p.w.Close(), p.wIdx.Close())
	p.w, p.wIdx, p.bw = nil, nil, nil
	return err
}

// Original is an open preserved original: a file of its own or a range
// of a pack.
type Original struct {
	*io.SectionReader
	// Path is the original's own file, "" when it is kept in a pack.
	Path string
	f    *os.File
}

// Close closes the original.
func (o *Original) Close() error { return o.f.Close() }

// OpenOriginal opens the preserved original with this SHA-256. It is
// os.ErrNotExist (wrapped) when the case does not have it.
func (c *Case) OpenOriginal(sha string) (*Original, error) {
	path := c.OriginalPath(sha)
	f, err := os.Open(path)
	if err == nil {
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		return &Original{SectionReader: io.NewSectionReader(f, 0, fi.Size()), Path: path, f: f}, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	pack, loc, ok, perr := c.packs.lookup(sha)
	if perr != nil {
		return nil, perr
	}
	if !ok {
		return nil, fmt.Errorf("casedir: original %s: %w", sha, os.ErrNotExist)
	}
	if f, err = os.Open(pack); err != nil {
		return nil, err
	}
	return &Original{SectionReader: io.NewSectionReader(f, loc.off, loc.size), f: f}, nil
}

// HasOriginal reports whether the case keeps the original with this
// SHA-256.
func (c *Case) HasOriginal(sha string) bool {
	o, err := c.OpenOriginal(sha)
	if err != nil {
		return false
	}
	o.Close()
	return true
}

// OriginalFile returns a file path holding the original with this
// SHA-256, for tools that read files by name: its own file, or a copy
// of its pack range written into tmpDir.
func (c *Case) OriginalFile(sha, tmpDir string) (string, error) {
	o, err := c.OpenOriginal(sha)
	if err != nil {
		return "", err
	}
	defer o.Close()
	if o.Path != "" {
		return o.Path, nil
	}
	out, err := os.CreateTemp(tmpDir, "original-*")
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, o); err != nil {
		out.Close()
		return "", err
	}
	return out.Name(), out.Close()
}

// PreserveMessage keeps data, a whole input file holding one message
// (.eml, a Maildir message) whose SHA-256 is sha: in a pack when small,
// else as a file of its own (PreserveBytes). Safe for concurrent use.
//
// The copy is buffered: call FlushOriginals before recording anything
// that relies on it (the ingest does before each commit).
func (c *Case) PreserveMessage(data []byte, sha string) error {
	if len(data) > packMax {
		return c.PreserveBytes(data, sha)
	}
	return c.packs.put(data, sha)
}

// FlushOriginals writes the originals PreserveMessage buffered to their
// pack, so that a process killed afterwards keeps them.
func (c *Case) FlushOriginals() error { return c.packs.flush() }
