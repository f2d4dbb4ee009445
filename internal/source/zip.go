package source

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

const (
	// zipRatioFloor: members smaller than this are never flagged by ratio.
	zipRatioFloor = 1 << 20
	// defaultMemLimit: zip members up to this size are held in memory,
	// larger ones are spooled to a temporary file.
	defaultMemLimit = 32 << 20
)

// doZip walks the members of a zip archive (b.depth is the depth of the
// zip containing b, 0 at top level).
func (w *walker) doZip(st *fileState, b *blob) error {
	depth := b.depth + 1
	if depth > w.opts.MaxZipDepth {
		st.seen++
		return w.fail(st, b, b.source(), FormatZip, fmt.Sprintf(
			"zip nested more than %d levels deep (Options.MaxZipDepth); not opened", w.opts.MaxZipDepth), nil)
	}
	zr, err := zip.NewReader(b.r, b.size)
	if errors.Is(err, zip.ErrInsecurePath) && zr != nil {
		err = nil // names are sanitised below
	}
	if err != nil {
		st.seen++
		return w.fail(st, b, b.source(), FormatZip, "cannot read the zip directory (damaged or truncated archive?)", err)
	}
	type entry struct {
		f    *zip.File
		name string
	}
	var entries []entry
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") || f.FileInfo().IsDir() {
			continue
		}
		entries = append(entries, entry{f: f, name: f.Name})
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	used := map[string]int{}
	for _, e := range entries {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		name, warnings := sanitizeMemberName(e.f)
		used[name]++
		if n := used[name]; n > 1 {
			warnings = append(warnings, fmt.Sprintf("zip has %d members named %q; this one is recorded as %q", n, name, fmt.Sprintf("%s#%d", name, n)))
			name = fmt.Sprintf("%s#%d", name, n)
		}
		mb := &blob{
			member:   memberPath(b.member, name),
			size:     int64(e.f.UncompressedSize64),
			name:     path.Base(name),
			depth:    depth,
			warnings: append(append([]string(nil), b.warnings...), warnings...),
		}
		if err := w.zipMember(st, mb, e.f); err != nil {
			return err
		}
	}
	return nil
}

// zipMember reads one member within the zip-bomb budget and dispatches it.
func (w *walker) zipMember(st *fileState, mb *blob, f *zip.File) error {
	failMember := func(msg string, cause error) error {
		st.seen++
		return w.fail(st, mb, mb.source(), FormatZip, msg, cause)
	}
	if f.Flags&0x1 != 0 {
		return failMember("zip member is encrypted (password-protected); decrypt the archive and ingest it again", nil)
	}
	remaining := w.opts.MaxZipTotal - st.zipUsed
	ratio := uint64(w.opts.MaxZipRatio)
	declared := f.UncompressedSize64
	if remaining <= 0 {
		return failMember(fmt.Sprintf("zip bomb protection: the archive already expanded to %d bytes (Options.MaxZipTotal); member not read", st.zipUsed), nil)
	}
	if declared > uint64(remaining) {
		return failMember(fmt.Sprintf("zip bomb protection: member declares %d bytes, more than the %d bytes left of Options.MaxZipTotal", declared, remaining), nil)
	}
	ratioLimit := max(f.CompressedSize64*ratio, zipRatioFloor)
	if declared > ratioLimit {
		return failMember(fmt.Sprintf("zip bomb protection: member declares %d bytes from %d compressed (more than %d:1, Options.MaxZipRatio)", declared, f.CompressedSize64, ratio), nil)
	}
	limit := int64(min(ratioLimit, uint64(remaining)))
	rc, err := f.Open()
	if err != nil {
		if errors.Is(err, zip.ErrAlgorithm) {
			return failMember(fmt.Sprintf("zip member uses unsupported compression method %d", f.Method), nil)
		}
		return failMember("cannot open zip member", err)
	}
	sp, n, rerr := w.spool(rc, limit)
	rc.Close()
	st.zipUsed += n
	if sp != nil {
		defer sp.cleanup()
	}
	if rerr != nil {
		var over errLimit
		switch {
		case errors.As(rerr, &over) && ratioLimit <= uint64(remaining):
			return failMember(fmt.Sprintf("zip bomb protection: member expands beyond %d bytes from %d compressed (more than %d:1, Options.MaxZipRatio); stopped reading", limit, f.CompressedSize64, ratio), nil)
		case errors.As(rerr, &over):
			return failMember(fmt.Sprintf("zip bomb protection: the archive expands beyond Options.MaxZipTotal (%d bytes); stopped reading", w.opts.MaxZipTotal), nil)
		case errors.Is(rerr, zip.ErrChecksum):
			return failMember("zip member is damaged (checksum mismatch)", nil)
		}
		return failMember("cannot read zip member (damaged archive?)", rerr)
	}
	mb.r, mb.size, mb.head, mb.sha, mb.path = sp.r, sp.size, sp.head, sp.sha, sp.path
	mb.format, mb.what = detect(mb.head, mb.name)
	return w.dispatch(st, mb)
}

