package queue

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// FileIngester ingests one top-level file into a case. It is the seam
// between the queue and the ingest pipeline: an implementation opens
// the case's store, ingests root/relPath recording it under relPath
// (the path a single-process ingest of root records), and commits the
// file's messages together with its "done" mark, so a redelivered unit
// finds the file done and changes nothing.
type FileIngester interface {
	IngestFile(ctx context.Context, caseName, root, relPath, sha256 string) error
	// OCRPage reads one page of the PDF root/relPath into the case's
	// shared OCR cache, for the worker ingesting that PDF (which handed
	// the page out; see ocr.Options.Fanout) to pick up.
	OCRPage(ctx context.Context, caseName, root, relPath string, page int) error
}

// IngestHandler returns a Handler that runs file and ocr-page units
// through fi. Units it cannot ever process — another kind, a path
// escaping its root, a file that no longer exists — fail as Permanent
// errors, so they go to the dead letters at once instead of being
// retried.
func IngestHandler(fi FileIngester) Handler {
	return func(ctx context.Context, u Unit) error {
		if u.Kind != KindFile && u.Kind != KindOCRPage {
			return Permanent(fmt.Errorf("unit %s: kind %q is not handled by this worker (only %q and %q)", u.ID, u.Kind, KindFile, KindOCRPage))
		}
		clean := path.Clean(u.Path)
		if u.Path == "" || path.IsAbs(u.Path) || clean == ".." || strings.HasPrefix(clean, "../") || !filepath.IsAbs(u.Root) {
			return Permanent(fmt.Errorf("unit %s: path %q under root %q is not a relative path inside an absolute root", u.ID, u.Path, u.Root))
		}
		full := filepath.Join(u.Root, filepath.FromSlash(clean))
		if _, err := os.Stat(full); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return Permanent(fmt.Errorf("unit %s: %w (is the shared folder mounted at the same path on this worker?)", u.ID, err))
			}
			return fmt.Errorf("unit %s: %w", u.ID, err)
		}
		if u.Kind == KindOCRPage {
			if u.Page < 1 {
				return Permanent(fmt.Errorf("unit %s: page %d of %s: pages are numbered from 1", u.ID, u.Page, clean))
			}
			if err := fi.OCRPage(ctx, u.Case, u.Root, clean, u.Page); err != nil {
				return fmt.Errorf("reading page %d of %s for case %s: %w", u.Page, clean, u.Case, err)
			}
			return nil
		}
		if err := fi.IngestFile(ctx, u.Case, u.Root, clean, u.SHA256); err != nil {
			return fmt.Errorf("ingesting %s into case %s: %w", clean, u.Case, err)
		}
		return nil
	}
}
