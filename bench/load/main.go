// Command load measures ward serve under concurrent signed requests, next
// to a bare net/http handler (the ceiling) and, when given its address,
// Moto's server answering the same IAM and STS calls. It talks to loopback
// only and every run is bounded in time and in count.
//
//	go run ./bench/load                         # ward and the bare handler
//	go run ./bench/load -moto http://127.0.0.1:5000   # and Moto (bench/load/run.sh starts it)
package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wardhq/ward/internal/server"
	"github.com/wardhq/ward/internal/sigv4"
)

func main() {
	duration := flag.Duration("duration", 3*time.Second, "time per workload and concurrency")
	maxRequests := flag.Int("max", 200000, "at most this many requests per workload and concurrency")
	moto := flag.String("moto", "", "URL of a running moto_server to measure too")
	rates := flag.String("rates", "2000,4000,8000", "offered loads (requests/s, comma-separated) for the open-loop runs at 64 clients; empty for none")
	only := flag.String("only", "", "run only the workload of this name")
	interleave := flag.Int("interleave", 6, "slices for the interleaved comparison of /v1/authorize with the bare handler at 1, 16 and 64 clients; 0 for none")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (server and clients) to this file")
	flag.Parse()
	allWorkloads := append([]workload(nil), workloads...)
	if *only != "" {
		var kept []workload
		for _, w := range workloads {
			if w.name == *only {
				kept = append(kept, w)
			}
		}
		if kept == nil {
			fail(fmt.Errorf("-only: no workload %q", *only))
		}
		workloads = kept
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(err)
		}
		defer pprof.StopCPUProfile()
	}

	dir, err := os.MkdirTemp("", "ward-load-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	srv, err := server.Open(server.Config{DataDir: dir, Account: "111111111111"})
	if err != nil {
		fail(err)
	}
	defer srv.Close()
	wardURL := serve(srv.Handler())
	bareURL := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::111111111111:root</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>`)
	}))
	id, secret, err := server.ReadCredentials(srv.CredentialsFile)
	if err != nil {
		fail(err)
	}
	ward := target{name: "ward", url: wardURL, id: id, secret: secret}
	if err := ward.setup(); err != nil {
		fail(fmt.Errorf("ward setup: %w", err))
	}
	targets := []target{ward, {name: "bare net/http", url: bareURL, id: id, secret: secret}}
	if *moto != "" {
		m := target{name: "moto_server", url: *moto}
		if err := m.setupMoto(); err != nil {
			fail(fmt.Errorf("moto setup: %w", err))
		}
		targets = append(targets, m)
	}

	fmt.Printf("%-14s %-24s %8s %12s %10s %10s\n", "server", "workload", "clients", "requests/s", "p50", "p99")
	for _, w := range workloads {
		for _, t := range targets {
			if t.name == "bare net/http" && w.name != "sts:GetCallerIdentity" {
				continue // the ceiling: one trivial answer
			}
			if t.name == "moto_server" && w.name == "/v1/authorize" {
				continue // Moto has no decision endpoint
			}
			for _, clients := range []int{1, 16, 64} {
				r := run(t, w, clients, 0, *duration, *maxRequests)
				fmt.Printf("%-14s %-24s %8d %12.0f %10s %10s%s\n", t.name, w.name, clients, r.rate, r.p50, r.p99, r.note)
			}
		}
	}
	if *interleave > 0 {
		// The ratio that matters, measured under the same noise: ward's
		// /v1/authorize and GetCallerIdentity and the bare handler take
		// turns, slice by slice, for the same total time each.
		fmt.Printf("\ninterleaved in %d slices each\n%-14s %-24s %8s %12s %10s %10s %8s\n", *interleave, "server", "workload", "clients", "requests/s", "p50", "p99", "of bare")
		bare, ward := targets[1], targets[0]
		var gci, authorize workload
		for _, w := range allWorkloads {
			switch w.name {
			case "sts:GetCallerIdentity":
				gci = w
			case "/v1/authorize":
				authorize = w
			}
		}
		for _, clients := range []int{1, 16, 64} {
			turns := []struct {
				t target
				w workload
			}{{bare, gci}, {ward, gci}, {ward, authorize}}
			parts := make([][]result, len(turns))
			slice := *duration / time.Duration(*interleave)
			for i := 0; i < *interleave; i++ {
				for j, turn := range turns {
					parts[j] = append(parts[j], run(turn.t, turn.w, clients, 0, slice, *maxRequests / *interleave))
				}
			}
			ceiling := merge(parts[0])
			for j, turn := range turns {
				r := merge(parts[j])
				fmt.Printf("%-14s %-24s %8d %12.0f %10s %10s %7.0f%%%s\n", turn.t.name, turn.w.name, clients, r.rate, r.p50, r.p99, 100*r.rate/ceiling.rate, r.note)
			}
		}
	}
	if *rates == "" {
		return
	}
	// Open loop: requests arrive at a fixed rate whatever the answers'
	// latency, as a service's callers do, and each latency counts from
	// when its request was issued, so a stalled server cannot hide the
	// requests queued behind it.
	fmt.Printf("\nopen loop, 64 clients\n%-14s %-24s %8s %12s %10s %10s\n", "server", "workload", "offered", "requests/s", "p50", "p99")
	for _, rs := range strings.Split(*rates, ",") {
		var rate float64
		if _, err := fmt.Sscan(rs, &rate); err != nil || rate <= 0 {
			fail(fmt.Errorf("-rates: %q is not a rate", rs))
		}
		for _, w := range workloads {
			for _, t := range targets {
				if !(t.name == "ward" && (w.name == "/v1/authorize" || w.name == "sts:GetCallerIdentity")) &&
					!(t.name == "bare net/http" && w.name == "sts:GetCallerIdentity") {
					continue
				}
				r := run(t, w, 64, rate, *duration, *maxRequests)
				fmt.Printf("%-14s %-24s %8.0f %12.0f %10s %10s%s\n", t.name, w.name, rate, r.rate, r.p50, r.p99, r.note)
			}
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "load:", err)
	os.Exit(1)
}

// serve starts h on a loopback port.
func serve(h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	go http.Serve(ln, h)
	return "http://" + ln.Addr().String()
}

type target struct {
	name, url, id, secret string
}

// call sends one signed Query API request and returns the status.
func (t *target) call(client *http.Client, service, body string) (int, []byte, error) {
	req, err := http.NewRequest("POST", t.url+"/", strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sigv4.Sign(req, []byte(body), t.id, t.secret, "us-east-1", service, time.Now())
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, nil
}

// setup makes the role the GetRole workload reads.
func (t *target) setup() error {
	status, body, err := t.call(http.DefaultClient, "iam", createRoleBody)
	if err != nil {
		return err
	}
	if status != 200 {
		return fmt.Errorf("CreateRole: %d %s", status, body)
	}
	return nil
}

// setupMoto creates, without authentication (Moto's first actions are
// free when INITIAL_NO_AUTH_ACTION_COUNT is set), a user with an access
// key and an administrator policy, then the role; every later call is
// signed with that key and checked by Moto's IAM enforcement.
func (t *target) setupMoto() error {
	// Moto routes a request by its signature's service, so even the free
	// calls are signed, with a key it does not check yet.
	t.id, t.secret = "AKIAIOSFODNN7EXAMPLE", "not-checked"
	anon := func(body string) ([]byte, error) {
		status, b, err := t.call(http.DefaultClient, "iam", body)
		if err != nil {
			return nil, err
		}
		if status != 200 {
			return nil, fmt.Errorf("%d %s", status, b)
		}
		return b, nil
	}
	if _, err := anon("Action=CreateUser&Version=2010-05-08&UserName=load"); err != nil {
		return err
	}
	doc := url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	if _, err := anon("Action=PutUserPolicy&Version=2010-05-08&UserName=load&PolicyName=admin&PolicyDocument=" + doc); err != nil {
		return err
	}
	b, err := anon("Action=CreateAccessKey&Version=2010-05-08&UserName=load")
	if err != nil {
		return err
	}
	var out struct {
		Key struct {
			ID     string `xml:"AccessKeyId"`
			Secret string `xml:"SecretAccessKey"`
		} `xml:"CreateAccessKeyResult>AccessKey"`
	}
	if err := xml.Unmarshal(b, &out); err != nil {
		return err
	}
	t.id, t.secret = out.Key.ID, out.Key.Secret
	return t.setup()
}

const createRoleBody = "Action=CreateRole&Version=2010-05-08&RoleName=load-role&AssumeRolePolicyDocument=" +
	"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22lambda.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D"

type workload struct {
	name string
	// request returns the service and body of request number i.
	request func(i int64) (service, path, body string)
}

var workloads = []workload{
	{"sts:GetCallerIdentity", func(int64) (string, string, string) {
		return "sts", "/", "Action=GetCallerIdentity&Version=2011-06-15"
	}},
	{"iam:GetRole", func(int64) (string, string, string) {
		return "iam", "/", "Action=GetRole&Version=2010-05-08&RoleName=load-role"
	}},
	{"iam:CreatePolicy", func(i int64) (string, string, string) {
		doc := url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`)
		return "iam", "/", fmt.Sprintf("Action=CreatePolicy&Version=2010-05-08&PolicyName=load-%d-%d&PolicyDocument=%s", time.Now().UnixNano(), i, doc)
	}},
	{"/v1/authorize", func(int64) (string, string, string) {
		return "ward", "/v1/authorize", `{"principal":"arn:aws:iam::111111111111:role/load-role","action":"s3:GetObject","resource":"arn:aws:s3:::b/k"}`
	}},
}

