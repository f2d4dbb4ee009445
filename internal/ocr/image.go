package ocr

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	_ "image/gif"  // register decoders for DecodeConfig
	_ "image/jpeg" // (size check before OCR)
	_ "image/png"
	"os"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// Image OCRs the image file at path (PNG, JPEG, TIFF, GIF, BMP, WebP:
// whatever the installed tesseract reads). A multi-page TIFF comes back
// as one PageText whose Text separates pages with form feeds. Images
// larger than Options.MaxPixels are refused with ErrImageTooLarge.
func (e *Engine) Image(ctx context.Context, path string) (PageText, error) {
	if e.opts.Disabled {
		return PageText{}, ErrDisabled
	}
	tess, err := e.tool("tesseract")
	if err != nil {
		return PageText{}, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return PageText{}, fmt.Errorf("ocr: read image %s: %w", path, err)
	}
	if len(data) == 0 {
		return PageText{}, fmt.Errorf("ocr: image %s is empty (0 bytes)", path)
	}
	if cfg, _, err := image.DecodeConfig(bytesReader(data)); err == nil {
		if px := int64(cfg.Width) * int64(cfg.Height); px > e.opts.MaxPixels {
			return PageText{}, fmt.Errorf("ocr: %s is %d × %d pixels: %w (limit %d million pixels); scale it down, e.g. convert in.png -resize 50%% out.png",
				path, cfg.Width, cfg.Height, ErrImageTooLarge, e.opts.MaxPixels/1_000_000)
		}
	}
	version, err := e.tesseractVersion(ctx)
	if err != nil {
		return PageText{}, err
	}
	e.pages.Add(1)
	sum := sha256.Sum256(data)
	tk := textKey(version, e.opts.Lang, hex.EncodeToString(sum[:]))
	pt := PageText{Page: 1, NeedsOCR: true, OCR: true}
	if txt, ok, err := e.cacheGet("text", tk, ".txt"); err != nil {
		return PageText{}, fmt.Errorf("ocr %s: %w", path, err)
	} else if ok {
		e.hits.Add(1)
		pt.Text, pt.Cached = txt, true
		return pt, nil
	}
	if err := e.acquire(ctx); err != nil {
		return PageText{}, fmt.Errorf("ocr %s: %w", path, err)
	}
	defer e.release()
	txt, err := e.tesseractFile(ctx, tess, path, 0)
	if err != nil {
		return PageText{}, fmt.Errorf("ocr %s: %w", path, err)
	}
	if err := e.cachePut("text", tk, ".txt", txt); err != nil {
		return PageText{}, fmt.Errorf("ocr %s: %w", path, err)
	}
	pt.Text = txt
	return pt, nil
}
