package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/query"
	"github.com/casefile/casefile/internal/store"
)

// fieldCols maps the text fields of the query language to the
// searchable fields they look in.
var fieldCols = map[string][]int{
	"":                  {fSubject, fBody, fSender, fTo, fCc, fBcc, fFilename, fAtttext},
	query.FieldFrom:     {fSender},
	query.FieldTo:       {fTo},
	query.FieldCc:       {fCc},
	query.FieldBcc:      {fBcc},
	query.FieldWith:     {fSender, fTo, fCc, fBcc},
	query.FieldPerson:   {fSender, fTo, fCc, fBcc},
	query.FieldSubject:  {fSubject},
	query.FieldBody:     {fBody},
	query.FieldFilename: {fFilename},
}

// rankWeights are ts_rank's weights for D (body, attachment text), C
// (to, cc, bcc), B (sender, file names) and A (subject), the same order
// of importance as the SQLite backend's bm25 column weights.
const rankWeights = `'{0.1, 0.2, 0.4, 1.0}'::float4[]`

// tsPhrase renders words as a tsquery phrase (the last one a prefix).
func tsPhrase(ws []string, prefix bool) string { return tsJoin(ws, prefix, " <-> ") }

// tsAll renders words as a tsquery requiring all of them anywhere.
func tsAll(ws []string, prefix bool) string { return tsJoin(ws, prefix, " & ") }

func tsJoin(ws []string, prefix bool, op string) string { return tsJoinWeights(ws, prefix, op, "") }

// tsJoinWeights is tsJoin with every word restricted to the given weights
// of a weighted vector (msgrank's), e.g. "A" for the subject.
func tsJoinWeights(ws []string, prefix bool, op, weights string) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = quoteLexeme(w)
		star := ""
		if prefix && i == len(ws)-1 {
			star = "*"
		}
		if star != "" || weights != "" {
			parts[i] += ":" + star + weights
		}
	}
	return strings.Join(parts, op)
}

// fieldWeights are, for a field, the weights of msgrank's vector (schema:
// setweight in v_all) that a message holding one of the field's words
// has for that word: its own, and those of the fields before it. The
// vector lists the subject (A), then the sender and file names (B), the
// recipients (C), the rest (D), and PostgreSQL keeps 256 positions of a
// word, dropping later ones: a word that fills the subject loses the
// sender's positions, but then has A's (TestWeightedFields). The subject
// comes first, so its words always keep weight A.
var fieldWeights = map[string]string{
	query.FieldSubject:  "A",
	query.FieldFrom:     "AB",
	query.FieldFilename: "AB",
	query.FieldTo:       "ABC",
	query.FieldCc:       "ABC",
	query.FieldBcc:      "ABC",
	query.FieldWith:     "ABC",
	query.FieldPerson:   "ABC",
}

// compiler renders query nodes as SQL over messages m, msgtext t and msgrank r,
// collecting bind parameters; no value is ever written into the SQL.
type compiler struct {
	args []any
}

func (c *compiler) arg(v any) string {
	c.args = append(c.args, v)
	return "$" + strconv.Itoa(len(c.args))
}

// simpleTS renders n as one tsquery over r.v (msgrank's copy of
// msgtext.v_all) when every leaf is a single word or prefix searched in
// any field: then that vector, which holds every field's words, answers
// exactly and from its index.
func simpleTS(n query.Node) (string, bool) {
	join := func(children []query.Node, op string) (string, bool) {
		parts := make([]string, len(children))
		for i, ch := range children {
			s, ok := simpleTS(ch)
			if !ok {
				return "", false
			}
			parts[i] = "(" + s + ")"
		}
		return strings.Join(parts, op), true
	}
	switch n := n.(type) {
	case query.Term:
		if n.Field != "" {
			return "", false
		}
		ws := words(n.Value)
		if len(ws) != 1 {
			return "", false
		}
		return tsPhrase(ws, n.Prefix), true
	case query.And:
		return join(n.Children, " & ")
	case query.Or:
		return join(n.Children, " | ")
	case query.Not:
		s, ok := simpleTS(n.Child)
		return "!(" + s + ")", ok
	}
	return "", false
}

