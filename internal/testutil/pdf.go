package testutil

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Synthetic PDF and image fixtures: a minimal PDF writer (text pages in Helvetica, image
// pages as Flate-compressed greyscale bitmaps) and a text renderer, so the
// tests need no PDF or image tool besides the ones under test.

// PDFPage is one page of a synthetic PDF.
type PDFPage struct {
	Text  []string    // lines drawn as real text (text layer)
	Image *image.Gray // drawn full-page as a scanned image
	W, H  float64     // page size in points (default 612 × 396)
}

// RenderText draws lines of text in black on white, like a scanned
// printout at about 300 DPI.
func RenderText(t testing.TB, lines []string, w, h int) *image.Gray {
	t.Helper()
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 15, DPI: 300, Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	img := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: face}
	y := 150
	for _, ln := range lines {
		d.Dot = fixed.P(150, y)
		d.DrawString(ln)
		y += 90
	}
	return img
}

func WritePNG(t testing.TB, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func pdfEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`)
	return r.Replace(s)
}

// BuildPDF returns a PDF with the given pages. encrypted adds a standard
// security handler whose password check always fails.
func BuildPDF(t testing.TB, pages []PDFPage, encrypted bool) []byte {
	t.Helper()
	var objs []string // objs[i] is object i+1's body
	add := func(body string) int {
		objs = append(objs, body)
		return len(objs)
	}
	catalog := add("") // filled below
	pagesObj := add("")
	fontObj := add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	var kids []string
	for _, p := range pages {
		w, h := p.W, p.H
		if w == 0 {
			w, h = 612, 396
		}
		var content strings.Builder
		res := fmt.Sprintf("/Font << /F1 %d 0 R >>", fontObj)
		if p.Image != nil {
			b := p.Image.Bounds()
			var z bytes.Buffer
			zw := zlib.NewWriter(&z)
			for y := b.Min.Y; y < b.Max.Y; y++ {
				zw.Write(p.Image.Pix[(y-b.Min.Y)*p.Image.Stride : (y-b.Min.Y)*p.Image.Stride+b.Dx()])
			}
			zw.Close()
			im := add(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream",
				b.Dx(), b.Dy(), z.Len(), z.String()))
			res += fmt.Sprintf(" /XObject << /Im1 %d 0 R >>", im)
			fmt.Fprintf(&content, "q %g 0 0 %g 0 0 cm /Im1 Do Q\n", w, h)
		}
		if len(p.Text) > 0 {
			content.WriteString("BT /F1 12 Tf 14 TL 36 ")
			fmt.Fprintf(&content, "%g Td\n", h-36)
			for _, ln := range p.Text {
				fmt.Fprintf(&content, "(%s) Tj T*\n", pdfEscape(ln))
			}
			content.WriteString("ET\n")
		}
		c := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", content.Len(), content.String()))
		pg := add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %g %g] /Resources << %s >> /Contents %d 0 R >>",
			pagesObj, w, h, res, c))
		kids = append(kids, fmt.Sprintf("%d 0 R", pg))
	}
	objs[catalog-1] = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj)
	objs[pagesObj-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))
	enc := 0
	if encrypted {
		enc = add("<< /Filter /Standard /V 1 /R 2 /Length 40 /P -4 /O <" + strings.Repeat("ab", 32) + "> /U <" + strings.Repeat("cd", 32) + "> >>")
	}
	var buf bytes.Buffer
	buf.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = buf.Len()
		fmt.Fprintf(&buf, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&buf, "%010d 00000 n \n", o)
	}
	trailer := fmt.Sprintf("/Size %d /Root %d 0 R", len(objs)+1, catalog)
	if encrypted {
		trailer += fmt.Sprintf(" /Encrypt %d 0 R /ID [<%s> <%s>]", enc, strings.Repeat("01", 16), strings.Repeat("01", 16))
	}
	fmt.Fprintf(&buf, "trailer\n<< %s >>\nstartxref\n%d\n%%%%EOF\n", trailer, xref)
	return buf.Bytes()
}

func WritePDF(t testing.TB, dir, name string, pages []PDFPage) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, BuildPDF(t, pages, false), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// PNGHeaderOnly returns the signature and IHDR chunk of a w × h greyscale
// PNG: enough for image.DecodeConfig, without allocating the pixels.
func PNGHeaderOnly(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := []byte{byte(w >> 24), byte(w >> 16), byte(w >> 8), byte(w), byte(h >> 24), byte(h >> 16), byte(h >> 8), byte(h), 8, 0, 0, 0, 0}
	b.Write([]byte{0, 0, 0, 13})
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	c := crc32.ChecksumIEEE(chunk)
	b.Write([]byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)})
	return b.Bytes()
}
