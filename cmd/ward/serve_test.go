package main

import (
	"bufio"
	"context"
	"fmt"
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
// port and returns its URL once it listens.
func startServe(t *testing.T, data string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve", "--data", data, "--addr", "127.0.0.1:0", "--account", "111111111111")
	cmd.Env = append(os.Environ(), "WARD_RUN_MAIN=1")
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
	go func() {
		for lines.Scan() {
		}
	}()
	return cmd, first[i:]
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
