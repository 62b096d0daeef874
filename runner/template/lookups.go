package template

import (
	"context"
	"crypto/sha1"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

type lookupFunc func(r *run, terms []any, kw map[string]any) ([]any, error)

func builtinLookups() map[string]lookupFunc {
	l := map[string]lookupFunc{
		"file":          lFile,
		"env":           lEnv,
		"template":      lTemplate,
		"pipe":          lPipe,
		"vars":          lVars,
		"first_found":   lFirstFound,
		"items":         func(_ *run, t []any, _ map[string]any) ([]any, error) { return flattenOnce(t), nil },
		"list":          func(_ *run, t []any, _ map[string]any) ([]any, error) { return t, nil },
		"dict":          lDict,
		"indexed_items": lIndexedItems,
		"sequence":      lSequence,
		"subelements":   lSubelements,
		"together":      lTogether,
		"nested":        lNested,
		"fileglob":      lFileglob,
	}
	for name, f := range l {
		l["ansible.builtin."+name] = f
	}
	return l
}

// Lookup runs lookup plugin name on terms as a with_<name> loop does and returns its list.
func (e *Engine) Lookup(ctx context.Context, name string, terms []any, kw map[string]any, s Scope) ([]any, error) {
	f, ok := e.lookups[name]
	if !ok {
		return nil, fmt.Errorf("lookup plugin (%s) not found", name)
	}
	st := e.newState(ctx, s)
	r := &run{st: st, tpl: &compiled{}, vars: newFrame(nil)}
	if kw == nil {
		kw = map[string]any{}
	}
	return f(r, terms, kw)
}

func flattenOnce(terms []any) []any {
	out := []any{}
	for _, t := range terms {
		if l, ok := normalize(t).([]any); ok {
			out = append(out, l...)
		} else {
			out = append(out, t)
		}
	}
	return out
}

func builtinGlobals() map[string]any {
	return map[string]any{
		"lookup": builtinFunc(func(r *run, args []any, kw map[string]any) (any, error) { return r.lookupCall(args, kw, false) }),
		"query":  builtinFunc(func(r *run, args []any, kw map[string]any) (any, error) { return r.lookupCall(args, kw, true) }),
		"q":      builtinFunc(func(r *run, args []any, kw map[string]any) (any, error) { return r.lookupCall(args, kw, true) }),
		"range":  builtinFunc(gRange),
		"dict": builtinFunc(func(_ *run, args []any, kw map[string]any) (any, error) {
			out := map[string]any{}
			if len(args) == 1 {
				if m, ok := toMap(args[0]); ok {
					for k, v := range m {
						out[k] = v
					}
				} else if l, err := toList(args[0]); err == nil {
					for _, p := range l {
						pair, err := toList(p)
						if err != nil || len(pair) != 2 {
							return nil, fmt.Errorf("dictionary update sequence element has wrong length")
						}
						out[pyStr(pair[0])] = pair[1]
					}
				}
			}
			for k, v := range kw {
				out[k] = v
			}
			return out, nil
		}),
		"namespace": builtinFunc(func(_ *run, _ []any, kw map[string]any) (any, error) {
			ns := &namespace{vals: map[string]any{}}
			for k, v := range kw {
				ns.vals[k] = v
			}
			return ns, nil
		}),
	}
}

func gRange(_ *run, args []any, _ map[string]any) (any, error) {
	ints := make([]int, len(args))
	for i, a := range args {
		n, ok := intOnly(normalize(a))
		if !ok {
			return nil, fmt.Errorf("'%s' object cannot be interpreted as an integer", pyTypeName(a))
		}
		ints[i] = n
	}
	start, stop, step := 0, 0, 1
	switch len(ints) {
	case 1:
		stop = ints[0]
	case 2:
		start, stop = ints[0], ints[1]
	case 3:
		start, stop, step = ints[0], ints[1], ints[2]
	default:
		return nil, fmt.Errorf("range expected 1 to 3 arguments, got %d", len(ints))
	}
	if step == 0 {
		return nil, fmt.Errorf("range() arg 3 must not be zero")
	}
	out := []any{}
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		if len(out) > 100000 {
			return nil, fmt.Errorf("range too big, maximum length is 100000")
		}
		out = append(out, i)
	}
	return out, nil
}

