package main

import (
	"flag"
	"io"
	"slices"
	"testing"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		args     []string
		format   string
		wantRest []string
	}{
		{[]string{"--format", "json", "a.json"}, "json", []string{"a.json"}},
		{[]string{"a.json", "--format", "json"}, "json", []string{"a.json"}},
		{[]string{"a.json", "--format=sarif", "b.json"}, "sarif", []string{"a.json", "b.json"}},
		{[]string{"-", "--format", "json"}, "json", []string{"-"}},
		{[]string{"a.json", "--", "--format", "-x"}, "text", []string{"a.json", "--format", "-x"}},
		{nil, "text", nil},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		format := fs.String("format", "text", "")
		rest, err := parseArgs(fs, tt.args)
		if err != nil || *format != tt.format || !slices.Equal(rest, tt.wantRest) {
			t.Errorf("%q: rest %q format %q err %v; want %q %q", tt.args, rest, *format, err, tt.wantRest, tt.format)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, err := parseArgs(fs, []string{"a.json", "--nope"}); err == nil {
		t.Error("an unknown flag after an argument was accepted")
	}
}
