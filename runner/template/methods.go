package template

import (
	"fmt"
	"strings"
	"unicode"
)

// method returns a bound Python method of obj, or nil when obj has none by that name.
func method(obj any, name string) builtinFunc {
	switch o := obj.(type) {
	case string:
		return strMethod(o, name)
	case map[string]any, Mapping:
		return dictMethod(o, name)
	case []any:
		return listMethod(o, name)
	}
	return nil
}

func argString(args []any, i int, def string) (string, bool) {
	if i >= len(args) || args[i] == nil {
		return def, true
	}
	s, ok := args[i].(string)
	return s, ok
}

func strMethod(s, name string) builtinFunc {
	switch name {
	case "split", "rsplit":
		return func(_ *run, args []any, kw map[string]any) (any, error) {
			sep, hasSep := args0(args, kw, "sep")
			n := -1
			if m, ok := argAt(args, kw, 1, "maxsplit"); ok {
				n, _ = toInt(m)
			}
			var parts []string
			if !hasSep || sep == nil {
				parts = pySplitWhitespace(s, n)
			} else {
				sepS, ok := sep.(string)
				if !ok || sepS == "" {
					return nil, fmt.Errorf("empty separator")
				}
				if n < 0 {
					parts = strings.Split(s, sepS)
				} else if name == "split" {
					parts = strings.SplitN(s, sepS, n+1)
				} else {
					parts = rsplitN(s, sepS, n)
				}
			}
			return strList(parts), nil
		}
	case "strip", "lstrip", "rstrip":
		return func(_ *run, args []any, _ map[string]any) (any, error) {
			chars, _ := argString(args, 0, "")
			return pyStrip(s, chars, name), nil
		}
	case "lower":
		return noArgs(strings.ToLower(s))
	case "upper":
		return noArgs(strings.ToUpper(s))
	case "title":
		return noArgs(pyTitle(s))
	case "capitalize":
		return noArgs(pyCapitalize(s))
	case "splitlines":
		return noArgs(strList(pySplitLines(s)))
	case "isdigit":
		return noArgs(s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) }) < 0)
	case "isalpha":
		return noArgs(s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) < 0)
	case "startswith", "endswith":
		return func(_ *run, args []any, _ map[string]any) (any, error) {
			if len(args) == 0 {
				return nil, fmt.Errorf("%s() takes at least 1 argument (0 given)", name)
			}
			cands := []any{args[0]}
			if l, ok := args[0].([]any); ok {
				cands = l
			}
			for _, c := range cands {
				p, ok := c.(string)
				if !ok {
					return nil, fmt.Errorf("%s first arg must be str or a tuple of str, not %s", name, pyTypeName(c))
				}
				if name == "startswith" && strings.HasPrefix(s, p) || name == "endswith" && strings.HasSuffix(s, p) {
					return true, nil
				}
			}
			return false, nil
		}
	case "replace":
		return func(_ *run, args []any, _ map[string]any) (any, error) {
			old, ok1 := argString(args, 0, "")
			nw, ok2 := argString(args, 1, "")
			if len(args) < 2 || !ok1 || !ok2 {
				return nil, fmt.Errorf("replace() arguments must be str")
			}
			n := -1
			if len(args) > 2 {
				n, _ = toInt(args[2])
			}
			return strings.Replace(s, old, nw, n), nil
		}
	case "find", "index", "count":
		return func(_ *run, args []any, _ map[string]any) (any, error) {
			sub, ok := argString(args, 0, "")
			if !ok || len(args) == 0 {
				return nil, fmt.Errorf("must be str")
			}
			switch name {
			case "count":
				return strings.Count(s, sub), nil
			}
			i := strings.Index(s, sub)
			if i >= 0 {
				i = len([]rune(s[:i]))
			} else if name == "index" {
				return nil, fmt.Errorf("substring not found")
			}
			return i, nil
		}
	case "join":
		return func(_ *run, args []any, _ map[string]any) (any, error) {
			if len(args) != 1 {
				return nil, fmt.Errorf("join() takes exactly one argument")
			}
			items, err := toList(args[0])
			if err != nil {
				return nil, err
			}
			parts := make([]string, len(items))
			for i, it := range items {
				p, ok := it.(string)
				if !ok {
					return nil, fmt.Errorf("sequence item %d: expected str instance, %s found", i, pyTypeName(it))
				}
				parts[i] = p
			}
			return strings.Join(parts, s), nil
		}
	case "format":
		return func(_ *run, args []any, kw map[string]any) (any, error) {
			return pyFormat(s, args, kw)
		}
	}
	return nil
}

func noArgs(v any) builtinFunc {
	return func(*run, []any, map[string]any) (any, error) { return v, nil }
}

func args0(args []any, kw map[string]any, name string) (any, bool) { return argAt(args, kw, 0, name) }

func argAt(args []any, kw map[string]any, i int, name string) (any, bool) {
	if i < len(args) {
		return args[i], true
	}
	v, ok := kw[name]
	return v, ok
}

func strList(parts []string) []any {
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out
}

