package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// ftsColumns maps text fields to FTS5 column filters.
var ftsColumns = map[string]string{
	"":                  "",
	query.FieldFrom:     "{sender} : ",
	query.FieldTo:       "{to_} : ",
	query.FieldCc:       "{cc} : ",
	query.FieldBcc:      "{bcc} : ",
	query.FieldWith:     "{sender to_ cc bcc} : ",
	query.FieldPerson:   "{sender to_ cc bcc} : ",
	query.FieldSubject:  "{subject} : ",
	query.FieldBody:     "{body} : ",
	query.FieldFilename: "{filename} : ",
}

func ftsString(v string) string { return `"` + strings.ReplaceAll(v, `"`, `""`) + `"` }

// ftsOf renders n as one FTS5 MATCH expression when it can be expressed
// purely in FTS5 syntax.
func ftsOf(n query.Node) (string, bool) {
	switch n := n.(type) {
	case query.Term:
		col, ok := ftsColumns[n.Field]
		if !ok {
			return "", false
		}
		s := ftsString(n.Value)
		if n.Prefix {
			s += " *"
		}
		return col + s, true
	case query.Near:
		col, ok := ftsColumns[n.Field]
		if !ok {
			return "", false
		}
		parts := make([]string, len(n.Terms))
		for i, t := range n.Terms {
			parts[i] = ftsString(t)
		}
		return fmt.Sprintf("%sNEAR(%s, %d)", col, strings.Join(parts, " "), n.Distance), true
	case query.Or:
		parts := make([]string, 0, len(n.Children))
		for _, c := range n.Children {
			s, ok := ftsOf(c)
			if !ok {
				return "", false
			}
			parts = append(parts, "("+s+")")
		}
		return strings.Join(parts, " OR "), true
	case query.And:
		var pos, neg []string
		for _, c := range n.Children {
			if nn, isNot := c.(query.Not); isNot {
				s, ok := ftsOf(nn.Child)
				if !ok {
					return "", false
				}
				neg = append(neg, "("+s+")")
				continue
			}
			s, ok := ftsOf(c)
			if !ok {
				return "", false
			}
			pos = append(pos, "("+s+")")
		}
		if len(pos) == 0 {
			return "", false
		}
		out := strings.Join(pos, " AND ")
		for _, s := range neg {
			out = "(" + out + ") NOT " + s
		}
		return out, true
	}
	return "", false
}

func likePrefix(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(v) + "%"
}

// sqlOf renders n as a boolean SQL expression over messages m.
func sqlOf(n query.Node) (string, []any, error) {
	if s, ok := ftsOf(n); ok {
		return `m.rowid IN (SELECT rowid FROM fts WHERE fts MATCH ?)`, []any{s}, nil
	}
	switch n := n.(type) {
	case query.MatchAll:
		return "1", nil, nil
	case query.Not:
		s, a, err := sqlOf(n.Child)
		return "NOT (" + s + ")", a, err
	case query.And, query.Or:
		var children []query.Node
		op := " AND "
		if a, ok := n.(query.And); ok {
			children = a.Children
		} else {
			children = n.(query.Or).Children
			op = " OR "
		}
		var parts []string
		var args []any
		for _, c := range children {
			s, a, err := sqlOf(c)
			if err != nil {
				return "", nil, err
			}
			parts = append(parts, "("+s+")")
			args = append(args, a...)
		}
		return strings.Join(parts, op), args, nil
	case query.Has:
		switch n.What {
		case query.HasAttachment:
			return "m.att_count > 0", nil, nil
		case query.HasHTML:
			return "m.has_html = 1", nil, nil
		case query.HasDate:
			return "m.date_utc IS NOT NULL", nil, nil
		case query.HasBates:
			return "EXISTS (SELECT 1 FROM sources s WHERE s.message_rowid = m.rowid AND s.bates != '')", nil, nil
		case query.HasRedaction:
			return "(' ' || m.flags || ' ') LIKE '% redaction %'", nil, nil
		}
		return "", nil, fmt.Errorf("sqlite: unsupported has:%s", n.What)
	case query.DateRange:
		// Undated messages never match (so a negated range includes
		// them): without the IS NOT NULL the comparison is NULL and NOT
		// NULL is NULL, which would drop them from -date:... as well.
		parts := []string{"m.date_utc IS NOT NULL"}
		var args []any
		if n.From != nil {
			parts = append(parts, "m.date_utc >= ?")
			args = append(args, n.From.Unix())
		}
		if n.To != nil {
			parts = append(parts, "m.date_utc < ?")
			args = append(args, n.To.Unix())
		}
		return strings.Join(parts, " AND "), args, nil
	case query.Term:
		return termSQL(n)
	}
	return "", nil, fmt.Errorf("sqlite: cannot compile %T", n)
}

