package queue

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkQueueOverhead measures the queue's own cost per unit
// (publish with dedup id, pull, heartbeat setup, double ack) with an
// empty handler, for one and two workers.
func BenchmarkQueueOverhead(b *testing.B) {
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			q, _ := testQueueTB(b)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n := b.N
			start := time.Now()
			for i := range n {
				if _, err := q.Publish(ctx, unit("bench", fmt.Sprintf("f%07d", i))); err != nil {
					b.Fatal(err)
				}
			}
			pub := time.Since(start)
			var done atomic.Int64
			for w := range workers {
				wk, err := q.NewWorker(ctx, WorkerOptions{Name: fmt.Sprint(w), PollWait: 100 * time.Millisecond})
				if err != nil {
					b.Fatal(err)
				}
				go wk.Run(ctx, func(context.Context, Unit) error { done.Add(1); return nil })
			}
			start = time.Now()
			for done.Load() < int64(n) {
				time.Sleep(time.Millisecond)
			}
			b.ReportMetric(float64(n)/pub.Seconds(), "published/s")
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "processed/s")
		})
	}
}
