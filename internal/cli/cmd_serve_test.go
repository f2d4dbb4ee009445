package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/casefile/casefile/internal/casedir"
	"github.com/casefile/casefile/internal/mask"
	"github.com/casefile/casefile/internal/pgtest"
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

func TestServeMasksLocally(t *testing.T) {
	dir := newServeCase(t)
	c, err := casedir.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := mask.Add(context.Background(), c.Store, "Mara Lefkowitz", "tester", ""); err != nil {
		t.Fatal(err)
	}
	c.Close()
	for _, tc := range []struct {
		unmask bool
		want   string
	}{{false, "1 protected name is masked"}, {true, "Protected names shown."}} {
		var out, errb bytes.Buffer
		e := &env{stdout: &out, stderr: &errb, caseDir: dir, unmask: tc.unmask}
		u, stop := runServe(t, e, serveOptions{Addr: "127.0.0.1:0"})
		body := httpGet(t, http.DefaultClient, u)
		if !strings.Contains(body, tc.want) {
			t.Errorf("--unmask=%v: page lacks %q", tc.unmask, tc.want)
		}
		if err := stop(); err != nil {
			t.Error(err)
		}
	}
}

func TestServeFlagErrors(t *testing.T) {
	dir := newServeCase(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--tls-cert", "x.pem"}, "go together"},
		{[]string{"--tls-cert", "nope.pem", "--tls-key", "nope.key"}, "cannot load the TLS certificate"},
		{[]string{"--trusted-proxy", "127.0.0.1"}, "for the team server"},
		{[]string{"--db", "postgres://nobody@127.0.0.1:1/x", "--unmask"}, "does not apply to the team server"},
		{[]string{"--db", "postgres://nobody@127.0.0.1:1/x", "--trusted-proxy", "proxy.example"}, "neither an address nor a CIDR"},
	} {
		var out, errb bytes.Buffer
		args := append([]string{"serve", "--case", dir, "--addr", "127.0.0.1:0"}, tc.args...)
		if code := Main(args, strings.NewReader(""), &out, &errb); code != ExitUsage || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, %q; want %d with %q", tc.args, code, errb.String(), ExitUsage, tc.want)
		}
	}
}

// TestServeTeam starts the team server against the test PostgreSQL
// server: logins are required, a non-loopback address is allowed with a
// warning about TLS, and --tls-cert serves HTTPS.
func TestServeTeam(t *testing.T) {
	db := pgtest.Pool(t)
	schema := pgtest.Schema(t, db, "serve")
	certFile, keyFile := selfSignedCert(t)
	for _, tc := range []struct {
		name     string
		o        serveOptions
		scheme   string
		warnings bool
	}{
		{"loopback", serveOptions{Addr: "127.0.0.1:0", TrustedProxies: []string{"127.0.0.1", "10.0.0.0/8"}}, "http", false},
		{"remote without TLS", serveOptions{Addr: "0.0.0.0:0"}, "http", true},
		{"TLS", serveOptions{Addr: "127.0.0.1:0", TLSCert: certFile, TLSKey: keyFile}, "https", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			e := &env{stdout: &out, stderr: &errb, db: pgtest.DSN(), dataDir: t.TempDir(), caseDir: "ignored"}
			tc.o.team = teamFlags{e: e, schema: schema}
			u, stop := runServe(t, e, tc.o)
			defer stop()
			if !strings.HasPrefix(u, tc.scheme+"://") || !strings.Contains(out.String(), "serving the cases of 127.0.0.1:5432/test at "+u) {
				t.Errorf("url %q, stdout %q", u, out.String())
			}
			if got := strings.Contains(errb.String(), "without TLS"); got != tc.warnings {
				t.Errorf("TLS warning %v: %q", got, errb.String())
			}
			if tc.warnings {
				u = "http://127.0.0.1:" + u[strings.LastIndex(u, ":")+1:]
			}
			client := &http.Client{
				Transport:     &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			}
			resp, err := client.Get(u + "c/harbor/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("case without login: %d", resp.StatusCode)
			}
			if body := httpGet(t, client, u+"login"); !strings.Contains(body, `<form class="login" method="post" action="/login">`) {
				t.Errorf("login page: %.300s", body)
			}
		})
	}
}

func httpGet(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// selfSignedCert writes a certificate for 127.0.0.1 and its key.
func selfSignedCert(t *testing.T) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "casefile test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, keyFile
}