// expr renders n as a boolean SQL expression.
func (c *compiler) expr(n query.Node) (string, error) {
	if _, isNot := n.(query.Not); !isNot {
		if ts, ok := simpleTS(n); ok {
			return "r.v @@ " + c.arg(ts) + "::tsquery", nil
		}
	}
	switch n := n.(type) {
	case query.MatchAll:
		return "TRUE", nil
	case query.Not:
		s, err := c.expr(n.Child)
		return "NOT (" + s + ")", err
	case query.And:
		return c.join(n.Children, " AND ")
	case query.Or:
		return c.join(n.Children, " OR ")
	case query.Term:
		if query.IsTextField(n.Field) {
			return c.textTerm(n), nil
		}
		return c.exactTerm(n)
	case query.Near:
		return c.near(n)
	case query.Has:
		switch n.What {
		case query.HasAttachment:
			return "m.att_count > 0", nil
		case query.HasHTML:
			return "m.has_html", nil
		case query.HasDate:
			return "m.date_utc IS NOT NULL", nil
		case query.HasBates:
			return "EXISTS (SELECT 1 FROM sources s WHERE s.message_rowid = m.rowid AND s.bates <> '')", nil
		case query.HasRedaction:
			return "'redaction' = ANY (m.flags)", nil
		}
		return "", fmt.Errorf("postgres: has:%s is not supported by this backend", n.What)
	case query.DateRange:
		// Undated messages never match, so a negated range includes them.
		parts := []string{"m.date_utc IS NOT NULL"}
		if n.From != nil {
			parts = append(parts, "m.date_utc >= "+c.arg(*n.From))
		}
		if n.To != nil {
			parts = append(parts, "m.date_utc < "+c.arg(*n.To))
		}
		return "(" + strings.Join(parts, " AND ") + ")", nil
	}
	return "", fmt.Errorf("postgres: cannot search for %T", n)
}

func (c *compiler) join(children []query.Node, op string) (string, error) {
	parts := make([]string, len(children))
	for i, ch := range children {
		s, err := c.expr(ch)
		if err != nil {
			return "", err
		}
		parts[i] = "(" + s + ")"
	}
	return strings.Join(parts, op), nil
}

// textTerm matches a word, phrase or prefix in its field's vectors,
// narrowed first through the index on msgrank's all-fields vector.
func (c *compiler) textTerm(t query.Term) string {
	ws := words(t.Value)
	if len(ws) == 0 {
		return "FALSE" // nothing searchable (the parser refuses such terms)
	}
	if w := fieldWeights[t.Field]; w == "A" {
		// The subject's words are msgrank's only A-weighted ones, and
		// they are kept whole (first in the vector; see fieldWeights):
		// the weighted phrase there is the whole test, without reading
		// msgtext (subject:dulym at 100k: 135-190 ms to ~60 ms).
		return "r.v @@ " + c.arg(tsJoinWeights(ws, t.Prefix, " <-> ", w)) + "::tsquery"
	}
	cols := fieldCols[t.Field]
	phrase := c.arg(tsPhrase(ws, t.Prefix))
	all := phrase
	if w := fieldWeights[t.Field]; w != "" {
		// Narrowed by the field's weights in msgrank, before the field's
		// own vector is read in msgtext.
		all = c.arg(tsJoinWeights(ws, t.Prefix, " & ", w))
	} else if len(ws) > 1 {
		all = c.arg(tsAll(ws, t.Prefix))
	}
	parts := make([]string, len(cols))
	for i, col := range cols {
		parts[i] = "t." + vectorCols[col] + " @@ " + phrase + "::tsquery"
	}
	pre := "r.v @@ " + all + "::tsquery"
	if len(ws) > 1 {
		pre += " AND " + inRankVector(phrase)
	}
	return "(" + pre + " AND (" + strings.Join(parts, " OR ") + "))"
}

// inRankVector is the condition that the tsquery parameter q (a phrase,
// or a NEAR of two words) matches msgrank's vector. A phrase in a field
// is a phrase there too, unless that vector was clamped (concatClamped),
// so most rows are ruled out before the fields' own vectors are read in
// msgtext ("will he" at 100k: 190 -> 48 ms).
func inRankVector(q string) string { return "(r.clamped OR r.v @@ " + q + "::tsquery)" }

// maxPairDistance bounds the NEAR distance that nearPair writes out.
const maxPairDistance = 30

