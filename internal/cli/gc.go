package cli

import (
	"os"
	"runtime/debug"
)

// ingestGCPercent is the Go collector's target for batch ingest: the heap
// may grow to three times the live data between collections instead of
// twice. Ingest allocates heavily (parsed messages, decoded bodies) and
// keeps little alive, so collections cost CPU that parsing and indexing
// need on a small machine. Measured on the 100,000-message benchmark
// corpus (2 cores): 13.1 s to 12.4 s wall, 2.5 CPU-seconds less, peak
// RSS 630 to 740 MiB.
const ingestGCPercent = 200

// throughputGC sets the collector for a batch job unless the user chose
// one with GOGC; the returned function restores the previous setting.
// ingest and worker use it.
func throughputGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(ingestGCPercent)
	return func() { debug.SetGCPercent(prev) }
}
