package inventory

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/swarmbook/swarmbook/runner/yaml11"
)

// varsExts are the extensions Ansible tries for group_vars/host_vars files
// ("" first, so a directory NAME/ wins over NAME.yml).
var varsExts = []string{"", ".yml", ".yaml", ".json"}

// varsDir is one directory that may hold group_vars/ and host_vars/ (the
// host_group_vars vars plugin for one path). Files are found and parsed on
// first use and kept.
type varsDir struct {
	dir    string
	groups varsKind
	hosts  varsKind
}

type varsKind struct {
	path    string          // .../group_vars or .../host_vars
	entries map[string]bool // names in path, true for directories; nil: no such dir
	cache   map[string]varsEntry
}

type varsEntry struct {
	vars map[string]any
	err  error
}

func newVarsDir(dir string) *varsDir {
	d := &varsDir{dir: dir}
	d.groups.init(filepath.Join(dir, "group_vars"))
	d.hosts.init(filepath.Join(dir, "host_vars"))
	return d
}

func (k *varsKind) init(path string) {
	k.path = path
	k.cache = map[string]varsEntry{}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return
	}
	k.path = path
	k.entries = make(map[string]bool, len(ents))
	for _, e := range ents {
		isDir := e.IsDir()
		if e.Type()&os.ModeSymlink != 0 {
			if fi, err := os.Stat(filepath.Join(path, e.Name())); err == nil {
				isDir = fi.IsDir()
			}
		}
		k.entries[e.Name()] = isDir
	}
}

// lookup returns the merged variables of the files for entity name.
func (k *varsKind) lookup(name string) (map[string]any, error) {
	if k.entries == nil || name == "" || strings.HasPrefix(name, "/") {
		return nil, nil
	}
	if e, ok := k.cache[name]; ok {
		return e.vars, e.err
	}
	vars, err := k.load(name)
	k.cache[name] = varsEntry{vars, err}
	return vars, err
}

func (k *varsKind) load(name string) (map[string]any, error) {
	var files []string
	for _, ext := range varsExts {
		isDir, ok := k.entries[name+ext]
		if !ok {
			continue
		}
		full := filepath.Join(k.path, name+ext)
		if isDir {
			files = dirVarsFiles(full)
		} else {
			files = []string{full}
		}
		break
	}
	var out map[string]any
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading vars file: %w", err)
		}
		v, err := yaml11.Unmarshal(data, f)
		if err != nil {
			return nil, err
		}
		if !truthy(v) {
			continue // empty files are ignored
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: vars file must hold a dictionary, got %T", f, v)
		}
		if out == nil {
			out = map[string]any{}
		}
		for kk, vv := range m {
			out[kk] = vv
		}
	}
	return out, nil
}

// dirVarsFiles lists a NAME/ directory's vars files, sorted, recursing
// into extension-less subdirectories, skipping hidden and backup files.
func dirVarsFiles(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, ".") || strings.HasSuffix(n, "~") {
			continue
		}
		full := filepath.Join(dir, n)
		ext := filepath.Ext(n)
		fi, err := os.Stat(full)
		if err != nil {
			continue
		}
		switch {
		case fi.IsDir() && ext == "":
			out = append(out, dirVarsFiles(full)...)
		case fi.Mode().IsRegular() && slices.Contains(varsExts, ext):
			out = append(out, full)
		}
	}
	return out
}