// near matches NEAR with FTS5's rule in each of the field's vectors that
// holds all the words, after narrowing through the index on msgrank.
func (c *compiler) near(n query.Near) (string, error) {
	cols, ok := fieldCols[n.Field]
	if !ok {
		return "", fmt.Errorf("postgres: NEAR cannot be used with %s:", n.Field)
	}
	var phrases [][]string
	var all []string
	for _, term := range n.Terms {
		ws := words(term)
		if len(ws) == 0 {
			return "FALSE", nil
		}
		phrases = append(phrases, ws)
		all = append(all, ws...)
	}
	// narrow goes through msgrank's index (restricted to the field's
	// weight where it has one); pa checks a field's vector.
	var narrow, pa string
	if w := fieldWeights[n.Field]; w != "" {
		narrow = c.arg(tsJoinWeights(all, false, " & ", w))
	} else {
		narrow = c.arg(tsAll(all, false))
		pa = narrow
	}
	pre := "r.v @@ " + narrow + "::tsquery"
	var check func(v string) string
	if ts, ok := nearPair(phrases, n.Distance); ok {
		pq := c.arg(ts)
		check = func(v string) string { return v + " @@ " + pq + "::tsquery" }
		pre += " AND " + inRankVector(pq)
	} else {
		joined := make([]string, len(phrases))
		for i, ws := range phrases {
			joined[i] = strings.Join(ws, " ")
		}
		if pa == "" {
			pa = c.arg(tsAll(all, false))
		}
		pp, pd := c.arg(joined), c.arg(n.Distance)
		check = func(v string) string {
			return "(" + v + " @@ " + pa + "::tsquery AND cf_near(" + v + ", " + pp + "::text[], " + pd + "::integer))"
		}
	}
	parts := make([]string, len(cols))
	for i, col := range cols {
		parts[i] = check("t." + vectorCols[col])
	}
	return "(" + pre + " AND (" + strings.Join(parts, " OR ") + "))", nil
}

// nearPair renders NEAR/d of two different single words a and b as the
// tsquery (a <1> b) | (b <1> a) | ... | (a <d+1> b) | (b <d+1> a), which
// PostgreSQL evaluates natively: at most d words between them in either
// order is exactly FTS5's rule for two words. Other NEARs (phrases, more
// terms, long distances) go to the cf_near function.
func nearPair(phrases [][]string, d int) (string, bool) {
	if len(phrases) != 2 || len(phrases[0]) != 1 || len(phrases[1]) != 1 || phrases[0][0] == phrases[1][0] || d > maxPairDistance {
		return "", false
	}
	a, b := quoteLexeme(phrases[0][0]), quoteLexeme(phrases[1][0])
	alts := make([]string, 0, 2*(d+1))
	for k := 1; k <= d+1; k++ {
		op := " <" + strconv.Itoa(k) + "> "
		alts = append(alts, a+op+b, b+op+a)
	}
	return strings.Join(alts, " | "), true
}

// likePrefix escapes v for LIKE and appends the wildcard.
func likePrefix(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(v) + "%"
}

// exactTerm matches identifier and path fields. Prefixes compare
// ignoring case, as SQLite's LIKE does, equality is exact.
func (c *compiler) exactTerm(t query.Term) (string, error) {
	v := clean(t.Value)
	eq := func(col string) string {
		if t.Prefix {
			return col + ` ILIKE ` + c.arg(likePrefix(v))
		}
		return col + " = " + c.arg(v)
	}
	switch t.Field {
	case query.FieldThread:
		return "m.rowid IN (SELECT rowid FROM threads WHERE " + eq("thread_id") + ")", nil
	case query.FieldID:
		return `m.id LIKE ` + c.arg(likePrefix(strings.ToLower(v))), nil
	case query.FieldKind:
		return eq("m.kind"), nil
	case query.FieldMID:
		// Stored Message-IDs are normalised (domain lower-cased).
		v = model.NormalizeMessageID(v)
		return eq("m.mid"), nil
	case query.FieldTag:
		return "EXISTS (SELECT 1 FROM tags g WHERE g.message_id = m.id AND " + eq("g.tag") + ")", nil
	case query.FieldBates:
		return "EXISTS (SELECT 1 FROM sources s WHERE s.message_rowid = m.rowid AND " + eq("s.bates") + ")", nil
	case query.FieldSource:
		if t.Prefix { // source:mail/jon* — a plain string prefix
			return `EXISTS (SELECT 1 FROM sources s WHERE s.message_rowid = m.rowid AND s.path ILIKE ` + c.arg(likePrefix(v)) + `)`, nil
		}
		v = strings.TrimSuffix(v, "/")
		return `EXISTS (SELECT 1 FROM sources s WHERE s.message_rowid = m.rowid AND (s.path = ` + c.arg(v) +
			` OR s.path ILIKE ` + c.arg(likePrefix(v+"/")) + `))`, nil
	}
	return "", fmt.Errorf("postgres: field %s: not supported by this backend", t.Field)
}

