// Package mbox splits mbox files (mboxo, mboxrd, mboxcl, mboxcl2) into raw
// RFC 5322 messages with exact byte provenance, streaming: a file of many
// gigabytes is read once, line by line, and only one message is held in
// memory at a time (bounded by Options.MaxMessageSize).
//
// The split rules:
//
//   - A message starts after a From_ line: a line beginning "From " that is
//     at the start of the file or follows a blank line, and looks like a
//     From_ line (a sender followed by a date with a time of day; see
//     IsFromLine). "From here on..." in a body is never a separator.
//   - The blank line just before a From_ line (and the blank line at the very
//     end of the file) is the separator and is not part of the message.
//   - A Content-Length header (mboxcl/mboxcl2) is honoured only when the body
//     length it gives lands exactly on a From_ line (optionally preceded by a
//     blank line) or on the end of the file; otherwise it is ignored and a
//     warning is recorded.
//   - Raw holds the message with mboxrd un-escaping applied: one '>' is
//     removed from every line matching `^>+From `. Offset/Length/SHA256
//     describe the unmodified file bytes, so they can be verified with dd.
//
// The package owns no I/O beyond the io.ReaderAt it is given.
package mbox

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
)

// DefaultMaxMessageSize is the message size limit used when
// Options.MaxMessageSize is zero.
const DefaultMaxMessageSize = 256 << 20

// Options tune Split. The zero value means the documented defaults.
type Options struct {
	// MaxMessageSize bounds the bytes of one message held in memory.
	// Larger messages are reported with Oversize set and Raw nil; the
	// split continues with the next message. 0 means 256 MiB.
	MaxMessageSize int64
}

// Message is one message found in an mbox file.
type Message struct {
	// Index is the 0-based position of the message in the file.
	Index int
	// FromOffset is the file offset of the From_ line; FromLine its bytes
	// including the line ending.
	FromOffset int64
	FromLine   []byte
	// Offset and Length locate the message bytes in the file: Offset is
	// the first byte after the From_ line, Length excludes the separating
	// blank line.
	Offset int64
	Length int64
	// SepLength is the length of the separating blank line after the
	// message (0, 1 or 2 bytes).
	SepLength int64
	// Raw is the message with mboxrd un-escaping applied; nil if Oversize.
	Raw []byte
	// SHA256 is the hex SHA-256 of the file bytes [Offset, Offset+Length).
	SHA256 string
	// Oversize is set when Length exceeds Options.MaxMessageSize.
	Oversize bool
	// ContentLength is set when a Content-Length header was honoured.
	ContentLength bool
	// Warnings are non-fatal problems (truncation, ignored Content-Length).
	Warnings []string
}

// Result summarises a Split.
type Result struct {
	// Preamble is the number of bytes before the first From_ line (the
	// whole file when there is none); PreambleBlank reports whether they
	// are all whitespace (a leading UTF-8 byte order mark counts as blank).
	Preamble      int64
	PreambleBlank bool
	// Messages is the number of messages passed to the callback.
	Messages int
}

const bufSize = 64 << 10

// Split reads the mbox in r (size bytes) and calls fn for every message
// in file order. The Message is valid only during the call; its Raw slice
// is handed over to fn and may be retained. Split returns fn's first error, or an error naming
// the offset of a read failure.
func Split(r io.ReaderAt, size int64, opts Options, fn func(*Message) error) (Result, error) {
	max := opts.MaxMessageSize
	if max <= 0 {
		max = DefaultMaxMessageSize
	}
	s := &splitter{
		ra:   r,
		size: size,
		max:  max,
		br:   bufio.NewReaderSize(io.NewSectionReader(r, 0, size), bufSize),
		fn:   fn,
		h:    sha256.New(),
		res:  Result{PreambleBlank: true},
	}
	err := s.run()
	return s.res, err
}

type splitter struct {
	ra   io.ReaderAt
	size int64
	max  int64
	br   *bufio.Reader
	fn   func(*Message) error
	res  Result

	pos       int64 // offset of the next byte to read
	prevBlank bool  // the previous complete line was blank
	inMsg     bool
	cur       Message
	h         hash.Hash
	raw       []byte
	pending   []byte // a blank line not yet known to be separator or content
	pendingAt int64

	inHeaders  bool
	clValue    int64 // Content-Length value of the current message, -1 if none
	clEnd      int64 // honoured Content-Length end offset, -1 if none
	lastLineNL bool  // the last byte committed ended a line
}

// readLine returns the next line fragment; whole is false when the line
// is longer than the buffer and continues in the next fragment.
func (s *splitter) readLine() (frag []byte, whole bool, err error) {
	frag, err = s.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return frag, false, nil
	}
	if err == io.EOF {
		if len(frag) == 0 {
			return nil, true, io.EOF
		}
		return frag, true, nil
	}
	if err != nil {
		return frag, true, fmt.Errorf("mbox: read at offset %d: %w", s.pos+int64(len(frag)), err)
	}
	return frag, true, nil
}

