package message

import (
	"sort"
	"strconv"
	"strings"
)

// rawParam is one parameter as written, before RFC 2231 assembly.
type rawParam struct {
	name  string // lower-cased, as written (may contain '*')
	value string // unquoted raw value (may hold 8-bit bytes)
}

// splitParams splits a Content-Type / Content-Disposition style value
// into its main token (lower-cased) and raw parameters. It tolerates
// missing ';' after the token, unquoted values with spaces, unterminated
// quotes and valueless parameters (which are skipped).
func splitParams(v string) (token string, params []rawParam) {
	v = strings.TrimSpace(v)
	rest := ""
	if i := strings.IndexByte(v, ';'); i >= 0 {
		token, rest = v[:i], v[i+1:]
	} else {
		token = v
	}
	token = strings.TrimSpace(token)
	// "text/plain charset=utf-8": a parameter glued on without ';'.
	if i := strings.IndexAny(token, " \t"); i >= 0 && strings.Contains(token[i:], "=") {
		rest = token[i:] + ";" + rest
		token = token[:i]
	}
	token = strings.ToLower(strings.Trim(token, "\"' \t"))

	i := 0
	for i < len(rest) {
		for i < len(rest) && (rest[i] == ' ' || rest[i] == '\t' || rest[i] == ';' || rest[i] == '\r' || rest[i] == '\n') {
			i++
		}
		if i >= len(rest) {
			break
		}
		start := i
		for i < len(rest) && rest[i] != '=' && rest[i] != ';' {
			i++
		}
		name := strings.ToLower(strings.TrimSpace(rest[start:i]))
		if i >= len(rest) || rest[i] == ';' {
			continue // valueless parameter
		}
		i++ // '='
		for i < len(rest) && (rest[i] == ' ' || rest[i] == '\t') {
			i++
		}
		var val string
		if i < len(rest) && rest[i] == '"' {
			j := i + 1
			var sb strings.Builder
			closed := false
			for j < len(rest) {
				c := rest[j]
				if c == '\\' && j+1 < len(rest) {
					sb.WriteByte(rest[j+1])
					j += 2
					continue
				}
				if c == '"' {
					closed = true
					break
				}
				sb.WriteByte(c)
				j++
			}
			if closed {
				val = sb.String()
				i = j + 1
				end := strings.IndexByte(rest[i:], ';')
				if end < 0 {
					end = len(rest)
				} else {
					end += i
				}
				// Unescaped inner quotes: name="report "final".pdf".
				if junk := rest[i:end]; strings.Contains(junk, `"`) && !strings.Contains(junk, "=") {
					last := strings.LastIndexByte(junk, '"')
					val += `"` + junk[:last]
				}
				i = end
			} else {
				// Unterminated quote: take the value up to the next ';'.
				end := strings.IndexByte(rest[i+1:], ';')
				if end < 0 {
					val = rest[i+1:]
					i = len(rest)
				} else {
					val = rest[i+1 : i+1+end]
					i = i + 1 + end
				}
				val = strings.TrimSpace(val)
			}
		} else {
			end := strings.IndexByte(rest[i:], ';')
			if end < 0 {
				val = rest[i:]
				i = len(rest)
			} else {
				val = rest[i : i+end]
				i += end
			}
			val = strings.TrimSpace(val)
		}
		if name != "" {
			params = append(params, rawParam{name: name, value: val})
		}
	}
	return token, params
}

type section struct {
	idx     int
	encoded bool
	value   string
}

// parseParams parses a header value with parameters and returns the
// lower-cased main token and the decoded parameters. RFC 2231 extended
// parameters (name*=charset'lang'value, continuations name*0, name*1*...)
// take precedence over plain ones; plain values are decoded as raw 8-bit
// text and then for RFC 2047 encoded-words (which many clients put in
// filenames).
func (d *textDecoder) parseParams(v, what string) (string, map[string]string) {
	token, raw := splitParams(v)
	out := map[string]string{}
	ext := map[string][]section{}
	var extOrder []string
	for _, p := range raw {
		star := strings.IndexByte(p.name, '*')
		if star < 0 {
			if _, dup := out[p.name]; !dup {
				out[p.name] = d.decodeWords(d.decodeUndeclared([]byte(p.value)), what)
			}
			continue
		}
		base, suffix := p.name[:star], p.name[star+1:]
		s := section{value: p.value}
		switch {
		case suffix == "":
			s.encoded = true
		case strings.HasSuffix(suffix, "*"):
			s.encoded = true
			suffix = strings.TrimSuffix(suffix, "*")
			fallthrough
		default:
			n, err := strconv.Atoi(suffix)
			if err != nil || n < 0 || n > 10000 {
				if _, dup := out[p.name]; !dup {
					out[p.name] = d.decodeWords(d.decodeUndeclared([]byte(p.value)), what)
				}
				continue
			}
			s.idx = n
		}
		if _, seen := ext[base]; !seen {
			extOrder = append(extOrder, base)
		}
		ext[base] = append(ext[base], s)
	}
	for _, base := range extOrder {
		secs := ext[base]
		sort.SliceStable(secs, func(i, j int) bool { return secs[i].idx < secs[j].idx })
		var buf []byte
		charset := ""
		anyEncoded := false
		seen := map[int]bool{}
		for k, s := range secs {
			if seen[s.idx] {
				continue // duplicate section: keep the first
			}
			seen[s.idx] = true
			val := s.value
			if s.encoded {
				if !anyEncoded && k == 0 {
					if a := strings.IndexByte(val, '\''); a >= 0 {
						if b := strings.IndexByte(val[a+1:], '\''); b >= 0 {
							charset = val[:a]
							val = val[a+1+b+1:]
						}
					}
				}
				anyEncoded = true
				buf = append(buf, percentDecode(val)...)
			} else {
				buf = append(buf, val...)
			}
		}
		var dec string
		if charset != "" {
			dec = d.decode(buf, charset, what)
		} else {
			dec = d.decodeWords(d.decodeUndeclared(buf), what)
		}
		out[base] = dec
	}
	return token, out
}

// percentDecode decodes %XX escapes; malformed escapes are kept.
func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}