// ftsLike reports whether n is made only of text searches, the way the
// SQLite backend decides what its FTS5 index answers: a text term or
// NEAR, an OR of such, or an AND of such with at least one not negated.
// A query whose top-level conjunction has such a part is ranked and its
// snippets highlighted, as in the SQLite backend.
func ftsLike(n query.Node) bool {
	switch n := n.(type) {
	case query.Term:
		return query.IsTextField(n.Field)
	case query.Near:
		return query.IsTextField(n.Field)
	case query.Or:
		for _, c := range n.Children {
			if !ftsLike(c) {
				return false
			}
		}
		return true
	case query.And:
		pos := 0
		for _, c := range n.Children {
			if nn, ok := c.(query.Not); ok {
				if !ftsLike(nn.Child) {
					return false
				}
				continue
			}
			if !ftsLike(c) {
				return false
			}
			pos++
		}
		return pos > 0
	}
	return false
}

// plan is a compiled query.
type plan struct {
	where string
	args  []any
	// text is set when the query has text searches to rank by and
	// highlight: terms are what the snippets mark, rank the tsquery of
	// their words.
	text  bool
	terms []hlTerm
	rank  string
	// textWhere is set when the query's condition reads only the text
	// tables (text searches, dates) and leaves out page documents: it is
	// that condition, without the page filter, over msgrank r (and
	// msgtext t).
	textWhere string
}

// notPage leaves page documents out of a scan of msgrank r by row ID:
// the set comes once from the messages_pages index, instead of joining
// every match to messages.
const notPage = `r.rowid NOT IN (SELECT rowid FROM messages WHERE kind = 'page')`

// textFrom is the FROM clause of a text-only condition (plan.textWhere):
// msgrank r, with msgtext t when the condition reads a field's vector.
func textFrom(where string) string {
	if strings.Contains(where, "t.") {
		return "msgrank r JOIN msgtext t ON t.rowid = r.rowid"
	}
	return "msgrank r"
}

// fromAll joins the tables a compiled condition may read.
const fromAll = "messages m LEFT JOIN msgtext t ON t.rowid = m.rowid LEFT JOIN msgrank r ON r.rowid = m.rowid"

func compile(q query.Node) (plan, error) {
	var c compiler
	where, err := c.expr(q)
	if err != nil {
		return plan{}, err
	}
	textWhere := ""
	// Document pages are found only by queries that name kind:.
	if !query.NamesKind(q) {
		// msgrank holds the dates and attachment counts too (migration
		// 7): such conditions keep a text search on msgrank alone.
		tw := strings.NewReplacer("m.date_utc", "r.date_utc", "m.att_count", "r.att_count").Replace(where)
		if !strings.Contains(tw, "m.") && where != "TRUE" {
			textWhere = tw
		}
		where = "(" + where + ") AND m.kind <> 'page'"
	}
	p := plan{where: where, args: c.args, textWhere: textWhere}
	conj := []query.Node{q}
	if a, ok := q.(query.And); ok {
		conj = a.Children
	}
	for _, n := range conj {
		if ftsLike(n) {
			p.text = true
			p.terms = appendTerms(p.terms, n)
		}
	}
	if p.text {
		var alts []string
		for _, t := range p.terms {
			for i, w := range t.words {
				alt := quoteLexeme(w)
				if t.prefix && i == len(t.words)-1 {
					alt += ":*"
				}
				if !slices.Contains(alts, alt) {
					alts = append(alts, alt)
				}
			}
		}
		p.rank = strings.Join(alts, " | ")
	}
	return p, nil
}

// appendTerms appends the text searches of n that are not negated.
func appendTerms(out []hlTerm, n query.Node) []hlTerm {
	switch n := n.(type) {
	case query.Term:
		if ws := words(n.Value); len(ws) > 0 {
			out = append(out, hlTerm{cols: fieldCols[n.Field], words: ws, prefix: n.Prefix})
		}
	case query.Near:
		for _, t := range n.Terms {
			if ws := words(t); len(ws) > 0 {
				out = append(out, hlTerm{cols: fieldCols[n.Field], words: ws})
			}
		}
	case query.And:
		for _, c := range n.Children {
			out = appendTerms(out, c)
		}
	case query.Or:
		for _, c := range n.Children {
			out = appendTerms(out, c)
		}
	}
	return out
}