func (s *splitter) run() error {
	atLineStart := true
	s.prevBlank = true // start of file counts as "after a blank line"
	if bom, err := s.br.Peek(3); err == nil && string(bom) == "\xEF\xBB\xBF" {
		// a UTF-8 byte order mark is part of the (blank) preamble
		s.br.Discard(3)
		s.pos = 3
		s.res.Preamble = 3
	}
	for {
		frag, whole, err := s.readLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		lineStart := atLineStart
		atLineStart = whole
		off := s.pos
		s.pos += int64(len(frag))

		if !lineStart {
			// continuation of a long line: plain content
			s.content(frag, off, false)
			continue
		}
		blank := isBlank(frag) && whole
		if !blank && whole && s.isSeparator(frag, off) {
			if err := s.startMessage(frag, off); err != nil {
				return err
			}
			s.prevBlank = false
			continue
		}
		if blank {
			if s.inMsg && s.inHeaders {
				s.inHeaders = false
				s.checkContentLength(off + int64(len(frag)))
			}
			// the previous pending blank line turns out to be content
			s.flushPending()
			s.pending = append(s.pending[:0], frag...)
			s.pendingAt = off
			s.prevBlank = true
			continue
		}
		s.flushPending()
		if s.inMsg && s.inHeaders && whole {
			s.headerLine(frag)
		}
		s.content(frag, off, true)
		s.prevBlank = false
	}
	// end of file: a trailing blank line is the final separator
	if s.inMsg {
		sep := int64(len(s.pending))
		s.pending = s.pending[:0]
		return s.finish(sep, true)
	}
	s.flushPending()
	return nil
}

// isSeparator reports whether the line at off (a full line) is a From_
// line that starts a new message.
func (s *splitter) isSeparator(line []byte, off int64) bool {
	if !bytes.HasPrefix(line, []byte("From ")) {
		return false
	}
	if s.inMsg && s.clEnd >= 0 {
		if off < s.clEnd {
			return false // inside a body whose Content-Length was honoured
		}
		if off == s.clEnd {
			return IsFromLine(line)
		}
	}
	return s.prevBlank && IsFromLine(line)
}

func (s *splitter) startMessage(fromLine []byte, off int64) error {
	if s.inMsg {
		sep := int64(len(s.pending))
		s.pending = s.pending[:0]
		if err := s.finish(sep, false); err != nil {
			return err
		}
	} else {
		// bytes before the first From_ line
		s.flushPending()
	}
	s.inMsg = true
	s.cur = Message{
		Index:      s.res.Messages,
		FromOffset: off,
		FromLine:   append([]byte(nil), fromLine...),
		Offset:     off + int64(len(fromLine)),
	}
	s.h.Reset()
	s.raw = nil
	s.inHeaders = true
	s.clValue = -1
	s.clEnd = -1
	s.lastLineNL = true
	return nil
}

// flushPending commits a pending blank line as content.
func (s *splitter) flushPending() {
	if len(s.pending) == 0 {
		return
	}
	p := s.pending
	s.pending = nil
	s.content(p, s.pendingAt, true)
	s.pending = p[:0]
}

// content adds bytes to the current message (or the preamble).
func (s *splitter) content(b []byte, off int64, lineStart bool) {
	if len(b) == 0 {
		return
	}
	if !s.inMsg {
		s.res.Preamble += int64(len(b))
		if s.res.PreambleBlank && len(bytes.TrimSpace(b)) > 0 {
			s.res.PreambleBlank = false
		}
		return
	}
	s.h.Write(b)
	s.cur.Length += int64(len(b))
	s.lastLineNL = b[len(b)-1] == '\n'
	if s.cur.Oversize {
		return
	}
	if s.cur.Length > s.max {
		s.cur.Oversize = true
		s.raw = nil // do not keep a huge buffer alive
		return
	}
	if lineStart && isEscapedFrom(b) {
		b = b[1:]
	}
	s.raw = append(s.raw, b...)
}

// headerLine records a Content-Length header of the current message.
func (s *splitter) headerLine(line []byte) {
	const name = "content-length:"
	if len(line) < len(name) || !bytes.EqualFold(line[:len(name)], []byte(name)) {
		return
	}
	v := string(bytes.TrimSpace(line[len(name):]))
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		s.cur.Warnings = append(s.cur.Warnings, fmt.Sprintf("Content-Length %q ignored: not a number", v))
		return
	}
	s.clValue = n
}

// checkContentLength decides, at the end of the header section, whether
// the message's Content-Length is honoured: its end must be the end of the
// file or a From_ line, optionally preceded by one blank line.
func (s *splitter) checkContentLength(bodyStart int64) {
	if s.clValue < 0 {
		return
	}
	n := s.clValue
	end := bodyStart + n
	if end > s.size || end < bodyStart {
		s.cur.Warnings = append(s.cur.Warnings, fmt.Sprintf(
			"mbox truncated at offset %d: Content-Length says %d body bytes but only %d remain",
			s.size, n, s.size-bodyStart))
		return
	}
	if end == s.size || s.landsOnFrom(end) {
		s.clEnd = end
		s.cur.ContentLength = true
		return
	}
	s.cur.Warnings = append(s.cur.Warnings, fmt.Sprintf(
		"Content-Length %d ignored: offset %d is not followed by a From_ line", n, end))
}

