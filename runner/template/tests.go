package template

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

type testFunc func(r *run, v any, args []any, kw map[string]any) (any, error)

type test struct {
	fn          testFunc
	undefinedOK bool
	// params names the parameters after the tested value that may be given
	// as keyword arguments (the Python signature of Jinja's or Ansible's
	// test); any other keyword is an error, as in Python.
	params []string
}

// checkKwargs rejects keyword arguments the test has no parameter for.
func (t test) checkKwargs(name string, kw map[string]any) error {
	for k := range kw {
		if !slices.Contains(t.params, k) {
			return fmt.Errorf("%s() got an unexpected keyword argument '%s'", name, k)
		}
	}
	return nil
}

// oneArg returns the one argument of test, given by position or as the
// keyword param.
func oneArg(test, param string, args []any, kw map[string]any) (any, error) {
	v, byName := kw[param]
	switch {
	case len(args) == 1 && !byName:
		return args[0], nil
	case len(args) == 0 && byName:
		return v, nil
	case len(args) == 1:
		return nil, fmt.Errorf("%s() got multiple values for argument '%s'", test, param)
	}
	return nil, fmt.Errorf("%s() takes 2 positional arguments but %d were given", test, len(args)+1)
}

func builtinTests() map[string]test {
	isA := func(fn func(v any) bool) test {
		return test{fn: func(_ *run, v any, _ []any, _ map[string]any) (any, error) { return fn(v), nil }, undefinedOK: true}
	}
	cmp := func(op string) test {
		return test{fn: func(_ *run, v any, args []any, _ map[string]any) (any, error) {
			if len(args) != 1 {
				return nil, fmt.Errorf("test expects one argument")
			}
			return binaryOp(op, v, args[0])
		}}
	}
	versionParams := []string{"version", "operator", "strict", "version_type"}
	t := map[string]test{
		"defined":   {fn: func(_ *run, v any, _ []any, _ map[string]any) (any, error) { _, u := v.(*Undefined); return !u, nil }, undefinedOK: true},
		"undefined": {fn: func(_ *run, v any, _ []any, _ map[string]any) (any, error) { _, u := v.(*Undefined); return u, nil }, undefinedOK: true},
		"none":      isA(func(v any) bool { return v == nil }),
		"string":    isA(func(v any) bool { _, ok := v.(string); return ok }),
		"number":    isA(func(v any) bool { _, ok := numberOf(v); return ok }),
		"integer":   isA(func(v any) bool { _, ok := v.(int); return ok }),
		"float":     isA(func(v any) bool { _, ok := v.(float64); return ok }),
		"boolean":   isA(func(v any) bool { _, ok := v.(bool); return ok }),
		"mapping":   isA(isMapping),
		"callable": isA(func(v any) bool {
			switch v.(type) {
			case builtinFunc, *macro:
				return true
			}
			return false
		}),
		"sequence": isA(func(v any) bool {
			switch v.(type) {
			case string, []any, map[string]any, Mapping:
				return true
			}
			return false
		}),
		"iterable": {fn: func(_ *run, v any, _ []any, _ map[string]any) (any, error) {
			_, err := toList(v)
			return err == nil, nil
		}},
		"sameas": {fn: func(_ *run, v any, args []any, kw map[string]any) (any, error) {
			o, err := oneArg("sameas", "other", args, kw)
			if err != nil {
				return nil, err
			}
			o = normalize(o)
			switch x := v.(type) {
			case nil, bool:
				return v == o, nil
			case int:
				y, ok := o.(int)
				return ok && x == y && x >= -5 && x <= 256, nil
			}
			return false, nil
		}, undefinedOK: true, params: []string{"other"}},
		"match":           {fn: tRegex("match"), params: []string{"pattern", "ignorecase", "multiline"}},
		"search":          {fn: tRegex("search"), params: []string{"pattern", "ignorecase", "multiline"}},
		"regex":           {fn: tRegex(""), params: []string{"pattern", "ignorecase", "multiline", "match_type"}},
		"version":         {fn: tVersion, params: versionParams},
		"version_compare": {fn: tVersion, params: versionParams},
		"succeeded":       {fn: tResult("succeeded")},
		"failed":          {fn: tResult("failed")},
		"changed":         {fn: tResult("changed")},
		"skipped":         {fn: tResult("skipped")},
		"unreachable":     {fn: tResult("unreachable")},
		"finished":        {fn: tResult("finished")},
		"in": {fn: func(_ *run, v any, args []any, kw map[string]any) (any, error) {
			seq, err := oneArg("test_in", "seq", args, kw)
			if err != nil {
				return nil, err
			}
			return contains(seq, v)
		}, params: []string{"seq"}},
		"contains": {fn: func(_ *run, v any, args []any, kw map[string]any) (any, error) {
			x, err := oneArg("contains", "value", args, kw)
			if err != nil {
				return nil, err
			}
			return contains(v, x)
		}, params: []string{"value"}},
		"subset":   {fn: tSubset(false), params: []string{"b"}},
		"superset": {fn: tSubset(true), params: []string{"b"}},
		"truthy": {fn: func(_ *run, v any, args []any, kw map[string]any) (any, error) {
			if argBool(args, kw, 0, "convert_bool", false) {
				v = toBool(v)
			}
			return truth(v)
		}, params: []string{"convert_bool"}},
		"falsy": {fn: func(_ *run, v any, args []any, kw map[string]any) (any, error) {
			if argBool(args, kw, 0, "convert_bool", false) {
				v = toBool(v)
			}
			t, err := truth(v)
			return !t, err
		}, params: []string{"convert_bool"}},
		"eq": cmp("=="), "ne": cmp("!="), "lt": cmp("<"), "gt": cmp(">"), "le": cmp("<="), "ge": cmp(">="),
		"even": {fn: tParity(0)},
		"odd":  {fn: tParity(1)},
		"divisibleby": {fn: func(_ *run, v any, args []any, kw map[string]any) (any, error) {
			num, err := oneArg("divisibleby", "num", args, kw)
			if err != nil {
				return nil, err
			}
			m, err := arith("%", v, normalize(num))
			if err != nil {
				return nil, err
			}
			return pyEqual(m, 0), nil
		}, params: []string{"num"}},
		"lower":     {fn: tCase(unicode.IsLower, unicode.IsUpper)},
		"upper":     {fn: tCase(unicode.IsUpper, unicode.IsLower)},
		"abs":       {fn: tPath(func(p string) bool { return filepath.IsAbs(p) })},
		"exists":    {fn: tPath(func(p string) bool { _, err := os.Stat(p); return err == nil })},
		"file":      {fn: tPath(func(p string) bool { st, err := os.Stat(p); return err == nil && st.Mode().IsRegular() })},
		"directory": {fn: tPath(func(p string) bool { st, err := os.Stat(p); return err == nil && st.IsDir() })},
		"link":      {fn: tPath(func(p string) bool { st, err := os.Lstat(p); return err == nil && st.Mode()&os.ModeSymlink != 0 })},
	}
	t["equalto"], t["=="] = t["eq"], t["eq"]
	t["!="], t["<"], t[">"], t["<="], t[">="] = t["ne"], t["lt"], t["gt"], t["le"], t["ge"]
	t["lessthan"], t["greaterthan"] = t["lt"], t["gt"]
	t["success"], t["failure"], t["change"], t["skip"] = t["succeeded"], t["failed"], t["changed"], t["skipped"]
	t["is_abs"], t["is_dir"], t["is_file"], t["is_link"] = t["abs"], t["directory"], t["file"], t["link"]
	t["issubset"], t["issuperset"] = t["subset"], t["superset"]
	for name, x := range t {
		t["ansible.builtin."+name] = x
	}
	return t
}