func termSQL(t query.Term) (string, []any, error) {
	eq := func(col string) (string, []any, error) {
		if t.Prefix {
			return col + ` LIKE ? ESCAPE '\'`, []any{likePrefix(t.Value)}, nil
		}
		return col + " = ?", []any{t.Value}, nil
	}
	switch t.Field {
	case query.FieldThread:
		c, a, err := eq("thread_id")
		return "m.rowid IN (SELECT rowid FROM threads WHERE " + c + ")", a, err
	case query.FieldID:
		return `m.id LIKE ? ESCAPE '\'`, []any{likePrefix(strings.ToLower(t.Value))}, nil
	case query.FieldKind:
		return eq("m.kind")
	case query.FieldMID:
		// Stored Message-IDs are normalised (domain lower-cased).
		t.Value = model.NormalizeMessageID(t.Value)
		return eq("m.mid")
	case query.FieldTag:
		s, a, err := eq("g.tag")
		return "EXISTS (SELECT 1 FROM tags g WHERE g.message_id = m.id AND " + s + ")", a, err
	case query.FieldBates:
		s, a, err := eq("s.bates")
		return "EXISTS (SELECT 1 FROM sources s WHERE s.message_rowid = m.rowid AND " + s + ")", a, err
	case query.FieldSource:
		if t.Prefix { // source:mail/jon* — a plain string prefix
			return `EXISTS (SELECT 1 FROM sources s WHERE s.message_rowid = m.rowid AND s.path LIKE ? ESCAPE '\')`,
				[]any{likePrefix(t.Value)}, nil
		}
		v := strings.TrimSuffix(t.Value, "/")
		return `EXISTS (SELECT 1 FROM sources s WHERE s.message_rowid = m.rowid AND (s.path = ? OR s.path LIKE ? ESCAPE '\'))`,
			[]any{v, likePrefix(v + "/")}, nil
	}
	return "", nil, fmt.Errorf("sqlite: field %s: not supported by this backend", t.Field)
}

// plan is a compiled query.
type plan struct {
	match string // FTS5 expression for the ranking join ("" = none)
	where string
	args  []any
	// pagesOnly: where only leaves out page documents, which the
	// full-text index can do without joining messages (ftsWhere).
	pagesOnly bool
}

// bm25 ranks full-text hits as the index's rank setting (migration 1)
// does; calling it directly lets SQLite sort by it like any value
// (a third faster than sorting by the rank column at 100k).
const bm25 = "bm25(fts, 6.0, 1.0, 3.0, 2.0, 1.5, 1.0, 2.0, 0.5)"

// notPage leaves page documents out of an fts scan by rowid: SQLite
// builds the set once from the messages_pages index.
const notPage = "fts.rowid NOT IN (SELECT rowid FROM messages WHERE kind = 'page')"