// landsOnFrom reports whether off is at a line start followed by a From_
// line, or by a blank line and then a From_ line or the end of the file.
func (s *splitter) landsOnFrom(off int64) bool {
	var prev [1]byte
	if off == 0 {
		return false
	}
	if _, err := s.ra.ReadAt(prev[:], off-1); err != nil || prev[0] != '\n' {
		return false
	}
	buf := make([]byte, 1024)
	n, err := s.ra.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return false
	}
	buf = buf[:n]
	line, rest, ok := cutLine(buf)
	if ok && IsFromLine(line) {
		return true
	}
	if !ok || !isBlank(line) {
		return false
	}
	if len(rest) == 0 {
		return off+int64(len(line)) == s.size
	}
	next, _, ok := cutLine(rest)
	return ok && IsFromLine(next)
}

func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil, false
	}
	return b[:i+1], b[i+1:], true
}

// finish emits the current message; sep is the length of the separator
// blank line that follows it.
func (s *splitter) finish(sep int64, eof bool) error {
	m := &s.cur
	m.SepLength = sep
	m.SHA256 = hex.EncodeToString(s.h.Sum(nil))
	if !m.Oversize {
		m.Raw = s.raw
		if m.Raw == nil {
			m.Raw = []byte{}
		}
	}
	s.raw = nil // ownership of Raw passes to fn
	if eof && sep == 0 && m.Length > 0 && !s.lastLineNL {
		m.Warnings = append(m.Warnings, fmt.Sprintf(
			"mbox truncated at offset %d: the last message does not end with a newline", s.size))
	}
	if eof && m.Length == 0 && sep == 0 && !bytes.HasSuffix(m.FromLine, []byte("\n")) {
		m.Warnings = append(m.Warnings, fmt.Sprintf(
			"mbox truncated at offset %d: the file ends right after a From_ line", s.size))
	}
	s.res.Messages++
	s.inMsg = false
	return s.fn(m)
}

func isBlank(line []byte) bool {
	return len(line) == 1 && line[0] == '\n' || len(line) == 2 && line[0] == '\r' && line[1] == '\n'
}

// isEscapedFrom reports whether line matches `^>+From `.
func isEscapedFrom(line []byte) bool {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	return i > 0 && bytes.HasPrefix(line[i:], []byte("From "))
}

// Unescape applies mboxrd un-escaping to b (one '>' removed from every line
// matching `^>+From `) and returns a new slice.
func Unescape(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		line, rest, _ := cutLine(b)
		if isEscapedFrom(line) {
			line = line[1:]
		}
		out = append(out, line...)
		b = rest
	}
	return out
}

var (
	weekdays = []string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
	months   = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// IsFromLine reports whether line (with or without its line ending) looks
// like an mbox From_ line: "From " followed by a sender and a date that has
// a time of day (h:mm) and a year or an English weekday/month name, e.g.
// "From jonas@harbor.example Mon Jan  1 09:00:00 2001" or Thunderbird's
// "From - Tue Mar 02 10:00:00 2010". A lone "From addr@host" line is also
// accepted.
func IsFromLine(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("From ")) {
		return false
	}
	rest := bytes.TrimRight(line[5:], "\r\n")
	if len(rest) > 1000 {
		return false
	}
	fields := bytes.Fields(rest)
	if len(fields) == 0 {
		return false
	}
	if len(fields) == 1 {
		f := fields[0]
		return bytes.IndexByte(f, '@') > 0 && !bytes.HasSuffix(f, []byte(":")) && !bytes.HasSuffix(f, []byte(","))
	}
	var hasTime, hasYear, hasName bool
	for _, f := range fields[1:] {
		f = bytes.Trim(f, ",")
		switch {
		case isTime(f):
			hasTime = true
		case isYear(f):
			hasYear = true
		case isName(f):
			hasName = true
		}
	}
	return hasTime && (hasYear || hasName)
}

func isTime(f []byte) bool {
	// h:mm, hh:mm, h:mm:ss, hh:mm:ss
	i := 0
	for i < len(f) && i < 2 && isDigit(f[i]) {
		i++
	}
	if i == 0 || i >= len(f) || f[i] != ':' {
		return false
	}
	r := f[i+1:]
	if len(r) != 2 && len(r) != 5 {
		return false
	}
	if !isDigit(r[0]) || !isDigit(r[1]) {
		return false
	}
	if len(r) == 5 {
		return r[2] == ':' && isDigit(r[3]) && isDigit(r[4])
	}
	return true
}

func isYear(f []byte) bool {
	if len(f) != 4 || !(f[0] == '1' && f[1] == '9' || f[0] == '2' && f[1] == '0') {
		return false
	}
	return isDigit(f[2]) && isDigit(f[3])
}

func isName(f []byte) bool {
	if len(f) != 3 {
		return false
	}
	for _, n := range weekdays {
		if string(f) == n {
			return true
		}
	}
	for _, n := range months {
		if string(f) == n {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
