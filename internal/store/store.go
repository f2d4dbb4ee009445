// Package store defines casefile's storage contract: the Store interface
// that every backend (embedded SQLite now, PostgreSQL for team servers)
// implements, the records it reads and writes, and sentinel errors.
//
// Backends compile the query AST (internal/query) themselves; callers
// never build SQL. The shared conformance suite in store/storetest runs
// against every backend.
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/query"
)

// Sentinel errors.
var (
	ErrNotFound  = errors.New("store: not found")
	ErrAmbiguous = errors.New("store: ambiguous id prefix")
	// ErrSchemaTooNew means the case was written by a newer casefile.
	ErrSchemaTooNew = errors.New("store: case schema is newer than this casefile")
)

// Run is one ingest invocation.
type Run struct {
	ID       int64     `json:"id"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitempty"`
	Root     string    `json:"root"`
	Status   string    `json:"status"` // running, done, interrupted, failed
	// Summary is the run's counters as JSON-able map.
	Summary map[string]int `json:"summary,omitempty"`
}

// FileRecord is the reconciliation line for one top-level input file.
type FileRecord struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	Format string `json:"format"`
	RunID  int64  `json:"run"`
	// Seen is the number of items the container itself claimed (readpst's
	// count, mbox separators...), Emitted the number handed to the parser.
	Seen    int `json:"seen"`
	Emitted int `json:"emitted"`
	// Stored is the number of copies recorded as sources; Failed and
	// Skipped count problems recorded for this file.
	Stored  int `json:"stored"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	// Pages is the number of document pages from this file kept as
	// searchable documents (kind page); Stored and Duplicates leave
	// them out.
	Pages int `json:"pages"`
	// Duplicates is the number of this file's copies whose message was
	// already known from an earlier file or offset (computed on read).
	Duplicates int    `json:"duplicates"`
	Status     string `json:"status"` // done, partial
}

// Problem is a failure, a skip or a warning recorded during ingest.
type Problem struct {
	RunID  int64  `json:"run"`
	Kind   string `json:"kind"` // failed, skipped, warning
	Path   string `json:"path"`
	Member string `json:"member,omitempty"`
	Offset int64  `json:"offset"`
	Page   int    `json:"page,omitempty"`
	Reason string `json:"reason"`
	// Retry (not stored) asks ingest to leave the file partial so the
	// next run reads it again, as for a failure (e.g. pages skipped
	// under --no-ocr).
	Retry bool `json:"-"`
}

// PutResult counts what a PutMessages call changed.
type PutResult struct {
	New        int // messages not seen before
	Duplicates int // new copies (sources) of already-known messages
	Known      int // copies already recorded (re-ingest of the same source)
	// Pages is how many of New are document pages (kind page); the
	// other counts include pages too.
	Pages int
}

// Sort orders of SearchOptions.Sort.
const (
	SortRank   = "rank"  // best match first
	SortDate   = "date"  // oldest first, undated last
	SortNewest = "-date" // newest first, undated last
)

// ValidSort reports whether s is a sort order a caller may ask for ("" is
// the default).
func ValidSort(s string) bool {
	switch s {
	case "", SortRank, SortDate, SortNewest:
		return true
	}
	return false
}

// SortFor is the order a backend applies: the requested one, or rank
// when the query has text terms and date otherwise (rank without text
// terms means date too).
func (o SearchOptions) SortFor(hasText bool) (string, error) {
	if !ValidSort(o.Sort) {
		return "", fmt.Errorf("store: unknown sort %q (use rank, date or -date)", o.Sort)
	}
	if o.Sort == "" || o.Sort == SortRank {
		if hasText {
			return SortRank, nil
		}
		return SortDate, nil
	}
	return o.Sort, nil
}

// Markers returns the snippet highlight markers, « and » by default.
func (o SearchOptions) Markers() (start, end string) {
	if o.HighStart == "" && o.HighEnd == "" {
		return "«", "»"
	}
	return o.HighStart, o.HighEnd
}

// AddressText renders addresses as the searchable text of an address
// field ("Name <addr> ; Name <addr>"), the same in every backend.
func AddressText(as ...model.Address) string {
	var b strings.Builder
	for _, a := range as {
		if a.IsZero() {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(" ; ")
		}
		b.WriteString(a.String())
	}
	return b.String()
}

// Hit is one search result.
type Hit struct {
	Message *model.Message // Sources, To/Cc filled; BodyText empty
	Snippet string         // highlighted with the SearchOptions markers
	Rank    float64
}

// SearchOptions control ordering and paging. Limit 0 means no limit.
type SearchOptions struct {
	Sort      string // "rank" (default when the query has text terms), "date", "-date"
	Limit     int
	Offset    int
	HighStart string // snippet highlight markers; default "«" and "»"
	HighEnd   string
}

// ThreadInput is the per-message data threading needs.
type ThreadInput struct {
	ID           string
	MessageID    string
	InReplyTo    string
	References   []string
	Subject      string
	Date         time.Time
	Participants []string
}

// ThreadAssignment records one message's place in its thread.
type ThreadAssignment struct {
	ID, ThreadID, ParentID string
}

// CopyLink says that printed message ID is a copy of native message Of,
// with the matcher's score and evidence.
type CopyLink struct {
	ID, Of   string
	Score    float64
	Evidence []string
}

// Placeholder is a message referenced by others but absent from the case.
type Placeholder struct {
	ID, MessageID, ThreadID, ParentID string
}

// ThreadEntry is one node of a thread as stored.
type ThreadEntry struct {
	ID          string         `json:"id"`
	ParentID    string         `json:"parent_id"`
	Placeholder bool           `json:"placeholder,omitempty"`
	MessageID   string         `json:"message_id,omitempty"`
	Date        *time.Time     `json:"-"`
	From        model.Address  `json:"from"`
	Subject     string         `json:"subject"`
	Message     *model.Message `json:"-"`
}

// Stats summarises a case.
type Stats struct {
	Messages int `json:"messages"`
	Native   int `json:"native"`
	Printed  int `json:"printed"`
	// PrintedCopies counts printed messages linked as copies of native
	// ones (not in Messages or Printed; their sources are in Sources).
	PrintedCopies int `json:"printed_copies"`
	// Pages counts document pages kept as searchable documents (kind
	// page); they are not messages and no other field counts them.
	Pages         int        `json:"pages"`
	Sources       int        `json:"sources"`
	Duplicates    int        `json:"duplicates"` // copies beyond the first of each message
	DuplicatedMsg int        `json:"duplicated_messages"`
	MIDConflicts  int        `json:"message_id_conflicts"`
	Threads       int        `json:"threads"`
	Placeholders  int        `json:"placeholders"`
	Attachments   int        `json:"attachments"`
	Files         int        `json:"files"`
	Failed        int        `json:"failed"`
	Skipped       int        `json:"skipped"`
	Warnings      int        `json:"warnings"`
	UndatedMsgs   int        `json:"undated"`
	First         *time.Time `json:"first"`
	Last          *time.Time `json:"last"`
	Runs          int        `json:"runs"`
}

// Store is the storage contract. Implementations must be safe for one
// writer and many concurrent readers.
type Store interface {
	// BeginRun records the start of an ingest run and returns its ID.
	BeginRun(ctx context.Context, root string) (int64, error)
	// FinishRun records a run's end status and counters.
	FinishRun(ctx context.Context, runID int64, status string, summary map[string]int) error
	// Runs lists ingest runs, newest first.
	Runs(ctx context.Context) ([]Run, error)

	// FileDone reports whether a top-level file with this path and
	// content hash was completely ingested by an earlier run.
	FileDone(ctx context.Context, path, sha256 string) (bool, error)

	// Write applies one batch atomically: messages (each with its
	// Sources; Children are stored as messages of their own), problems,
	// and file records to mark complete. It is idempotent.
	Write(ctx context.Context, runID int64, b Batch) (PutResult, error)

	// Finalize recomputes derived flags (Message-ID conflicts) after ingest.
	Finalize(ctx context.Context) error

	// Get returns one message with sources, attachments and body.
	Get(ctx context.Context, id string) (*model.Message, error)
	// ResolveID expands a unique ID prefix (at least 4 hex digits).
	ResolveID(ctx context.Context, prefix string) (string, error)
	// Search streams hits for the query to fn in order.
	Search(ctx context.Context, q query.Node, opts SearchOptions, fn func(Hit) error) error
	// Count returns the number of messages matching q.
	Count(ctx context.Context, q query.Node) (int, error)
	// Each streams every message (with body and sources) in date order.
	Each(ctx context.Context, fn func(*model.Message) error) error
	// EachText streams every message as Each does but without BodyHTML,
	// Headers and Attachments (left empty): what analyses of the text
	// (people, printed copies) read, at about four fifths of the cost.
	EachText(ctx context.Context, fn func(*model.Message) error) error

	// Messages streams the listed messages in Each's order, as listings:
	// every field but BodyText, BodyHTML, Headers and Attachments (left
	// empty), with sources and copies as Each gives them. IDs not in the
	// case are skipped.
	Messages(ctx context.Context, ids []string, fn func(*model.Message) error) error

	// Generation counts changes to the case: it grows with every Write
	// that stores messages, with Finalize when it flags messages, and
	// with SetCopies, SetThreads and AddEdit, in the same transaction.
	Generation(ctx context.Context) (int64, error)
	// PutDerived replaces a set of derived data (computed from the whole
	// case, such as the people index) with entries, recording the
	// generation it was computed at; it is current while that is still
	// the case's Generation.
	PutDerived(ctx context.Context, set string, gen int64, entries map[string][]byte) error
	// Derived returns one entry of a derived set and the generation the
	// set was computed at; ErrNotFound when the set or entry is absent.
	Derived(ctx context.Context, set, key string) (gen int64, data []byte, err error)

	// ThreadInputs streams what the threader needs for every message.
	ThreadInputs(ctx context.Context, fn func(ThreadInput) error) error
	// SetThreads replaces all thread assignments and placeholders.
	SetThreads(ctx context.Context, as []ThreadAssignment, ph []Placeholder) error
	// Thread returns the messages and placeholders of one thread.
	Thread(ctx context.Context, threadID string) ([]ThreadEntry, error)

	// SetCopies replaces every printed→native copy link (see
	// model.Message.CopyOf). A linked printed message is left out of
	// Search, Count, ThreadInputs and the message counts of Stats; Get
	// and Each of its native message include its sources.
	SetCopies(ctx context.Context, links []CopyLink) error

	// Stats summarises the case.
	Stats(ctx context.Context) (Stats, error)
	// Problems lists recorded failures/skips/warnings (kind "" = all).
	Problems(ctx context.Context, kind string, runID int64) ([]Problem, error)
	// Files lists the reconciliation record of every input file.
	Files(ctx context.Context) ([]FileRecord, error)

	// AddEdit appends one investigator edit (tag, note, identity edit)
	// to the case's append-only edit log and applies its effect (tags
	// become searchable with tag:). It returns the stored edit with ID
	// and At filled. Edits are never rebuilt from sources, so they
	// survive re-ingest.
	AddEdit(ctx context.Context, e Edit) (Edit, error)
	// Edits lists edits oldest first, filtered by f.
	Edits(ctx context.Context, f EditFilter) ([]Edit, error)
	// Tags returns a message's current tags, sorted.
	Tags(ctx context.Context, messageID string) ([]string, error)

	Close() error
}

// Edit kinds understood by every backend. Other kinds (for example the
// people package's "person.merge") are stored and listed verbatim.
const (
	EditTagAdd    = "tag.add"    // Target message ID, Value tag
	EditTagRemove = "tag.remove" // Target message ID, Value tag
	EditNote      = "note"       // Target message ID, Value note text
)

// Edit is one audited investigator action. Data holds kind-specific
// arguments (for example the addresses moved by a split).
type Edit struct {
	ID     int64             `json:"id"`
	Kind   string            `json:"kind"`
	Target string            `json:"target"`
	Value  string            `json:"value,omitempty"`
	Data   map[string]string `json:"data,omitempty"`
	Actor  string            `json:"actor"`
	Reason string            `json:"reason,omitempty"`
	At     time.Time         `json:"at"`
}

// ValidateEdit checks what every backend's AddEdit requires: a kind, a
// target, and a tag for tag edits.
func ValidateEdit(e Edit) error {
	if e.Kind == "" || e.Target == "" {
		return errors.New("store: edit needs a kind and a target")
	}
	if (e.Kind == EditTagAdd || e.Kind == EditTagRemove) && strings.TrimSpace(e.Value) == "" {
		return fmt.Errorf("store: %s on %s needs a tag", e.Kind, e.Target)
	}
	return nil
}

// EditFilter selects edits. Empty fields match everything; KindPrefix
// "person." selects every identity edit.
type EditFilter struct {
	KindPrefix string
	Target     string
}

// Batch is one unit of writing.
type Batch struct {
	Messages []*model.Message
	Problems []Problem
	Files    []FileRecord
	// Prepared is what a Preparer's Prepare computed for this batch
	// (opaque to callers); nil is always valid.
	Prepared any
}

// Preparer is implemented by stores whose Write does work that needs no
// database, such as encoding rows: Prepare does it ahead, on the
// caller's goroutine, so a pipeline can keep it off the single writer's
// path. It may set IDs of messages as Write would; Write gives the same
// result with or without it.
type Preparer interface {
	Prepare(b *Batch)
}
