package corpus

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// WriteMaildir writes every message into dir/cur (creating dir/cur, dir/new
// and dir/tmp), using Options.Workers goroutines. Existing files with the
// same names are overwritten. It returns the corpus statistics including
// bytes written and the time taken.
func (c *Corpus) WriteMaildir(ctx context.Context, dir string) (Stats, error) {
	start := time.Now()
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return Stats{}, fmt.Errorf("corpus: create maildir: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cur := filepath.Join(dir, "cur")
	workers := min(c.opts.Workers, c.opts.N)
	var (
		total    atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var b bytes.Buffer
			for i := w; i < c.opts.N; i += workers {
				if (i/workers)%256 == 0 && ctx.Err() != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("corpus: write maildir: %w", ctx.Err()) })
					return
				}
				b.Reset()
				c.appendMessage(&b, i)
				path := filepath.Join(cur, c.FileName(i))
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("corpus: write message %d: %w", i, err) })
					cancel()
					return
				}
				total.Add(int64(b.Len()))
			}
		}(w)
	}
	wg.Wait()
	if firstErr != nil {
		return Stats{}, firstErr
	}
	s := c.Plan()
	s.Bytes = total.Load()
	s.Duration = time.Since(start)
	return s, nil
}