type errLimit struct{}

func (errLimit) Error() string { return "size limit exceeded" }

// spooled holds a member's bytes in memory or in a temporary file.
type spooled struct {
	r    io.ReaderAt
	size int64
	head []byte
	sha  string
	path string
	file *os.File
}

func (s *spooled) cleanup() {
	if s.file != nil {
		s.file.Close()
		os.Remove(s.file.Name())
	}
}

// spool reads r completely (at most limit bytes; more yields errLimit),
// hashing it, into memory or, beyond w.memLimit, a temporary file. It
// returns the number of bytes read, also on error.
func (w *walker) spool(r io.Reader, limit int64) (*spooled, int64, error) {
	h := sha256.New()
	lr := io.LimitReader(r, limit+1)
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.TeeReader(io.LimitReader(lr, w.memLimit+1), h))
	if err != nil {
		return nil, n, err
	}
	if n <= w.memLimit {
		if n > limit {
			return nil, n, errLimit{}
		}
		data := buf.Bytes()
		return &spooled{r: bytes.NewReader(data), size: n, head: data[:min(len(data), HeadSize)], sha: hex.EncodeToString(h.Sum(nil))}, n, nil
	}
	f, err := os.CreateTemp(w.opts.TempDir, "casefile-member-*")
	if err != nil {
		return nil, n, fmt.Errorf("cannot create a temporary file: %w", err)
	}
	sp := &spooled{file: f, path: f.Name()}
	head := append([]byte(nil), buf.Bytes()[:min(buf.Len(), HeadSize)]...)
	if _, err := f.Write(buf.Bytes()); err != nil {
		sp.cleanup()
		return nil, n, fmt.Errorf("cannot write a temporary file: %w", err)
	}
	buf = bytes.Buffer{}
	m, err := io.Copy(f, io.TeeReader(lr, h))
	n += m
	if err != nil {
		sp.cleanup()
		return nil, n, err
	}
	if n > limit {
		sp.cleanup()
		return nil, n, errLimit{}
	}
	sp.r, sp.size, sp.head, sp.sha = f, n, head, hex.EncodeToString(h.Sum(nil))
	return sp, n, nil
}

// sanitizeMemberName turns a zip member name into a safe relative
// slash-separated path (no "..", no absolute path, no backslashes, no
// NUL), decoding legacy CP437 names, and says what it changed.
func sanitizeMemberName(f *zip.File) (string, []string) {
	orig := f.Name
	name := orig
	var warnings []string
	if !utf8.ValidString(name) {
		if dec, err := charmap.CodePage437.NewDecoder().String(name); err == nil {
			name = dec
		} else {
			name = strings.ToValidUTF8(name, "\uFFFD")
		}
		warnings = append(warnings, fmt.Sprintf("zip member name %q is not UTF-8; decoded as CP437 to %q", orig, name))
	}
	clean := strings.ReplaceAll(name, "\x00", "")
	clean = strings.ReplaceAll(clean, "\\", "/")
	if len(clean) >= 2 && clean[1] == ':' && (clean[0]|0x20 >= 'a' && clean[0]|0x20 <= 'z') {
		clean = clean[2:] // drive letter
	}
	clean = strings.TrimPrefix(path.Clean("/"+clean), "/")
	if clean == "" || clean == "." {
		clean = "unnamed"
	}
	if clean != name {
		warnings = append(warnings, fmt.Sprintf("zip member name %q sanitised to %q", orig, clean))
	}
	return clean, warnings
}
