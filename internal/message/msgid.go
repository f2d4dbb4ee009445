package message

import (
	"strings"
)

// msgIDs extracts message identifiers from a Message-ID, In-Reply-To or
// References value, in order and without angle brackets. Bracketed ids are
// preferred; garbage between them (comments, "Your message of ...") is
// ignored. Without brackets, whitespace-separated tokens containing '@'
// are taken.
func msgIDs(s string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		id = strings.Join(strings.Fields(id), "")
		id = strings.Trim(id, "<>\"'(),;")
		if id == "" || seen[id] {
			return
		}
		seen[id] = true
		out = append(out, id)
	}
	rest := s
	for {
		lt := strings.IndexByte(rest, '<')
		if lt < 0 {
			break
		}
		gt := strings.IndexByte(rest[lt+1:], '>')
		if gt < 0 {
			break
		}
		inner := rest[lt+1 : lt+1+gt]
		// "<<id@x>>": skip extra opening brackets.
		inner = strings.TrimLeft(inner, "<")
		add(inner)
		rest = rest[lt+1+gt+1:]
	}
	if len(out) > 0 {
		return out
	}
	for _, f := range strings.Fields(s) {
		if strings.Contains(f, "@") {
			add(f)
		}
	}
	if len(out) == 0 {
		// A single token without '@' (some MTAs): keep it as the id.
		if f := strings.Fields(s); len(f) == 1 {
			add(f[0])
		}
	}
	return out
}

// firstMsgID returns the first message identifier in s, or "".
func firstMsgID(s string) string {
	if ids := msgIDs(s); len(ids) > 0 {
		return ids[0]
	}
	return ""
}
