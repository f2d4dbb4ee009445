// Package extract reads back what a case cites: the raw bytes of one
// copy of a message, from the case's preserved original (a file of its
// own or a range of a pack) or, for a run with --no-preserve, from the
// input file under the run's root; and an attachment's content from
// those bytes, found by its SHA-256. The web workspace's downloads and
// casefile show --raw use it.
package extract

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/jhillyerd/enmime/v2"

	"github.com/casefile/casefile/internal/casedir"
	"github.com/casefile/casefile/internal/lazyre"
	"github.com/casefile/casefile/internal/message"
	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/source"
	"github.com/casefile/casefile/internal/source/mbox"
	"github.com/casefile/casefile/internal/store"
)

// maxCopyBytes bounds one message copy read back from an original.
const maxCopyBytes = 256 << 20

// ErrNoBytes means a copy has no email bytes to re-extract (a printed
// message, or an original that is not available).
var ErrNoBytes = errors.New("no email bytes")

// rfc822Suffix matches the "#rfc822-N" member suffixes of messages that
// arrived as attachments of another message.
var rfc822Suffix = lazyre.New(`(#rfc822-[0-9]+)+$`)

// originalFile returns the path of the file a source was read from: the
// preserved original in the case (for one kept in a pack, a copy written
// into tmpDir), else the input file (inputFile).
func originalFile(ctx context.Context, c *casedir.Case, src model.Source, tmpDir string) (string, error) {
	if src.FileSHA256 != "" {
		if p, err := c.OriginalFile(src.FileSHA256, tmpDir); err == nil {
			return p, nil
		}
	}
	return inputFile(ctx, c, src)
}

// inputFile returns the input file under the run's root, for an
// original the case does not keep (ingest --no-preserve).
func inputFile(ctx context.Context, c *casedir.Case, src model.Source) (string, error) {
	runs, err := c.Store.Runs(ctx)
	if err != nil {
		return "", err
	}
	for _, r := range runs {
		if r.ID != src.RunID || r.Root == "" {
			continue
		}
		p := r.Root
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			p = filepath.Join(p, filepath.FromSlash(src.Path))
		}
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: the original of %s is not in the case (ingested with --no-preserve?) and the input file is gone", ErrNoBytes, src.Path)
}

// readCopy reads the source's byte range from its preserved original
// (read in place, also from a pack), else from the input file.
func readCopy(ctx context.Context, c *casedir.Case, src model.Source) ([]byte, error) {
	if src.FileSHA256 != "" {
		if o, err := c.OpenOriginal(src.FileSHA256); err == nil {
			defer o.Close()
			return readAt(o, src.Offset, src.Length)
		}
	}
	p, err := inputFile(ctx, c, src)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAt(f, src.Offset, src.Length)
}

// Copy returns the raw message bytes of one copy, read back from its
// original file: the bytes at the source's offset when they hash to its
// SHA-256 (mboxrd escaping undone for mbox files, as ingest did), else
// the item found by walking the original with the same code ingest used
// (archive members, PST items). For a message that arrived attached to
// another one (member suffix #rfc822-N) the attached message is taken
// from inside the outer one by its SHA-256. verified reports that the
// returned bytes are the ones the source's SHA-256 covers (PST items are
// readpst's export and mbox members in zips are un-escaped, so those are
// not).
//
// formats maps the case's top-level file paths to their formats
// (store.FileRecord), to undo mbox escaping.
func Copy(ctx context.Context, c *casedir.Case, formats map[string]string, src model.Source) (raw []byte, verified bool, err error) {
	if src.Page > 0 || src.LineFrom > 0 {
		return nil, false, fmt.Errorf("%w: %s is a printed copy (page text, not email bytes)", ErrNoBytes, src.Path)
	}
	if src.Length > maxCopyBytes {
		return nil, false, fmt.Errorf("%w: the copy in %s is %d bytes, more than %d", ErrNoBytes, src.Path, src.Length, maxCopyBytes)
	}
	member := rfc822Suffix.ReplaceAllString(src.Member, "")
	nested := member != src.Member
	if member == "" {
		b, err := readCopy(ctx, c, src)
		if errors.Is(err, ErrNoBytes) {
			return nil, false, err
		}
		if err != nil {
			return nil, false, fmt.Errorf("extract: original of %s: %w", src.Path, err)
		}
		if hashHex(b) == src.SHA256 {
			if formats[src.Path] == "mbox" {
				b = mbox.Unescape(b)
			}
			return b, true, nil
		}
		if !nested {
			return nil, false, fmt.Errorf("extract: the bytes at offset %d of %s do not match the recorded SHA-256: the file changed since ingest", src.Offset, src.Path)
		}
	}
	// Walk the original and pick the item at this member and offset (for
	// an attached message: the item containing its offset).
	tmp, err := os.MkdirTemp("", "casefile-extract-*")
	if err != nil {
		return nil, false, err
	}
	defer os.RemoveAll(tmp)
	path, err := originalFile(ctx, c, src, tmp)
	if err != nil {
		return nil, false, err
	}
	found := errors.New("found")
	err = source.Walk(ctx, path, source.Options{TempDir: tmp}, func(ev source.Event) error {
		if ev.Type != source.EventMessage || ev.Source.Member != member {
			return nil
		}
		at := ev.Source.Offset == src.Offset
		if nested {
			at = src.Offset >= ev.Source.Offset && src.Offset <= ev.Source.Offset+ev.Source.Length
		}
		if !at {
			return nil
		}
		if nested {
			// The attached message is a part of the outer one.
			if inner := findPart(ev.Raw, src.SHA256, 0); inner != nil {
				raw, verified = inner, true
				return found
			}
			return nil
		}
		raw, verified = ev.Raw, hashHex(ev.Raw) == src.SHA256
		return found
	})
	if errors.Is(err, found) {
		return raw, verified, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("extract: read %s member %s: %w", src.Path, src.Member, err)
	}
	return nil, false, fmt.Errorf("%w: %s member %q offset %d was not found in the original", ErrNoBytes, src.Path, src.Member, src.Offset)
}

