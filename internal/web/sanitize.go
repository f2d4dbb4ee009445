package web

import (
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// sanitizer renders hostile HTML bodies harmless: bluemonday's UGC policy
// (no scripts, no event handlers, no forms, no embedded objects), a safe
// subset of inline styles, and then a second pass over the result that
// removes everything that could make the browser contact another host:
// every image whose source is not a data: URI becomes a visible
// placeholder, link targets become tooltips, and styles mentioning url()
// are dropped. Only data: images survive.
type sanitizer struct {
	policy *bluemonday.Policy
}

// styleProps are the CSS properties kept in style attributes; bluemonday
// validates each value (no url(), no expressions).
var styleProps = []string{
	"color", "background-color", "font-weight", "font-style", "font-size", "font-family",
	"text-align", "text-decoration", "text-indent", "vertical-align", "white-space", "line-height",
	"margin", "margin-top", "margin-bottom", "margin-left", "margin-right",
	"padding", "padding-top", "padding-bottom", "padding-left", "padding-right",
	"border", "border-top", "border-bottom", "border-left", "border-right", "border-collapse",
	"width", "height", "max-width", "display",
}

func newSanitizer() *sanitizer {
	p := bluemonday.UGCPolicy()
	p.AllowDataURIImages()
	p.AllowStyles(styleProps...).Globally()
	p.RequireNoReferrerOnLinks(true)
	// Belt and braces: any image source bluemonday lets through that is
	// not a data: URI is emptied (the second pass replaces the image).
	p.RewriteSrc(func(u *url.URL) {
		if u.Scheme != "data" {
			*u = url.URL{}
		}
	})
	return &sanitizer{policy: p}
}

// sanitized is a body ready for the sandboxed iframe.
type sanitized struct {
	HTML string
	// Blocked lists the remote or inline-attachment resources the
	// original HTML referred to (images, style sheets, backgrounds...),
	// none of which is loaded.
	Blocked []string
}

// resourceAttrs are attributes whose value the browser would fetch.
var resourceAttrs = map[string]bool{
	"src": true, "srcset": true, "background": true, "poster": true, "data": true,
	"lowsrc": true, "dynsrc": true, "longdesc": true, "xlink:href": true,
}

var cssURL = regexp.MustCompile(`(?i)url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)`)

// blockedResources scans the original HTML for resources a browser
// would load, for the reader's "blocked" notice.
func blockedResources(src string) []string {
	seen := map[string]bool{}
	add := func(v string) {
		v = strings.TrimSpace(v)
		if v == "" || strings.HasPrefix(strings.ToLower(v), "data:") || len(seen) >= 200 {
			return
		}
		if len(v) > 300 {
			v = v[:300] + "…"
		}
		seen[v] = true
	}
	z := html.NewTokenizer(strings.NewReader(src))
	inStyle := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			out := make([]string, 0, len(seen))
			for v := range seen {
				out = append(out, v)
			}
			sort.Strings(out)
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			inStyle = t.DataAtom == atom.Style
			for _, a := range t.Attr {
				k := strings.ToLower(a.Key)
				switch {
				case k == "srcset":
					for _, part := range strings.Split(a.Val, ",") {
						if f := strings.Fields(part); len(f) > 0 {
							add(f[0])
						}
					}
				case resourceAttrs[k]:
					add(a.Val)
				case k == "href" && (t.DataAtom == atom.Link || t.DataAtom == atom.Base || t.DataAtom == atom.Image || t.Data == "use"):
					add(a.Val)
				case k == "style":
					for _, m := range cssURL.FindAllStringSubmatch(a.Val, -1) {
						add(m[1] + m[2])
					}
				}
			}
		case html.EndTagToken:
			inStyle = false
		case html.TextToken:
			if inStyle {
				for _, m := range cssURL.FindAllStringSubmatch(string(z.Text()), -1) {
					add(m[1] + m[2])
				}
			}
		}
	}
}

// sanitize cleans an HTML body.
func (z *sanitizer) sanitize(src string) sanitized {
	out := sanitized{Blocked: blockedResources(src)}
	clean := z.policy.Sanitize(src)
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(clean), ctx)
	if err != nil {
		out.HTML = html.EscapeString(clean)
		return out
	}
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	defang(root)
	var b strings.Builder
	for n := root.FirstChild; n != nil; n = n.NextSibling {
		if err := html.Render(&b, n); err != nil {
			out.HTML = html.EscapeString(clean)
			return out
		}
	}
	out.HTML = b.String()
	return out
}

// defang removes anything that could still reach the network from the
// sanitised tree (whatever bluemonday allowed by design): images without
// a data: source become "[image]" placeholders, link targets move into a
// tooltip, and url() styles are dropped.
func defang(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == html.ElementNode && c.DataAtom == atom.Img && !strings.HasPrefix(strings.ToLower(attr(c, "src")), "data:image/") {
			label := "[image not loaded]"
			if alt := strings.TrimSpace(attr(c, "alt")); alt != "" {
				label = "[image not loaded: " + alt + "]"
			}
			ph := &html.Node{Type: html.ElementNode, Data: "span", DataAtom: atom.Span,
				Attr: []html.Attribute{{Key: "title", Val: "remote or embedded image, not loaded"}}}
			ph.AppendChild(&html.Node{Type: html.TextNode, Data: label})
			n.InsertBefore(ph, c)
			n.RemoveChild(c)
			c = next
			continue
		}
		if c.Type == html.ElementNode {
			kept := c.Attr[:0]
			var target string
			for _, a := range c.Attr {
				k := strings.ToLower(a.Key)
				v := strings.TrimSpace(a.Val)
				switch {
				case k == "href" && !strings.HasPrefix(v, "#"):
					target = v
					continue
				case k == "rel" || k == "target" || k == "cite" || resourceAttrs[k] && k != "src":
					continue
				case k == "src" && !strings.HasPrefix(strings.ToLower(v), "data:image/"):
					continue
				case k == "style" && (strings.Contains(strings.ToLower(v), "url(") || strings.Contains(strings.ToLower(v), "image")):
					continue
				}
				kept = append(kept, a)
			}
			c.Attr = kept
			if target != "" && attr(c, "title") == "" {
				c.Attr = append(c.Attr, html.Attribute{Key: "title", Val: "link (not followed here): " + target})
				c.Attr = append(c.Attr, html.Attribute{Key: "data-link", Val: ""})
			}
			defang(c)
		}
		c = next
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}
