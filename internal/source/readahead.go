package source

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// Read-ahead: a Maildir is tens of thousands of small files, and opening,
// reading and hashing them one after the other on the walker goroutine
// made the walk, not parsing, the slowest stage of an ingest. So for each
// directory a few goroutines read small regular files whole (and hash
// them) ahead of the walker, which still consumes them one by one in
// sorted order, so events keep their order and the emit callback stays
// single-threaded. Memory is bounded by readAheadWindow × SmallFileLimit.
const (
	// SmallFileLimit is the largest file read whole into memory ahead of
	// the walker (FileInfo.Data); larger files are streamed.
	SmallFileLimit  = 1 << 20
	readAheadWindow = 64
)

// prefetched is one file read ahead: its bytes and hash, or why it could
// not be read (what, err as processFile would report them).
type prefetched struct {
	data   []byte
	sha    string
	tooBig bool // larger than SmallFileLimit: process by streaming
	what   string
	err    error
}

// readahead reads a directory's small regular files in the background.
type readahead struct {
	slots  []chan prefetched // per entry; nil when not read ahead
	tokens chan struct{}
	stop   chan struct{}
	wg     sync.WaitGroup
}

// startReadahead begins reading the regular files among entries of dir
// abs. The caller must call get for each index in increasing order (or
// stop early) and close when done.
func startReadahead(abs string, entries []fs.DirEntry) *readahead {
	ra := &readahead{
		slots:  make([]chan prefetched, len(entries)),
		tokens: make(chan struct{}, readAheadWindow),
		stop:   make(chan struct{}),
	}
	var idx []int
	for i, d := range entries {
		if d.Type().IsRegular() {
			ra.slots[i] = make(chan prefetched, 1)
			idx = append(idx, i)
		}
	}
	if len(idx) < 2 {
		ra.slots = make([]chan prefetched, len(entries))
		return ra
	}
	for range readAheadWindow {
		ra.tokens <- struct{}{}
	}
	work := make(chan int)
	ra.wg.Add(1)
	go func() { // feeder: at most readAheadWindow files ahead of the walker
		defer ra.wg.Done()
		defer close(work)
		for _, i := range idx {
			select {
			case <-ra.tokens:
			case <-ra.stop:
				return
			}
			select {
			case work <- i:
			case <-ra.stop:
				return
			}
		}
	}()
	n := max(2, runtime.NumCPU())
	for range n {
		ra.wg.Add(1)
		go func() {
			defer ra.wg.Done()
			for i := range work {
				ra.slots[i] <- readSmall(filepath.Join(abs, entries[i].Name()))
			}
		}()
	}
	return ra
}

// get returns entry i's read-ahead result, or nil when it was not read
// ahead.
func (ra *readahead) get(i int) *prefetched {
	ch := ra.slots[i]
	if ch == nil {
		return nil
	}
	p := <-ch
	ra.tokens <- struct{}{}
	return &p
}

// close stops the read-ahead and waits for its goroutines.
func (ra *readahead) close() {
	close(ra.stop)
	ra.wg.Wait()
}

// readSmall reads and hashes a whole file if it is at most
// SmallFileLimit bytes.
func readSmall(path string) prefetched {
	f, err := os.Open(path)
	if err != nil {
		return prefetched{what: "cannot open file", err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return prefetched{what: "cannot read file", err: err}
	}
	if st.Size() > SmallFileLimit {
		return prefetched{tooBig: true}
	}
	// One byte more than the size seen, to notice a file that grew.
	buf := make([]byte, st.Size()+1)
	n, err := io.ReadFull(f, buf)
	switch {
	case err == nil:
		return prefetched{tooBig: true} // grew while being read: stream it
	case err != io.ErrUnexpectedEOF && err != io.EOF:
		return prefetched{what: fmt.Sprintf("cannot read file at offset %d", n), err: err}
	}
	sum := sha256.Sum256(buf[:n])
	return prefetched{data: buf[:n:n], sha: hex.EncodeToString(sum[:])}
}
