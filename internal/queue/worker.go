package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DefaultConsumer is the durable consumer all workers share when they
// serve every case.
const DefaultConsumer = "casefile-workers"

// Handler processes one unit. It must commit its results before
// returning nil and must be idempotent: the same unit can arrive again
// (a worker died after committing but before acking). It should honour
// ctx: cancellation means the worker is shutting down and the unit will
// be redelivered.
type Handler func(ctx context.Context, u Unit) error

type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent marks err as not worth retrying: the unit goes to the dead
// letters at once (e.g. the file no longer exists).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// WorkerOptions configure a Worker. Zero values mean the defaults in
// brackets.
type WorkerOptions struct {
	// Name identifies this worker in dead letters and logs [host-pid].
	Name string
	// Case restricts the worker to one case; "" serves every case. All
	// workers on one stream must agree: JetStream refuses overlapping
	// consumers on a work queue, so mixing per-case and all-case workers
	// fails with an error saying so.
	Case string
	// Consumer is the durable consumer name [casefile-workers, or
	// casefile-workers-<case token> with Case].
	Consumer string
	// Concurrency is how many units this worker processes at once [1].
	Concurrency int
	// MaxDeliver is how many deliveries a unit gets before it is
	// dead-lettered [5].
	MaxDeliver int
	// AckWait is how long JetStream waits for an ack or heartbeat before
	// redelivering to another worker [60s]. It is a consumer setting: the
	// last worker to start sets it for all.
	AckWait time.Duration
	// Heartbeat is the InProgress interval while a handler runs [AckWait/3].
	Heartbeat time.Duration
	// Backoff gives the NAK delay after a failed attempt (1-based)
	// [1s, 2s, 4s... capped at 1m].
	Backoff func(attempt int) time.Duration
	// PollWait bounds one pull request; shutdown takes at most this long
	// when idle [1s].
	PollWait time.Duration
	// Logf receives operational messages; nil discards them.
	Logf func(format string, args ...any)
}

// DefaultBackoff is 1s·2^(attempt-1), capped at one minute.
func DefaultBackoff(attempt int) time.Duration {
	d := time.Second
	for i := 1; i < attempt && d < time.Minute; i++ {
		d *= 2
	}
	return min(d, time.Minute)
}

// WorkerStats counts what a worker did.
type WorkerStats struct {
	Acked    int64 `json:"acked"`
	Retried  int64 `json:"retried"` // NAKed for a later retry
	Dead     int64 `json:"dead"`
	Released int64 `json:"released"` // handed back on shutdown
	InFlight int64 `json:"in_flight"`
}

// Worker pulls units and runs a Handler on them.
type Worker struct {
	q     *Queue
	opts  WorkerOptions
	cons  jetstream.Consumer
	stats struct{ acked, retried, dead, released, inFlight atomic.Int64 }
}

// NewWorker creates (or updates) the durable pull consumer and returns a
// worker on it.
func (q *Queue) NewWorker(ctx context.Context, opts WorkerOptions) (*Worker, error) {
	if opts.Name == "" {
		h, _ := os.Hostname()
		opts.Name = h + "-" + strconv.Itoa(os.Getpid())
	}
	filter := q.cfg.Prefix + ".work.>"
	if opts.Case != "" {
		filter = q.WorkSubject(opts.Case)
	}
	if opts.Consumer == "" {
		opts.Consumer = DefaultConsumer
		if opts.Case != "" {
			opts.Consumer += "-" + SubjectToken(opts.Case)
		}
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 1
	}
	if opts.MaxDeliver <= 0 {
		opts.MaxDeliver = 5
	}
	if opts.AckWait <= 0 {
		opts.AckWait = time.Minute
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = opts.AckWait / 3
	}
	if opts.Backoff == nil {
		opts.Backoff = DefaultBackoff
	}
	if opts.PollWait <= 0 {
		opts.PollWait = time.Second
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	cons, err := q.work.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       opts.Consumer,
		Description:   "casefile ingest workers",
		FilterSubject: filter,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       opts.AckWait,
		// The worker, not the server, gives up on a unit (so it can
		// dead-letter it with its error): the server never stops
		// delivering.
		MaxDeliver:    -1,
		MaxAckPending: 10000,
	})
	if err != nil {
		return nil, fmt.Errorf("queue: creating consumer %s on %s (filter %s): %w; workers for one case and for all cases cannot share a stream", opts.Consumer, q.cfg.Stream, filter, err)
	}
	return &Worker{q: q, opts: opts, cons: cons}, nil
}

// Stats returns the worker's counters.
func (w *Worker) Stats() WorkerStats {
	return WorkerStats{Acked: w.stats.acked.Load(), Retried: w.stats.retried.Load(), Dead: w.stats.dead.Load(),
		Released: w.stats.released.Load(), InFlight: w.stats.inFlight.Load()}
}

// Run processes units until ctx is cancelled, then lets running handlers
// see the cancellation, hands their units back (NAK, for prompt
// redelivery elsewhere) and returns nil. It returns an error only when
// the connection is closed for good.
func (w *Worker) Run(ctx context.Context, h Handler) error {
	var wg sync.WaitGroup
	errc := make(chan error, w.opts.Concurrency)
	for range w.opts.Concurrency {
		wg.Go(func() {
			if err := w.loop(ctx, h); err != nil {
				errc <- err
			}
		})
	}
	wg.Wait()
	close(errc)
	return <-errc
}

