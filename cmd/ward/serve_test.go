package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/wardhq/ward/internal/server"
)

// TestMain lets the test binary stand in for ward itself when
// WARD_RUN_MAIN is set, so tests can run `ward serve` as a real process
// and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("WARD_RUN_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// startServe runs `ward serve` as a child process on a free loopback
// port, with more flags when given, and returns its URL once it listens.
func startServe(t *testing.T, data string, flags ...string) (*exec.Cmd, string) {
	t.Helper()
	args := append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--account", "111111111111"}, flags...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "WARD_RUN_MAIN=1")
	url, _ := launch(t, cmd)
	return cmd, url
}

// launch starts cmd, a `ward serve`, and returns its URL and what it
// printed at start once it listens.
func launch(t *testing.T, cmd *exec.Cmd) (string, []string) {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	if !lines.Scan() {
		cmd.Process.Kill()
		t.Fatal("ward serve printed nothing")
	}
	first := lines.Text()
	i := strings.Index(first, "http://")
	if i < 0 {
		cmd.Process.Kill()
		t.Fatalf("unexpected first line %q", first)
	}
	// The banner ends with the line that suggests a command.
	banner := []string{first}
	for !strings.HasPrefix(strings.TrimSpace(banner[len(banner)-1]), "try:") && lines.Scan() {
		banner = append(banner, lines.Text())
	}
	go func() {
		for lines.Scan() {
		}
	}()
	return first[i:], banner
}

func iamClient(endpoint, id, secret string) *iam.Client {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""),
		RetryMaxAttempts: 1}
	return iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(endpoint) })
}

// TestCrashKeepsAcknowledgedWrites kills ward serve with SIGKILL in the
// middle of a stream of writes, restarts it on the same data folder, and
// checks that every write it had answered is there.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	data := t.TempDir()
	cmd, url := startServe(t, data)
	id, secret, err := server.ReadCredentials(filepath.Join(data, "credentials"))
	if err != nil {
		cmd.Process.Kill()
		t.Fatal(err)
	}
	client := iamClient(url, id, secret)

	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				name := fmt.Sprintf("user-%d-%d", w, i)
				if _, err := client.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
					return // the server is gone
				}
				mu.Lock()
				acked = append(acked, name)
				mu.Unlock()
			}
		}(w)
	}
	// Let writes flow, then kill the process without warning.
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 60 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	wg.Wait()

	cmd2, url2 := startServe(t, data)
	defer func() { cmd2.Process.Signal(syscall.SIGTERM); cmd2.Wait() }()
	client = iamClient(url2, id, secret)
	for _, name := range acked {
		if _, err := client.GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String(name)}); err != nil {
			t.Errorf("acknowledged user %s lost after SIGKILL: %v", name, err)
		}
	}
	t.Logf("%d acknowledged writes before SIGKILL, all present after restart", len(acked))
}

// TestServeShutsDownOnSIGTERM: a clean stop exits 0.
func TestServeShutsDownOnSIGTERM(t *testing.T) {
	cmd, _ := startServe(t, t.TempDir())
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("ward serve did not exit cleanly on SIGTERM: %v", err)
	}
}

