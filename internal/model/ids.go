package model

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// DedupKey returns the key under which copies of one logical message are
// merged: the normalised Message-ID together with the content hash. Two
// copies with the same Message-ID but different content get different
// keys (both are kept and flagged "mid_conflict" by the store); copies
// without a Message-ID merge only on identical content.
func DedupKey(m *Message) string {
	mid := NormalizeMessageID(m.MessageID)
	if mid == "" {
		return "hash:" + m.ContentHash
	}
	return "mid:" + mid + "|" + m.ContentHash
}

// IDForKey derives casefile's 16-hex-digit message ID from a dedup key.
func IDForKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:8])
}

// NormalizeMessageID strips angle brackets and surrounding space and
// lower-cases the domain part (RFC 5322 msg-id: the local part is
// case-sensitive in principle, but real MTAs compare case-insensitively
// on the right-hand side).
func NormalizeMessageID(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "<")
	s = strings.TrimSuffix(s, ">")
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[:i] + strings.ToLower(s[i:])
	}
	return s
}
