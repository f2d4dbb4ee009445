package lazyre

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestRE(t *testing.T) {
	r := New(`(\w+)@(\w+)\.example`)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if m := r.FindStringSubmatch("to mara@harbor.example now"); len(m) != 3 || m[2] != "harbor" {
				t.Errorf("FindStringSubmatch = %q", m)
			}
		}()
	}
	wg.Wait()
	if got := r.ReplaceAllString("a@b.example", "$2"); got != "b" || r.Regexp() != r.Regexp() || !r.MatchString("x@y.example") {
		t.Errorf("ReplaceAllString = %q", got)
	}
}

// TestPatternsCompile compiles every pattern the repository gives
// lazyre.New as a string literal (or a sum of them), so a bad pattern
// fails here rather than at its first use in a rare code path.
func TestPatternsCompile(t *testing.T) {
	root := filepath.Join("..", "..")
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(nd ast.Node) bool {
			call, ok := nd.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, isIdent := sel.X.(*ast.Ident); !isIdent || x.Name != "lazyre" || sel.Sel.Name != "New" {
				return true
			}
			expr, ok := literal(call.Args[0])
			if !ok {
				return true // built at run time; its package's tests use it
			}
			n++
			if _, err := regexp.Compile(expr); err != nil {
				t.Errorf("%s: %v", p, err)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 80 {
		t.Errorf("found %d patterns, want the ~90 of printed, people, dedup and message", n)
	}
}

// literal evaluates a string literal or a + of them.
func literal(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		a, ok1 := literal(e.X)
		b, ok2 := literal(e.Y)
		return a + b, ok1 && ok2
	case *ast.ParenExpr:
		return literal(e.X)
	}
	return "", false
}