// readAt reads length bytes at offset of r.
func readAt(r io.ReaderAt, offset, length int64) ([]byte, error) {
	b := make([]byte, length)
	n, err := r.ReadAt(b, offset)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read at offset %d: %w", offset, err)
	}
	return b[:n], nil
}

// Attachment re-extracts the content of att from the copies of m,
// returning the first part whose content hashes to att.SHA256 (so a
// download is always exactly the attachment that was ingested).
func Attachment(ctx context.Context, c *casedir.Case, formats map[string]string, m *model.Message, att model.Attachment) ([]byte, error) {
	var reasons []string
	for _, src := range m.Sources {
		raw, _, err := Copy(ctx, c, formats, src)
		if err != nil {
			reasons = append(reasons, err.Error())
			continue
		}
		if b := findPart(raw, att.SHA256, 0); b != nil {
			return b, nil
		}
		reasons = append(reasons, fmt.Sprintf("no part of the copy in %s has SHA-256 %s", src.Path, att.SHA256))
	}
	if len(reasons) == 0 {
		reasons = []string{"the message has no sources"}
	}
	return nil, fmt.Errorf("%w: attachment %q of message %s could not be re-extracted: %s", ErrNoBytes, att.Filename, m.ID, strings.Join(reasons, "; "))
}

// maxPartDepth bounds message/rfc822 nesting when searching for a part.
const maxPartDepth = 8

// findPart searches the MIME tree of raw (and of attached messages in
// it) for a part whose decoded content, or its CRLF-canonical form (used
// by the parser for parts not sent in base64), hashes to sum.
func findPart(raw []byte, sum string, depth int) []byte {
	if depth > maxPartDepth {
		return nil
	}
	root, err := readParts(raw)
	if err != nil || root == nil {
		return nil
	}
	var found []byte
	var visit func(p *enmime.Part)
	visit = func(p *enmime.Part) {
		for ; p != nil && found == nil; p = p.NextSibling {
			if p.FirstChild != nil {
				visit(p.FirstChild)
			} else {
				data, _ := message.DecodeTransfer(p.Header.Get("Content-Transfer-Encoding"), p.Content)
				for _, cand := range [][]byte{data, canonicalCRLF(data)} {
					if hashHex(cand) == sum {
						found = cand
						return
					}
				}
				ct := strings.ToLower(p.ContentType)
				name := strings.ToLower(p.FileName)
				if ct == "message/rfc822" || ct == "message/global" ||
					((ct == "application/octet-stream" || strings.HasSuffix(name, ".eml")) && LooksLikeHeader(data)) {
					if b := findPart(data, sum, depth+1); b != nil {
						found = b
						return
					}
				}
			}
			if ep := bytes.TrimSpace(p.Epilogue); len(ep) > 0 {
				for _, cand := range [][]byte{p.Epilogue, canonicalCRLF(p.Epilogue)} {
					if hashHex(cand) == sum {
						found = cand
						return
					}
				}
			}
		}
	}
	visit(root)
	return found
}

// LooksLikeHeader reports whether b starts with an RFC 5322 header field.
func LooksLikeHeader(b []byte) bool {
	line, _, _ := bytes.Cut(b[:min(len(b), 1000)], []byte("\n"))
	name, _, ok := bytes.Cut(line, []byte(":"))
	if !ok || len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// readParts runs a lenient enmime parse (raw content, no charset
// conversion), turning a panic into an error.
func readParts(raw []byte) (root *enmime.Part, err error) {
	defer func() {
		if rec := recover(); rec != nil {
			root, err = nil, fmt.Errorf("enmime: %v", rec)
		}
	}()
	p := enmime.NewParser(
		enmime.RawContent(true),
		enmime.SkipMalformedParts(true),
		enmime.MultipartWOBoundaryAsSinglePart(true),
		enmime.SetReadPartErrorPolicy(func(*enmime.Part, error) bool { return true }),
		enmime.MaxStoredPartErrors(50),
		enmime.DisableTextConversion(true),
		enmime.DisableCharacterDetection(true),
	)
	return p.ReadParts(bytes.NewReader(raw))
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// canonicalCRLF converts bare LF line ends to CRLF.
func canonicalCRLF(b []byte) []byte {
	var out []byte
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			if out == nil {
				out = append(make([]byte, 0, len(b)+len(b)/40), b[:i]...)
			}
			out = append(out, '\r')
		}
		if out != nil {
			out = append(out, c)
		}
	}
	if out == nil {
		return b
	}
	return out
}

// FileFormats maps the top-level file paths of a case's file records to
// their formats, as Copy and Attachment take them.
func FileFormats(files []store.FileRecord) map[string]string {
	formats := make(map[string]string, len(files))
	for _, f := range files {
		formats[f.Path] = f.Format
	}
	return formats
}
