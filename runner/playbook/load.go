package playbook

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/swarmbook/swarmbook/runner/yaml11"
)

// maxErrors bounds how many errors one load collects before giving up.
const maxErrors = 20

// load is the state of one Load* call: files read, the include chain for
// cycle detection, role instances of the current play, collected errors.
type load struct {
	l      *Loader
	pbDir  string
	src    map[string][]byte
	chain  []string // files being loaded, outermost first
	roles  map[string]*Role
	errs   Errors
	play   *Play
	warned map[string]bool
}

func (l *Loader) newLoad(pbDir string) *load {
	return &load{l: l, pbDir: pbDir, src: map[string][]byte{}, roles: map[string]*Role{}, warned: map[string]bool{}}
}

// err returns the collected errors, or nil.
func (ld *load) err() error {
	switch len(ld.errs) {
	case 0:
		return nil
	case 1:
		return ld.errs[0]
	}
	return ld.errs
}

func (ld *load) errorAt(pos Pos, msg string) {
	if len(ld.errs) >= maxErrors {
		return
	}
	prev, cur := yaml11.SourceLines(ld.src[pos.File], pos.Line)
	ld.errs = append(ld.errs, &Error{Pos: pos, Msg: msg, SourceLine: cur, PrevLine: prev})
}

func (ld *load) errorf(n *yaml11.Node, format string, args ...any) {
	pos := Pos{}
	if n != nil {
		pos = posOf(n)
	}
	ld.errorAt(pos, fmt.Sprintf(format, args...))
}

func (ld *load) warn(msg string) {
	if ld.l.Warn != nil && !ld.warned[msg] {
		ld.warned[msg] = true
		ld.l.Warn(msg)
	}
}

// readYAML reads and decodes the single document of path (nil for an empty
// file). Errors are collected; ok is false when the file is unusable.
func (ld *load) readYAML(path string, from Pos) (*yaml11.Node, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		msg := fmt.Sprintf("Unable to retrieve file contents\nCould not find or access '%s'", path)
		if !os.IsNotExist(err) {
			msg = fmt.Sprintf("Unable to read '%s': %v", path, err)
		}
		ld.errorAt(from, msg)
		return nil, false
	}
	ld.src[path] = data
	docs, err := yaml11.ParseWarn(data, path, ld.warn)
	if err != nil {
		if e, ok := fromYAML(err).(*Error); ok && len(ld.errs) < maxErrors {
			ld.errs = append(ld.errs, e)
		}
		return nil, false
	}
	switch len(docs) {
	case 0:
		return nil, true
	case 1:
		return docs[0], true
	}
	ld.errorf(docs[1], "expected a single document in the stream")
	return nil, false
}

// enter pushes path on the include chain; it reports a cycle as an error.
func (ld *load) enter(path string, from Pos) bool {
	for i, p := range ld.chain {
		if p == path {
			chain := append(append([]string(nil), ld.chain[i:]...), path)
			ld.errorAt(from, "recursive include detected: "+strings.Join(chain, " -> "))
			return false
		}
	}
	ld.chain = append(ld.chain, path)
	return true
}

func (ld *load) leave() { ld.chain = ld.chain[:len(ld.chain)-1] }

// abs makes name absolute relative to dir.
func abs(dir, name string) string {
	if filepath.IsAbs(name) {
		return filepath.Clean(name)
	}
	return filepath.Join(dir, name)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// LoadVarsFile reads a YAML vars file (vars_files, role vars, group_vars):
// a mapping of variable names, or an empty file.
func LoadVarsFile(path string) (Vars, error) {
	ld := (&Loader{}).newLoad(filepath.Dir(path))
	v := ld.varsFile(path, Pos{File: path})
	return v, ld.err()
}

func (ld *load) varsFile(path string, from Pos) Vars {
	n, ok := ld.readYAML(path, from)
	if !ok || n == nil {
		return Vars{Values: map[string]any{}}
	}
	if n.Kind != yaml11.Map {
		ld.errorf(n, "vars file %s was not found or is not a dictionary of variables", path)
		return Vars{Values: map[string]any{}}
	}
	return ld.vars(n, "a vars file")
}
