package ocr

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Claims let several processes that share one cache folder (team-mode
// workers on a shared file system) OCR the pages of one PDF between
// them without reading a page twice: before rasterising a page, a
// process creates the page's claim file (exclusively); a process that
// finds the claim held waits for the holder's cached result instead. A
// holder refreshes its claim's time while it works, so the claim of a
// process that died goes stale after Options.ClaimTTL and is taken over.

func (e *Engine) claimPath(pk string) string {
	return filepath.Join(e.opts.CacheDir, "claims", pk[:2], pk+".claim")
}

// tryClaim claims the page keyed pk. It returns a release function when
// this process now holds the claim, and nil when a live holder has it.
func (e *Engine) tryClaim(pk string) (func(), error) {
	p := e.claimPath(pk)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, fmt.Errorf("claim page: %w", err)
	}
	for range 2 {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			host, _ := os.Hostname()
			fmt.Fprintf(f, "%s %d\n", host, os.Getpid())
			f.Close()
			stop := make(chan struct{})
			go func() {
				t := time.NewTicker(e.opts.ClaimTTL / 4)
				defer t.Stop()
				for {
					select {
					case <-stop:
						return
					case now := <-t.C:
						_ = os.Chtimes(p, now, now)
					}
				}
			}()
			return func() { close(stop); os.Remove(p) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("claim page: %w", err)
		}
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue // released meanwhile: try again
		}
		if err != nil {
			return nil, fmt.Errorf("claim page: %w", err)
		}
		if time.Since(st.ModTime()) < e.opts.ClaimTTL {
			return nil, nil
		}
		// The holder stopped refreshing its claim: it died. Take over.
		os.Remove(p)
	}
	return nil, nil
}

// waitTurn sleeps before looking again at a page another process holds.
func (e *Engine) waitTurn(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(e.opts.ClaimPoll):
		return nil
	}
}
