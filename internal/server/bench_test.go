package server_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/wardhq/ward/internal/server"
	"github.com/wardhq/ward/internal/sigv4"
)

// rewindBody is a request body that can be read again, so a benchmark
// reuses one signed request and measures the handler alone.
type rewindBody struct{ bytes.Reader }

func (*rewindBody) Close() error { return nil }

// benchHandler serves one signed request over and over in-process: the
// cost of ward's handler (verification, caller lookup, authorization,
// response), without the network.
func benchHandler(b *testing.B, path, body, service string) {
	srv, err := server.Open(server.Config{DataDir: b.TempDir(), Account: "123456789012"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	id, secret, err := server.ReadCredentials(srv.CredentialsFile)
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	req := httptest.NewRequest("POST", "http://127.0.0.1"+path, nil)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sigv4.Sign(req, []byte(body), id, secret, "us-east-1", service, time.Now())
	rb := &rewindBody{}
	req.Body = rb
	w := &discardWriter{header: http.Header{}}
	serve := func() {
		rb.Reset([]byte(body))
		clear(w.header)
		w.status = 0
		h.ServeHTTP(w, req)
		if w.status != 0 && w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
	serve()
	b.ReportAllocs()
	for b.Loop() {
		serve()
	}
}

type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }

func BenchmarkHandlerGetCallerIdentity(b *testing.B) {
	benchHandler(b, "/", "Action=GetCallerIdentity&Version=2011-06-15", "sts")
}

func BenchmarkHandlerGetUser(b *testing.B) {
	benchHandler(b, "/", "Action=GetUser&Version=2010-05-08", "iam")
}

func BenchmarkHandlerAuthorize(b *testing.B) {
	benchHandler(b, "/v1/authorize", `{"principal":"arn:aws:iam::123456789012:root","action":"s3:GetObject","resource":"arn:aws:s3:::b/k"}`, "ward")
}