type result struct {
	rate     float64
	p50, p99 time.Duration
	note     string
	// lat (sorted) and elapsed, for merging slices of one measurement.
	lat     []time.Duration
	elapsed time.Duration
	errs    int64
}

// merge sums slices of one measurement into one result.
func merge(parts []result) result {
	var all result
	for _, p := range parts {
		all.lat = append(all.lat, p.lat...)
		all.elapsed += p.elapsed
		all.errs += p.errs
	}
	return summarize(all.lat, all.elapsed, all.errs)
}

func summarize(lat []time.Duration, elapsed time.Duration, errs int64) result {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r := result{rate: float64(len(lat)) / elapsed.Seconds(), lat: lat, elapsed: elapsed, errs: errs}
	if len(lat) > 0 {
		r.p50, r.p99 = lat[len(lat)/2], lat[len(lat)*99/100]
	}
	if errs > 0 {
		r.note = fmt.Sprintf("  (%d errors)", errs)
	}
	return r
}

// run drives one workload with clients concurrent clients for d. With
// rate 0 each client sends its next request as soon as it has an answer
// (a closed loop: the server's pace); otherwise requests are issued at
// rate per second to whichever client is free, and latency counts from
// when each was issued.
func run(t target, w workload, clients int, rate float64, d time.Duration, max int) result {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	defer transport.CloseIdleConnections()
	var n, errs atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	start := time.Now()
	var due chan time.Time
	if rate > 0 {
		due = make(chan time.Time, max)
		go func() {
			defer close(due)
			interval := time.Duration(float64(time.Second) / rate)
			next := start
			for i := 0; i < max; i++ {
				if wait := time.Until(next); wait > 0 {
					select {
					case <-time.After(wait):
					case <-ctx.Done():
						return
					}
				}
				if ctx.Err() != nil {
					return
				}
				// The request counts from when it is issued: a late
				// timer here is the load generator's delay, not the
				// server's, while a request waiting for a free client
				// is the server's.
				due <- time.Now()
				next = next.Add(interval)
			}
		}()
	}
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1024)
			for ctx.Err() == nil {
				var dueAt time.Time
				if due != nil {
					var ok bool
					if dueAt, ok = <-due; !ok {
						break
					}
				}
				i := n.Add(1)
				if i > int64(max) {
					break
				}
				service, path, body := w.request(i)
				req, _ := http.NewRequest("POST", t.url+path, bytes.NewReader([]byte(body)))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
				sigv4.Sign(req, []byte(body), t.id, t.secret, "us-east-1", service, time.Now())
				t0 := time.Now()
				if due != nil {
					t0 = dueAt
				}
				resp, err := client.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				local = append(local, time.Since(t0))
				if err != nil {
					errs.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return summarize(lat, time.Since(start), errs.Load())
}
