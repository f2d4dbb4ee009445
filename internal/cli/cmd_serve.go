package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"

	"github.com/casefile/casefile/internal/web"
)

// DefaultServeAddr is where `casefile serve` listens unless --addr says
// otherwise: loopback only.
const DefaultServeAddr = "127.0.0.1:8080"

// serveOptions are the flags of `casefile serve`.
type serveOptions struct {
	Addr        string
	AllowRemote bool
	// TLSCert and TLSKey serve HTTPS (PEM files).
	TLSCert, TLSKey string
	// TrustedProxies are reverse proxies (CIDR or address) whose
	// X-Forwarded-For is believed (team server).
	TrustedProxies []string
	// ResultCache is web.Options.ResultCache (--result-cache).
	ResultCache int
	team        teamFlags
}

func cmdServe(e *env) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Open the case in a web workspace (search, reader, threads, people, tags and notes); with --db, a team server for every case",
		Long: `serve starts a web server and prints its URL. Open it in a browser: search
with facets, read messages with their provenance and their original HTML
(sanitised and sandboxed: no script runs, nothing is loaded from the
network), browse threads and people, tag messages and take notes.
Protected names (casefile protect) are masked on every page until you
choose to show them.

Local mode (a case folder): the server listens on the loopback interface
only (` + DefaultServeAddr + ` by default), so only this computer can reach
it. There is no login: an address reachable from other machines is
refused unless --allow-remote is given.

Team mode (--db): the server hosts every case on the PostgreSQL server
under /c/NAME/. Users log in (accounts: casefile user add); each sees
only the cases they hold a role on, readers cannot change anything,
and searches, opened messages, exports, edits and unmasking are written
to the audit log. Any address may be used; without --tls-cert, put it
behind a TLS-terminating reverse proxy (the session cookie is Secure:
browsers send it only over HTTPS, or to localhost).

Stop the server with Ctrl-C.

Examples:
  casefile serve --case harbor.case
  casefile serve --case harbor.case --addr 127.0.0.1:0     # any free port
  casefile serve --db postgres://casefile@db.example/casefile --addr 127.0.0.1:8080 --trusted-proxy 127.0.0.1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.serve(cmd.Context(), o, nil)
		},
	}
	cmd.Flags().StringVar(&o.Addr, "addr", DefaultServeAddr, "host:port to listen on (port 0 picks a free port)")
	cmd.Flags().BoolVar(&o.AllowRemote, "allow-remote", false, "local mode: allow listening on a non-loopback address (anyone who can reach it can read the case)")
	cmd.Flags().StringVar(&o.TLSCert, "tls-cert", "", "serve HTTPS with this certificate (PEM; with --tls-key)")
	cmd.Flags().StringVar(&o.TLSKey, "tls-key", "", "the certificate's private key (PEM)")
	cmd.Flags().StringSliceVar(&o.TrustedProxies, "trusted-proxy", nil, "team mode: address or CIDR of a reverse proxy whose X-Forwarded-For names the client (repeatable)")
	cmd.Flags().IntVar(&o.ResultCache, "result-cache", web.DefaultResultCache, "search pages and counts kept per case while it is unchanged (0 keeps none)")
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, `print {"url", "addr", "case"} (team mode: {"url", "addr", "mode"}) as JSON once listening`)
	o.team.add(e, cmd)
	return cmd
}

// isLoopback reports whether host (from host:port) only reaches this
// computer.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serve runs the web server until ctx is cancelled (Ctrl-C). ready, when
// set (tests), is called with the URL once the server accepts requests.
func (e *env) serve(ctx context.Context, o serveOptions, ready func(url string)) error {
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return usage("--addr %q: %v (write host:port, e.g. %s)", o.Addr, err, DefaultServeAddr)
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return usage("--tls-cert and --tls-key go together: give both PEM files, or neither")
	}
	var certs []tls.Certificate
	if o.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(o.TLSCert, o.TLSKey)
		if err != nil {
			return usage("cannot load the TLS certificate: %v (give PEM files: --tls-cert CERT.pem --tls-key KEY.pem)", err)
		}
		certs = []tls.Certificate{cert}
	}
	remote := !isLoopback(host)
	if e.db != "" {
		return e.serveTeam(ctx, o, host, remote, certs, ready)
	}
	if remote && !o.AllowRemote {
		shown := host
		if shown == "" {
			shown = "every network interface"
		}
		return usage("--addr %s would listen on %s, reachable from other computers, and the workspace has no login: "+
			"use a loopback address such as %s, or add --allow-remote if that is really what you want", o.Addr, shown, DefaultServeAddr)
	}
	if len(o.TrustedProxies) > 0 {
		return usage("--trusted-proxy is for the team server (--db): the local workspace has no accounts or audit log")
	}
	c, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	ln, err := listen(o.Addr)
	if err != nil {
		return err
	}
	bound := ln.Addr().String()
	srv, err := web.New(web.Options{Case: c, Addr: bound, AllowRemote: o.AllowRemote, Logger: log.New(e.stderr, "", log.LstdFlags),
		MaskPII: e.maskPII, Unmasked: e.unmask, ResultCache: resultCacheOption(o.ResultCache)})
	if err != nil {
		ln.Close()
		return err
	}
	defer srv.Close()
	url := serveURL(host, bound, certs != nil)
	if remote {
		fmt.Fprintf(e.stderr, "casefile: WARNING: listening on %s, which other computers may reach; there is no login, "+
			"so anyone who can connect can read, tag and annotate this case\n", bound)
	}
	announce := func() error {
		if e.jsonOut {
			return writeJSON(e.stdout, map[string]any{"url": url, "addr": bound, "case": e.caseDir})
		}
		fmt.Fprintf(e.stdout, "serving %s at %s\n", e.caseDir, url)
		fmt.Fprintln(e.stderr, "open the URL in a browser; press Ctrl-C to stop")
		return nil
	}
	return e.run(ctx, ln, srv, certs, url, announce, ready)
}

// serveTeam runs the team server: every case on the PostgreSQL server,
// behind logins.
func (e *env) serveTeam(ctx context.Context, o serveOptions, host string, remote bool, certs []tls.Certificate, ready func(string)) error {
	if e.unmask {
		return usage("--unmask does not apply to the team server: owners and editors show protected names from the page (it is recorded in the audit log)")
	}
	var proxies []netip.Prefix
	for _, p := range o.TrustedProxies {
		pf, err := parseProxy(p)
		if err != nil {
			return err
		}
		proxies = append(proxies, pf)
	}
	tc, err := o.team.open(ctx)
	if err != nil {
		return err
	}
	defer tc.Close()
	ln, err := listen(o.Addr)
	if err != nil {
		return err
	}
	bound := ln.Addr().String()
	hub, err := web.NewHub(web.HubOptions{DSN: e.db, DataDir: e.dataDir, Team: tc.svc, Addr: bound, TrustedProxies: proxies,
		MaskPII: e.maskPII, ResultCache: resultCacheOption(o.ResultCache), Logger: log.New(e.stderr, "", log.LstdFlags)})
	if err != nil {
		ln.Close()
		return err
	}
	defer hub.Close()
	url := serveURL(host, bound, certs != nil)
	if remote && certs == nil {
		fmt.Fprintf(e.stderr, "casefile: WARNING: listening on %s without TLS. The login cookie is Secure, so browsers send it only "+
			"over HTTPS, and passwords must not cross a network in clear: put casefile behind a TLS-terminating reverse proxy "+
			"(see docs/server.md; pass --trusted-proxy with its address) or give --tls-cert and --tls-key\n", bound)
	}
	announce := func() error {
		if e.jsonOut {
			return writeJSON(e.stdout, map[string]any{"url": url, "addr": bound, "mode": "team"})
		}
		fmt.Fprintf(e.stdout, "serving the cases of %s at %s\n", dbWhere(e.db), url)
		fmt.Fprintln(e.stderr, "users log in with their casefile account (casefile user add); press Ctrl-C to stop")
		return nil
	}
	return e.run(ctx, ln, hub, certs, url, announce, ready)
}

// listen opens the listening socket.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("serve: cannot listen on %s: %w (is another program using the port? try --addr 127.0.0.1:0 for any free port)", addr, err)
	}
	return ln, nil
}

// serveURL is the URL printed for a server bound at bound (host as
// given: "localhost" stays localhost).
func serveURL(host, bound string, https bool) string {
	shown := bound
	if strings.EqualFold(host, "localhost") {
		_, port, _ := net.SplitHostPort(bound)
		shown = net.JoinHostPort("localhost", port)
	}
	if https {
		return "https://" + shown + "/"
	}
	return "http://" + shown + "/"
}

// parseProxy reads a --trusted-proxy value: a CIDR or a single address.
func parseProxy(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, usage("--trusted-proxy %q is neither an address nor a CIDR (e.g. 127.0.0.1 or 10.0.0.0/8)", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// dbWhere names a database without credentials: host:port/db.
func dbWhere(dsn string) string {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return "the database"
	}
	return fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
}

// run serves h on ln (over TLS with certs) until ctx ends, announcing
// the server once it accepts connections (and telling ready its url).
func (e *env) run(ctx context.Context, ln net.Listener, h http.Handler, certs []tls.Certificate, url string, announce func() error, ready func(string)) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(e.stderr, "casefile serve: ", 0),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	if certs != nil {
		hs.TLSConfig = &tls.Config{Certificates: certs, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, hs.TLSConfig)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if err := announce(); err != nil {
		_ = hs.Close()
		return err
	}
	if ready != nil {
		ready(url)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("serve: shutting down: %w", err)
	}
	return nil
}

// resultCacheOption maps --result-cache (0: none) to
// web.Options.ResultCache (0: the default, negative: none).
func resultCacheOption(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}