func tRegex(kind string) testFunc {
	return func(_ *run, v any, args []any, kw map[string]any) (any, error) {
		s, err := toText(v)
		if err != nil {
			return nil, err
		}
		pattern := argStr(args, kw, 0, "pattern", "")
		mt := kind
		if mt == "" {
			mt = argStr(args, kw, 3, "match_type", "search")
		}
		re, err := compileRegex(pattern, argBool(args, kw, 1, "ignorecase", false), argBool(args, kw, 2, "multiline", false))
		if err != nil {
			return nil, err
		}
		switch mt {
		case "match":
			loc := re.FindStringIndex(s)
			if loc != nil && loc[0] == 0 {
				return true, nil
			}
			anchored, err := regexp.Compile(`^(?:` + re.String() + `)`)
			if err != nil {
				return false, nil
			}
			return anchored.MatchString(s), nil
		case "fullmatch":
			full, err := regexp.Compile(`^(?:` + re.String() + `)$`)
			if err != nil {
				return false, nil
			}
			return full.MatchString(s), nil
		}
		return re.MatchString(s), nil
	}
}

func tResult(kind string) testFunc {
	return func(_ *run, v any, _ []any, _ map[string]any) (any, error) {
		m, ok := toMap(v)
		if !ok {
			return nil, fmt.Errorf("The '%s' test expects a dictionary", kind)
		}
		get := func(k string, def any) bool {
			x, ok := m[k]
			if !ok {
				x = def
			}
			t, _ := truth(x)
			return t
		}
		switch kind {
		case "failed":
			return get("failed", false), nil
		case "succeeded":
			return !get("failed", false), nil
		case "changed":
			if _, ok := m["changed"]; ok {
				return get("changed", false), nil
			}
			if res, ok := m["results"].([]any); ok {
				for _, r := range res {
					if rm, ok := toMap(r); ok {
						if t, _ := truth(rm["changed"]); t {
							return true, nil
						}
					}
				}
			}
			return false, nil
		case "skipped":
			return get("skipped", false), nil
		case "unreachable":
			return get("unreachable", false), nil
		case "finished":
			x, ok := m["finished"]
			if !ok {
				return true, nil
			}
			return pyEqual(x, 1), nil
		}
		return false, nil
	}
}

