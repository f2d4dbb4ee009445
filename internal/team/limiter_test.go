package team

import (
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestLimiter(t *testing.T) {
	type step struct {
		advance  time.Duration
		op       string // "fail", "ok", "check"
		user, ip string
		allowed  bool          // for check
		wait     time.Duration // for check: expected wait when blocked
	}
	const a, ip1, ip2 = "alice", "192.0.2.1", "198.51.100.7"
	fails := func(n int, user, ip string) []step {
		var s []step
		for range n {
			s = append(s, step{op: "fail", user: user, ip: ip})
		}
		return s
	}
	cat := func(parts ...[]step) []step {
		var out []step
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"four failures still allowed", cat(fails(4, a, ip1), []step{{op: "check", user: a, ip: ip1, allowed: true}})},
		{"fifth failure locks for 1m", cat(fails(5, a, ip1), []step{
			{op: "check", user: a, ip: ip1, allowed: false, wait: time.Minute},
			{advance: 59 * time.Second, op: "check", user: a, ip: ip1, allowed: false, wait: time.Second},
			{advance: time.Second, op: "check", user: a, ip: ip1, allowed: true},
		})},
		{"backoff doubles", cat(fails(5, a, ip1), []step{
			{advance: time.Minute, op: "fail", user: a, ip: ip1},
			{op: "check", user: a, ip: ip1, allowed: false, wait: 2 * time.Minute},
			{advance: 2 * time.Minute, op: "fail", user: a, ip: ip1},
			{op: "check", user: a, ip: ip1, allowed: false, wait: 4 * time.Minute},
			{advance: 4 * time.Minute, op: "fail", user: a, ip: ip1},
			{op: "check", user: a, ip: ip1, allowed: false, wait: 8 * time.Minute},
			{advance: 8 * time.Minute, op: "fail", user: a, ip: ip1},
			{op: "check", user: a, ip: ip1, allowed: false, wait: 15 * time.Minute}, // capped
		})},
		{"other address unaffected", cat(fails(5, a, ip1), []step{{op: "check", user: a, ip: ip2, allowed: true}})},
		{"other account unaffected", cat(fails(5, a, ip1), []step{{op: "check", user: "bob", ip: ip1, allowed: true}})},
		{"success clears", cat(fails(4, a, ip1), []step{{op: "ok", user: a, ip: ip1}}, fails(4, a, ip1), []step{{op: "check", user: a, ip: ip1, allowed: true}})},
		{"window forgets", cat(fails(4, a, ip1), []step{{advance: 16 * time.Minute, op: "fail", user: a, ip: ip1}, {op: "check", user: a, ip: ip1, allowed: true}})},
		{"failures spread within window count", cat(
			[]step{{op: "fail", user: a, ip: ip1}, {advance: 10 * time.Minute, op: "fail", user: a, ip: ip1}, {advance: 10 * time.Minute, op: "fail", user: a, ip: ip1},
				{advance: 10 * time.Minute, op: "fail", user: a, ip: ip1}, {advance: 10 * time.Minute, op: "fail", user: a, ip: ip1}},
			[]step{{op: "check", user: a, ip: ip1, allowed: false, wait: time.Minute}})},
		{"spraying many accounts from one address", func() []step {
			var s []step
			for i := range 50 {
				s = append(s, step{op: "fail", user: string(rune('a'+i%26)) + "x" + string(rune('a'+i/26)), ip: ip1})
			}
			return append(s, step{op: "check", user: "fresh", ip: ip1, allowed: false, wait: time.Minute}, step{op: "check", user: "fresh", ip: ip2, allowed: true})
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			l := NewLimiter(LimiterOptions{}, clk.Now)
			for i, s := range tc.steps {
				clk.Add(s.advance)
				switch s.op {
				case "fail":
					l.Failure(s.user, s.ip)
				case "ok":
					l.Success(s.user, s.ip)
				case "check":
					wait, ok := l.Allow(s.user, s.ip)
					if ok != s.allowed || (!ok && wait != s.wait) {
						t.Fatalf("step %d: Allow(%s, %s) = %v, %v; want %v, %v", i, s.user, s.ip, wait, ok, s.wait, s.allowed)
					}
				}
			}
		})
	}
}

func TestLimiterBoundedMemory(t *testing.T) {
	clk := newClock()
	l := NewLimiter(LimiterOptions{MaxEntries: 1000}, clk.Now)
	for i := range 20000 {
		l.Failure("u", "10.0."+string(rune('0'+i%10))+"."+time.Duration(i).String())
	}
	if n := l.Len(); n > 1000 {
		t.Fatalf("limiter holds %d entries, bound is 1000", n)
	}
}