// canonical maps a messages row m to the row it is found as: its own,
// or for a printed copy, its native message's.
const canonical = `CASE WHEN m.copy_of = '' THEN m.rowid ELSE (SELECT n.rowid FROM messages n WHERE n.id = m.copy_of) END`

// hasCopies reports whether any printed message is linked as a copy;
// the simpler, index-friendly queries serve cases without.
func (s *Store) hasCopies(q pgx.Row) (bool, error) {
	var b bool
	if err := q.Scan(&b); err != nil {
		return false, fmt.Errorf("postgres: look up copy links: %w", err)
	}
	return b, nil
}

const hasCopiesSQL = `SELECT EXISTS (SELECT 1 FROM messages WHERE copy_of <> '')`

// Count implements store.Store. A printed copy and its native message
// count once.
func (s *Store) Count(ctx context.Context, q query.Node) (int, error) {
	p, err := compile(q)
	if err != nil {
		return 0, err
	}
	copies, err := s.hasCopies(s.pool.QueryRow(ctx, hasCopiesSQL))
	if err != nil {
		return 0, err
	}
	what := "count(*)"
	if copies {
		what = "count(DISTINCT " + canonical + ")"
	}
	sql := `SELECT ` + what + ` FROM ` + fromAll + ` WHERE ` + p.where
	if !copies && p.textWhere != "" {
		sql = `SELECT count(*) FROM ` + textFrom(p.textWhere) + ` WHERE (` + p.textWhere + `) AND ` + notPage
	}
	var n int
	err = s.pool.QueryRow(ctx, sql, p.args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: count %s: %w", q, err)
	}
	return n, nil
}

// hitCols are msgCols without the headers, which hits do not carry.
var hitCols = strings.Replace(msgCols, "m.headers", "NULL::jsonb AS headers", 1)

// fetchSize is how many hits Search reads from its cursor at a time.
const fetchSize = 256