func (w *Worker) loop(ctx context.Context, h Handler) error {
	for ctx.Err() == nil {
		msg, err := w.cons.Next(jetstream.FetchMaxWait(w.opts.PollWait))
		if err != nil {
			switch {
			case errors.Is(err, nats.ErrTimeout), errors.Is(err, jetstream.ErrNoMessages):
			case errors.Is(err, nats.ErrConnectionClosed):
				return fmt.Errorf("queue: worker %s: NATS connection closed: %w", w.opts.Name, err)
			default:
				w.opts.Logf("worker %s: pulling: %v", w.opts.Name, err)
				select {
				case <-ctx.Done():
				case <-time.After(w.opts.PollWait):
				}
			}
			continue
		}
		w.handle(ctx, msg, h)
	}
	return nil
}

// handle runs one message to its end: ack, nak, or dead letter.
func (w *Worker) handle(ctx context.Context, msg jetstream.Msg, h Handler) {
	attempt := 1
	if md, err := msg.Metadata(); err == nil {
		attempt = int(md.NumDelivered)
	}
	var u Unit
	if err := json.Unmarshal(msg.Data(), &u); err != nil || u.Case == "" {
		if err == nil {
			err = errors.New("no case")
		}
		w.deadLetter(msg, DeadLetter{Error: "not a readable work unit: " + err.Error(), Attempts: attempt, Raw: string(msg.Data())})
		return
	}
	u.Attempt = attempt
	if ctx.Err() != nil { // arrived while shutting down
		w.release(msg)
		return
	}
	if attempt > w.opts.MaxDeliver {
		w.deadLetter(msg, DeadLetter{Unit: u, Attempts: attempt - 1,
			Error: fmt.Sprintf("delivered %d times without an answer: the worker processing it probably crashed or was killed (out of memory?)", attempt-1)})
		return
	}
	w.stats.inFlight.Add(1)
	defer w.stats.inFlight.Add(-1)
	hctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { // heartbeat
		t := time.NewTicker(w.opts.Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := msg.InProgress(); err != nil {
					w.opts.Logf("worker %s: heartbeat for unit %s: %v", w.opts.Name, u.ID, err)
				}
			}
		}
	}()
	err := call(hctx, h, u)
	close(done)
	cancel()
	if err == nil {
		actx, acancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer acancel()
		if err := msg.DoubleAck(actx); err != nil {
			// The results are committed; the unit will come back and the
			// idempotent handler will find them.
			w.opts.Logf("worker %s: ack of unit %s (%s) failed, it will be redelivered: %v", w.opts.Name, u.ID, u.Path, err)
			return
		}
		w.stats.acked.Add(1)
		return
	}
	if ctx.Err() != nil && !IsPermanent(err) {
		w.release(msg)
		return
	}
	if IsPermanent(err) || attempt >= w.opts.MaxDeliver {
		w.deadLetter(msg, DeadLetter{Unit: u, Attempts: attempt, Error: err.Error()})
		return
	}
	delay := w.opts.Backoff(attempt)
	w.opts.Logf("worker %s: unit %s (%s) attempt %d/%d failed, retrying in %s: %v", w.opts.Name, u.ID, u.Path, attempt, w.opts.MaxDeliver, delay, err)
	if err := msg.NakWithDelay(delay); err != nil {
		w.opts.Logf("worker %s: nak of unit %s: %v (it will be redelivered after the ack wait)", w.opts.Name, u.ID, err)
	}
	w.stats.retried.Add(1)
}

// call runs h, turning a panic into an error so one bad unit cannot kill
// the worker.
func call(ctx context.Context, h Handler, u Unit) (err error) {
	defer func() {
		if r := recover(); r != nil {
			stack := debug.Stack()
			if len(stack) > 4096 {
				stack = stack[:4096]
			}
			err = fmt.Errorf("handler panicked on unit %s (%s): %v\n%s", u.ID, u.Path, r, stack)
		}
	}()
	return h(ctx, u)
}

func (w *Worker) release(msg jetstream.Msg) {
	if err := msg.Nak(); err != nil {
		w.opts.Logf("worker %s: handing back a unit: %v (it will be redelivered after the ack wait)", w.opts.Name, err)
	}
	w.stats.released.Add(1)
}

// deadLetter publishes d to the case's dead-letter subject and then
// terminates the message. If the publish fails the message is NAKed so
// nothing is lost.
func (w *Worker) deadLetter(msg jetstream.Msg, d DeadLetter) {
	d.Worker, d.Time = w.opts.Name, time.Now().UTC()
	// The dead subject mirrors the work subject, so even a message that
	// is not a readable unit lands with its case.
	subj := w.q.cfg.Prefix + ".dead." + strings.TrimPrefix(msg.Subject(), w.q.cfg.Prefix+".work.")
	id := d.Unit.ID
	if md, err := msg.Metadata(); err == nil {
		id += ":" + strconv.FormatUint(md.Sequence.Stream, 10)
	}
	data, err := json.Marshal(d)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err = w.q.js.Publish(ctx, subj, data, jetstream.WithMsgID("dead:"+id), jetstream.WithExpectStream(w.q.cfg.DeadStream))
	}
	if err != nil {
		w.opts.Logf("worker %s: could not dead-letter unit %s, will retry: %v", w.opts.Name, d.Unit.ID, err)
		_ = msg.NakWithDelay(w.opts.Backoff(d.Attempts))
		return
	}
	w.opts.Logf("worker %s: unit %s (%s) dead after %d attempt(s): %s", w.opts.Name, d.Unit.ID, d.Unit.Path, d.Attempts, d.Error)
	if err := msg.Term(); err != nil { // plain Term: TermWithReason needs nats-server 2.10+
		w.opts.Logf("worker %s: terminating unit %s: %v", w.opts.Name, d.Unit.ID, err)
	}
	w.stats.dead.Add(1)
}
