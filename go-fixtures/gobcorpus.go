package main

// The gob corpus: every case is encoded by a fresh process (gob type ids are
// process-wide and assigned at first use), its streams and expected JSON
// renderings are written next to a manifest, and gob-verify decodes streams
// written by someone else and compares them with the same renderings.

import (
	"bytes"
	"embed"
	"encoding/gob"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

const defaultGobDir = "../testdata/gob"

// unorderedTries is how many encodings of a stream with multi-entry maps are
// compared to find the lexicographically smallest one.
const unorderedTries = 2000

// gobCase is one corpus entry. Each stream lists the values passed to
// Encoder.Encode, in order; a value may be a pointer (gob flattens it) and
// the decoding side allocates a fresh value of the same type for each.
type gobCase struct {
	name    string
	desc    string
	streams [][]any
}

// stream builds the usual single-stream value list.
func stream(values ...any) [][]any { return [][]any{values} }

func findCase(name string) (gobCase, bool) {
	for _, c := range gobCases() {
		if c.name == name {
			return c, true
		}
	}
	return gobCase{}, false
}

// streamFile is the base name (without extension) of stream i of c.
func (c gobCase) streamFile(i int) string {
	if len(c.streams) == 1 {
		return c.name
	}
	return fmt.Sprintf("%s.%d", c.name, i)
}

// unordered reports whether some map in the case has more than one entry, so
// that Go's randomized map iteration order shows in the bytes.
func (c gobCase) unordered() bool {
	found := false
	for _, s := range c.streams {
		for _, v := range s {
			walkValue(reflect.ValueOf(v), func(v reflect.Value) {
				if v.Kind() == reflect.Map && v.Len() > 1 {
					found = true
				}
			})
		}
	}
	return found
}

// walkValue calls fn for v and every value reachable from it, including the
// dynamic values of interfaces. Maps are visited in key order.
func walkValue(v reflect.Value, fn func(reflect.Value)) {
	if !v.IsValid() {
		return
	}
	fn(v)
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		walkValue(v.Elem(), fn)
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walkValue(v.Index(i), fn)
		}
	case reflect.Map:
		for _, k := range sortedMapKeys(v) {
			walkValue(k, fn)
			walkValue(v.MapIndex(k), fn)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				walkValue(v.Field(i), fn)
			}
		}
	}
}

// encodeStream encodes values with a fresh encoder. With unordered set it
// repeats the encoding and keeps the smallest result, which makes the map
// entry order deterministic (type ids are fixed after the first round).
func encodeStream(values []any, unordered bool) ([]byte, error) {
	once := func() ([]byte, error) {
		var buf bytes.Buffer
		enc := gob.NewEncoder(&buf)
		for i, v := range values {
			if err := enc.Encode(v); err != nil {
				return nil, fmt.Errorf("value %d (%T): %w", i, v, err)
			}
		}
		return buf.Bytes(), nil
	}
	best, err := once()
	if err != nil || !unordered {
		return best, err
	}
	for i := 1; i < unorderedTries; i++ {
		b, err := once()
		if err != nil {
			return nil, err
		}
		if bytes.Compare(b, best) < 0 {
			best = b
		}
	}
	return best, nil
}

