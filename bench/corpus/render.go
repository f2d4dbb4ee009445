package corpus

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"math/rand/v2"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

var mailers = []string{
	"Microsoft Outlook 11", "Microsoft Office Outlook 12.0", "Apple Mail (2.1085)",
	"Lotus Notes Release 8.5 December 05, 2008", "Mozilla Thunderbird 2.0.0.23",
	"BlackBerry Email (Version 4.5)",
}

// Message renders message i as RFC 5322 text with LF line endings.
func (c *Corpus) Message(i int) []byte {
	var b bytes.Buffer
	c.appendMessage(&b, i)
	return b.Bytes()
}

func (c *Corpus) appendMessage(b *bytes.Buffer, i int) {
	p := &c.plans[i]
	r := rng(c.opts.Seed, streamMisc, uint64(i))
	from := c.people[p.from]
	date := c.Date(i)
	fromDom := from.Address[strings.IndexByte(from.Address, '@')+1:]
	toDom := c.people[p.to[0]].Address
	toDom = toDom[strings.IndexByte(toDom, '@')+1:]

	fmt.Fprintf(b, "Return-Path: <%s>\n", from.Address)
	fmt.Fprintf(b, "Received: from mail.%s (mail.%s [192.0.2.%d])\n\tby mx.%s with ESMTP id %08X\n\tfor <%s>; %s\n",
		fromDom, fromDom, 1+r.IntN(254), toDom, uint32(mix(uint64(i))), c.people[p.to[0]].Address,
		date.Add(time.Duration(5+r.IntN(90))*time.Second).Format(time.RFC1123Z))
	fmt.Fprintf(b, "Message-ID: <%s>\n", c.MessageID(i))
	d := date.Format("Mon, 02 Jan 2006 15:04:05 -0700")
	if r.IntN(20) == 0 {
		d += " (" + date.Format("MST") + ")"
	}
	fmt.Fprintf(b, "Date: %s\n", d)
	fmt.Fprintf(b, "From: %s\n", addr(from))
	b.WriteString("To: ")
	for k := 0; k < int(p.nTo); k++ {
		if k > 0 {
			b.WriteString(",\n ")
		}
		b.WriteString(addr(c.people[p.to[k]]))
	}
	b.WriteByte('\n')
	if p.nCc > 0 {
		b.WriteString("Cc: ")
		for k := 0; k < int(p.nCc); k++ {
			if k > 0 {
				b.WriteString(", ")
			}
			b.WriteString(addr(c.people[p.cc[k]]))
		}
		b.WriteByte('\n')
	}
	subject := c.subject(int(p.root))
	if p.parent >= 0 {
		if r.IntN(5) == 0 {
			subject = "RE: " + subject
		} else {
			subject = "Re: " + subject
		}
	}
	charset := "utf-8"
	var enc *charmap.Charmap
	switch p.enc {
	case encLatin1:
		charset, enc = "iso-8859-1", charmap.ISO8859_1
	case encCP1252:
		charset, enc = "windows-1252", charmap.Windows1252
	case encKOI8R:
		charset, enc = "koi8-r", charmap.KOI8R
	}
	fmt.Fprintf(b, "Subject: %s\n", encodeHeader(subject, charset, enc))
	if p.parent >= 0 {
		fmt.Fprintf(b, "In-Reply-To: <%s>\n", c.MessageID(int(p.parent)))
		b.WriteString("References:")
		refs := c.references(i)
		for k, ref := range refs {
			if k > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(b, " <%s>", ref)
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(b, "X-Mailer: %s\n", mailers[mix(uint64(p.from))%uint64(len(mailers))])
	b.WriteString("MIME-Version: 1.0\n")

	body := c.bodyPart(i, charset, enc)
	if p.attach == 0 {
		b.Write(body)
		return
	}
	boundary := fmt.Sprintf("----=_Part_%d_%08x", i, uint32(mix(uint64(c.opts.Seed)^uint64(i)<<3)))
	fmt.Fprintf(b, "Content-Type: multipart/mixed;\n boundary=\"%s\"\n\nThis is a multi-part message in MIME format.\n\n--%s\n", boundary, boundary)
	b.Write(body)
	ar := rng(c.opts.Seed, streamAttach, uint64(i))
	for k := 0; k < int(p.attach); k++ {
		fmt.Fprintf(b, "\n--%s\n", boundary)
		c.attachment(b, ar, i, date)
	}
	fmt.Fprintf(b, "\n--%s--\n", boundary)
}

func addr(p Person) string {
	return (&mail.Address{Name: p.Name, Address: p.Address}).String()
}

func encodeHeader(s, charset string, enc *charmap.Charmap) string {
	if enc == nil {
		return mime.QEncoding.Encode("utf-8", s)
	}
	raw, _ := encoding.ReplaceUnsupported(enc.NewEncoder()).String(s)
	for k := 0; k < len(raw); k++ {
		if raw[k] >= 0x80 {
			return mime.QEncoding.Encode(charset, raw)
		}
	}
	return s
}

// references lists the Message-IDs from the thread root down to the
// parent of message i (the root and the last nine ancestors at most).
func (c *Corpus) references(i int) []string {
	var chain []int
	for j := int(c.plans[i].parent); j >= 0; j = int(c.plans[j].parent) {
		chain = append(chain, j)
	}
	// chain is parent..root; emit root first.
	var out []string
	root := chain[len(chain)-1]
	out = append(out, c.MessageID(root))
	start := len(chain) - 2
	if start > 8 {
		start = 8
	}
	for k := start; k >= 0; k-- {
		out = append(out, c.MessageID(chain[k]))
	}
	return out
}

// subject is the subject line of the thread started by message root.
func (c *Corpus) subject(root int) string {
	r := rng(c.opts.Seed, streamSubject, uint64(root))
	words := c.wordPicker(r)
	n := 2 + r.IntN(5)
	var parts []string
	for k := 0; k < n; k++ {
		parts = append(parts, words())
	}
	if r.IntN(6) == 0 {
		parts = append(parts[:n/2], append([]string{stockPhrases[r.IntN(len(stockPhrases))]}, parts[n/2:]...)...)
	}
	if r.IntN(30) == 0 {
		parts = append(parts, latinWords[r.IntN(len(latinWords))])
	}
	s := strings.Join(parts, " ")
	return upperFirst(s)
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// wordPicker returns a function drawing words: half from the common
// English list, half from the Zipf-distributed generated vocabulary.
func (c *Corpus) wordPicker(r *rand.Rand) func() string {
	vocab := rand.NewZipf(r, 1.07, 2.7, uint64(len(c.words)-1))
	common := rand.NewZipf(r, 1.05, 4, uint64(len(c.common)-1))
	return func() string {
		if r.IntN(2) == 0 {
			return c.common[common.Uint64()]
		}
		return c.words[vocab.Uint64()]
	}
}

// text returns the new (unquoted) text of message i as paragraphs; the
// greeting and sign-off are included. It depends only on the seed and i.
func (c *Corpus) text(i int) []string {
	p := &c.plans[i]
	r := rng(c.opts.Seed, streamBody, uint64(i))
	words := c.wordPicker(r)
	from := c.people[p.from]
	to := c.people[p.to[0]]
	var paras []string
	switch r.IntN(4) {
	case 0:
		paras = append(paras, "Dear "+to.Name+",")
	case 1, 2:
		paras = append(paras, "Hi "+firstName(to.Name)+",")
	}
	np := 1 + r.IntN(4)
	var sb strings.Builder
	for k := 0; k < np; k++ {
		sb.Reset()
		ns := 1 + r.IntN(4)
		for s := 0; s < ns; s++ {
			if s > 0 {
				sb.WriteByte(' ')
			}
			nw := 4 + r.IntN(14)
			phraseAt := -1
			if r.IntN(8) == 0 {
				phraseAt = r.IntN(nw)
			}
			for w := 0; w < nw; w++ {
				var word string
				if w == phraseAt {
					word = stockPhrases[r.IntN(len(stockPhrases))]
				} else {
					word = words()
				}
				if w == 0 {
					word = upperFirst(word)
				} else {
					sb.WriteByte(' ')
				}
				sb.WriteString(word)
				if w < nw-1 && r.IntN(12) == 0 {
					sb.WriteByte(',')
				}
			}
			if r.IntN(6) == 0 {
				sb.WriteByte('?')
			} else {
				sb.WriteByte('.')
			}
		}
		paras = append(paras, sb.String())
	}
	switch p.enc {
	case encQP, encLatin1, encCP1252:
		var extra []string
		for k := 0; k < 3+r.IntN(4); k++ {
			extra = append(extra, latinWords[r.IntN(len(latinWords))])
		}
		if p.enc == encCP1252 {
			extra = append(extra, cp1252Extras[r.IntN(len(cp1252Extras))])
		}
		paras = append(paras, upperFirst(strings.Join(extra, " ")+" "+words()+"."))
	case encKOI8R:
		var extra []string
		for k := 0; k < 4+r.IntN(8); k++ {
			extra = append(extra, cyrillicWords[r.IntN(len(cyrillicWords))])
		}
		paras = append(paras, upperFirst(strings.Join(extra, " ")+"."))
	}
	closing := []string{"Regards,", "Thanks,", "Best,", "Cheers,", "Kind regards,"}[r.IntN(5)]
	paras = append(paras, closing+"\n"+firstName(from.Name))
	if r.IntN(3) == 0 {
		paras = append(paras, fmt.Sprintf("-- \n%s\n%s\n+1 555 01%02d", from.Name, from.Title, r.IntN(100)))
	}
	return paras
}

func firstName(name string) string {
	if k := strings.IndexByte(name, ' '); k > 0 {
		return name[:k]
	}
	return name
}

// wrap breaks s into lines of at most width bytes at spaces, keeping
// existing line breaks.
func wrap(s string, width int, prefix string) string {
	var out strings.Builder
	for li, line := range strings.Split(s, "\n") {
		if li > 0 {
			out.WriteByte('\n')
		}
		n := 0
		out.WriteString(prefix)
		for wi, w := range strings.Fields(line) {
			if wi > 0 {
				if n+1+len(w) > width {
					out.WriteByte('\n')
					out.WriteString(prefix)
					n = 0
				} else {
					out.WriteByte(' ')
					n++
				}
			}
			out.WriteString(w)
			n += len(w)
		}
		if line == "-- " {
			out.WriteByte(' ')
		}
	}
	return out.String()
}

// quote returns the attribution and quoted text of message i's parent.
func (c *Corpus) quote(i int, r *rand.Rand) (attribution string, quoted []string, outlook bool) {
	j := int(c.plans[i].parent)
	pp := &c.plans[j]
	parent := c.people[pp.from]
	ptext := c.text(j)
	if len(ptext) > 4 {
		ptext = ptext[:4]
	}
	if r.IntN(4) == 0 {
		var to []string
		for k := 0; k < int(pp.nTo); k++ {
			to = append(to, c.people[pp.to[k]].Name)
		}
		return fmt.Sprintf("-----Original Message-----\nFrom: %s\nSent: %s\nTo: %s\nSubject: %s",
			addr(parent), c.Date(j).Format("Monday, January 02, 2006 3:04 PM"),
			strings.Join(to, "; "), c.subject(int(pp.root))), ptext, true
	}
	return fmt.Sprintf("On %s, %s wrote:", c.Date(j).Format("Mon, Jan 2, 2006 at 3:04 PM"), parent.Name), ptext, false
}

// bodyPart renders the Content-Type, Content-Transfer-Encoding and the
// text (or HTML) of message i, ending with a newline.
func (c *Corpus) bodyPart(i int, charset string, enc *charmap.Charmap) []byte {
	p := &c.plans[i]
	r := rng(c.opts.Seed, streamMisc, uint64(i)<<1|1)
	paras := c.text(i)
	var attribution string
	var quoted []string
	var outlook bool
	if p.parent >= 0 && r.IntN(10) < 7 {
		attribution, quoted, outlook = c.quote(i, r)
	}
	var b bytes.Buffer
	if p.enc == encHTML {
		var h strings.Builder
		h.WriteString("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head>\n<body>\n")
		for _, para := range paras {
			h.WriteString("<p>")
			h.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>\n"))
			h.WriteString("</p>\n")
		}
		if attribution != "" {
			h.WriteString("<div>" + strings.ReplaceAll(html.EscapeString(attribution), "\n", "<br>\n") + "</div>\n<blockquote style=\"border-left:1px solid #ccc\">\n")
			for _, q := range quoted {
				h.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(q), "\n", "<br>\n") + "</p>\n")
			}
			h.WriteString("</blockquote>\n")
		}
		h.WriteString("</body></html>")
		if r.IntN(2) == 0 {
			b.WriteString("Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n")
			writeQP(&b, h.String())
		} else {
			b.WriteString("Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n")
			b.WriteString(wrap(h.String(), 76, ""))
			b.WriteByte('\n')
		}
		return b.Bytes()
	}

	var t strings.Builder
	useQP := p.enc == encQP || (enc != nil && r.IntN(2) == 0)
	for k, para := range paras {
		if k > 0 {
			t.WriteString("\n\n")
		}
		if useQP {
			t.WriteString(para) // long lines: QP soft breaks them
		} else {
			t.WriteString(wrap(para, 72, ""))
		}
	}
	if attribution != "" {
		t.WriteString("\n\n" + attribution + "\n")
		prefix := "> "
		if outlook {
			prefix = ""
		}
		for k, q := range quoted {
			if k > 0 {
				t.WriteString("\n" + strings.TrimRight(prefix, " ") + "\n")
			}
			t.WriteString(wrap(q, 72-len(prefix), prefix))
		}
	}
	text := t.String()
	if enc != nil {
		text, _ = encoding.ReplaceUnsupported(enc.NewEncoder()).String(text)
	}
	cte := "7bit"
	for k := 0; k < len(text); k++ {
		if text[k] >= 0x80 {
			cte = "8bit"
			break
		}
	}
	if useQP {
		cte = "quoted-printable"
	}
	ct := "text/plain; charset=" + charset
	if charset == "utf-8" && cte == "7bit" && r.IntN(2) == 0 {
		ct = "text/plain; charset=us-ascii"
	}
	if p.enc == encPlain && r.IntN(10) == 0 {
		ct += "; format=flowed"
	}
	fmt.Fprintf(&b, "Content-Type: %s\nContent-Transfer-Encoding: %s\n\n", ct, cte)
	if useQP {
		writeQP(&b, text)
	} else {
		b.WriteString(text)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func writeQP(b *bytes.Buffer, s string) {
	w := quotedprintable.NewWriter(b)
	w.Write([]byte(s))
	w.Close()
	// quotedprintable writes CRLF line breaks; the corpus uses LF.
	out := bytes.ReplaceAll(b.Bytes(), []byte("\r\n"), []byte("\n"))
	b.Reset()
	b.Write(out)
	b.WriteByte('\n')
}

// attachment writes one MIME part (headers and content) without the
// trailing newline before the next boundary.
func (c *Corpus) attachment(b *bytes.Buffer, r *rand.Rand, i int, date time.Time) {
	words := c.wordPicker(r)
	switch r.IntN(3) {
	case 0:
		name := fmt.Sprintf("notes-%s.txt", words())
		fmt.Fprintf(b, "Content-Type: text/plain; charset=us-ascii; name=\"%s\"\nContent-Disposition: attachment; filename=\"%s\"\nContent-Transfer-Encoding: 7bit\n\n", name, name)
		var t strings.Builder
		for k := 0; k < 20+r.IntN(120); k++ {
			if k > 0 {
				t.WriteByte(' ')
			}
			t.WriteString(words())
		}
		b.WriteString(wrap(t.String(), 72, ""))
		b.WriteByte('\n')
	case 1:
		name := fmt.Sprintf("ledger_%d_q%d_%s.csv", date.Year(), 1+int(date.Month()-1)/3, words())
		var t strings.Builder
		t.WriteString("date,account,counterparty,amount,currency,memo\r\n")
		for k := 0; k < 5+r.IntN(40); k++ {
			cp := c.people[r.IntN(len(c.people))]
			fmt.Fprintf(&t, "%s,%s-%05d,%s,%d.%02d,%s,%s %s\r\n",
				date.AddDate(0, 0, -r.IntN(90)).Format("2006-01-02"),
				strings.ToUpper(c.words[r.IntN(min(100, len(c.words)))][:3]), r.IntN(100000), cp.Address,
				r.IntN(250000), r.IntN(100), []string{"USD", "EUR", "CHF", "GBP"}[r.IntN(4)], words(), words())
		}
		if r.IntN(2) == 0 {
			fmt.Fprintf(b, "Content-Type: text/csv; name=\"%s\"\nContent-Disposition: attachment; filename=\"%s\"\nContent-Transfer-Encoding: base64\n\n", name, name)
			writeBase64(b, []byte(t.String()))
		} else {
			fmt.Fprintf(b, "Content-Type: text/csv; charset=us-ascii; name=\"%s\"\nContent-Disposition: attachment; filename=\"%s\"\nContent-Transfer-Encoding: 7bit\n\n", name, name)
			b.WriteString(strings.ReplaceAll(t.String(), "\r\n", "\n"))
		}
	default:
		name := fmt.Sprintf("scan_%04d.dat", r.IntN(10000))
		fmt.Fprintf(b, "Content-Type: application/octet-stream; name=\"%s\"\nContent-Disposition: attachment; filename=\"%s\"\nContent-Transfer-Encoding: base64\n\n", name, name)
		data := make([]byte, 512+r.IntN(5632))
		for k := 0; k+8 <= len(data); k += 8 {
			v := r.Uint64()
			for s := 0; s < 8; s++ {
				data[k+s] = byte(v >> (8 * s))
			}
		}
		writeBase64(b, data)
	}
}

func writeBase64(b *bytes.Buffer, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteByte('\n')
		enc = enc[76:]
	}
	b.WriteString(enc)
	b.WriteByte('\n')
}
