package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/chatq/chatq/sandbox"
)

type sandboxFlags struct {
	addr    string
	cfg     sandbox.Config
	faults  []string
	tls     bool
	certOut string
	http2   bool
}

func newSandboxCmd(env Env) *cobra.Command {
	var f sandboxFlags
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Run the sandbox Agora Chat provider (real HTTP, documented errors, fault injection)",
		Long: `Run the sandbox Agora Chat provider on --addr. It keeps users, groups and
messages in memory, answers with the provider's documented error bodies, and
takes faults from --fault flags or POST /_sandbox/faults.`,
		Example: `  chatq sandbox --addr 127.0.0.1:8081 --rate 100 \
    --fault endpoint=send_message,status=503,times=3`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSandbox(cmd.Context(), env, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8081", "listen address")
	fl.StringVar(&f.cfg.OrgName, "org", "org", "organisation name in paths")
	fl.StringVar(&f.cfg.AppName, "app", "app", "application name in paths")
	fl.StringVar(&f.cfg.ClientID, "client-id", "sandbox-client-id", "accepted client_id")
	fl.StringVar(&f.cfg.ClientSecret, "client-secret", "sandbox-client-secret", "accepted client_secret")
	fl.StringVar(&f.cfg.AppID, "app-id", "", "App ID whose AccessToken2 app tokens are accepted (32 hex characters)")
	fl.StringVar(&f.cfg.AppCertificate, "app-certificate", "", "App Certificate that signs those tokens (32 hex characters)")
	fl.DurationVar(&f.cfg.TokenTTL, "token-ttl", time.Hour, "lifetime of issued tokens")
	fl.Float64Var(&f.cfg.RateLimit, "rate", 0, "calls per second before 429 reach_limit (0: unlimited)")
	fl.IntVar(&f.cfg.RateBurst, "burst", 0, "token-bucket size of --rate (default: one second's worth; 1 is the strictest)")
	fl.BoolVar(&f.tls, "tls", false, "serve HTTPS with a new self-signed certificate (written to --tls-cert-out)")
	fl.StringVar(&f.certOut, "tls-cert-out", "sandbox-cert.pem", "with --tls: where to write the certificate for CHATQ_API_CA_FILE")
	fl.BoolVar(&f.http2, "http2", true, "with --tls: offer HTTP/2 (false: HTTP/1.1 only, like a provider without it)")
	fl.StringVar(&f.cfg.Dialect, "dialect", sandbox.DialectAgora, "provider to play, as strict as it is: agora or easemob")
	fl.IntVar(&f.cfg.MaxMessageBytes, "max-message-bytes", 5120, "body+ext bytes before 400 message is too large")
	fl.DurationVar(&f.cfg.RecallWindow, "recall-window", 2*time.Minute, "how long after a send a recall without force is accepted")
	fl.StringArrayVar(&f.faults, "fault", nil, "fault spec, repeatable: endpoint=send_message,status=503,times=3")
	return cmd
}

func runSandbox(ctx context.Context, env Env, f sandboxFlags) error {
	if !sandbox.ValidDialect(f.cfg.Dialect) {
		return usagef("--dialect %q: must be one of %s", f.cfg.Dialect, strings.Join(sandbox.Dialects, ", "))
	}
	f.cfg.Logger = slog.New(slog.NewTextHandler(env.Stderr, nil))
	srv := sandbox.New(f.cfg)
	for _, spec := range f.faults {
		fault, err := sandbox.ParseFault(spec)
		if err != nil {
			return usagef("--fault %q: %w", spec, err)
		}
		srv.AddFault(fault)
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("sandbox: listen on --addr %s: %w", f.addr, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	scheme := "http"
	if f.tls {
		if ln, err = sandboxTLS(hs, ln, f); err != nil {
			return err
		}
		scheme = "https"
		fmt.Fprintf(env.Stdout, "certificate in %s (CHATQ_API_CA_FILE=%s)\n", f.certOut, f.certOut)
	}
	fmt.Fprintf(env.Stdout, "sandbox provider on %s://%s (app key %s#%s, %s dialect)\n", scheme, ln.Addr(), f.cfg.OrgName, f.cfg.AppName, f.cfg.Dialect)
	return serveUntilDone(ctx, hs, ln)
}

// sandboxTLS makes a self-signed certificate for the listen address,
// writes it to --tls-cert-out and wraps ln in TLS (HTTP/2 offered unless
// --http2=false).
func sandboxTLS(hs *http.Server, ln net.Listener, f sandboxFlags) (net.Listener, error) {
	host, _, _ := net.SplitHostPort(f.addr)
	cert, pemBytes, err := sandbox.SelfSignedCert([]string{host, "localhost", "127.0.0.1", "::1"}, 30*24*time.Hour)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(f.certOut, pemBytes, 0o644); err != nil {
		return nil, usagef("--tls-cert-out: %w", err)
	}
	protos := []string{"h2", "http/1.1"}
	if !f.http2 {
		protos = []string{"http/1.1"}
		hs.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
	}
	return tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: protos,
		MinVersion: tls.VersionTLS12}), nil
}

// serveUntilDone serves on ln until ctx is done, then shuts down gracefully.
func serveUntilDone(ctx context.Context, hs *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		// Connections still open after the grace period (a client that
		// dialled but never sent a request stays "new" for 5s) are cut:
		// a server asked to stop stops.
		if !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		_ = hs.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
