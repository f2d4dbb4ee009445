package message

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"

	"github.com/casefile/casefile/internal/model"
)

// Normalize returns the normalised text that ContentHash hashes. Two copies
// of one logical message found in different mailboxes (mbox, Maildir,
// PST, with different Received/X- headers, Bcc, line endings or
// whitespace re-wrapping) normalise identically:
//
//	from:<lower-cased From address>
//	rcpt:<sorted, lower-cased To+Cc addresses joined by ",">
//	date:<DateUTC unix seconds> | local:<seconds> | raw:<collapsed DateRaw> | none
//	subject:<subject, whitespace collapsed>
//	body:<BodyText, whitespace runs collapsed to one space, trimmed>
//	att:<sorted attachment SHA-256s joined by ",">
//
// Addresses without an addr-spec contribute their lower-cased name.
func Normalize(m *model.Message) string {
	var sb strings.Builder
	sb.WriteString("from:")
	sb.WriteString(addrKey(m.From))
	sb.WriteString("\nrcpt:")
	var rcpt []string
	for _, l := range [][]model.Address{m.To, m.Cc} {
		for _, a := range l {
			if k := addrKey(a); k != "" {
				rcpt = append(rcpt, k)
			}
		}
	}
	sort.Strings(rcpt)
	sb.WriteString(strings.Join(rcpt, ","))
	sb.WriteString("\ndate:")
	switch {
	case m.DateUTC != nil && m.DateFlag == model.DateLocal:
		sb.WriteString("local:" + strconv.FormatInt(m.DateUTC.Unix(), 10))
	case m.DateUTC != nil:
		sb.WriteString(strconv.FormatInt(m.DateUTC.Unix(), 10))
	case m.DateRaw != "":
		sb.WriteString("raw:" + collapseSpace(m.DateRaw))
	default:
		sb.WriteString("none")
	}
	sb.WriteString("\nsubject:")
	sb.WriteString(collapseSpace(m.Subject))
	sb.WriteString("\nbody:")
	sb.WriteString(collapseSpace(m.BodyText))
	sb.WriteString("\natt:")
	var atts []string
	for _, a := range m.Attachments {
		atts = append(atts, a.SHA256)
	}
	sort.Strings(atts)
	sb.WriteString(strings.Join(atts, ","))
	return sb.String()
}

// ContentHash is the hex SHA-256 of Normalize(m), the content part of the
// de-duplication key (see model.DedupKey).
func ContentHash(m *model.Message) string {
	sum := sha256.Sum256([]byte(Normalize(m)))
	return hex.EncodeToString(sum[:])
}

func addrKey(a model.Address) string {
	if k := strings.ToLower(strings.TrimSpace(a.Address)); k != "" {
		return k
	}
	return strings.ToLower(collapseSpace(a.Name))
}

// collapseSpace replaces every whitespace run with one space and trims.
func collapseSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