// lookupCall implements lookup()/query(): wantlist, errors=strict|warn|ignore.
func (r *run) lookupCall(args []any, kw map[string]any, wantlist bool) (any, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("lookup requires a plugin name")
	}
	name := pyStr(args[0])
	f, ok := r.st.e.lookups[name]
	if !ok {
		return nil, fmt.Errorf("lookup plugin (%s) not found", name)
	}
	opts := map[string]any{}
	for k, v := range kw {
		opts[k] = v
	}
	if w, ok := opts["wantlist"]; ok {
		wantlist, _ = truth(w)
		delete(opts, "wantlist")
	}
	errMode := "strict"
	if e, ok := opts["errors"]; ok {
		errMode = pyStr(e)
		delete(opts, "errors")
	}
	delete(opts, "allow_unsafe")
	terms := args[1:]
	if err := checkDefined(terms); err != nil {
		return nil, err
	}
	ran, err := f(r, terms, opts)
	if err != nil {
		if asUndefined(err) != nil || errMode == "strict" {
			return nil, err
		}
		if errMode == "warn" {
			r.st.e.opts.Warn("Lookup failed but the error is being ignored: " + err.Error())
		}
		if wantlist {
			return []any{}, nil
		}
		return nil, nil
	}
	if wantlist || len(ran) == 0 {
		return ran, nil
	}
	parts := make([]string, len(ran))
	for i, x := range ran {
		s, ok := x.(string)
		if !ok {
			if len(ran) == 1 {
				return ran[0], nil
			}
			return ran, nil
		}
		parts[i] = s
	}
	return strings.Join(parts, ","), nil
}

