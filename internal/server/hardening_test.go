package server_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardhq/ward/internal/server"
)

// serveLimited serves h (the data folder's handler when nil) on a
// loopback port under the limits, as ward serve does, and returns the
// address.
func serveLimited(t *testing.T, h http.Handler, l server.Limits) string {
	t.Helper()
	if h == nil {
		srv, err := server.Open(server.Config{DataDir: t.TempDir(), Account: "123456789012"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		h = srv.Handler()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := server.HTTPServer(h, l)
	done := make(chan error, 1)
	go func() { done <- hs.Serve(server.LimitListener(ln, l.MaxConns)) }()
	t.Cleanup(func() {
		hs.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return after Close")
		}
	})
	return ln.Addr().String()
}

// closedBy reports whether the server closes c before the deadline: a
// read returns EOF or an error other than our own timeout.
func closedBy(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return true
}

// TestSlowBodyIsCutOff: a client that sends a request's headers and then
// its body one byte at a time, with no credentials, is disconnected once
// the read timeout passes rather than held for as long as it trickles.
func TestSlowBodyIsCutOff(t *testing.T) {
	addr := serveLimited(t, nil, server.Limits{ReadTimeout: time.Second, WriteTimeout: time.Second})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "POST / HTTP/1.1\r\nHost: ward\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := c.Write([]byte("a")); err != nil {
				return
			}
		}
	}()
	if !closedBy(c, 15*time.Second) {
		t.Fatal("a connection trickling its body was still open after 15s with a 1s read timeout")
	}
}

// TestIdleConnectionIsClosed: a keep-alive connection left idle after a
// request is closed by the server.
func TestIdleConnectionIsClosed(t *testing.T) {
	addr := serveLimited(t, nil, server.Limits{IdleTimeout: time.Second})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	getHealthz(t, c)
	if !closedBy(c, 15*time.Second) {
		t.Fatal("an idle keep-alive connection was still open after 15s with a 1s idle timeout")
	}
}

// getHealthz sends GET /healthz on c, keeping the connection alive, and
// reads the answer.
func getHealthz(t *testing.T, c net.Conn) {
	t.Helper()
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: ward\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	c.SetReadDeadline(time.Time{})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: %s", resp.Status)
	}
}

// TestConnectionsBeyondTheLimitWait: with room for two connections, two
// idle keep-alive connections leave a third client unanswered until one
// of them closes.
func TestConnectionsBeyondTheLimitWait(t *testing.T) {
	addr := serveLimited(t, nil, server.Limits{MaxConns: 2, IdleTimeout: time.Minute})
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		getHealthz(t, c) // served: the connection has its slot
		held = append(held, c)
	}
	answered := make(chan error, 1)
	go func() {
		client := &http.Client{Transport: &http.Transport{}, Timeout: 30 * time.Second}
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		answered <- err
	}()
	select {
	case err := <-answered:
		t.Fatalf("a third connection was served while two held the limit of two (err %v)", err)
	case <-time.After(500 * time.Millisecond):
	}
	held[0].Close()
	select {
	case err := <-answered:
		if err != nil {
			t.Fatalf("the waiting client, once a slot was free: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the waiting client was not served after a connection closed")
	}
}

// TestLimitListenerBoundsConcurrency: of eight requests at once, no more
// than the limit are in the handler together, all are answered in the
// end, and closing the listener ends an Accept waiting for a slot.
func TestLimitListenerBoundsConcurrency(t *testing.T) {
	const limit, clients = 3, 8
	var active, most atomic.Int32
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := active.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		<-release
		active.Add(-1)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := server.HTTPServer(h, server.Limits{})
	served := make(chan error, 1)
	go func() { served <- hs.Serve(server.LimitListener(ln, limit)) }()
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// One connection each: the limit is on connections.
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
			resp, err := client.Get("http://" + ln.Addr().String() + "/")
			if err == nil {
				resp.Body.Close()
			}
			errs <- err
		}()
	}
	deadline := time.Now().Add(15 * time.Second)
	for active.Load() < limit {
		if time.Now().After(deadline) {
			t.Fatalf("only %d requests reached the handler", active.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // room for a fourth to get in, were it let
	if n := active.Load(); n != limit {
		t.Errorf("%d requests in the handler at once, limit %d", n, limit)
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if m := most.Load(); m > limit {
		t.Errorf("at most %d at once, limit %d", m, limit)
	}

	// Fill the slots again and close: Serve must return though Accept is
	// waiting for a slot.
	hold := make([]net.Conn, limit)
	for i := range hold {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		hold[i] = c
	}
	time.Sleep(100 * time.Millisecond)
	hs.Close()
	select {
	case <-served:
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after Close with every slot taken")
	}
}
