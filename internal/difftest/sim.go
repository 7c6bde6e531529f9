package difftest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// SimAnswer is iam-simulate's answer to a scenario: a result, the
// context keys it dropped as not applying to the action, or the error it
// refused the scenario with.
type SimAnswer struct {
	Result  string   `json:"result"`
	Ignored []string `json:"ignored"`
	Error   string   `json:"error"`
}

// Simulator is a running node process deciding scenarios with
// iam-simulate (bench/difftest/iamsimulate.mjs), one JSON line in, one
// out.
type Simulator struct {
	Version string
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     *bufio.Reader
	stderr  *bytes.Buffer
	cache   map[string]SimAnswer
}

func simCommand(script, dir string, args ...string) *exec.Cmd {
	cmd := exec.Command("node", append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), "IAM_SIMULATE_DIR="+dir)
	return cmd
}

// StartSimulator starts the script with the iam-simulate install in dir,
// reading scenarios from its standard input.
func StartSimulator(script, dir string) (*Simulator, error) {
	cmd := simCommand(script, dir)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s := &Simulator{cmd: cmd, in: in, out: bufio.NewReaderSize(outPipe, 1<<16), stderr: &bytes.Buffer{}, cache: map[string]SimAnswer{}}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("node %s: %w", script, err)
	}
	if s.Version, err = readVersion(s.out); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w: %s", script, err, s.stderr.String())
	}
	return s, nil
}

func readVersion(r *bufio.Reader) (string, error) {
	line, err := r.ReadBytes('\n')
	if err != nil {
		return "", fmt.Errorf("no version line: %w", err)
	}
	var v struct{ Version string }
	if err := json.Unmarshal(line, &v); err != nil || v.Version == "" {
		return "", fmt.Errorf("first line is not the version: %q", line)
	}
	return v.Version, nil
}

// Decide answers the scenarios, in order, writing them as the process
// reads them. Answers are cached by the scenario's JSON.
func (s *Simulator) Decide(scs ...*Scenario) ([]SimAnswer, error) {
	out := make([]SimAnswer, len(scs))
	var todo []int
	var buf bytes.Buffer
	for i, sc := range scs {
		sc = named(sc, "")
		js := string(sc.JSON())
		if a, ok := s.cache[js]; ok {
			out[i] = a
			continue
		}
		todo = append(todo, i)
		buf.WriteString(js)
		buf.WriteByte('\n')
	}
	if len(todo) == 0 {
		return out, nil
	}
	werr := make(chan error, 1)
	go func() {
		_, err := s.in.Write(buf.Bytes())
		werr <- err
	}()
	for _, i := range todo {
		a, err := readAnswer(s.out)
		if err != nil {
			return nil, fmt.Errorf("iam-simulate: %w: %s", err, s.stderr.String())
		}
		out[i] = a
		s.cache[string(named(scs[i], "").JSON())] = a
	}
	if err := <-werr; err != nil {
		return nil, err
	}
	return out, nil
}

// DecideOne answers one scenario.
func (s *Simulator) DecideOne(sc *Scenario) (SimAnswer, error) {
	a, err := s.Decide(sc)
	if err != nil {
		return SimAnswer{}, err
	}
	return a[0], nil
}

// named returns s with its name set to name (a copy when it changes):
// the name does not change an answer, and leaving it out lets the cache
// find the same scenario under another name.
func named(s *Scenario, name string) *Scenario {
	if s.Name == name {
		return s
	}
	c := *s
	c.Name = name
	return &c
}

func readAnswer(r *bufio.Reader) (SimAnswer, error) {
	line, err := r.ReadBytes('\n')
	if err != nil {
		return SimAnswer{}, err
	}
	var a SimAnswer
	if err := json.Unmarshal(line, &a); err != nil {
		return SimAnswer{}, fmt.Errorf("answer %q: %w", line, err)
	}
	if a.Result == "" && a.Error == "" {
		return SimAnswer{}, fmt.Errorf("answer %q has neither result nor error", line)
	}
	return a, nil
}

// Close ends the process.
func (s *Simulator) Close() error {
	s.in.Close()
	err := s.cmd.Wait()
	if err != nil {
		return fmt.Errorf("iam-simulate: %w: %s", err, s.stderr.String())
	}
	return nil
}

// DecideFile answers every scenario of a file of JSON lines with one node
// process reading the file, and reports the iam-simulate version.
func DecideFile(script, dir, file string, n int) (string, []SimAnswer, error) {
	cmd := simCommand(script, dir, file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("node %s: %w", script, err)
	}
	r := bufio.NewReaderSize(pipe, 1<<20)
	version, err := readVersion(r)
	answers := make([]SimAnswer, 0, n)
	for err == nil {
		var a SimAnswer
		a, err = readAnswer(r)
		if err == nil {
			answers = append(answers, a)
		}
	}
	werr := cmd.Wait()
	switch {
	case !errors.Is(err, io.EOF):
		return "", nil, fmt.Errorf("%s: %w: %s", file, err, stderr.String())
	case werr != nil:
		return "", nil, fmt.Errorf("%s: %w: %s", file, werr, strings.TrimSpace(stderr.String()))
	case len(answers) != n:
		return "", nil, fmt.Errorf("%s: %d answers to %d scenarios: %s", file, len(answers), n, stderr.String())
	}
	return version, answers, nil
}
