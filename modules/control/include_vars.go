package control

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/yaml11"
)

// includeVars loads variables from YAML/JSON files on the controller
// (include_vars precedence).
type includeVars struct{}

var (
	includeDirArgs  = []string{"dir", "depth", "files_matching", "ignore_files", "extensions", "ignore_unknown_extensions"}
	includeFileArgs = []string{"file", "_raw_params"}
	includeAllArgs  = []string{"name", "hash_behaviour"}
)

func (includeVars) Spec() modules.Spec {
	return modules.Spec{FreeForm: true, AnyParams: true, NeedsVars: true}
}

// loader is one include_vars run.
type loader struct {
	extensions    []string
	ignore        []string
	matcher       *regexp.Regexp
	ignoreUnknown bool
	files         []any
}

func (includeVars) Run(_ context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	dirs, files := 0, 0
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch {
		case contains(includeDirArgs, k):
			dirs++
		case contains(includeFileArgs, k):
			files++
		case contains(includeAllArgs, k):
		default:
			return failed(k + " is not a valid option in include_vars"), nil
		}
	}
	if dirs > 0 && files > 0 {
		return failed("You are mixing file only and dir only arguments, these are incompatible"), nil
	}
	l := &loader{extensions: []string{"yaml", "yml", "json"}, files: []any{}}
	if v, ok := a["extensions"]; ok {
		switch e := v.(type) {
		case []any:
			l.extensions = nil
			for _, x := range e {
				l.extensions = append(l.extensions, modules.PyStr(x))
			}
		case string:
			// Ansible does list(str): one extension per character.
			l.extensions = strings.Split(e, "")
		default:
			return failed(`Invalid type for "extensions" option, it must be a list`), nil
		}
	}
	l.ignoreUnknown, _ = modules.ParseBool(a["ignore_unknown_extensions"])

	results := map[string]any{}
	var errMsg string
	dir := a.Str("dir")
	file := a.Str("file")
	if dir == "" && file == "" {
		file = strings.TrimRight(a.Str("_raw_params"), "\n")
	}
	if dir != "" {
		depth, err := toInt("depth", a["depth"])
		if err != nil {
			return failed(err.Error()), nil
		}
		if m := a.Str("files_matching"); m != "" {
			re, err := regexp.Compile(m)
			if err != nil {
				return failed(fmt.Sprintf("Invalid regular expression: %s", m)), nil
			}
			l.matcher = re
		}
		switch ig := a["ignore_files"].(type) {
		case string:
			l.ignore = strings.Fields(ig)
		case []any:
			for _, x := range ig {
				l.ignore = append(l.ignore, modules.PyStr(x))
			}
		case map[string]any:
			return failed(fmt.Sprintf("%s must be a list", modules.PyStr(ig))), nil
		}
		root := dir
		if t.Files != nil {
			if p, err := t.Files.Find("vars", dir); err == nil {
				root = p
			}
		}
		errMsg = l.loadDir(root, depth, results)
	} else {
		path := file
		var err error
		if t.Files != nil {
			path, err = t.Files.Find("vars", file)
		}
		if err != nil {
			errMsg = err.Error()
		} else {
			errMsg = l.loadFile(path, false, results)
		}
	}
	if name := a.Str("name"); name != "" {
		results = map[string]any{name: results}
	}
	f := map[string]any{"ansible_included_var_files": l.files}
	if errMsg != "" {
		f["ansible_facts"] = map[string]any{}
		f["message"] = errMsg
		return modules.Outcome{Failed: true, Fields: f}, nil
	}
	if hb := a.Str("hash_behaviour"); hb == "merge" {
		for k, v := range results {
			results[k] = merge(t.Vars[k], v)
		}
	}
	f["ansible_facts"] = results
	return modules.Outcome{IncludedVars: results, Fields: f}, nil
}

// merge is Ansible's combine_vars with merge: dicts merged recursively.
func merge(old, v any) any {
	om, ok1 := old.(map[string]any)
	nm, ok2 := v.(map[string]any)
	if !ok1 || !ok2 {
		return v
	}
	out := map[string]any{}
	for k, x := range om {
		out[k] = x
	}
	for k, x := range nm {
		out[k] = merge(out[k], x)
	}
	return out
}

func (l *loader) validExt(name string) bool {
	ext := filepath.Ext(name)
	return ext != "" && contains(l.extensions, ext[1:])
}

// loadFile reads one vars file into results; it returns an error message.
func (l *loader) loadFile(path string, checkExt bool, results map[string]any) string {
	if checkExt && !l.validExt(path) {
		return fmt.Sprintf("%s does not have a valid extension: %s", path, strings.Join(l.extensions, ", "))
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("Could not find or access '%s' on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option", path)
	}
	if strings.HasPrefix(string(data), "$ANSIBLE_VAULT") {
		return fmt.Sprintf("%s is vault-encrypted, which swarmbook does not support", path)
	}
	v, err := yaml11.Unmarshal(data, path)
	if err != nil {
		return err.Error()
	}
	if v == nil {
		v = map[string]any{}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Sprintf("%s must be stored as a dictionary/hash", path)
	}
	l.files = append(l.files, path)
	for k, x := range m {
		results[k] = x
	}
	return ""
}

func (l *loader) ignored(name string) (bool, string) {
	for _, p := range l.ignore {
		re, err := regexp.Compile(p + "$")
		if err != nil {
			return false, "Invalid regular expression: " + p
		}
		if re.MatchString(name) {
			return true, ""
		}
	}
	return false, ""
}

// loadDir loads the vars files under root as Ansible's include_vars dir=
// does: directories in sorted path order, at most depth of them (0: all),
// files sorted by name in each.
func (l *loader) loadDir(root string, depth int, results map[string]any) string {
	st, err := os.Stat(root)
	if err != nil {
		return fmt.Sprintf("%s directory does not exist", root)
	}
	if !st.IsDir() {
		return fmt.Sprintf("%s is not a directory", root)
	}
	type dirFiles struct {
		dir   string
		files []string
	}
	var walk []dirFiles
	var visit func(dir string)
	visit = func(dir string) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		d := dirFiles{dir: dir}
		var subdirs []string
		for _, e := range entries {
			full := filepath.Join(dir, e.Name())
			info, err := os.Stat(full)
			if err == nil && info.IsDir() {
				if e.Type()&os.ModeSymlink == 0 {
					subdirs = append(subdirs, full)
				}
				continue
			}
			d.files = append(d.files, e.Name())
		}
		walk = append(walk, d)
		for _, s := range subdirs {
			visit(s)
		}
	}
	visit(root)
	sort.Slice(walk, func(i, j int) bool { return walk[i].dir < walk[j].dir })
	for i, d := range walk {
		if depth != 0 && i+1 > depth {
			break
		}
		sort.Strings(d.files)
		for _, name := range d.files {
			if l.matcher != nil && !l.matcher.MatchString(name) {
				continue
			}
			skip, msg := l.ignored(name)
			if msg != "" {
				return msg
			}
			if skip || (l.ignoreUnknown && !l.validExt(name)) {
				continue
			}
			if msg := l.loadFile(filepath.Join(d.dir, name), true, results); msg != "" {
				return msg
			}
		}
	}
	return ""
}
