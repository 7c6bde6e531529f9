// Package layout holds the tests that keep the tree's architecture: which
// package may import which, and that every package says what it is for.
package layout

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/wardhq/ward"

// layers orders the packages: a package may import only packages of a
// lower layer (and, within one layer, only those listed in sameLayer).
// Dependencies flow one way: policy → engine → analysis and the service
// → server → the binary.
var layers = map[string]int{
	"internal/jsonpos": 0, "internal/pack": 0, "internal/glob": 0, "internal/golden": 0, "internal/israce": 0, "internal/jsonw": 0,
	"internal/awsquery": 0,
	"internal/policy":   1,
	"internal/engine":   2, "internal/catalog": 2, "internal/catalog/generate": 2,
	"internal/sigv4": 2, "internal/store": 2, "internal/jwt": 2, "internal/totp": 2, "internal/seal": 2,
	"internal/iamclient":       2, // signs requests as the verifier in internal/sigv4 checks them
	".":                        4, // the public package: the engine and the reasoning over it
	"internal/inputs":          3,
	"internal/scenario":        3,
	"internal/decisionlog":     3, // its records name the engine's matches
	"internal/store/sqlite":    3,
	"internal/store/postgres":  3,
	"internal/store/storetest": 3,
	"internal/conformance":     3,
	"internal/layout":          3,
	"internal/reason":          3, // questions about every request, below the analyzer that will ask them
	"internal/analyze":         4,
	"internal/activity":        4, // reads calls, ward's decision log among them
	"internal/generate":        5, // policies from calls, proved with internal/reason
	"internal/intent":          5, // policies from intent templates
	"internal/document":        5, // permission documents, with the analyzer's findings
	"internal/difftest":        4, // test-side: generates scenarios, reads them with internal/scenario
	"internal/iamapi":          4,
	"internal/authorizeapi":    5, // the decision point's HTTP face, over the service
	"internal/server":          6,
	"cmd/ward":                 7,
	"bench/load":               7,
	"bench/trail":              7,
}

// sameLayer lists the imports allowed within a layer.
var sameLayer = map[string][]string{}

func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// packages walks the tree and parses each package's non-test files'
// package clause, doc comment and imports.
func packages(t *testing.T) map[string][]*ast.File {
	t.Helper()
	base := root(t)
	out := map[string][]*ast.File{}
	err := filepath.WalkDir(base, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != base && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(base, filepath.Dir(path))
		out[filepath.ToSlash(rel)] = append(out[filepath.ToSlash(rel)], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDependenciesFlowOneWay fails when a package imports one of its own
// layer or above, or when a package is missing from the layers.
func TestDependenciesFlowOneWay(t *testing.T) {
	pkgs := packages(t)
	var dirs []string
	for dir := range pkgs {
		dirs = append(dirs, dir)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		layer, ok := layers[dir]
		if !ok {
			t.Errorf("%s is in no layer: add it to layers in %s", dir, "internal/layout/layout_test.go")
			continue
		}
		for _, f := range pkgs[dir] {
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if path != module && !strings.HasPrefix(path, module+"/") {
					continue
				}
				target := strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
				if target == "" {
					target = "."
				}
				tl, ok := layers[target]
				switch {
				case !ok:
					t.Errorf("%s imports %s, which is in no layer", dir, target)
				case tl > layer || tl == layer && !allowed(dir, target):
					t.Errorf("%s (layer %d) imports %s (layer %d): dependencies must flow down", dir, layer, target, tl)
				}
			}
		}
	}
}

func allowed(from, to string) bool {
	for _, a := range sameLayer[from] {
		if a == to {
			return true
		}
	}
	return false
}

// TestEveryPackageHasADoc: each package says what it is for in a doc
// comment ("Package x ..." or, for the binary, "Command ...").
func TestEveryPackageHasADoc(t *testing.T) {
	for dir, files := range packages(t) {
		documented := false
		for _, f := range files {
			if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
				documented = true
			}
		}
		if !documented {
			t.Errorf("package %s has no doc comment", dir)
		}
	}
}

// TestREADMELayoutNamesEveryPackage: the README's layout table names each
// package of the tree (as `internal/x`, or `store/x` for the backends),
// and nothing that is not in the tree, so a newcomer's map stays true.
func TestREADMELayoutNamesEveryPackage(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(root(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "## Layout\n")
	if !ok {
		t.Fatal("README has no Layout section")
	}
	table, _, _ = strings.Cut(table, "\n## ")
	named := map[string]bool{}
	for _, line := range strings.Split(table, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cell := strings.SplitN(line, "|", 3)[1]
		for _, part := range strings.Split(cell, "`") {
			part = strings.TrimSpace(part)
			if part == "" || part == "," {
				continue
			}
			if strings.HasPrefix(part, "store/") {
				part = "internal/" + part
			}
			named[part] = true
		}
	}
	pkgs := packages(t)
	for dir := range pkgs {
		want := dir
		if dir == "." {
			want = "ward.go"
		}
		if !named[want] {
			t.Errorf("README's layout table does not name %s", want)
		}
	}
	for name := range named {
		if _, err := os.Stat(filepath.Join(root(t), name)); err != nil {
			t.Errorf("README's layout table names %s, which is not in the tree", name)
		}
	}
}
