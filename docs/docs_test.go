// Package docs holds the project's documentation; its tests keep the documentation true to the repository: links
// lead somewhere, and the architecture names the imports, files and functions the code has.
package docs

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// root is the repository, seen from this package's directory.
const root = ".."

// TestLinks: every relative link in the README, the changelog and docs/ leads to a file or directory that exists,
// and every #fragment to a heading of the file it names.
func TestLinks(t *testing.T) {
	files := []string{"README.md", "CHANGELOG.md"}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		files = append(files, filepath.ToSlash(must(filepath.Rel(root, d))))
	}
	link := regexp.MustCompile(`\]\(([^()\s]*)\)`)
	anchors := map[string]map[string]bool{} // by file, from the repository's root
	anchorsOf := func(file string) map[string]bool {
		if _, ok := anchors[file]; !ok {
			raw, err := os.ReadFile(filepath.Join(root, file))
			if err != nil {
				t.Fatal(err)
			}
			anchors[file] = headingAnchors(string(raw))
		}
		return anchors[file]
	}
	for _, file := range files {
		raw, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(proseOnly(string(raw)), "\n") {
			for _, m := range link.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				where := fmt.Sprintf("%s:%d: %s", file, i+1, target)
				path, fragment, _ := strings.Cut(target, "#")
				resolved := file
				if path != "" {
					resolved = filepath.ToSlash(filepath.Join(filepath.Dir(file), path))
					if strings.HasPrefix(resolved, "../") {
						t.Errorf("%s leads out of the repository", where)
						continue
					}
					if _, err := os.Stat(filepath.Join(root, resolved)); err != nil {
						t.Errorf("%s: no such file or directory", where)
						continue
					}
				}
				if fragment != "" {
					if !strings.HasSuffix(resolved, ".md") {
						t.Errorf("%s: a fragment of a file that is not Markdown", where)
					} else if !anchorsOf(resolved)[fragment] {
						t.Errorf("%s: %s has no heading #%s", where, resolved, fragment)
					}
				}
			}
		}
	}
}

// proseOnly blanks fenced code blocks and inline code, keeping the lines, so that code is not read for links.
func proseOnly(md string) string {
	lines := strings.Split(md, "\n")
	fenced := false
	code := regexp.MustCompile("`[^`]*`")
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			lines[i] = ""
			continue
		}
		if fenced {
			lines[i] = ""
			continue
		}
		lines[i] = code.ReplaceAllString(line, "``")
	}
	return strings.Join(lines, "\n")
}

// headingAnchors returns the anchors GitHub gives the headings of md: the text lowercased, without punctuation but
// hyphens and underscores, spaces made hyphens, and a -1, -2... suffix on repeats.
func headingAnchors(md string) map[string]bool {
	out := map[string]bool{}
	for _, line := range strings.Split(proseOnlyKeepCode(md), "\n") {
		text, ok := strings.CutPrefix(line, "#")
		if !ok {
			continue
		}
		text = strings.TrimLeft(text, "#")
		if !strings.HasPrefix(text, " ") {
			continue
		}
		var b strings.Builder
		for _, r := range strings.TrimSpace(text) {
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
				b.WriteRune(unicode.ToLower(r))
			case r == ' ':
				b.WriteRune('-')
			}
		}
		anchor := b.String()
		for n := 1; out[anchor]; n++ {
			anchor = fmt.Sprintf("%s-%d", b.String(), n)
		}
		out[anchor] = true
	}
	return out
}

// proseOnlyKeepCode blanks fenced code blocks only: a heading's inline code is part of its anchor.
func proseOnlyKeepCode(md string) string {
	lines := strings.Split(md, "\n")
	fenced := false
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			lines[i] = ""
		} else if fenced {
			lines[i] = ""
		}
	}
	return strings.Join(lines, "\n")
}

// TestArchitectureImports: the table of packages in architecture.md is every Go package of the repository, each
// with exactly the packages of the project its non-test files import.
func TestArchitectureImports(t *testing.T) {
	module := modulePath(t)
	code := projectImports(t, module)
	doc := documentedImports(t, "architecture.md")
	for _, pkg := range slices.Sorted(maps.Keys(code)) {
		want, ok := doc[pkg]
		if !ok {
			t.Errorf("architecture.md does not list the package %s (imports: %s)", pkg, strings.Join(code[pkg], ", "))
			continue
		}
		if !slices.Equal(want, code[pkg]) {
			t.Errorf("architecture.md says %s imports [%s]; its code imports [%s]", pkg, strings.Join(want, ", "), strings.Join(code[pkg], ", "))
		}
	}
	for _, pkg := range slices.Sorted(maps.Keys(doc)) {
		if _, ok := code[pkg]; !ok {
			t.Errorf("architecture.md lists %s, which is not a Go package of the repository", pkg)
		}
	}
}

