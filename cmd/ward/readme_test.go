package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestREADMEReasoningOutputIsReal: every `ward diff` and `ward prove` the
// README shows prints what the README says it does, run from the
// repository's root as a reader would.
func TestREADMEReasoningOutputIsReal(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir("../..")
	lines := strings.Split(string(data), "\n")
	shown := 0
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if !strings.HasPrefix(line, "$ ward diff ") && !strings.HasPrefix(line, "$ ward prove ") {
			continue
		}
		var want []string
		for j := i + 1; j < len(lines) && !strings.HasPrefix(lines[j], "$ ") && !strings.HasPrefix(lines[j], "```"); j++ {
			want = append(want, lines[j])
		}
		args := strings.Fields(strings.ReplaceAll(strings.TrimPrefix(line, "$ ward "), "'", ""))
		var stdout, stderr bytes.Buffer
		run(args, strings.NewReader(""), &stdout, &stderr)
		got := strings.TrimRight(stdout.String()+stderr.String(), "\n")
		if got != strings.Join(want, "\n") {
			t.Errorf("README line %d: %s\nprints:\n%s\nthe README says:\n%s", i+1, line, got, strings.Join(want, "\n"))
		}
		shown++
	}
	if shown < 4 {
		t.Errorf("only %d ward diff and ward prove commands found in the README", shown)
	}
}