func (r *run) find(subdir, name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	if r.st.e.opts.Find != nil {
		return r.st.e.opts.Find(subdir, name)
	}
	// Without a finder, search as Ansible does from the scope: the role's
	// directory, then the playbook's.
	var cands []string
	for _, v := range []string{"role_path", "playbook_dir"} {
		dir, ok := r.st.scope.Lookup(v)
		if d, isStr := dir.(string); ok && isStr && d != "" {
			cands = append(cands, filepath.Join(d, subdir, name), filepath.Join(d, name))
		}
	}
	for _, c := range cands {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	return name, nil
}

func lFile(r *run, terms []any, kw map[string]any) ([]any, error) {
	out := []any{}
	for _, t := range terms {
		name := pyStr(t)
		path, err := r.find("files", name)
		if err != nil {
			return nil, fmt.Errorf("could not locate file in lookup: %s", name)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("could not locate file in lookup: %s", name)
		}
		s := strings.ToValidUTF8(string(b), "\uFFFD")
		if argBool(nil, kw, -1, "lstrip", false) {
			s = pyStrip(s, "", "lstrip")
		}
		if argBool(nil, kw, -1, "rstrip", true) {
			s = pyStrip(s, "", "rstrip")
		}
		out = append(out, s)
	}
	return out, nil
}

func lEnv(_ *run, terms []any, kw map[string]any) ([]any, error) {
	def := arg(nil, kw, -1, "default", "")
	out := []any{}
	for _, t := range terms {
		fields := strings.Fields(pyStr(t))
		if len(fields) == 0 {
			return nil, fmt.Errorf("env lookup needs a variable name")
		}
		if v, ok := os.LookupEnv(fields[0]); ok {
			out = append(out, v)
		} else {
			if _, undef := def.(*Undefined); undef {
				return nil, &UndefinedError{Name: fields[0], msg: fmt.Sprintf(`The "env" lookup, found an undefined variable: %s`, fields[0])}
			}
			out = append(out, def)
		}
	}
	return out, nil
}

func lTemplate(r *run, terms []any, kw map[string]any) ([]any, error) {
	out := []any{}
	for _, t := range terms {
		name := pyStr(t)
		path, err := r.find("templates", name)
		if err != nil {
			return nil, fmt.Errorf("the template file %s could not be found for the lookup", name)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("the template file %s could not be found for the lookup", name)
		}
		var s Scope = r.st.scope
		if tv, ok := toMap(kw["template_vars"]); ok {
			s = overlayScope{vars: tv, base: s}
		}
		c, err := r.st.e.compile(string(b), false)
		if err != nil {
			return nil, err
		}
		st := r.st.e.newState(r.st.ctx, s)
		res, err := st.exec(c, argBool(nil, kw, -1, "convert_data", false))
		if err != nil {
			return nil, err
		}
		out = append(out, res)
	}
	return out, nil
}

type overlayScope struct {
	vars map[string]any
	base Scope
}

func (o overlayScope) Lookup(name string) (any, bool) {
	if v, ok := o.vars[name]; ok {
		return v, true
	}
	return o.base.Lookup(name)
}

func lPipe(r *run, terms []any, _ map[string]any) ([]any, error) {
	out := []any{}
	for _, t := range terms {
		cmd := pyStr(t)
		c := exec.CommandContext(r.st.ctx, "/bin/sh", "-c", cmd)
		c.Stderr = os.Stderr
		b, err := c.Output()
		if err != nil {
			code := -1
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			return nil, fmt.Errorf("lookup_plugin.pipe(%s) returned %d", cmd, code)
		}
		out = append(out, strings.TrimRight(string(b), " \t\r\n\v\f"))
	}
	return out, nil
}

func lVars(r *run, terms []any, kw map[string]any) ([]any, error) {
	def, hasDef := kw["default"]
	out := []any{}
	for _, t := range terms {
		name, ok := t.(string)
		if !ok {
			return nil, fmt.Errorf(`Invalid setting identifier, "%s" is not a string, its a <class '%s'>`, pyStr(t), pyTypeName(t))
		}
		v, found, err := r.st.variable(name)
		if err != nil {
			return nil, err
		}
		if !found {
			if hasDef && def != nil {
				out = append(out, def)
				continue
			}
			return nil, &UndefinedError{Name: name, msg: "No variable found with this name: " + name}
		}
		if u, isU := v.(*Undefined); isU {
			if hasDef && def != nil {
				out = append(out, def)
				continue
			}
			return nil, u.err()
		}
		out = append(out, v)
	}
	return out, nil
}

func splitOn(v any, seps string) []string {
	var out []string
	switch x := v.(type) {
	case nil:
	case string:
		for _, p := range strings.FieldsFunc(x, func(r rune) bool { return strings.ContainsRune(seps, r) }) {
			out = append(out, strings.TrimSpace(p))
		}
	case []any:
		for _, e := range x {
			out = append(out, splitOn(e, seps)...)
		}
	}
	return out
}

func lFirstFound(r *run, terms []any, kw map[string]any) ([]any, error) {
	var search []string
	skip := false
	var process func(terms []any)
	process = func(terms []any) {
		for _, t := range terms {
			opts := kw
			switch x := t.(type) {
			case map[string]any:
				opts = x
			case []any:
				process(x)
				continue
			}
			files := splitOn(opts["files"], ",;")
			paths := splitOn(opts["paths"], ",:;")
			skip, _ = truth(opts["skip"])
			switch {
			case len(paths) > 0:
				for _, p := range paths {
					for _, f := range files {
						search = append(search, filepath.Join(p, f))
					}
				}
			case len(files) > 0:
				search = files
			default:
				search = append(search, pyStr(t))
			}
		}
	}
	process(terms)
	for _, fn := range search {
		name, err := r.st.template(fn)
		if err != nil {
			if asUndefined(err) != nil {
				continue
			}
			return nil, err
		}
		path, err := r.find("files", pyStr(name))
		if err != nil {
			continue
		}
		if _, err := os.Stat(path); err == nil {
			return []any{path}, nil
		}
	}
	if skip {
		return []any{}, nil
	}
	return nil, fmt.Errorf("No file was found when using first_found.")
}

func lDict(_ *run, terms []any, _ map[string]any) ([]any, error) {
	out := []any{}
	for _, t := range terms {
		m, ok := toMap(t)
		if !ok {
			return nil, fmt.Errorf("with_dict expects a dict")
		}
		for _, k := range sortedKeys(m) {
			out = append(out, map[string]any{"key": k, "value": m[k]})
		}
	}
	return out, nil
}

func lIndexedItems(_ *run, terms []any, _ map[string]any) ([]any, error) {
	items := flattenOnce(terms)
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = tuple{i, it}
	}
	return out, nil
}

var seqNum = `(0?x?[0-9a-f]+)`
var seqShortcutRE = regexp.MustCompile(`(?i)^(` + seqNum + `-)?` + seqNum + `(/` + seqNum + `)?(:(.+))?$`)

func pyIntAuto(s string) (int, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 0, 64)
	if err != nil {
		// Python's int(x, 0) rejects leading zeros; "0664" style octal is Go's too
		return 0, err
	}
	return int(n), nil
}

