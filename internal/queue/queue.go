// Package queue distributes ingest work over NATS JetStream.
//
// Work units (a top-level file, or one page of a scanned PDF to OCR,
// handed out by the worker ingesting the PDF) are JSON messages on the subjects PREFIX.work.<case> of a
// WorkQueue-retention stream (default CASEFILE_WORK, prefix "casefile"):
// each unit is delivered to one worker at a time and removed once acked.
// A Worker pulls units one at a time with explicit acks, runs a Handler,
// and acks only after the handler returns nil — the handler commits its
// results first, and must be idempotent, because a worker that dies
// between commit and ack causes a redelivery. On error the unit is
// NAKed with exponential backoff; after MaxDeliver deliveries (or at
// once for a Permanent error) it is published with its last error to
// PREFIX.dead.<case> (stream CASEFILE_DEAD, kept) and terminated, so a
// poison unit never blocks the queue. Long units send InProgress
// heartbeats so they are not redelivered while still running.
//
// The Enqueuer side walks a folder and publishes one unit per top-level
// file with Nats-Msg-Id = unit ID (a digest of case, kind, path, member,
// page and SHA-256), so re-enqueueing within the stream's duplicate
// window publishes nothing new. Progress reads the stream and consumer
// state.
package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Kind is what a unit asks a worker to do.
type Kind string

// Unit kinds.
const (
	KindFile    Kind = "file"     // ingest one top-level file (a container with all its members)
	KindOCRPage Kind = "ocr-page" // OCR one page (Page, 1-based) of a PDF into the case's OCR cache
)

