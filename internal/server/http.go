package server

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Limits bound what one client can hold of the server. Without them a
// client that sends its body one byte at a time, or keeps a connection
// open and idle, holds a goroutine and a file descriptor for as long as
// it likes, and enough such clients exhaust the process's descriptors
// before any of them has to sign a request.
type Limits struct {
	// ReadHeaderTimeout bounds the reading of a request's headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the reading of a whole request, body included.
	ReadTimeout time.Duration
	// WriteTimeout bounds the time from the end of the headers to the
	// end of the response: the handler's work and the writing.
	WriteTimeout time.Duration
	// IdleTimeout bounds how long a keep-alive connection waits for its
	// next request.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers.
	MaxHeaderBytes int
	// MaxConns bounds the connections served at once; the next waits in
	// the listen queue until one closes. 0 leaves them unbounded (only
	// LimitListener applies it).
	MaxConns int
}

// DefaultLimits are generous for the Query API, whose requests are small
// (a policy document is at most a few KiB) and whose slowest answers
// (GetAccountAuthorizationDetails, batch /v1/authorize) take well under a
// second, and tight enough that a connection cannot be held for long.
var DefaultLimits = Limits{
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       30 * time.Second,
	WriteTimeout:      60 * time.Second,
	IdleTimeout:       60 * time.Second,
	MaxHeaderBytes:    64 << 10,
	MaxConns:          4096,
}

// withDefaults fills the zero fields of l from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.ReadHeaderTimeout == 0 {
		l.ReadHeaderTimeout = d.ReadHeaderTimeout
	}
	if l.ReadTimeout == 0 {
		l.ReadTimeout = d.ReadTimeout
	}
	if l.WriteTimeout == 0 {
		l.WriteTimeout = d.WriteTimeout
	}
	if l.IdleTimeout == 0 {
		l.IdleTimeout = d.IdleTimeout
	}
	if l.MaxHeaderBytes == 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	return l
}

// HTTPServer is the *http.Server that serves h under the limits; zero
// fields of l take DefaultLimits'. Serve it on LimitListener(ln,
// l.MaxConns) to bound the connections too.
func HTTPServer(h http.Handler, l Limits) *http.Server {
	l = l.withDefaults()
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
}

// LimitListener returns a listener that has at most n accepted
// connections open at once: Accept waits until one of them closes, so
// the others wait in the kernel's listen queue, holding no descriptor of
// the process. n <= 0 returns ln itself.
func LimitListener(ln net.Listener, n int) net.Listener {
	if n <= 0 {
		return ln
	}
	return &limitListener{Listener: ln, slots: make(chan struct{}, n), done: make(chan struct{})}
}

type limitListener struct {
	net.Listener
	slots     chan struct{} // one token per open connection
	done      chan struct{} // closed by Close, to end a waiting Accept
	closeOnce sync.Once
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		// Closed: the underlying Accept returns the error http.Server
		// expects of a closed listener.
		return l.Listener.Accept()
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.slots }}, nil
}

func (l *limitListener) Close() error {
	err := l.Listener.Close()
	l.closeOnce.Do(func() { close(l.done) })
	return err
}

// limitConn gives its slot back once, however often it is closed.
type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// fdReserve is the descriptors kept for what is not a client connection:
// the database and its WAL, the decision log, the listener, PostgreSQL's
// connections.
const fdReserve = 64

// ConnLimit is the connection limit to use when n is asked for: n, or
// less when the process may not open n descriptors besides its own, since
// a limit past the descriptor limit would not keep ward from running out
// of them. The second result says whether n was lowered.
func ConnLimit(n int) (int, bool) {
	max := openFileLimit()
	if n <= 0 || max == 0 || max > uint64(n)+fdReserve {
		return n, false
	}
	if max <= 2*fdReserve {
		return int(max / 2), true
	}
	return int(max - fdReserve), true
}
