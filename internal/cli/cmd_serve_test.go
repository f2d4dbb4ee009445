package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/casedir"
)

// newServeCase creates an empty case and returns its folder.
func newServeCase(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "case")
	c, err := casedir.Init(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	return dir
}

func TestServeRefusesBadAddresses(t *testing.T) {
	dir := newServeCase(t)
	cases := []struct {
		addr string
		code int
		want string
	}{
		{"0.0.0.0:0", ExitUsage, "reachable from other computers"},
		{":8080", ExitUsage, "every network interface"},
		{"192.0.2.10:8080", ExitUsage, "--allow-remote"},
		{"[::]:0", ExitUsage, "--allow-remote"},
		{"nonsense", ExitUsage, "write host:port"},
		{"127.0.0.1:http-alt-nope", ExitError, "cannot listen"},
	}
	for _, tc := range cases {
		var out, errb bytes.Buffer
		code := Main([]string{"serve", "--case", dir, "--addr", tc.addr}, strings.NewReader(""), &out, &errb)
		if code != tc.code || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("--addr %s: exit %d, stderr %q; want exit %d with %q", tc.addr, code, errb.String(), tc.code, tc.want)
		}
		if out.Len() != 0 {
			t.Errorf("--addr %s: stdout %q", tc.addr, out.String())
		}
	}
	var out, errb bytes.Buffer
	if code := Main([]string{"serve", "--case", filepath.Join(t.TempDir(), "none")}, strings.NewReader(""), &out, &errb); code != ExitNotFound {
		t.Errorf("missing case: exit %d, %s", code, errb.String())
	}
}

// runServe starts `serve` in the background and returns its URL and a
// function that stops it and returns its error.
func runServe(t *testing.T, e *env, o serveOptions) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- e.serve(ctx, o, func(u string) { ready <- u }) }()
	select {
	case u := <-ready:
		return u, func() error { cancel(); return <-done }
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	return "", nil
}

func TestServeLoopback(t *testing.T) {
	dir := newServeCase(t)
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, caseDir: dir}
	u, stop := runServe(t, e, serveOptions{Addr: "127.0.0.1:0"})
	if !strings.HasPrefix(u, "http://127.0.0.1:") || !strings.Contains(out.String(), "serving "+dir+" at "+u) {
		t.Errorf("url %q, stdout %q", u, out.String())
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<strong id=\"total\">0</strong>") {
		t.Errorf("GET /: %d %.300s", resp.StatusCode, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	// A page from another site resolving its own name to 127.0.0.1 (DNS
	// rebinding) is refused.
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Host = "attacker.example:80"
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("foreign Host: %d", resp.StatusCode)
	}
	// A cross-site POST is refused.
	resp, err = http.Post(u+"m/0000000000000000/tags", "application/x-www-form-urlencoded", strings.NewReader("tag=x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST without token: %d", resp.StatusCode)
	}
	if err := stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	if _, err := http.Get(u); err == nil {
		t.Error("server still answers after stop")
	}
	if strings.Contains(errb.String(), "WARNING") {
		t.Errorf("loopback warned: %s", errb.String())
	}
}

func TestServeJSONAndLocalhost(t *testing.T) {
	dir := newServeCase(t)
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, caseDir: dir, jsonOut: true}
	u, stop := runServe(t, e, serveOptions{Addr: "localhost:0"})
	defer stop()
	var v struct{ URL, Addr, Case string }
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatalf("JSON %q: %v", out.String(), err)
	}
	if v.URL != u || !strings.HasPrefix(u, "http://localhost:") || v.Case != dir || v.Addr == "" {
		t.Errorf("JSON %+v, url %s", v, u)
	}
	resp, err := http.Get(u) // Host: localhost:PORT is accepted
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET via localhost: %d", resp.StatusCode)
	}
}

func TestServeAllowRemoteWarns(t *testing.T) {
	dir := newServeCase(t)
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, caseDir: dir}
	u, stop := runServe(t, e, serveOptions{Addr: "0.0.0.0:0", AllowRemote: true})
	defer stop()
	if !strings.Contains(errb.String(), "WARNING") || !strings.Contains(errb.String(), "no login") {
		t.Errorf("no warning: %q", errb.String())
	}
	port := u[strings.LastIndex(u, ":")+1:]
	resp, err := http.Get("http://127.0.0.1:" + port)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET: %d", resp.StatusCode)
	}
}
