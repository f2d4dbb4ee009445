package source

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/casefile/casefile/internal/model"
	"github.com/casefile/casefile/internal/source/mbox"
	"github.com/casefile/casefile/internal/source/pst"
)

// doMbox splits an mbox file or member into messages.
func (w *walker) doMbox(st *fileState, b *blob) error {
	var abort error
	res, err := mbox.Split(b.r, b.size, mbox.Options{MaxMessageSize: w.opts.MaxMessageSize}, func(m *mbox.Message) error {
		if err := w.ctx.Err(); err != nil {
			abort = err
			return err
		}
		st.seen++
		src := model.Source{Member: b.member, Offset: m.Offset, Length: m.Length, SHA256: m.SHA256}
		warnings := append(append([]string(nil), b.warnings...), m.Warnings...)
		var err error
		if m.Oversize {
			err = w.fail(st, &blob{warnings: warnings}, src, FormatMbox, fmt.Sprintf(
				"message %d (From_ line at offset %d) is %d bytes, larger than the limit of %d bytes (Options.MaxMessageSize)",
				m.Index+1, m.FromOffset, m.Length, w.opts.MaxMessageSize), nil)
		} else {
			if m.Length == 0 {
				warnings = append(warnings, fmt.Sprintf("empty message after the From_ line at offset %d", m.FromOffset))
			}
			err = w.send(st, Event{Type: EventMessage, Raw: m.Raw, Source: src, Format: FormatMbox, Warnings: warnings})
		}
		if err != nil {
			abort = err
		}
		return err
	})
	if abort != nil {
		return abort
	}
	if err != nil {
		st.seen++
		return w.fail(st, b, b.source(), FormatMbox, "cannot read mbox", err)
	}
	if !res.PreambleBlank {
		st.seen++
		msg := fmt.Sprintf("%d bytes before the first From_ line are not part of any message", res.Preamble)
		if res.Messages == 0 {
			msg = "no From_ line found; the content is not an mbox"
		}
		return w.fail(st, b, model.Source{Member: b.member, Offset: 0, Length: res.Preamble}, FormatMbox, msg, nil)
	}
	return nil
}

// doPST exports a PST/OST with readpst and emits its items.
func (w *walker) doPST(st *fileState, b *blob) error {
	pstPath := b.path
	if pstPath == "" {
		// a member held in memory: readpst needs a file
		f, err := os.CreateTemp(w.opts.TempDir, "casefile-pst-*.pst")
		if err != nil {
			st.seen++
			return w.fail(st, b, b.source(), FormatPST, "cannot create a temporary file for readpst", err)
		}
		defer os.Remove(f.Name())
		_, err = io.Copy(f, io.NewSectionReader(b.r, 0, b.size))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			st.seen++
			return w.fail(st, b, b.source(), FormatPST, "cannot write a temporary file for readpst", err)
		}
		pstPath = f.Name()
	}
	emitted := 0
	rep, err := pst.Extract(w.ctx, pst.Options{ReadPST: w.opts.ReadPST, TempDir: w.opts.TempDir}, pstPath, func(it pst.Item) error {
		emitted++
		member := memberPath(b.member, it.Member)
		ib := &blob{member: member, size: it.Size, format: FormatPST, warnings: b.warnings}
		switch it.Kind {
		case pst.KindEmail:
		case pst.KindContact:
			return w.skip(st, ib, "PST contact (vCard) is not an email; not imported")
		case pst.KindCalendar:
			return w.skip(st, ib, "PST calendar or journal item (iCalendar) is not an email; not imported")
		default:
			return w.skip(st, ib, "unexpected file in readpst output; not imported")
		}
		if it.Size > w.opts.MaxMessageSize {
			return w.tooLarge(st, ib, "PST item")
		}
		raw, err := os.ReadFile(it.Path)
		if err != nil {
			return w.fail(st, ib, ib.source(), FormatPST, "cannot read readpst output", err)
		}
		raw = pst.Normalize(raw)
		sum := sha256.Sum256(raw)
		src := model.Source{Member: member, Offset: 0, Length: int64(len(raw)), SHA256: hex.EncodeToString(sum[:])}
		return w.send(st, Event{Type: EventMessage, Raw: raw, Source: src, Format: FormatPST, Warnings: b.warnings})
	})
	if err != nil {
		return err
	}
	st.seen += max(rep.Claimed, rep.Exported)
	if rep.Failure != nil {
		msg := rep.Failure.Error()
		if errors.Is(rep.Failure, pst.ErrNotFound) {
			msg = pst.ErrNotFound.Error()
		} else if emitted > 0 {
			msg += fmt.Sprintf(" (the %d items exported before the failure were imported)", emitted)
		}
		if err := w.fail(st, b, b.source(), FormatPST, msg, nil); err != nil {
			return err
		}
		if errors.Is(rep.Failure, pst.ErrNotFound) {
			return nil
		}
	}
	if m := rep.Missing(); m > 0 {
		msg := fmt.Sprintf("the PST's folders list %d items but readpst exported only %d (%d missing)", rep.Claimed, rep.Exported, m)
		if d := folderShortfalls(rep.Folders); d != "" {
			msg += "; " + d
		}
		if t := typeSummary(rep.SkippedTypes, 10); t != "" {
			msg += "; item types readpst does not export: " + t
		}
		if err := w.fail(st, b, b.source(), FormatPST, msg, nil); err != nil {
			return err
		}
	}
	if rep.Unreadable > 0 {
		if err := w.fail(st, b, b.source(), FormatPST, fmt.Sprintf(
			"readpst could not read %d items of this PST (damaged records); they are not in the case", rep.Unreadable), nil); err != nil {
			return err
		}
	}
	if t := typeSummary(rep.SkippedTypes, 20); t != "" {
		st.warnings = append(st.warnings, prefixMember(b.member)+"readpst skipped items it does not export (often hidden configuration items): "+t)
	}
	return nil
}

func prefixMember(m string) string {
	if m == "" {
		return ""
	}
	return m + ": "
}

func folderShortfalls(folders []pst.Folder) string {
	var parts []string
	for _, f := range folders {
		if f.Claimed >= 0 && f.Exported >= 0 && f.Exported < f.Claimed {
			parts = append(parts, fmt.Sprintf("folder %q lists %d, exported %d", f.Name, f.Claimed, f.Exported))
		}
	}
	return strings.Join(parts, ", ")
}

// typeSummary renders skipped message classes, most frequent first, with
// Outlook's hidden IPM.Configuration.* items grouped.
func typeSummary(raw map[string]int, limit int) string {
	if len(raw) == 0 {
		return ""
	}
	types := map[string]int{}
	for n, c := range raw {
		if strings.HasPrefix(n, "IPM.Configuration.") {
			n = "IPM.Configuration.*"
		}
		types[n] += c
	}
	names := make([]string, 0, len(types))
	for n := range types {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if types[names[i]] != types[names[j]] {
			return types[names[i]] > types[names[j]]
		}
		return names[i] < names[j]
	})
	var parts []string
	for i, n := range names {
		if i == limit {
			parts = append(parts, fmt.Sprintf("and %d more types", len(names)-limit))
			break
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", n, types[n]))
	}
	return strings.Join(parts, ", ")
}