func pySplitWhitespace(s string, n int) []string {
	if n < 0 {
		return strings.Fields(s)
	}
	var out []string
	rest := strings.TrimLeftFunc(s, unicode.IsSpace)
	for rest != "" {
		if len(out) == n {
			out = append(out, rest)
			break
		}
		i := strings.IndexFunc(rest, unicode.IsSpace)
		if i < 0 {
			out = append(out, rest)
			break
		}
		out = append(out, rest[:i])
		rest = strings.TrimLeftFunc(rest[i:], unicode.IsSpace)
	}
	return out
}

func rsplitN(s, sep string, n int) []string {
	var out []string
	for len(out) < n {
		i := strings.LastIndex(s, sep)
		if i < 0 {
			break
		}
		out = append([]string{s[i+len(sep):]}, out...)
		s = s[:i]
	}
	return append([]string{s}, out...)
}

func pyStrip(s, chars, which string) string {
	if chars == "" {
		switch which {
		case "lstrip":
			return strings.TrimLeftFunc(s, unicode.IsSpace)
		case "rstrip":
			return strings.TrimRightFunc(s, unicode.IsSpace)
		}
		return strings.TrimSpace(s)
	}
	switch which {
	case "lstrip":
		return strings.TrimLeft(s, chars)
	case "rstrip":
		return strings.TrimRight(s, chars)
	}
	return strings.Trim(s, chars)
}

func pySplitLines(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexAny(s, "\n\r")
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i])
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
	return out
}

// pyTitle is Python's str.title().
func pyTitle(s string) string {
	var b strings.Builder
	prevCased := false
	for _, r := range s {
		if unicode.IsLetter(r) {
			if prevCased {
				b.WriteRune(unicode.ToLower(r))
			} else {
				b.WriteRune(unicode.ToTitle(r))
			}
			prevCased = true
		} else {
			b.WriteRune(r)
			prevCased = false
		}
	}
	return b.String()
}

func pyCapitalize(s string) string {
	rs := []rune(strings.ToLower(s))
	if len(rs) > 0 {
		rs[0] = unicode.ToUpper(rs[0])
	}
	return string(rs)
}

// pyFormat is a subset of str.format: {} {0} {name} with optional :spec ignored beyond plain.
func pyFormat(s string, args []any, kw map[string]any) (string, error) {
	var b strings.Builder
	auto := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '{' {
			if i+1 < len(s) && s[i+1] == '{' {
				b.WriteByte('{')
				i++
				continue
			}
			j := strings.IndexByte(s[i:], '}')
			if j < 0 {
				return "", fmt.Errorf("Single '{' encountered in format string")
			}
			field := s[i+1 : i+j]
			field, _, _ = strings.Cut(field, ":")
			var v any
			switch {
			case field == "":
				if auto >= len(args) {
					return "", fmt.Errorf("Replacement index %d out of range for positional args tuple", auto)
				}
				v = args[auto]
				auto++
			case field[0] >= '0' && field[0] <= '9':
				n := 0
				fmt.Sscanf(field, "%d", &n)
				if n >= len(args) {
					return "", fmt.Errorf("Replacement index %d out of range for positional args tuple", n)
				}
				v = args[n]
			default:
				var ok bool
				if v, ok = kw[field]; !ok {
					return "", fmt.Errorf("'%s'", field)
				}
			}
			t, err := toText(v)
			if err != nil {
				return "", err
			}
			b.WriteString(t)
			i += j
			continue
		}
		if c == '}' && i+1 < len(s) && s[i+1] == '}' {
			i++
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

func dictMethod(m any, name string) builtinFunc {
	keys, _ := mappingKeys(m)
	switch name {
	case "keys":
		return noArgs(strList(keys))
	case "values", "items":
		return func(r *run, _ []any, _ map[string]any) (any, error) {
			out := make([]any, 0, len(keys))
			for _, k := range keys {
				v, _, err := r.item(m, k)
				if err != nil {
					return nil, err
				}
				if name == "items" {
					out = append(out, tuple{k, v})
				} else {
					out = append(out, v)
				}
			}
			return out, nil
		}
	case "get":
		return func(r *run, args []any, _ map[string]any) (any, error) {
			if len(args) == 0 {
				return nil, fmt.Errorf("get expected at least 1 argument, got 0")
			}
			v, ok, err := r.item(m, args[0])
			if err != nil || ok {
				return v, err
			}
			if len(args) > 1 {
				return args[1], nil
			}
			return nil, nil
		}
	case "copy":
		return func(*run, []any, map[string]any) (any, error) {
			out, _ := toMap(m)
			cp := make(map[string]any, len(out))
			for k, v := range out {
				cp[k] = v
			}
			return cp, nil
		}
	}
	return nil
}

func listMethod(l []any, name string) builtinFunc {
	switch name {
	case "index", "count":
		return func(_ *run, args []any, _ map[string]any) (any, error) {
			if len(args) == 0 {
				return nil, fmt.Errorf("%s() takes exactly one argument (0 given)", name)
			}
			n := 0
			for i, e := range l {
				if pyEqual(e, args[0]) {
					if name == "index" {
						return i, nil
					}
					n++
				}
			}
			if name == "index" {
				return nil, fmt.Errorf("%s is not in list", pyRepr(args[0]))
			}
			return n, nil
		}
	}
	return nil
}
