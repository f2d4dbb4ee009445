package corpus

import (
	"context"
	"testing"
)

// BenchmarkGenerate measures rendering and writing a 2,000-message Maildir;
// the reported msg/s should stay above 1,700 on one core so that 100,000
// messages take under a minute on two.
func BenchmarkGenerate(b *testing.B) {
	const n = 2000
	dir := b.TempDir()
	var bytes int64
	for b.Loop() {
		c := New(Options{N: n, Seed: 7})
		s, err := c.WriteMaildir(context.Background(), dir)
		if err != nil {
			b.Fatal(err)
		}
		bytes = s.Bytes
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "msg/s")
	b.SetBytes(bytes)
}

// BenchmarkMessage measures rendering alone.
func BenchmarkMessage(b *testing.B) {
	c := New(Options{N: 5000, Seed: 7})
	i := 0
	for b.Loop() {
		_ = c.Message(i % 5000)
		i++
	}
}