func compile(q query.Node) (plan, error) {
	var conj []query.Node
	if a, ok := q.(query.And); ok {
		conj = a.Children
	} else {
		conj = []query.Node{q}
	}
	var pos, neg, rest []query.Node
	for _, c := range conj {
		if _, ok := ftsOf(c); ok {
			pos = append(pos, c)
			continue
		}
		if n, ok := c.(query.Not); ok {
			if _, ok := ftsOf(n.Child); ok {
				neg = append(neg, c)
				continue
			}
		}
		rest = append(rest, c)
	}
	var p plan
	if len(pos) > 0 {
		p.match, _ = ftsOf(query.And{Children: append(pos, neg...)})
	} else {
		rest = append(rest, neg...)
	}
	var where []string
	for _, r := range rest {
		if _, all := r.(query.MatchAll); all {
			continue
		}
		s, a, err := sqlOf(r)
		if err != nil {
			return p, err
		}
		where = append(where, "("+s+")")
		p.args = append(p.args, a...)
	}
	if !query.NamesKind(q) {
		p.pagesOnly = len(where) == 0
		where = append(where, "m.kind != 'page'")
	}
	if len(where) == 0 {
		where = []string{"1"}
	}
	p.where = strings.Join(where, " AND ")
	return p, nil
}

// canonical maps a messages row m to the row it is found as: its own, or
// for a printed copy, its native message's.
const canonical = `CASE WHEN m.copy_of = '' THEN m.rowid ELSE (SELECT n.rowid FROM messages n WHERE n.id = m.copy_of) END`

// from, cond and allArgs give the plan as one FROM/WHERE pair.
func (p plan) from() string {
	if p.match != "" {
		return "fts JOIN messages m ON m.rowid = fts.rowid"
	}
	return "messages m"
}

func (p plan) cond() string {
	if p.match != "" {
		return "fts MATCH ? AND " + p.where
	}
	return p.where
}

func (p plan) allArgs() []any {
	if p.match != "" {
		return append([]any{p.match}, p.args...)
	}
	return p.args
}

