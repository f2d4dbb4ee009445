package cli

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

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
}

func cmdServe(e *env) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Open the case in a local web workspace (search, reader, threads, tags and notes)",
		Long: `serve starts a web server for the case and prints its URL. Open it in a
browser: search with facets, read messages with their provenance and
their original HTML (sanitised and sandboxed: no script runs, nothing is
loaded from the network), browse threads, tag messages and take notes.

The server listens on the loopback interface only (` + DefaultServeAddr + ` by
default), so only this computer can reach it. There is no login: an
address reachable from other machines is refused unless --allow-remote
is given. Stop the server with Ctrl-C.

Examples:
  casefile serve --case harbor.case
  casefile serve --case harbor.case --addr 127.0.0.1:0     # any free port`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.serve(cmd.Context(), o, nil)
		},
	}
	cmd.Flags().StringVar(&o.Addr, "addr", DefaultServeAddr, "host:port to listen on (port 0 picks a free port)")
	cmd.Flags().BoolVar(&o.AllowRemote, "allow-remote", false, "allow listening on a non-loopback address (anyone who can reach it can read the case)")
	cmd.Flags().BoolVar(&e.jsonOut, "json", false, `print {"url", "addr", "case"} as JSON once listening`)
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
	remote := !isLoopback(host)
	if remote && !o.AllowRemote {
		shown := host
		if shown == "" {
			shown = "every network interface"
		}
		return usage("--addr %s would listen on %s, reachable from other computers, and the workspace has no login: "+
			"use a loopback address such as %s, or add --allow-remote if that is really what you want", o.Addr, shown, DefaultServeAddr)
	}
	c, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("serve: cannot listen on %s: %w (is another program using the port? try --addr 127.0.0.1:0 for any free port)", o.Addr, err)
	}
	bound := ln.Addr().String()
	srv, err := web.New(web.Options{Case: c, Addr: bound, AllowRemote: o.AllowRemote, Logger: log.New(e.stderr, "", log.LstdFlags)})
	if err != nil {
		ln.Close()
		return err
	}
	defer srv.Close()
	shown := bound
	if strings.EqualFold(host, "localhost") {
		_, port, _ := net.SplitHostPort(bound)
		shown = net.JoinHostPort("localhost", port)
	}
	url := "http://" + shown + "/"
	if remote {
		fmt.Fprintf(e.stderr, "casefile: WARNING: listening on %s, which other computers may reach; there is no login, "+
			"so anyone who can connect can read, tag and annotate this case\n", bound)
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(e.stderr, "casefile serve: ", 0),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if e.jsonOut {
		if err := writeJSON(e.stdout, map[string]any{"url": url, "addr": bound, "case": e.caseDir}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stdout, "serving %s at %s\n", e.caseDir, url)
		fmt.Fprintln(e.stderr, "open the URL in a browser; press Ctrl-C to stop")
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