// Search implements store.Store. Hits stream from a server-side cursor,
// fetchSize at a time, each with its sources.
func (s *Store) Search(ctx context.Context, q query.Node, opts store.SearchOptions, fn func(store.Hit) error) error {
	p, err := compile(q)
	if err != nil {
		return err
	}
	hs, he := opts.Markers()
	sort, err := opts.SortFor(p.text)
	if err != nil {
		return err
	}
	var order string
	switch sort {
	case store.SortRank:
		order = "rank DESC, m.id"
	case store.SortDate:
		order = "m.date_utc ASC NULLS LAST, m.id"
	case store.SortNewest:
		order = "m.date_utc DESC NULLS LAST, m.id"
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: search %s: %w", q, err)
	}
	defer tx.Rollback(context.Background())
	copies, err := s.hasCopies(tx.QueryRow(ctx, hasCopiesSQL))
	if err != nil {
		return err
	}
	c := compiler{args: p.args}
	rank := "0::float8"
	if p.text {
		rank = `ts_rank(` + rankWeights + `, r.v, ` + c.arg(p.rank) + `::tsquery, 1)::float8`
	}
	// Columns: the message, its subject, the texts the snippet is made
	// from (all fields, or the start of the body), the rank.
	texts := func(st string) string {
		if p.text {
			return st + `.subject, ` + st + `.body, ` + st + `.sender, ` + st + `.to_, ` + st + `.cc, ` + st + `.bcc, ` + st + `.filename, ` + st + `.atttext`
		}
		return `'', substr(` + st + `.body, 1, 160), '', '', '', '', '', ''`
	}
	var limit any
	if opts.Limit > 0 {
		limit = int64(opts.Limit)
	}
	var inner, page string
	switch {
	case !copies && p.textWhere != "" && sort == store.SortRank:
		// A text search without other conditions is ranked over msgtext
		// alone (page documents left out by index); messages are joined
		// for the page's rows only. Ties go by row ID.
		order = "rank DESC, m.rowid"
		inner = `SELECT m.rowid, ` + hitCols + `, t.subject, ` + texts("t") + `, k.rank AS rank
		FROM (SELECT r.rowid, ` + rank + ` AS rank FROM ` + textFrom(p.textWhere) + ` WHERE (` + p.textWhere + `) AND ` + notPage + `
		  ORDER BY rank DESC, r.rowid LIMIT ` + c.arg(limit) + `::bigint OFFSET ` + c.arg(int64(max(opts.Offset, 0))) + `::bigint) k
		JOIN messages m ON m.rowid = k.rowid JOIN msgtext t ON t.rowid = k.rowid` + threadsJoin
		page = ` ORDER BY ` + order
	case !copies:
		// The page is chosen over the narrow tables (messages, msgrank,
		// and msgtext only when the condition reads a field's vector);
		// the texts are read for the page's rows only.
		from := "messages m LEFT JOIN msgrank r ON r.rowid = m.rowid"
		if strings.Contains(p.where, "t.") {
			from = fromAll
		}
		inner = `SELECT m.rowid, ` + hitCols + `, t.subject, ` + texts("t") + `, k.rank AS rank
		FROM (SELECT m.rowid, ` + rank + ` AS rank FROM ` + from + ` WHERE ` + p.where + `
		  ORDER BY ` + order + ` LIMIT ` + c.arg(limit) + `::bigint OFFSET ` + c.arg(int64(max(opts.Offset, 0))) + `::bigint) k
		JOIN messages m ON m.rowid = k.rowid LEFT JOIN msgtext t ON t.rowid = k.rowid` + threadsJoin
		page = ` ORDER BY ` + order
	default:
		// Hits on printed copies are reported as their native message,
		// once, with the best rank and the snippet of the best row.
		inner = `SELECT m.rowid, ` + hitCols + `, t.subject, ` + texts("st") + `, b.rank AS rank
		FROM (SELECT DISTINCT ON (canon) canon, rank, src FROM (
		    SELECT ` + canonical + ` AS canon, ` + rank + ` AS rank, m.rowid AS src
		    FROM ` + fromAll + ` WHERE ` + p.where + `) x
		  ORDER BY canon, rank DESC, src) b
		JOIN messages m ON m.rowid = b.canon JOIN msgtext t ON t.rowid = m.rowid JOIN msgtext st ON st.rowid = b.src` + threadsJoin
	}
	if page == "" {
		page = ` ORDER BY ` + order + ` LIMIT ` + c.arg(limit) + `::bigint OFFSET ` + c.arg(int64(max(opts.Offset, 0))) + `::bigint`
	}
	// The inner query picks and orders the page; the outer one adds the
	// sources of just those hits.
	sql := `SELECT h.*, ` + strings.NewReplacer("m.rowid", "h.rowid", "m.id", "h.id").Replace(sourcesJSON) + ` FROM (
		` + inner + page + `
	) h ORDER BY ` + strings.NewReplacer("m.", "h.", "rank", "h.rank").Replace(order)

	if _, err := tx.Exec(ctx, `DECLARE hits NO SCROLL CURSOR FOR `+sql, c.args...); err != nil {
		return fmt.Errorf("postgres: search %s: %w", q, err)
	}
	for {
		rows, err := tx.Query(ctx, `FETCH `+strconv.Itoa(fetchSize)+` FROM hits`)
		if err != nil {
			return fmt.Errorf("postgres: search %s: %w", q, err)
		}
		var page []store.Hit
		for rows.Next() {
			var rowid int64
			var subj string
			var f fields
			var rank float64
			var srcs []model.Source
			var m *model.Message
			dest := []any{&rowid}
			m, err = scanMessage(prefixRow{rows, dest}, &subj, &f[fSubject], &f[fBody], &f[fSender], &f[fTo], &f[fCc], &f[fBcc], &f[fFilename], &f[fAtttext], &rank, &srcs)
			if err != nil {
				rows.Close()
				return fmt.Errorf("postgres: search %s: %w", q, err)
			}
			m.Subject, m.Sources = subj, srcs
			if m.Sources == nil {
				m.Sources = []model.Source{}
			}
			h := store.Hit{Message: m}
			if p.text {
				h.Snippet = snippet(f, p.terms, hs, he)
				h.Rank = -rank // lower is better, as with SQLite's bm25
			} else {
				h.Snippet = f[fBody]
			}
			h.Snippet = strings.Join(strings.Fields(h.Snippet), " ")
			page = append(page, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("postgres: search %s: %w", q, err)
		}
		for _, h := range page {
			if err := fn(h); err != nil {
				return err
			}
		}
		if len(page) < fetchSize {
			return nil
		}
	}
}

// prefixRow scans leading columns into pre before the caller's
// destinations.
type prefixRow struct {
	row pgx.Row
	pre []any
}

func (r prefixRow) Scan(dest ...any) error { return r.row.Scan(append(r.pre, dest...)...) }