// renderStream renders each value on its own line.
func renderStream(values []any) []byte {
	var b bytes.Buffer
	for _, v := range values {
		b.WriteString(renderJSON(v))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// runGobCase writes the streams of one case; it must run in a process that
// has not used gob yet.
func runGobCase(args []string) error {
	if len(args) != 2 {
		return errors.New("usage: gob-case NAME OUTDIR")
	}
	c, ok := findCase(args[0])
	if !ok {
		return fmt.Errorf("no case %q", args[0])
	}
	unordered := c.unordered()
	for i, values := range c.streams {
		data, err := encodeStream(values, unordered)
		if err != nil {
			return fmt.Errorf("case %s stream %d: %w", c.name, i, err)
		}
		base := filepath.Join(args[1], c.streamFile(i))
		if err := os.WriteFile(base+".gob", data, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(base+".json", renderStream(values), 0o644); err != nil {
			return err
		}
	}
	return nil
}

type manifest struct {
	Cases []manifestCase `json:"cases"`
}

type manifestCase struct {
	Name          string   `json:"name"`
	Description   string   `json:"description"`
	Streams       []string `json:"streams"`
	UnorderedMaps bool     `json:"unordered_maps"`
	GoTypes       string   `json:"go_types"`
}

// runGob writes the whole corpus, one child process per case.
func runGob(args []string) error {
	dir, err := fixtureOutDir("gob", defaultGobDir, args)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	sources, err := parseTypeSources()
	if err != nil {
		return err
	}
	cases := gobCases()
	sort.Slice(cases, func(i, j int) bool { return cases[i].name < cases[j].name })

	written := map[string]bool{"manifest.json": true}
	var m manifest
	for _, c := range cases {
		cmd := exec.Command(self, "gob-case", c.name, dir)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("case %s: %w", c.name, err)
		}
		mc := manifestCase{
			Name:          c.name,
			Description:   c.desc,
			UnorderedMaps: c.unordered(),
			GoTypes:       sources.goTypes(c),
		}
		for i := range c.streams {
			f := c.streamFile(i)
			mc.Streams = append(mc.Streams, f+".gob")
			written[f+".gob"], written[f+".json"] = true, true
		}
		m.Cases = append(m.Cases, mc)
	}
	if err := finishFixtureDir(dir, m, written, ".gob", ".json"); err != nil {
		return err
	}
	fmt.Printf("gob: wrote %d cases to %s\n", len(cases), dir)
	return nil
}

// runGobVerify decodes the streams found in a directory with encoding/gob and
// checks that they render like the corpus values.
func runGobVerify(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: gob-verify DIR")
	}
	dir := args[0]
	cases := gobCases()
	sort.Slice(cases, func(i, j int) bool { return cases[i].name < cases[j].name })
	verified, failed, missing := 0, 0, 0
	for _, c := range cases {
		for i, values := range c.streams {
			file := c.streamFile(i) + ".gob"
			data, err := os.ReadFile(filepath.Join(dir, file))
			if errors.Is(err, os.ErrNotExist) {
				missing++
				continue
			}
			if err != nil {
				return err
			}
			verified++
			if problems := verifyStream(data, values); len(problems) > 0 {
				failed++
				for _, p := range problems {
					fmt.Printf("%s (%s): %s\n", c.name, file, p)
				}
			}
		}
	}
	fmt.Printf("gob-verify: %d streams verified, %d failed, %d missing\n", verified, failed, missing)
	if failed > 0 || verified == 0 {
		return errReported
	}
	return nil
}

// verifyStream decodes each value into a new value of the original's type and
// compares renderings. It returns one message per mismatch.
func verifyStream(data []byte, values []any) []string {
	var problems []string
	dec := gob.NewDecoder(bytes.NewReader(data))
	for i, v := range values {
		want := renderJSON(v)
		got := reflect.New(reflect.TypeOf(v))
		if err := dec.Decode(got.Interface()); err != nil {
			return append(problems, fmt.Sprintf("value %d: decode error: %v; want %s", i, err, want))
		}
		if g := renderValueJSON(got.Elem()); g != want {
			problems = append(problems, fmt.Sprintf("value %d: got %s; want %s", i, g, want))
		}
	}
	var extra any
	if err := dec.Decode(&extra); err != io.EOF {
		problems = append(problems, fmt.Sprintf("data after value %d (decode: %v)", len(values)-1, err))
	}
	return problems
}

//go:embed gobtypes.go logutil/logutil.go
var typeSourceFS embed.FS

// typeSources holds the source text of the corpus types and their methods,
// keyed by package path and type name.
type typeSources map[string]map[string]string

func parseTypeSources() (typeSources, error) {
	files := map[string]string{
		"main":                                 "gobtypes.go",
		"goapptrace-proto/go-fixtures/logutil": "logutil/logutil.go",
	}
	ts := typeSources{}
	for pkg, name := range files {
		src, err := typeSourceFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		// text is the source of n, starting at its doc comment if it has one.
		text := func(doc *ast.CommentGroup, n ast.Node) string {
			start := n.Pos()
			if doc != nil {
				start = doc.Pos()
			}
			return string(src[fset.Position(start).Offset:fset.Position(n.End()).Offset])
		}
		decls, methods := map[string]string{}, map[string]string{}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				if d.Tok != token.TYPE {
					continue
				}
				for _, s := range d.Specs {
					s := s.(*ast.TypeSpec)
					doc := s.Doc
					if len(d.Specs) == 1 {
						doc = d.Doc // the comment sits above the "type" keyword
					}
					decl := "type " + text(nil, s)
					if doc != nil {
						decl = text(doc, doc) + "\n" + decl
					}
					decls[s.Name.Name] = decl
				}
			case *ast.FuncDecl:
				if d.Recv == nil {
					continue
				}
				recv := d.Recv.List[0].Type
				if star, ok := recv.(*ast.StarExpr); ok {
					recv = star.X
				}
				if id, ok := recv.(*ast.Ident); ok {
					methods[id.Name] += "\n\n" + text(d.Doc, d)
				}
			}
		}
		for name, m := range methods {
			decls[name] += m
		}
		ts[pkg] = decls
	}
	return ts, nil
}

// goTypes returns the declarations of the named types a case uses, in the
// order they are first reached from its values.
func (ts typeSources) goTypes(c gobCase) string {
	var out []string
	seen := map[reflect.Type]bool{}
	var visitType func(t reflect.Type)
	visitType = func(t reflect.Type) {
		if seen[t] {
			return
		}
		seen[t] = true
		if t.Name() != "" && t.PkgPath() != "" {
			if decl, ok := ts[t.PkgPath()][t.Name()]; ok {
				if name, ok := concreteNames[t]; ok {
					decl += "\n\n// registered with gob as " + strconv.Quote(name)
				}
				if t.PkgPath() != "main" {
					decl = "// package " + t.PkgPath() + "\n" + decl
				}
				out = append(out, decl)
			} else {
				out = append(out, fmt.Sprintf("// %s (declared outside the corpus sources)", t))
				return
			}
		}
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			visitType(t.Elem())
		case reflect.Map:
			visitType(t.Key())
			visitType(t.Elem())
		case reflect.Struct:
			for i := 0; i < t.NumField(); i++ {
				if f := t.Field(i); isSentField(f) {
					visitType(f.Type)
				}
			}
		}
	}
	for _, s := range c.streams {
		for _, v := range s {
			walkValue(reflect.ValueOf(v), func(v reflect.Value) { visitType(v.Type()) })
		}
	}
	return strings.Join(out, "\n\n")
}
