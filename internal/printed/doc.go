// Package printed recovers email messages from the text of printed pages:
// OCR output, PDF text layers and HTML renders converted to text. Courts,
// parliaments and agencies release email as printouts; this package
// rebuilds the messages (sender, recipients, date, subject, body and the
// quoted or forwarded messages inside them) with page and line provenance
// and a confidence score. It owns Bates-stamp detection and learning, the
// tolerant header grammar (Outlook, Gmail, Apple Mail, BlackBerry, OCR
// damage, column layouts), printed-date parsing, redaction markers and the
// accuracy harness (Evaluate) used on real releases.
//
// The package is pure Go and backend-neutral: text in, model.Message out.
// Extracting text from PDFs or images is someone else's job.
//
// # Threading printed chains
//
// A printout usually holds a chain: the top message followed by the
// messages it quotes or forwards. Each recovered message gets a
// MessageID: the printed Message-ID when the page shows one, otherwise a
// synthetic, deterministic ID
//
//	printed.<first 16 hex digits of sha256(path|page|line)>@casefile.invalid
//
// where page and line locate the first header line of the message. A
// message that quotes another one gets InReplyTo and References set to the
// quoted message's ID (printed In-Reply-To/References win when present),
// so the ordinary threader links printed chains without knowing about
// printouts. The .invalid top-level domain (RFC 2606) guarantees the
// synthetic IDs never collide with real ones.
//
// # Provenance
//
// Every message has one Source: Path and FileSHA256 of the document, Page
// and PageEnd (1-based), LineFrom (1-based line on Page) and LineTo (line
// on PageEnd), Bates (the stamp governing the sheet where the message
// starts, see Result.Bates) and SHA256, the hex SHA-256 of the message's
// text span: the printed lines from LineFrom to LineTo joined with "\n".
// Length is the byte length of that span; Offset is 0.
//
// # Dates
//
// Printed dates rarely carry a zone. When they do, DateUTC is the real
// instant; when they do not, DateUTC holds the printed wall clock as if it
// were UTC and DateFlag is model.DateLocal. No zone is ever invented.
package printed
