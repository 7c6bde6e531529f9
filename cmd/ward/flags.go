package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// parseArgs parses a subcommand's flags wherever they stand among its
// arguments, as people type them (ward check f.json --format json), and
// returns the arguments that are not flags. "--" ends the flags: what
// follows is taken as arguments, even when it starts with '-'.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var tail []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, tail = args[:i], args[i+1:]
	}
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		// flag stops at the first argument that is not a flag ("-", for
		// standard input, among them): keep it and go on after it.
		args = fs.Args()
		if len(args) == 0 {
			return append(rest, tail...), nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// parseOrExit parses flags as parseArgs does and says how a subcommand
// ends when they do not parse: 0 for -h (the usage was printed), 2 for a
// bad flag (flag printed why). ok is false when the command must stop.
func parseOrExit(fs *flag.FlagSet, args []string) (rest []string, code int, ok bool) {
	rest, err := parseArgs(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return nil, exitOK, false
	case err != nil:
		return nil, exitInvalid, false
	}
	return rest, 0, true
}

// oneOf checks an enumerated flag's value, naming the choices when it is
// none of them.
func oneOf(stderr io.Writer, cmd, name, value string, choices ...string) bool {
	if slices.Contains(choices, value) {
		return true
	}
	fmt.Fprintf(stderr, "%s: --%s must be %s, not %q\n", cmd, name, orList(choices), value)
	return false
}

// orList writes "a, b or c".
func orList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// wantsHelp reports whether a hand-parsed subcommand was asked for its
// usage, which it then prints with exit status 0, as every subcommand does.
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "-h" || a == "-help" || a == "--help" {
			return true
		}
	}
	return false
}

// flagGiven reports whether a flag was set on the command line, even to
// its default or to nothing.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
