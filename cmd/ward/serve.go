package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/wardhq/ward/internal/server"
)

// runServe runs the IAM and STS endpoint until SIGTERM or SIGINT.
func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ward serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	data := fs.String("data", "", "data folder: database, sealing key, root credentials, decision log (default $XDG_DATA_HOME/ward or ~/.local/share/ward)")
	account := fs.String("account", "000000000000", "the account a new data folder starts with")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	pg := fs.String("postgres", "", "URL of a PostgreSQL database shared by several ward nodes, instead of DIR/ward.db")
	maxConns := fs.Int("max-conns", server.DefaultLimits.MaxConns, "connections served at once; more wait in the listen queue (0: no limit)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: ward serve [--addr HOST:PORT] [--data DIR] [--account ID] [--log-level LEVEL] [--postgres URL]
                 [--max-conns N]

Serves an AWS-compatible IAM and STS endpoint: point the AWS CLI or an SDK at
it with --endpoint-url. Every call is authorized by ward's engine. The data
folder is DIR, or $XDG_DATA_HOME/ward (~/.local/share/ward) without --data;
one ward serve at a time may use it. A new data folder gets one account and
its root credentials, written to DIR/credentials (profile "ward");
WARD_ROOT_ACCESS_KEY_ID and WARD_ROOT_SECRET_ACCESS_KEY set them instead.
With --postgres, several nodes share one database; give them the same
DIR/secret.key, which seals the access keys' secrets.

A client has 10s to send a request's headers, 30s for the whole request and
60s for the answer; an idle connection is closed after 60s, and at most
--max-conns connections are served at once.

Flags:
`)
		fs.PrintDefaults()
	}
	args, code, ok := parseOrExit(fs, args)
	if !ok {
		return code
	}
	if len(args) > 0 {
		fmt.Fprintf(stderr, "%s: unexpected argument %q (it takes flags only)\n", "ward serve", args[0])
		return exitInvalid
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "ward serve: --log-level: %v\n", err)
		return exitInvalid
	}
	if !accountID.MatchString(*account) {
		fmt.Fprintf(stderr, "ward serve: --account: %q is not a 12-digit account ID\n", *account)
		return exitInvalid
	}
	if pgGiven := flagGiven(fs, "postgres"); pgGiven && *pg == "" {
		fmt.Fprintf(stderr, "ward serve: --postgres: the URL is empty (leave the flag out for DIR/ward.db)\n")
		return exitInvalid
	}
	if *maxConns < 0 {
		fmt.Fprintf(stderr, "ward serve: --max-conns: %d is negative (0 for no limit)\n", *maxConns)
		return exitInvalid
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	limits := server.DefaultLimits
	var lowered bool
	if limits.MaxConns, lowered = server.ConnLimit(*maxConns); lowered {
		logger.Warn("--max-conns lowered to fit the open file limit", "asked", *maxConns, "limit", limits.MaxConns)
	}
	if *data == "" {
		d, err := server.DefaultDataDir()
		if err != nil {
			fmt.Fprintf(stderr, "ward serve: %v\n", err)
			return exitInvalid
		}
		*data = d
	}
	srv, err := server.Open(server.Config{DataDir: *data, Account: *account,
		RootKeyID: os.Getenv("WARD_ROOT_ACCESS_KEY_ID"), RootSecret: os.Getenv("WARD_ROOT_SECRET_ACCESS_KEY"), Postgres: *pg})
	if err != nil {
		fmt.Fprintf(stderr, "ward serve: %v\n", err)
		return exitInvalid
	}
	defer srv.Close()
	// Expired sessions leave the store every ten minutes; they are
	// refused whether or not they have been purged.
	stopPurge := srv.Service.PurgeEvery(10*time.Minute, func(err error) { logger.Error("purging expired sessions", "err", err) })
	defer stopPurge()
	// Catch SIGTERM before announcing the address, so a supervisor that
	// stops ward right after it starts gets a clean shutdown.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "ward serve: %v\n", err)
		return exitInvalid
	}
	fmt.Fprintf(stdout, "ward serve: listening on http://%s\n", ln.Addr())
	dir := *data
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	fmt.Fprintf(stdout, "  data folder:      %s\n", dir)
	if *pg != "" {
		fmt.Fprintf(stdout, "  database:         PostgreSQL (shared)\n")
	}
	if _, err := os.Stat(srv.CredentialsFile); err != nil {
		fmt.Fprintf(stdout, "  root credentials: in the data folder of the node that created the account\n")
	} else {
		fmt.Fprintf(stdout, "  root credentials: %s (profile ward)\n", srv.CredentialsFile)
	}
	fmt.Fprintf(stdout, "  try: AWS_SHARED_CREDENTIALS_FILE=%s aws --profile ward --endpoint-url http://%s sts get-caller-identity\n", srv.CredentialsFile, ln.Addr())
	if f, ok := stdout.(*os.File); ok {
		f.Sync()
	}

	httpSrv := server.HTTPServer(logRequests(logger, srv.Handler()), limits)
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(server.LimitListener(ln, limits.MaxConns)) }()
	select {
	case err := <-errc:
		fmt.Fprintf(stderr, "ward serve: %v\n", err)
		return exitInvalid
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdown); err != nil {
		fmt.Fprintf(stderr, "ward serve: shutdown: %v\n", err)
		return exitInvalid
	}
	return exitOK
}

func logRequests(l *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h.ServeHTTP(w, r)
		l.Debug("request", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr, "took", time.Since(start))
	})
}
