package team

import (
	"sync"
	"time"
)

// LimiterOptions configure the login rate limiter. Zero values mean the
// defaults in brackets.
type LimiterOptions struct {
	// MaxFailures is how many failed logins one account+address pair may
	// make within Window before it is locked out [5].
	MaxFailures int
	// Window is how long failures are remembered after the last one [15m].
	Window time.Duration
	// BaseDelay is the first lockout; each further failure doubles it
	// (exponential backoff) [1m].
	BaseDelay time.Duration
	// MaxDelay caps the lockout [15m].
	MaxDelay time.Duration
	// PerAddressMaxFailures locks an address out of every account after
	// this many failures within Window (password spraying) [50].
	PerAddressMaxFailures int
	// MaxEntries bounds memory; expired entries are swept when it is
	// reached [100000].
	MaxEntries int
}

func (o LimiterOptions) withDefaults() LimiterOptions {
	if o.MaxFailures <= 0 {
		o.MaxFailures = 5
	}
	if o.Window <= 0 {
		o.Window = 15 * time.Minute
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = time.Minute
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = 15 * time.Minute
	}
	if o.PerAddressMaxFailures <= 0 {
		o.PerAddressMaxFailures = 50
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = 100000
	}
	return o
}

// Limiter counts failed logins per account+address (and per address)
// and locks a pair out once it reaches MaxFailures: for BaseDelay after
// the MaxFailures-th failure, doubling with each further failure up to
// MaxDelay. A success clears the pair. Counters are forgotten Window
// after the last failure. It is safe for concurrent use and holds no
// global state: each Service owns one.
type Limiter struct {
	opts LimiterOptions
	now  func() time.Time
	mu   sync.Mutex
	m    map[string]*limitEntry
}

type limitEntry struct {
	failures int
	last     time.Time
}

// NewLimiter returns a limiter; now nil means time.Now.
func NewLimiter(opts LimiterOptions, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{opts: opts.withDefaults(), now: now, m: map[string]*limitEntry{}}
}

func pairKey(account, addr string) string { return "u\x00" + account + "\x00" + addr }
func addrKey(addr string) string          { return "a\x00" + addr }

// delay is the lockout after n failures with threshold max.
func (l *Limiter) delay(n, max int) time.Duration {
	if n < max {
		return 0
	}
	d := l.opts.BaseDelay
	for i := max; i < n && d < l.opts.MaxDelay; i++ {
		d *= 2
	}
	return min(d, l.opts.MaxDelay)
}

// entry returns the live entry for k, dropping an expired one.
func (l *Limiter) entry(k string, now time.Time) *limitEntry {
	e := l.m[k]
	if e != nil && now.Sub(e.last) > l.opts.Window {
		delete(l.m, k)
		return nil
	}
	return e
}

// Allow reports whether a login for account from addr may be attempted
// now, and if not, how long to wait.
func (l *Limiter) Allow(account, addr string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	if e := l.entry(pairKey(account, addr), now); e != nil {
		if until := e.last.Add(l.delay(e.failures, l.opts.MaxFailures)); now.Before(until) {
			wait = until.Sub(now)
		}
	}
	if e := l.entry(addrKey(addr), now); e != nil {
		if until := e.last.Add(l.delay(e.failures, l.opts.PerAddressMaxFailures)); now.Before(until) {
			wait = max(wait, until.Sub(now))
		}
	}
	return wait, wait == 0
}

// Failure records a failed login and returns the lockout now in force
// for the pair (0 if none).
func (l *Limiter) Failure(account, addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.m) >= l.opts.MaxEntries {
		l.sweep(now)
	}
	var d time.Duration
	for _, k := range []string{pairKey(account, addr), addrKey(addr)} {
		e := l.entry(k, now)
		if e == nil {
			e = &limitEntry{}
			l.m[k] = e
		}
		e.failures++
		e.last = now
		if k[0] == 'u' {
			d = l.delay(e.failures, l.opts.MaxFailures)
		}
	}
	return d
}

// Success clears the pair's failures (the address counter stays).
func (l *Limiter) Success(account, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, pairKey(account, addr))
}

// sweep drops expired entries; if the map is still full (an attack from
// very many addresses), it drops the oldest half so memory stays bounded.
func (l *Limiter) sweep(now time.Time) {
	for k, e := range l.m {
		if now.Sub(e.last) > l.opts.Window {
			delete(l.m, k)
		}
	}
	if len(l.m) < l.opts.MaxEntries {
		return
	}
	cut := now.Add(-l.opts.Window / 2)
	for k, e := range l.m {
		if e.last.Before(cut) {
			delete(l.m, k)
		}
	}
	for k := range l.m {
		if len(l.m) < l.opts.MaxEntries/2 {
			break
		}
		delete(l.m, k)
	}
}

// Len returns the number of tracked keys (for tests and metrics).
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}