// Unit is one piece of work.
type Unit struct {
	ID   string `json:"id"`
	Case string `json:"case"`
	Kind Kind   `json:"kind"`
	// Root is the folder the enqueuer walked, as an absolute path that
	// workers must be able to read (a shared file system); Path is the
	// file relative to Root, with forward slashes — the same path a
	// single-process ingest of Root records.
	Root   string `json:"root"`
	Path   string `json:"path"`
	Member string `json:"member,omitempty"`
	Page   int    `json:"page,omitempty"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Enqueued is when the unit was published.
	Enqueued time.Time `json:"enqueued"`
	// Attempt is the delivery number (1 the first time), filled in by the
	// worker from JetStream's delivery count; publishers leave it 0.
	Attempt int `json:"attempt,omitempty"`
}

// UnitID is the deterministic identity of a unit: the first 32 hex
// digits of SHA-256 over case, kind, path, member, page and file hash.
// It is the Nats-Msg-Id (de-duplication) and the key an idempotent
// handler records results under.
func UnitID(caseName string, kind Kind, path, member string, page int, sha string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%d\x00%s", caseName, kind, path, member, page, sha)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// withID fills u.ID when empty.
func (u Unit) withID() Unit {
	if u.ID == "" {
		u.ID = UnitID(u.Case, u.Kind, u.Path, u.Member, u.Page, u.SHA256)
	}
	return u
}

// DeadLetter is a unit given up on, as published to PREFIX.dead.<case>.
type DeadLetter struct {
	Unit     Unit      `json:"unit"`
	Error    string    `json:"error"`
	Attempts int       `json:"attempts"`
	Worker   string    `json:"worker"`
	Time     time.Time `json:"time"`
	// Raw holds the message body when it was not a readable unit.
	Raw string `json:"raw,omitempty"`
}

// Config names the streams and subjects. Zero values mean the defaults.
type Config struct {
	// Stream is the work-queue stream [CASEFILE_WORK].
	Stream string
	// DeadStream keeps dead letters [CASEFILE_DEAD].
	DeadStream string
	// Prefix starts every subject: PREFIX.work.<case>, PREFIX.dead.<case>
	// [casefile]. Tests use a unique prefix so streams never overlap.
	Prefix string
	// DedupWindow is how long JetStream remembers unit IDs to drop
	// re-published units [1h]. The server keeps every ID of the window in
	// memory (~100 bytes each).
	DedupWindow time.Duration
	// Replicas for clustered JetStream [1].
	Replicas int
}

// Named is the configuration of the queue called name: streams and
// subjects of its own (CASEFILE_WORK_NAME, CASEFILE_DEAD_NAME,
// casefile_name.work.<case>), so two deployments, or two test runs, can
// share a NATS server without taking each other's units. The name is 1 to
// 32 lower-case letters, digits or _ (upper case is left out so that two
// names never map to one stream name). An empty name is the default
// queue.
func Named(name string) (Config, error) {
	if name == "" {
		return Config{}, nil
	}
	if !validName(name) {
		return Config{}, fmt.Errorf("queue name %q: use 1 to 32 lower-case letters, digits or _", name)
	}
	up := strings.ToUpper(name)
	return Config{Stream: "CASEFILE_WORK_" + up, DeadStream: "CASEFILE_DEAD_" + up, Prefix: "casefile_" + name}, nil
}

func validName(name string) bool {
	if len(name) > 32 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

func (c Config) withDefaults() Config {
	if c.Stream == "" {
		c.Stream = "CASEFILE_WORK"
	}
	if c.DeadStream == "" {
		c.DeadStream = "CASEFILE_DEAD"
	}
	if c.Prefix == "" {
		c.Prefix = "casefile"
	}
	if c.DedupWindow <= 0 {
		c.DedupWindow = time.Hour
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	return c
}

// Queue is a connection to the work and dead-letter streams.
type Queue struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	cfg    Config
	work   jetstream.Stream
	dead   jetstream.Stream
	ownsNC bool
}

// Connect dials the NATS server at url and opens the queue. The error
// says what to do when the server is down or has no JetStream.
func Connect(ctx context.Context, url string, cfg Config) (*Queue, error) {
	nc, err := nats.Connect(url, nats.Name("casefile"), nats.Timeout(5*time.Second), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("queue: cannot reach NATS at %s: %w (is nats-server running with -js? check --nats)", redact(url), err)
	}
	q, err := Open(ctx, nc, cfg)
	if err != nil {
		nc.Close()
		return nil, err
	}
	q.ownsNC = true
	return q, nil
}

// redact hides a password in a nats:// URL.
func redact(url string) string {
	if at := strings.LastIndex(url, "@"); at > 0 {
		if i := strings.Index(url, "://"); i >= 0 && i < at {
			return url[:i+3] + "***" + url[at:]
		}
	}
	return url
}

// Open creates or updates the streams on an existing connection.
func Open(ctx context.Context, nc *nats.Conn, cfg Config) (*Queue, error) {
	cfg = cfg.withDefaults()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	q := &Queue{nc: nc, js: js, cfg: cfg}
	q.work, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        cfg.Stream,
		Description: "casefile ingest work units",
		Subjects:    []string{cfg.Prefix + ".work.>"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Duplicates:  cfg.DedupWindow,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		return nil, streamErr(cfg.Stream, err)
	}
	q.dead, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        cfg.DeadStream,
		Description: "casefile ingest units that failed too often",
		Subjects:    []string{cfg.Prefix + ".dead.>"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Duplicates:  cfg.DedupWindow,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		return nil, streamErr(cfg.DeadStream, err)
	}
	return q, nil
}

func streamErr(name string, err error) error {
	if errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, nats.ErrJetStreamNotEnabled) {
		return fmt.Errorf("queue: the NATS server has JetStream disabled; start nats-server with -js: %w", err)
	}
	return fmt.Errorf("queue: creating stream %s: %w", name, err)
}

// Close closes the connection if Connect opened it.
func (q *Queue) Close() {
	if q.ownsNC {
		q.nc.Close()
	}
}

// Config returns the queue's configuration with defaults filled in.
func (q *Queue) Config() Config { return q.cfg }

// WorkSubject is the subject units of caseName are published on.
func (q *Queue) WorkSubject(caseName string) string {
	return q.cfg.Prefix + ".work." + SubjectToken(caseName)
}

// DeadSubject is the dead-letter subject of caseName.
func (q *Queue) DeadSubject(caseName string) string {
	return q.cfg.Prefix + ".dead." + SubjectToken(caseName)
}

// SubjectToken encodes a case name as one subject token: ASCII letters,
// digits, '_' and '-' are kept, every other byte becomes %XX. Distinct
// names give distinct tokens.
func SubjectToken(caseName string) string {
	var b strings.Builder
	for i := 0; i < len(caseName); i++ {
		c := caseName[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	if b.Len() == 0 {
		return "%"
	}
	return b.String()
}

// Publish enqueues u (filling u.ID and u.Enqueued when empty). dup is
// true when JetStream already had a unit with this ID within the
// duplicate window, in which case nothing new was queued.
func (q *Queue) Publish(ctx context.Context, u Unit) (dup bool, err error) {
	if u.Case == "" || u.Kind == "" {
		return false, errors.New("queue: a unit needs a case and a kind")
	}
	u = u.withID()
	u.Attempt = 0
	if u.Enqueued.IsZero() {
		u.Enqueued = time.Now().UTC()
	}
	data, err := json.Marshal(u)
	if err != nil {
		return false, fmt.Errorf("queue: encoding unit %s: %w", u.ID, err)
	}
	ack, err := q.js.Publish(ctx, q.WorkSubject(u.Case), data, jetstream.WithMsgID(u.ID), jetstream.WithExpectStream(q.cfg.Stream))
	if err != nil {
		return false, fmt.Errorf("queue: publishing unit %s (%s): %w", u.ID, u.Path, err)
	}
	return ack.Duplicate, nil
}

// Progress is a snapshot of a case's work in the queue.
type Progress struct {
	Case string `json:"case"`
	// Remaining units in the work stream (not yet acked or dead).
	Remaining uint64 `json:"remaining"`
	// Waiting units not yet delivered to any worker, InFlight delivered
	// and not yet acked, Redelivered delivered more than once — for the
	// case's consumer (with the shared all-cases consumer these count
	// every case).
	Waiting     uint64 `json:"waiting"`
	InFlight    int    `json:"in_flight"`
	Redelivered int    `json:"redelivered"`
	Workers     int    `json:"pull_requests"`
	// Dead is the number of dead letters kept for the case.
	Dead uint64 `json:"dead"`
}

// Progress reports the case's remaining and dead units from the stream
// state and the in-flight counts from consumer (the durable name passed
// to NewWorker, "" for the default; a missing consumer counts zero).
func (q *Queue) Progress(ctx context.Context, caseName, consumer string) (Progress, error) {
	p := Progress{Case: caseName}
	var err error
	if p.Remaining, err = subjectCount(ctx, q.work, q.WorkSubject(caseName)); err != nil {
		return p, err
	}
	if p.Dead, err = subjectCount(ctx, q.dead, q.DeadSubject(caseName)); err != nil {
		return p, err
	}
	if consumer == "" {
		consumer = DefaultConsumer
	}
	c, err := q.work.Consumer(ctx, consumer)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("queue: reading consumer %s: %w", consumer, err)
	}
	ci, err := c.Info(ctx)
	if err != nil {
		return p, fmt.Errorf("queue: reading consumer %s: %w", consumer, err)
	}
	p.Waiting, p.InFlight, p.Redelivered, p.Workers = ci.NumPending, ci.NumAckPending, ci.NumRedelivered, ci.NumWaiting
	return p, nil
}

func subjectCount(ctx context.Context, s jetstream.Stream, subject string) (uint64, error) {
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(subject))
	if err != nil {
		return 0, fmt.Errorf("queue: reading stream state for %s: %w", subject, err)
	}
	return info.State.Subjects[subject], nil
}

// DeadLetters returns the dead letters kept for caseName, oldest first.
func (q *Queue) DeadLetters(ctx context.Context, caseName string) ([]DeadLetter, error) {
	subj := q.DeadSubject(caseName)
	n, err := subjectCount(ctx, q.dead, subj)
	if err != nil || n == 0 {
		return nil, err
	}
	oc, err := q.dead.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subj}})
	if err != nil {
		return nil, fmt.Errorf("queue: reading dead letters of %s: %w", caseName, err)
	}
	var out []DeadLetter
	for uint64(len(out)) < n {
		batch, err := oc.Fetch(int(min(n-uint64(len(out)), 256)), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return out, fmt.Errorf("queue: reading dead letters of %s: %w", caseName, err)
		}
		got := 0
		for m := range batch.Messages() {
			got++
			var d DeadLetter
			if err := json.Unmarshal(m.Data(), &d); err != nil {
				d = DeadLetter{Error: "unreadable dead letter: " + err.Error(), Raw: string(m.Data())}
			}
			out = append(out, d)
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return out, fmt.Errorf("queue: reading dead letters of %s: %w", caseName, err)
		}
		if got == 0 {
			break
		}
	}
	return out, nil
}