// hasCopies reports whether any printed message is linked as a copy; the
// simpler, index-friendly queries serve cases without.
func (s *Store) hasCopies(ctx context.Context) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM messages WHERE copy_of != '')`).Scan(&n); err != nil {
		return false, fmt.Errorf("sqlite: %w", err)
	}
	return n == 1, nil
}

// Count implements store.Store.
func (s *Store) Count(ctx context.Context, q query.Node) (int, error) {
	p, err := compile(q)
	if err != nil {
		return 0, err
	}
	copies, err := s.hasCopies(ctx)
	if err != nil {
		return 0, err
	}
	var sqlq string
	args := p.args
	switch {
	case copies: // a printed copy counts as its native message, once
		sqlq = `SELECT COUNT(DISTINCT ` + canonical + `) FROM ` + p.from() + ` WHERE ` + p.cond()
		args = p.allArgs()
	case p.match != "" && p.pagesOnly:
		sqlq = `SELECT COUNT(*) FROM fts WHERE fts MATCH ? AND ` + notPage
		args = []any{p.match}
	case p.match != "":
		sqlq = `SELECT COUNT(*) FROM fts JOIN messages m ON m.rowid = fts.rowid WHERE fts MATCH ? AND ` + p.where
		args = append([]any{p.match}, args...)
	case p.pagesOnly:
		// Every message but the pages, counted on the smallest indexes
		// rather than by reading every row.
		sqlq = `SELECT (SELECT COUNT(*) FROM messages) - (SELECT COUNT(*) FROM messages WHERE kind = 'page')`
	default:
		sqlq = `SELECT COUNT(*) FROM messages m WHERE ` + p.where
	}
	var n int
	if err := s.db.QueryRowContext(ctx, sqlq, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count %s: %w", q, err)
	}
	return n, nil
}

// Search implements store.Store.
func (s *Store) Search(ctx context.Context, q query.Node, opts store.SearchOptions, fn func(store.Hit) error) error {
	p, err := compile(q)
	if err != nil {
		return err
	}
	hs, he := opts.Markers()
	sort, err := opts.SortFor(p.match != "")
	if err != nil {
		return err
	}
	var order string
	switch sort {
	case store.SortRank:
		order = "fts.rank, m.rowid"
	case store.SortDate:
		order = "m.date_utc IS NULL, m.date_utc, m.id"
	case store.SortNewest:
		order = "m.date_utc IS NULL, m.date_utc DESC, m.id"
	}
	if p.match != "" && sort != store.SortRank {
		// Full-text matches are gathered, then sorted: walking the date
		// index and probing the full-text index for each message instead
		// (what the planner picks when allowed) took seconds for a common
		// word. A unary + keeps the index out of the ORDER BY.
		order = strings.ReplaceAll(order, "m.date_utc", "+m.date_utc")
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = -1
	}
	copies, err := s.hasCopies(ctx)
	if err != nil {
		return err
	}
	offset := opts.Offset
	if p.match == "" && !copies && limit > 0 && offset >= reverseFrom {
		// A page near the end of a long listing is read from the other
		// end: OFFSET walks every row it skips (the last page of 100,000
		// messages took 130 ms), and the index reads as well backwards.
		total, err := s.Count(ctx, q)
		if err != nil {
			return err
		}
		if offset >= total {
			return nil
		}
		if offset+limit > total-offset {
			n := min(limit, total-offset)
			return s.searchBackwards(ctx, q, p, order, total-offset-n, n, fn)
		}
	}
	var sqlq string
	var args []any
	if copies {
		// Hits on printed copies are reported as their native message,
		// once, with the best rank and the snippet of the best-ranked row.
		rank, snip := "0", "substr(t.body, 1, 160)"
		if p.match != "" {
			rank, snip = "fts.rank", "snippet(fts, -1, ?, ?, '…', 24)"
		}
		inner := `SELECT ` + canonical + ` AS canon, ` + rank + ` AS rank, ` + snip + ` AS snip
			FROM ` + p.from() + ` JOIN msgtext t ON t.rowid = m.rowid WHERE ` + p.cond()
		order = strings.ReplaceAll(order, "fts.rank", "h.rank")
		// MATERIALIZED keeps the FTS query (and its snippet()) apart from
		// the grouping.
		sqlq = `WITH hit AS MATERIALIZED (` + inner + `)
			SELECT ` + msgCols + `, t.subject, h.snip, h.rank
			FROM (SELECT canon, MIN(rank) AS rank, snip FROM hit GROUP BY canon) h
			JOIN messages m ON m.rowid = h.canon JOIN msgtext t ON t.rowid = m.rowid
			ORDER BY ` + order + ` LIMIT ? OFFSET ?`
		if p.match != "" {
			args = append(args, hs, he)
		}
		args = append(args, p.allArgs()...)
	} else if p.match != "" {
		sqlq = `SELECT ` + msgCols + `, t.subject, snippet(fts, -1, ?, ?, '…', 24), fts.rank
			FROM fts JOIN messages m ON m.rowid = fts.rowid JOIN msgtext t ON t.rowid = m.rowid
			WHERE fts MATCH ? AND ` + p.where + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?`
		args = append([]any{hs, he, p.match}, p.args...)
	} else {
		sqlq = `SELECT ` + msgCols + `, t.subject, substr(t.body, 1, 160), 0
			FROM messages m JOIN msgtext t ON t.rowid = m.rowid
			WHERE ` + p.where + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?`
		args = append(args, p.args...)
	}
	args = append(args, limit, offset)
	paged := p.match != "" && !copies && limit > 0 && limit <= 1000 // searchPage
	var ranked *rankedRows
	if paged && sort == store.SortRank && limit+offset <= maxPartedRank && s.parts > 1 {
		// Ranked before taking the page's connection: each part takes
		// and returns its own.
		if ranked, err = s.rankParts(ctx, p, limit, offset, hs, he); err != nil {
			return fmt.Errorf("sqlite: search %s: %w", q, err)
		}
	}
	// The hits' sources are looked up on the connection that holds the
	// cursor: taking a second pooled connection per search would let
	// enough concurrent searches starve the pool and block forever.
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: search %s: %w", q, err)
	}
	defer conn.Close()
	if paged {
		return s.searchPage(ctx, conn, q, p, sort, order, limit, opts.Offset, hs, he, ranked, fn)
	}
	rows, err := conn.QueryContext(ctx, sqlq, args...)
	if err != nil {
		return fmt.Errorf("sqlite: search %s: %w", q, err)
	}
	type row struct {
		hit   store.Hit
		rowid int64
	}
	sr, err := newSourceReader(ctx, conn)
	if err != nil {
		rows.Close()
		return err
	}
	defer sr.close()
	// Collect a page at a time so source look-ups do not hold the cursor.
	var page []row
	flush := func() error {
		for _, r := range page {
			srcs, err := sr.of(ctx, r.rowid)
			if err != nil {
				return err
			}
			r.hit.Message.Sources = srcs
			if err := fn(r.hit); err != nil {
				return err
			}
		}
		page = page[:0]
		return nil
	}
	for rows.Next() {
		var subj, snip *string
		var rank float64
		m, rowid, err := scanMessage(rows, &subj, &snip, &rank)
		if err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: search: %w", err)
		}
		if subj != nil {
			m.Subject = *subj
		}
		h := store.Hit{Message: m, Rank: rank}
		if snip != nil {
			h.Snippet = strings.Join(strings.Fields(*snip), " ")
		}
		page = append(page, row{h, rowid})
		if len(page) >= 256 {
			// SQLite runs several statements on one connection, so
			// flushing mid-cursor is safe.
			if err := flush(); err != nil {
				rows.Close()
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return fmt.Errorf("sqlite: search: %w", err)
	}
	rows.Close()
	return flush()
}

// reverseFrom is the offset from which a listing's page may be read
// backwards (Search).
const reverseFrom = 1000

// searchBackwards serves n hits of a listing without full-text terms
// (ordered by order, a date order) that end offset rows before its end:
// it reads them in the reverse order and hands them out in order.
func (s *Store) searchBackwards(ctx context.Context, q query.Node, p plan, order string, offset, n int, fn func(store.Hit) error) error {
	rev := strings.NewReplacer("m.date_utc IS NULL,", "m.date_utc IS NULL DESC,", "m.date_utc DESC,", "m.date_utc,",
		"m.date_utc,", "m.date_utc DESC,", "m.id", "m.id DESC").Replace(order)
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: search %s: %w", q, err)
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, `SELECT `+msgCols+`, t.subject, substr(t.body, 1, 160)
		FROM messages m JOIN msgtext t ON t.rowid = m.rowid
		WHERE `+p.where+` ORDER BY `+rev+` LIMIT ? OFFSET ?`, append(append([]any{}, p.args...), n, offset)...)
	if err != nil {
		return fmt.Errorf("sqlite: search %s: %w", q, err)
	}
	var hits []store.Hit
	var rowids []int64
	for rows.Next() {
		var subj, snip *string
		m, rowid, err := scanMessage(rows, &subj, &snip)
		if err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: search: %w", err)
		}
		if subj != nil {
			m.Subject = *subj
		}
		h := store.Hit{Message: m}
		if snip != nil {
			h.Snippet = strings.Join(strings.Fields(*snip), " ")
		}
		hits, rowids = append(hits, h), append(rowids, rowid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: search: %w", err)
	}
	srcs, err := newSourceReader(ctx, conn)
	if err != nil {
		return err
	}
	defer srcs.close()
	for i := len(hits) - 1; i >= 0; i-- {
		if hits[i].Message.Sources, err = srcs.of(ctx, rowids[i]); err != nil {
			return err
		}
		if err := fn(hits[i]); err != nil {
			return err
		}
	}
	return nil
}

// idRank is one row of a search page.
type idRank struct {
	id   int64
	rank float64
}

// searchPage serves a page of full-text hits in two steps: the page's
// row IDs first, then each row with its subject and sources. In one
// query SQLite would read the message text of every match before
// sorting (81,000 for the most common word at 100k). A ranked page gets
// its snippets in the first step: SQLite evaluates result columns
// outside the sort key only for rows that enter the top-N sorter, few
// of all matches in rank order; a date-ordered page gets them in one
// more pass (snippets), because in date order nearly every match can
// enter the sorter. A ranked page that leaves out only page documents
// does not touch messages until step two.
func (s *Store) searchPage(ctx context.Context, conn *sql.Conn, q query.Node, p plan, sort, order string, limit, offset int,
	hs, he string, ranked *rankedRows, fn func(store.Hit) error) error {
	if ranked == nil {
		var sel string
		var args []any
		if sort == store.SortRank {
			sel, args = rankSQL(p, "", hs, he)
		} else {
			sel = `SELECT m.rowid, 0, NULL FROM fts JOIN messages m ON m.rowid = fts.rowid
			WHERE fts MATCH ? AND ` + p.where + ` ORDER BY ` + order
			args = append([]any{p.match}, p.args...)
		}
		rows, err := conn.QueryContext(ctx, sel+` LIMIT ? OFFSET ?`, append(args, limit, offset)...)
		if err != nil {
			return fmt.Errorf("sqlite: search %s: %w", q, err)
		}
		if ranked, err = scanRanked(rows); err != nil {
			return fmt.Errorf("sqlite: search %s: %w", q, err)
		}
	}
	ids, snips := ranked.ids, ranked.snips
	if len(ids) == 0 {
		return nil
	}
	if sort != store.SortRank {
		var err error
		if snips, err = s.snippets(ctx, conn, p.match, ids, hs, he); err != nil {
			return fmt.Errorf("sqlite: search %s: %w", q, err)
		}
	}
	stmt, err := conn.PrepareContext(ctx, `SELECT `+msgCols+`, t.subject
		FROM messages m JOIN msgtext t ON t.rowid = m.rowid WHERE m.rowid = ?`)
	if err != nil {
		return fmt.Errorf("sqlite: search %s: %w", q, err)
	}
	defer stmt.Close()
	srcs, err := newSourceReader(ctx, conn)
	if err != nil {
		return err
	}
	defer srcs.close()
	for _, r := range ids {
		var subj *string
		m, _, err := scanMessage(stmt.QueryRowContext(ctx, r.id), &subj)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("sqlite: search: %w", err)
		}
		if subj != nil {
			m.Subject = *subj
		}
		h := store.Hit{Message: m, Rank: r.rank, Snippet: snips[r.id]}
		if h.Message.Sources, err = srcs.of(ctx, r.id); err != nil {
			return err
		}
		if err := fn(h); err != nil {
			return err
		}
	}
	return nil
}

// rankedRows is the first step of a page: its row IDs in order, with
// rank and snippet.
type rankedRows struct {
	ids   []idRank
	snips map[int64]string
}

// rankSQL is the ranking query of plan p, with extra (if not "") as one
// more condition: row IDs, bm25 and snippets in rank order, ties by row
// ID. Its arguments are followed by extra's, then LIMIT and OFFSET.
func rankSQL(p plan, extra, hs, he string) (string, []any) {
	const snip = `snippet(fts, -1, ?, ?, '…', 24)`
	if extra != "" {
		extra = " AND " + extra
	}
	args := []any{hs, he, p.match}
	if p.pagesOnly {
		return `SELECT fts.rowid, ` + bm25 + ` AS r, ` + snip + ` FROM fts WHERE fts MATCH ? AND ` + notPage + extra +
			` ORDER BY r, fts.rowid`, args
	}
	return `SELECT fts.rowid, ` + bm25 + ` AS r, ` + snip + ` FROM fts JOIN messages m ON m.rowid = fts.rowid
			WHERE fts MATCH ? AND ` + p.where + extra + ` ORDER BY r, fts.rowid`, append(args, p.args...)
}

// scanRanked reads (rowid, rank, snippet) rows and closes them.
func scanRanked(rows *sql.Rows) (*rankedRows, error) {
	defer rows.Close()
	out := &rankedRows{snips: map[int64]string{}}
	for rows.Next() {
		var r idRank
		var sn *string
		if err := rows.Scan(&r.id, &r.rank, &sn); err != nil {
			return nil, err
		}
		out.ids = append(out.ids, r)
		if sn != nil {
			out.snips[r.id] = strings.Join(strings.Fields(*sn), " ")
		}
	}
	return out, rows.Err()
}

// maxPartedRank bounds limit+offset for a ranked page computed in parts:
// every part returns that many rows.
const maxPartedRank = 2000

// rankParts computes a ranked page as s.parts queries over consecutive
// row ID ranges, run at once on their own pooled connections, then merged.
// Scoring every match is most of a ranked search's time (1.4 µs a match:
// 116 ms for the most common word at 100k); the parts share it between
// cores. The result is the single query's, row for row: FTS5's bm25
// takes its statistics (row count, average column sizes, each phrase's
// document count) from the whole index whatever the row ID range, and
// each part returns its own top limit+offset rows in the same order.
func (s *Store) rankParts(ctx context.Context, p plan, limit, offset int, hs, he string) (*rankedRows, error) {
	var lo, hi sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT (SELECT min(rowid) FROM msgtext), (SELECT max(rowid) FROM msgtext)`).Scan(&lo, &hi); err != nil {
		return nil, err
	}
	if !lo.Valid {
		return &rankedRows{}, nil
	}
	n := int64(s.parts)
	width := (hi.Int64 - lo.Int64 + n) / n
	sel, args := rankSQL(p, "fts.rowid BETWEEN ? AND ?", hs, he)
	sel += ` LIMIT ?`
	parts := make([]*rankedRows, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		from := lo.Int64 + i*width
		to := min(from+width-1, hi.Int64)
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := append(append([]any{}, args...), from, to, limit+offset)
			rows, err := s.db.QueryContext(ctx, sel, a...)
			if err == nil {
				parts[i], err = scanRanked(rows)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	out := &rankedRows{snips: map[int64]string{}}
	for i := range parts {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out.ids = append(out.ids, parts[i].ids...)
		maps.Copy(out.snips, parts[i].snips)
	}
	slices.SortFunc(out.ids, func(a, b idRank) int {
		if c := cmp.Compare(a.rank, b.rank); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	if offset >= len(out.ids) {
		return &rankedRows{}, nil
	}
	out.ids = out.ids[offset:min(len(out.ids), offset+limit)]
	return out, nil
}

// snippets returns the highlighted snippet of each row for the match
// expression. One pass over the matches between the lowest and highest
// row ID computes only the wanted rows' snippets: asking FTS5 for one
// row at a time restarts the expression on every term's whole doclist
// (1.7 ms a row for the most common word at 100k). The unary + keeps
// the row list out of the index constraints, so FTS5 scans the range
// instead of restarting once per listed row.
func (s *Store) snippets(ctx context.Context, conn *sql.Conn, match string, ids []idRank, hs, he string) (map[int64]string, error) {
	lo, hi := ids[0].id, ids[0].id
	args := []any{hs, he, match, 0, 0}
	marks := make([]string, len(ids))
	for i, r := range ids {
		lo, hi = min(lo, r.id), max(hi, r.id)
		args = append(args, r.id)
		marks[i] = "?"
	}
	args[3], args[4] = lo, hi
	rows, err := conn.QueryContext(ctx, `SELECT fts.rowid, snippet(fts, -1, ?, ?, '…', 24) FROM fts
		WHERE fts MATCH ? AND fts.rowid BETWEEN ? AND ? AND +fts.rowid IN (`+strings.Join(marks, ",")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]string, len(ids))
	for rows.Next() {
		var id int64
		var snip *string
		if err := rows.Scan(&id, &snip); err != nil {
			return nil, err
		}
		if snip != nil {
			out[id] = strings.Join(strings.Fields(*snip), " ")
		}
	}
	return out, rows.Err()
}