// modulePath reads the module's path from go.mod.
func modulePath(t *testing.T) string {
	raw, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^module\s+(\S+)`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("go.mod names no module")
	}
	return string(m[1])
}

// projectImports returns every directory of the repository that has Go files other than tests, with the packages
// of module those files import (as paths within the repository), sorted. Modules nested in the repository (deploy/)
// count as packages too: they live here.
func projectImports(t *testing.T, module string) map[string][]string {
	out := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(must(filepath.Rel(root, filepath.Dir(path))))
		imports := out[pkg]
		if imports == nil {
			imports = []string{}
		}
		for _, spec := range f.Imports {
			p := strings.Trim(spec.Path.Value, `"`)
			if rest, ok := strings.CutPrefix(p, module+"/"); ok && !slices.Contains(imports, rest) {
				imports = append(imports, rest)
			}
		}
		out[pkg] = imports
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for pkg := range out {
		slices.Sort(out[pkg])
	}
	return out
}

// documentedImports reads the table headed Package | Imports: each package with the packages in its second cell,
// sorted.
func documentedImports(t *testing.T, path string) map[string][]string {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile("`([^`]+)`")
	out := map[string][]string{}
	inTable := false
	for _, line := range strings.Split(string(raw), "\n") {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if !strings.HasPrefix(strings.TrimSpace(line), "|") || len(cells) < 2 {
			inTable = false
			continue
		}
		first, second := strings.TrimSpace(cells[0]), strings.TrimSpace(cells[1])
		if first == "Package" && second == "Imports" {
			inTable = true
			continue
		}
		m := name.FindStringSubmatch(first)
		if !inTable || m == nil {
			continue
		}
		imports := []string{}
		for _, i := range name.FindAllStringSubmatch(second, -1) {
			imports = append(imports, i[1])
		}
		slices.Sort(imports)
		if _, dup := out[m[1]]; dup {
			t.Errorf("%s lists %s twice", path, m[1])
		}
		out[m[1]] = imports
	}
	if len(out) == 0 {
		t.Fatalf("%s has no table headed | Package | Imports |", path)
	}
	return out
}

// TestArchitecturePath: every function architecture.md names after its file, as `dir/file.go` `Name` or
// `dir/file.go` `Type.Method`, is declared in that file; and every `Type.Method` or `package.Function` it names
// without a file is declared somewhere in the repository.
func TestArchitecturePath(t *testing.T) {
	raw, err := os.ReadFile("architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(raw)), " ") // a reference may be wrapped across lines
	ref := regexp.MustCompile("`([\\w./-]+\\.go)`\\s+`(?:(\\w+)\\.)?(\\w+)`")
	refs := ref.FindAllStringSubmatch(text, -1)
	if len(refs) < 20 {
		t.Fatalf("architecture.md names %d functions by file; the path of a request names more", len(refs))
	}
	declared := map[string]map[string]bool{} // by file: Name and Type.Method
	for _, m := range refs {
		file, recv, fn := m[1], m[2], m[3]
		decls, ok := declared[file]
		if !ok {
			decls = declarations(t, filepath.Join(root, file), "")
			declared[file] = decls
		}
		if decls == nil {
			t.Errorf("architecture.md names %s, which does not exist", file)
			continue
		}
		name := fn
		if recv != "" {
			name = recv + "." + fn
		}
		if !decls[name] {
			t.Errorf("architecture.md names %s in %s, which declares no such function", name, file)
		}
	}

	// Dotted names without a file: methods of any type of the repository, or functions of its packages.
	anywhere := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			maps.Copy(anywhere, declarations(t, path, filepath.Base(filepath.Dir(path))))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	dotted := regexp.MustCompile("`([A-Za-z_]\\w*\\.[A-Za-z_]\\w*)`")
	files := regexp.MustCompile(`\.(go|md|mod|sh|yaml|json|graphqls|html|ts|mjs)$`)
	for _, m := range dotted.FindAllStringSubmatch(proseOnlyKeepCode(string(raw)), -1) {
		if !files.MatchString(m[1]) && !anywhere[m[1]] && !stdlib[m[1]] {
			t.Errorf("architecture.md names %s, which no type or package of the repository declares", m[1])
		}
	}
}

// stdlib are the standard library's functions architecture.md names.
var stdlib = map[string]bool{"net.Listen": true}

// declarations returns the functions file declares, methods as Type.Method, and with pkg also functions as
// pkg.Function; nil when there is no such file.
func declarations(t *testing.T, file, pkg string) map[string]bool {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		if fd.Recv == nil || len(fd.Recv.List) == 0 {
			out[fd.Name.Name] = true
			if pkg != "" {
				out[pkg+"."+fd.Name.Name] = true
			}
			continue
		}
		typ := fd.Recv.List[0].Type
		if star, ok := typ.(*ast.StarExpr); ok {
			typ = star.X
		}
		if idx, ok := typ.(*ast.IndexExpr); ok { // a generic receiver, T[K]
			typ = idx.X
		}
		if id, ok := typ.(*ast.Ident); ok {
			out[id.Name+"."+fd.Name.Name] = true
		}
	}
	return out
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
