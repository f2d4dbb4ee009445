package ocr

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// cacheFormat versions the key derivation; bump it to invalidate every
// existing entry.
const cacheFormat = "casefile-ocr-1"

func hashParts(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// textKey keys OCR text by the image bytes given to tesseract.
func textKey(version, lang, imageSHA string) string {
	return hashParts(cacheFormat, "text", version, lang, imageSHA)
}

// pageKey keys a rendered PDF page: it maps to the textKey of its image.
func pageKey(pdfSHA string, page, dpi int, version, lang string) string {
	return hashParts(cacheFormat, "pdf", pdfSHA, strconv.Itoa(page), strconv.Itoa(dpi), version, lang)
}

func (e *Engine) cachePath(kind, key, ext string) string {
	return filepath.Join(e.opts.CacheDir, kind, key[:2], key+ext)
}

// cacheGet returns the entry and true, or false when absent or when there
// is no cache. Read errors other than absence are reported.
func (e *Engine) cacheGet(kind, key, ext string) (string, bool, error) {
	if e.opts.CacheDir == "" {
		return "", false, nil
	}
	p := e.cachePath(kind, key, ext)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read OCR cache entry %s: %w", p, err)
	}
	return string(b), true, nil
}

// cachePut writes an entry atomically: temporary file in the same folder,
// fsync, rename.
func (e *Engine) cachePut(kind, key, ext, value string) error {
	if e.opts.CacheDir == "" {
		return nil
	}
	p := e.cachePath(kind, key, ext)
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write OCR cache: %w", err)
	}
	f, err := os.CreateTemp(dir, ".tmp-"+key[:8]+"-*")
	if err != nil {
		return fmt.Errorf("write OCR cache: %w", err)
	}
	tmp := f.Name()
	_, werr := f.WriteString(value)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, p)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("write OCR cache entry %s: %w", p, werr)
	}
	return nil
}

// validKey reports whether s looks like a key we wrote (a .ref's content).
func validKey(s string) bool {
	if len(s) != 64 {
		return false
	}
	return strings.Trim(s, "0123456789abcdef") == ""
}
