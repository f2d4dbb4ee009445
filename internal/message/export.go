package message

// DecodeTransfer undoes a part body's Content-Transfer-Encoding as
// leniently as the parser does: base64 skips whitespace and junk and
// tolerates missing padding, quoted-printable keeps malformed escapes
// literally, and encodings that are not decoded (7bit, 8bit, binary,
// uuencode, unknown names) return b as found. The warnings say what was
// repaired or left alone, in the parser's words. Other packages (the web
// workspace's download re-extraction) use it so the bytes they hash are
// the bytes ingest hashed.
func DecodeTransfer(encoding string, b []byte) ([]byte, []string) {
	var warnings []string
	out, _ := decodeTransfer(b, encoding, "part", func(w string) { warnings = append(warnings, w) })
	return out, warnings
}
