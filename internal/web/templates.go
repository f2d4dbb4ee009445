package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/casefile/casefile/internal/model"
)

// parsePages builds one template set per page: the layout and the shared
// partials plus the page's own file. Files named frag-*.html are
// fragments (htmx responses) and hub-*.html the team server's own pages;
// both define "root" themselves.
func parsePages(funcs template.FuncMap) (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(embedded, "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	files, err := fs.Glob(embedded, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(name, "frag-") && !strings.HasPrefix(name, "hub-") {
			if t, err = t.ParseFS(embedded, "templates/layout.html"); err != nil {
				return nil, fmt.Errorf("web: template layout: %w", err)
			}
		}
		if t, err = t.ParseFS(embedded, f); err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// funcs are the template functions of a server. base is the URL prefix
// every link starts with ({{base}}/m/ID); searchURL links to a search
// under it.
func (s *Server) funcs() template.FuncMap {
	return templateFuncs(s.prefix)
}

// templateFuncs are the template functions for links under prefix.
func templateFuncs(prefix string) template.FuncMap {
	return template.FuncMap{
		"base":      func() string { return prefix },
		"searchURL": func(q string, offset int) string { return prefix + searchURL(q, offset) },
		"date":      func(t *time.Time, flag string) string { return formatDate(t, flag) },
		"addrs":     addrList,
		"sender":    senderLabel,
		"pesc":      url.PathEscape,
		"bytes":     humanBytes,
		"add":       func(a, b int) int { return a + b },
		"short":     func(s string) string { return shorten(s, 12) },
	}
}

func addrList(as []model.Address) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

func senderLabel(a model.Address) string {
	if a.Name != "" {
		return a.Name
	}
	if a.Address != "" {
		return a.Address
	}
	return "(no sender)"
}

// searchURL links to the search page for q at offset (without the
// server's prefix).
func searchURL(q string, offset int) string {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if offset > 0 {
		v.Set("offset", fmt.Sprint(offset))
	}
	if len(v) == 0 {
		return "/"
	}
	return "/?" + v.Encode()
}

func humanBytes(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}

// shorten keeps the first n characters of s.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