func tSubset(super bool) testFunc {
	return func(_ *run, v any, args []any, kw map[string]any) (any, error) {
		name := "subset"
		if super {
			name = "superset"
		}
		other, err := oneArg(name, "b", args, kw)
		if err != nil {
			return nil, err
		}
		a, err := toList(v)
		if err != nil {
			return nil, err
		}
		b, err := toList(other)
		if err != nil {
			return nil, err
		}
		if super {
			a, b = b, a
		}
		for _, x := range a {
			if ok, _ := contains(b, x); !ok {
				return false, nil
			}
		}
		return true, nil
	}
}

func tParity(want int) testFunc {
	return func(_ *run, v any, _ []any, _ map[string]any) (any, error) {
		n, ok := intOnly(v)
		if !ok {
			if f, isF := v.(float64); isF {
				return int(f)%2 == want && f == float64(int(f)), nil
			}
			return nil, fmt.Errorf("not all arguments converted during string formatting")
		}
		m := n % 2
		if m < 0 {
			m += 2
		}
		return m == want, nil
	}
}

func tCase(is, not func(rune) bool) testFunc {
	return func(_ *run, v any, _ []any, _ map[string]any) (any, error) {
		s, err := toText(v)
		if err != nil {
			return nil, err
		}
		cased := false
		for _, r := range s {
			if not(r) {
				return false, nil
			}
			if is(r) {
				cased = true
			}
		}
		return cased, nil
	}
}

func tPath(fn func(string) bool) testFunc {
	return func(_ *run, v any, _ []any, _ map[string]any) (any, error) {
		s, err := toText(v)
		if err != nil {
			return nil, err
		}
		return fn(expandUser(s)), nil
	}
}

// --- version test ---

var strictVersionRE = regexp.MustCompile(`^(\d+)\.(\d+)(\.(\d+))?([ab](\d+))?$`)
var looseComponentRE = regexp.MustCompile(`\d+|[a-z]+|\.`)
var semverRE = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