func lSequence(_ *run, terms []any, _ map[string]any) ([]any, error) {
	out := []any{}
	for _, t := range terms {
		term := pyStr(t)
		start, end, stride, count, format := 1, 0, 1, 0, "%d"
		hasEnd, hasCount := false, false
		if m := seqShortcutRE.FindStringSubmatch(term); m != nil {
			var err error
			if m[2] != "" {
				if start, err = pyIntAuto(m[2]); err != nil {
					return nil, fmt.Errorf("can't parse start=%s as integer", m[2])
				}
			}
			if end, err = pyIntAuto(m[3]); err != nil {
				return nil, fmt.Errorf("can't parse end=%s as integer", m[3])
			}
			hasEnd = true
			if m[5] != "" {
				if stride, err = pyIntAuto(m[5]); err != nil {
					return nil, fmt.Errorf("can't parse stride=%s as integer", m[5])
				}
			}
			if m[7] != "" {
				format = m[7]
			}
		} else {
			kv, err := parseKV(term)
			if err != nil {
				return nil, fmt.Errorf("unknown error parsing with_sequence arguments: %s. Error was: %v", pyRepr(term), err)
			}
			for _, k := range []string{"start", "end", "count", "stride"} {
				raw, ok := kv[k]
				if !ok {
					continue
				}
				delete(kv, k)
				n, err := pyIntAuto(raw)
				if err != nil {
					return nil, fmt.Errorf("can't parse %s=%s as integer", k, raw)
				}
				switch k {
				case "start":
					start = n
				case "end":
					end, hasEnd = n, true
				case "count":
					count, hasCount = n, true
				case "stride":
					stride = n
				}
			}
			if f, ok := kv["format"]; ok {
				format = f
				delete(kv, "format")
			}
			if len(kv) > 0 {
				keys := make([]any, 0, len(kv))
				for k := range kv {
					keys = append(keys, k)
				}
				return nil, fmt.Errorf("unrecognized arguments to with_sequence: %s", pyRepr(keys))
			}
		}
		switch {
		case !hasCount && !hasEnd:
			return nil, fmt.Errorf("must specify count or end in with_sequence")
		case hasCount && hasEnd:
			return nil, fmt.Errorf("can't specify both count and end in with_sequence")
		case hasCount:
			if count != 0 {
				end = start + count*stride - 1
			} else {
				start, end, stride = 0, 0, 0
			}
		}
		if stride > 0 && end < start {
			return nil, fmt.Errorf("to count backwards make stride negative")
		}
		if stride < 0 && end > start {
			return nil, fmt.Errorf("to count forward don't make stride negative")
		}
		if strings.Count(format, "%") != 1 {
			return nil, fmt.Errorf("bad formatting string: %s", format)
		}
		if stride == 0 {
			continue
		}
		adjust := 1
		if stride < 0 {
			adjust = -1
		}
		for i := start; (stride > 0 && i < end+adjust) || (stride < 0 && i > end+adjust); i += stride {
			s, err := pyPercent(format, i)
			if err != nil {
				return nil, fmt.Errorf("problem formatting %d with %s", i, pyRepr(format))
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// parseKV parses "k=v k2='v 2'" as Ansible's parse_kv does for simple cases.
func parseKV(s string) (map[string]string, error) {
	out := map[string]string{}
	var tokens []string
	var cur strings.Builder
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote = r
		case r == ' ' || r == '\t':
			if cur.Len() > 0 {
				tokens = append(tokens, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		tokens = append(tokens, cur.String())
	}
	for _, t := range tokens {
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			return nil, fmt.Errorf("invalid argument %q", t)
		}
		out[strings.TrimSpace(k)] = v
	}
	return out, nil
}

func lSubelements(_ *run, terms []any, _ map[string]any) ([]any, error) {
	if len(terms) < 2 || len(terms) > 3 {
		return nil, fmt.Errorf("subelements lookup expects a list of two or three items, ")
	}
	skip := false
	if len(terms) == 3 {
		flags, ok := toMap(terms[2])
		if !ok {
			return nil, fmt.Errorf("the optional third item of the subelements lookup must be a dictionary with flags")
		}
		skip, _ = truth(flags["skip_missing"])
	}
	var elements []any
	switch x := terms[0].(type) {
	case []any:
		elements = x
	case map[string]any, Mapping:
		m, _ := toMap(x)
		for _, k := range sortedKeys(m) {
			elements = append(elements, m[k])
		}
	default:
		return nil, fmt.Errorf("subelements lookup expects a dictionary, got '%s'", pyStr(terms[0]))
	}
	key, ok := terms[1].(string)
	if !ok {
		return nil, fmt.Errorf("subelements lookup expects a string as second item")
	}
	out := []any{}
	for _, el := range elements {
		m, ok := toMap(el)
		if !ok {
			return nil, fmt.Errorf("subelements lookup expects a list of dictionaries")
		}
		if skipped, _ := truth(m["skipped"]); skipped {
			continue
		}
		values := any(m)
		for i, part := range strings.Split(key, ".") {
			vm, _ := toMap(values)
			next, found := vm[part]
			if !found {
				if skip {
					values = []any{}
					break
				}
				return nil, fmt.Errorf("could not find '%s' key in iterated item '%s'", part, pyStr(values))
			}
			values = next
			_ = i
		}
		l, ok := values.([]any)
		if !ok {
			return nil, fmt.Errorf("the key %s should point to a list, got '%s'", key, pyStr(values))
		}
		for _, v := range l {
			out = append(out, []any{el, v})
		}
	}
	return out, nil
}

func listifyTerm(t any) []any {
	if l, ok := t.([]any); ok {
		return l
	}
	return []any{t}
}

func lTogether(_ *run, terms []any, _ map[string]any) ([]any, error) {
	if len(terms) == 0 {
		return nil, fmt.Errorf("with_together requires at least one element in each list")
	}
	lists := make([][]any, len(terms))
	for i, t := range terms {
		lists[i] = listifyTerm(t)
	}
	rows := zipLists(lists, true, nil)
	for i, row := range rows {
		rows[i] = flattenOnce(normalize(row).([]any))
	}
	return rows, nil
}

func lNested(_ *run, terms []any, _ map[string]any) ([]any, error) {
	if len(terms) == 0 {
		return nil, fmt.Errorf("with_nested requires at least one element in the nested list")
	}
	result := listifyTerm(terms[0])
	for _, t := range terms[1:] {
		next := []any{}
		for _, x := range result {
			for _, y := range listifyTerm(t) {
				next = append(next, flattenOnce([]any{x, y}))
			}
		}
		result = next
	}
	out := make([]any, len(result))
	for i, x := range result {
		out[i] = flattenOnce([]any{x})
		if _, isList := x.([]any); !isList {
			out[i] = x
		}
	}
	return out, nil
}

func lFileglob(r *run, terms []any, _ map[string]any) ([]any, error) {
	out := []any{}
	for _, t := range terms {
		term := pyStr(t)
		var dirs []string
		base := filepath.Base(term)
		if base != term {
			d, err := r.find("files", filepath.Dir(term))
			if err == nil {
				dirs = append(dirs, d)
			}
		} else if r.st.e.opts.Find != nil {
			if d, err := r.st.e.opts.Find("files", "."); err == nil {
				dirs = append(dirs, d)
			}
		} else {
			dirs = append(dirs, ".")
		}
		for _, d := range dirs {
			matches, _ := filepath.Glob(filepath.Join(d, base))
			var found []any
			for _, m := range matches {
				if st, err := os.Stat(m); err == nil && st.Mode().IsRegular() {
					found = append(found, m)
				}
			}
			if len(found) > 0 {
				out = append(out, found...)
				break
			}
		}
	}
	return out, nil
}

// ansibleUUIDNamespace is Ansible's UUID_NAMESPACE_ANSIBLE.
const ansibleUUIDNamespace = "361E6D51-FAEC-444A-9079-341386DA8E2E"

func fToUUID(_ *run, v any, args []any, kw map[string]any) (any, error) {
	s, err := toText(v)
	if err != nil {
		return nil, err
	}
	ns := strings.ReplaceAll(strings.ToLower(argStr(args, kw, 0, "namespace", ansibleUUIDNamespace)), "-", "")
	nsBytes := make([]byte, 16)
	if len(ns) != 32 {
		return nil, fmt.Errorf("badly formed hexadecimal UUID string")
	}
	for i := 0; i < 16; i++ {
		b, err := strconv.ParseUint(ns[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, fmt.Errorf("badly formed hexadecimal UUID string")
		}
		nsBytes[i] = byte(b)
	}
	h := sha1.Sum(append(nsBytes, []byte(s)...))
	u := h[:16]
	u[6] = (u[6] & 0x0f) | 0x50
	u[8] = (u[8] & 0x3f) | 0x80
	x := fmt.Sprintf("%x", u)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32], nil
}
