package cli

import (
	"runtime/debug"
	"testing"
)

func TestThroughputGC(t *testing.T) {
	for _, tc := range []struct {
		name, gogc string
		want       int
	}{
		{"default", "", ingestGCPercent},
		{"user's GOGC wins", "150", 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOGC", tc.gogc)
			before := debug.SetGCPercent(100)
			defer debug.SetGCPercent(before)
			restore := throughputGC()
			got := debug.SetGCPercent(-1)
			debug.SetGCPercent(got)
			if got != tc.want {
				t.Errorf("during the job: GC percent %d, want %d", got, tc.want)
			}
			restore()
			if got := debug.SetGCPercent(100); got != 100 {
				t.Errorf("after restore: GC percent %d, want 100", got)
			}
		})
	}
}