func tVersion(_ *run, v any, args []any, kw map[string]any) (any, error) {
	if len(args) == 0 {
		if _, ok := kw["version"]; !ok {
			return nil, fmt.Errorf("Version comparison failed: version argument is required")
		}
	}
	other := argStr(args, kw, 0, "version", "")
	op := argStr(args, kw, 1, "operator", "eq")
	strictArg := arg(args, kw, 2, "strict", nil)
	strict, _ := truth(strictArg)
	vtype := argStr(args, kw, 3, "version_type", "")
	if strictArg != nil && vtype != "" {
		return nil, fmt.Errorf("Cannot specify both 'strict' and 'version_type'")
	}
	if strict {
		vtype = "strict"
	}
	if vtype == "" {
		vtype = "loose"
	}
	ops := map[string]string{"==": "==", "=": "==", "eq": "==", "<": "<", "lt": "<", "<=": "<=", "le": "<=",
		">": ">", "gt": ">", ">=": ">=", "ge": ">=", "!=": "!=", "<>": "!=", "ne": "!="}
	pop, ok := ops[op]
	if !ok {
		return nil, fmt.Errorf("Invalid operator type (%s)", op)
	}
	s, err := toText(v)
	if err != nil {
		return nil, err
	}
	var c int
	switch vtype {
	case "loose":
		c, err = cmpLoose(s, other)
	case "strict":
		c, err = cmpStrict(s, other)
	case "semver", "semantic":
		c, err = cmpSemver(s, other)
	default:
		return nil, fmt.Errorf("Invalid version type (%s). Must be one of loose, strict, semver, semantic", vtype)
	}
	if err != nil {
		return nil, fmt.Errorf("Version comparison failed: %v", err)
	}
	switch pop {
	case "==":
		return c == 0, nil
	case "!=":
		return c != 0, nil
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	}
	return c >= 0, nil
}

func looseParts(s string) []any {
	var out []any
	for _, p := range looseComponentRE.FindAllString(s, -1) {
		if p == "." {
			continue
		}
		if n, err := strconv.Atoi(p); err == nil {
			out = append(out, n)
		} else {
			out = append(out, p)
		}
	}
	return out
}

func cmpLoose(a, b string) (int, error) {
	return pyCompare(looseParts(a), looseParts(b))
}

func strictParts(s string) ([]any, error) {
	m := strictVersionRE.FindStringSubmatch(s)
	if m == nil {
		return nil, fmt.Errorf("invalid version number '%s'", s)
	}
	n := func(x string) int { i, _ := strconv.Atoi(x); return i }
	patch := 0
	if m[4] != "" {
		patch = n(m[4])
	}
	// a pre-release sorts before the release: encode as (tag, num) or ("~" final)
	pre := []any{"z", 0}
	if m[5] != "" {
		pre = []any{m[5][:1], n(m[6])}
	}
	return []any{n(m[1]), n(m[2]), patch, pre}, nil
}

func cmpStrict(a, b string) (int, error) {
	pa, err := strictParts(a)
	if err != nil {
		return 0, err
	}
	pb, err := strictParts(b)
	if err != nil {
		return 0, err
	}
	return pyCompare(pa, pb)
}

func cmpSemver(a, b string) (int, error) {
	ma, mb := semverRE.FindStringSubmatch(a), semverRE.FindStringSubmatch(b)
	if ma == nil {
		return 0, fmt.Errorf("invalid semantic version '%s'", a)
	}
	if mb == nil {
		return 0, fmt.Errorf("invalid semantic version '%s'", b)
	}
	for i := 1; i <= 3; i++ {
		x, _ := strconv.Atoi(ma[i])
		y, _ := strconv.Atoi(mb[i])
		if c := cmpInt(x, y); c != 0 {
			return c, nil
		}
	}
	switch {
	case ma[4] == "" && mb[4] == "":
		return 0, nil
	case ma[4] == "":
		return 1, nil
	case mb[4] == "":
		return -1, nil
	}
	pa, pb := strings.Split(ma[4], "."), strings.Split(mb[4], ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, errX := strconv.Atoi(pa[i])
		y, errY := strconv.Atoi(pb[i])
		var c int
		switch {
		case errX == nil && errY == nil:
			c = cmpInt(x, y)
		case errX == nil:
			c = -1
		case errY == nil:
			c = 1
		default:
			c = strings.Compare(pa[i], pb[i])
		}
		if c != 0 {
			return c, nil
		}
	}
	return cmpInt(len(pa), len(pb)), nil
}
