// Package lazyre holds regular expressions compiled on first use. The
// recovery, people and de-duplication packages need about a hundred
// patterns; compiled at package start-up they cost every casefile
// command ~7 ms before it did anything, even commands that never use
// them. An RE has the methods of *regexp.Regexp that casefile uses.
package lazyre

import (
	"regexp"
	"sync"
)

// RE is a regular expression compiled the first time it is used. It is
// safe for concurrent use.
type RE struct {
	get func() *regexp.Regexp
}

// New returns expr to be compiled on first use; an invalid expr panics
// then, as regexp.MustCompile does.
func New(expr string) *RE {
	return &RE{get: sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })}
}

// Regexp returns the compiled expression.
func (r *RE) Regexp() *regexp.Regexp { return r.get() }

func (r *RE) String() string                       { return r.get().String() }
func (r *RE) MatchString(s string) bool            { return r.get().MatchString(s) }
func (r *RE) FindString(s string) string           { return r.get().FindString(s) }
func (r *RE) FindStringIndex(s string) []int       { return r.get().FindStringIndex(s) }
func (r *RE) FindStringSubmatch(s string) []string { return r.get().FindStringSubmatch(s) }
func (r *RE) FindStringSubmatchIndex(s string) []int {
	return r.get().FindStringSubmatchIndex(s)
}
func (r *RE) FindAllString(s string, n int) []string { return r.get().FindAllString(s, n) }
func (r *RE) FindAllStringIndex(s string, n int) [][]int {
	return r.get().FindAllStringIndex(s, n)
}
func (r *RE) FindAllStringSubmatch(s string, n int) [][]string {
	return r.get().FindAllStringSubmatch(s, n)
}
func (r *RE) FindAllStringSubmatchIndex(s string, n int) [][]int {
	return r.get().FindAllStringSubmatchIndex(s, n)
}
func (r *RE) ReplaceAllString(src, repl string) string { return r.get().ReplaceAllString(src, repl) }
func (r *RE) ReplaceAllLiteralString(src, repl string) string {
	return r.get().ReplaceAllLiteralString(src, repl)
}
func (r *RE) ReplaceAllStringFunc(src string, repl func(string) string) string {
	return r.get().ReplaceAllStringFunc(src, repl)
}
func (r *RE) Split(s string, n int) []string { return r.get().Split(s, n) }
func (r *RE) FindSubmatch(b []byte) [][]byte { return r.get().FindSubmatch(b) }
func (r *RE) SubexpNames() []string          { return r.get().SubexpNames() }
