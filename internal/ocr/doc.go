// Package ocr extracts page text from PDFs and images for the printed-email
// pipeline: the text layer of PDF pages (poppler's pdftotext), and OCR of
// image-only PDF pages and image files (poppler's pdftoppm rasterises, the
// tesseract CLI reads).
//
// An Engine runs up to Options.Workers rasteriser/tesseract processes at
// once, across every call made on it, so callers may call it from many
// goroutines. Cancelling the context kills the running subprocesses
// (their whole process group on Unix).
//
// # Cache
//
// OCR is slow (seconds per page), so results are cached in
// Options.CacheDir, normally inside the case folder, and no page is OCR'd
// twice across runs:
//
//	CACHE/text/HH/KEY.txt   KEY = sha256(format | tesseract version | lang | sha256(image bytes))
//	CACHE/pdf/HH/KEY.ref    KEY = sha256(format | sha256(pdf) | page | dpi | tesseract version | lang)
//
// The text entry is keyed by the bytes actually given to tesseract (the
// rendered page image or the image file), so the same page image found in
// two PDFs is read once. The pdf entry holds the text KEY of a rendered
// page, which lets a re-run skip rasterising altogether. Entries are
// written to a temporary file and renamed into place, so a crash never
// leaves a truncated entry. Deleting the folder is always safe.
//
// # Missing tools
//
// When pdftotext, pdfinfo, pdftoppm or tesseract is not installed the
// methods return an ErrToolMissing naming the Debian package to install,
// so the caller can warn once and carry on with what does not need it.
package ocr