// TestOIDCKeys: `ward oidc keys` stores a provider's JWKS in the data
// folder, and says what is wrong with bad arguments.
func TestOIDCKeys(t *testing.T) {
	data := t.TempDir()
	srv, err := server.Open(server.Config{DataDir: data, Account: "111111111111"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	id, secret, err := server.ReadCredentials(srv.CredentialsFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iamClient(ts.URL, id, secret).CreateOpenIDConnectProvider(context.Background(), &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://token.example.com"), ClientIDList: []string{"sts.amazonaws.com"}}); err != nil {
		t.Fatal(err)
	}
	ts.Close()
	srv.Close()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("jwks.json", `{"keys":[{"kty":"EC","kid":"a","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"}]}`)
	bad := write("bad.json", `{"keys":[{"kty":"RSA","kid":"a","n":"!!","e":"AQAB"}]}`)
	const arn = "arn:aws:iam::111111111111:oidc-provider/token.example.com"
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"sets the keys", []string{"oidc", "keys", "--data", data, arn, good}, exitOK, "keys of " + arn + " set from"},
		{"not a provider ARN", []string{"oidc", "keys", "--data", data, "arn:aws:iam::111111111111:role/x", good}, exitInvalid, "is not an OIDC provider ARN"},
		{"no such provider", []string{"oidc", "keys", "--data", data, "arn:aws:iam::111111111111:oidc-provider/other.example.com", good}, exitInvalid, "no OIDC provider other.example.com"},
		{"bad key", []string{"oidc", "keys", "--data", data, arn, bad}, exitInvalid, "bad.json: JWKS"},
		{"missing file", []string{"oidc", "keys", "--data", data, arn, filepath.Join(dir, "none.json")}, exitInvalid, "none.json"},
		{"usage", []string{"oidc", "keys", arn}, exitInvalid, "Usage: ward oidc keys"},
	} {
		var stdout, stderr strings.Builder
		code := run(tc.args, strings.NewReader(""), &stdout, &stderr)
		if code != tc.code || !strings.Contains(stdout.String()+stderr.String(), tc.want) {
			t.Errorf("%s: exit %d, output %q %q; want exit %d and %q", tc.name, code, stdout.String(), stderr.String(), tc.code, tc.want)
		}
	}
}

// TestServeMaxConns: with --max-conns 1, a client holding an idle
// connection keeps a second one from being served until it lets go.
func TestServeMaxConns(t *testing.T) {
	cmd, url := startServe(t, t.TempDir(), "--max-conns", "1")
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	addr := strings.TrimPrefix(url, "http://")
	held, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	io.WriteString(held, "GET /healthz HTTP/1.1\r\nHost: ward\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(held), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	answered := make(chan error, 1)
	go func() {
		resp, err := (&http.Client{Transport: &http.Transport{}, Timeout: 30 * time.Second}).Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		answered <- err
	}()
	select {
	case err := <-answered:
		t.Fatalf("a second connection was served while the only slot was held (err %v)", err)
	case <-time.After(500 * time.Millisecond):
	}
	held.Close()
	select {
	case err := <-answered:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the second client was not served after the first let go")
	}
}

// TestServeDefaultDataFolder: without --data, ward serve keeps its data
// in ~/.local/share/ward (not in the working directory, which may be a
// source checkout) and says so.
func TestServeDefaultDataFolder(t *testing.T) {
	home, work := t.TempDir(), t.TempDir()
	cmd := exec.Command(os.Args[0], "serve", "--addr", "127.0.0.1:0")
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "WARD_RUN_MAIN=1", "HOME="+home, "XDG_DATA_HOME=")
	_, banner := launch(t, cmd)
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	want := filepath.Join(home, ".local", "share", "ward")
	if !strings.Contains(strings.Join(banner, "\n"), "data folder:      "+want+"\n") {
		t.Errorf("the banner does not name %s:\n%s", want, strings.Join(banner, "\n"))
	}
	if _, err := os.Stat(filepath.Join(want, "credentials")); err != nil {
		t.Errorf("no credentials in the default folder: %v", err)
	}
	if entries, _ := os.ReadDir(work); len(entries) != 0 {
		t.Errorf("ward serve wrote into its working directory: %v", entries)
	}
}

// TestServeRefusesABusyFolder: a second ward serve on a folder that one
// is serving exits with an error that names the folder.
func TestServeRefusesABusyFolder(t *testing.T) {
	data := t.TempDir()
	cmd, _ := startServe(t, data)
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	var stdout, stderr strings.Builder
	exited := make(chan int, 1)
	go func() {
		exited <- run([]string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, strings.NewReader(""), &stdout, &stderr)
	}()
	var code int
	select {
	case code = <-exited:
	case <-time.After(15 * time.Second):
		t.Fatal("a second ward serve on a folder in use started serving")
	}
	if code != exitInvalid || !strings.Contains(stderr.String(), data) || !strings.Contains(stderr.String(), "in use") {
		t.Errorf("second ward serve: exit %d, stderr %q", code, stderr.String())
	}
}
