package template

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

type filterFunc func(r *run, v any, args []any, kw map[string]any) (any, error)

type filter struct {
	fn          filterFunc
	undefinedOK bool
}

// arg returns positional argument i or keyword name, or def.
func arg(args []any, kw map[string]any, i int, name string, def any) any {
	if i >= 0 && i < len(args) {
		return args[i]
	}
	if v, ok := kw[name]; ok {
		return v
	}
	return def
}

func argBool(args []any, kw map[string]any, i int, name string, def bool) bool {
	t, _ := truth(arg(args, kw, i, name, def))
	return t
}

func argStr(args []any, kw map[string]any, i int, name string, def string) string {
	v := arg(args, kw, i, name, def)
	if v == nil {
		return def
	}
	return pyStr(v)
}

func builtinFilters() map[string]filter {
	f := map[string]filter{
		"default":              {fn: fDefault, undefinedOK: true},
		"mandatory":            {fn: fMandatory, undefinedOK: true},
		"bool":                 {fn: fBool},
		"int":                  {fn: fInt},
		"float":                {fn: fFloat},
		"string":               {fn: func(_ *run, v any, _ []any, _ map[string]any) (any, error) { return toText(v) }},
		"join":                 {fn: fJoin},
		"split":                {fn: fSplit},
		"first":                {fn: fFirstLast(true)},
		"last":                 {fn: fFirstLast(false)},
		"length":               {fn: fLength},
		"map":                  {fn: fMap},
		"select":               {fn: fSelect(false, false)},
		"reject":               {fn: fSelect(true, false)},
		"selectattr":           {fn: fSelect(false, true)},
		"rejectattr":           {fn: fSelect(true, true)},
		"regex_replace":        {fn: fRegexReplace},
		"regex_search":         {fn: fRegexSearch},
		"regex_findall":        {fn: fRegexFindall},
		"regex_escape":         {fn: fRegexEscape},
		"to_json":              {fn: fToJSON(false)},
		"to_nice_json":         {fn: fToJSON(true)},
		"from_json":            {fn: fFromJSON},
		"to_yaml":              {fn: fToYAML(false)},
		"to_nice_yaml":         {fn: fToYAML(true)},
		"from_yaml":            {fn: fFromYAML},
		"from_yaml_all":        {fn: fFromYAMLAll},
		"trim":                 {fn: fStrFunc(func(s string, args []any) string { return pyStrip(s, argStr(args, nil, 0, "", ""), "strip") })},
		"lower":                {fn: fStrFunc(func(s string, _ []any) string { return strings.ToLower(s) })},
		"upper":                {fn: fStrFunc(func(s string, _ []any) string { return strings.ToUpper(s) })},
		"capitalize":           {fn: fStrFunc(func(s string, _ []any) string { return pyCapitalize(s) })},
		"title":                {fn: fStrFunc(func(s string, _ []any) string { return jinjaTitle(s) })},
		"replace":              {fn: fReplace},
		"unique":               {fn: fUnique},
		"union":                {fn: fSetOp("union")},
		"intersect":            {fn: fSetOp("intersect")},
		"difference":           {fn: fSetOp("difference")},
		"symmetric_difference": {fn: fSetOp("symmetric_difference")},
		"dict2items":           {fn: fDict2Items},
		"items2dict":           {fn: fItems2Dict},
		"combine":              {fn: fCombine},
		"flatten":              {fn: fFlatten},
		"zip":                  {fn: fZip(false)},
		"zip_longest":          {fn: fZip(true)},
		"quote":                {fn: fQuote},
		"hash":                 {fn: fHash},
		"checksum":             {fn: fHashOf("sha1")},
		"sha1":                 {fn: fHashOf("sha1")},
		"md5":                  {fn: fHashOf("md5")},
		"b64encode":            {fn: fStrFunc(func(s string, _ []any) string { return base64.StdEncoding.EncodeToString([]byte(s)) })},
		"b64decode":            {fn: fB64Decode},
		"basename":             {fn: fStrFunc(func(s string, _ []any) string { return pyBasename(s) })},
		"dirname":              {fn: fStrFunc(func(s string, _ []any) string { return pyDirname(s) })},
		"expanduser":           {fn: fStrFunc(func(s string, _ []any) string { return expandUser(s) })},
		"realpath":             {fn: fRealpath},
		"splitext":             {fn: fSplitext},
		"path_join":            {fn: fPathJoin},
		"ternary":              {fn: fTernary},
		"type_debug":           {fn: func(_ *run, v any, _ []any, _ map[string]any) (any, error) { return pyTypeName(v), nil }},
		"min":                  {fn: fMinMax(-1)},
		"max":                  {fn: fMinMax(1)},
		"sum":                  {fn: fSum},
		"sort":                 {fn: fSort},
		"reverse":              {fn: fReverse},
		"list": {fn: func(_ *run, v any, _ []any, _ map[string]any) (any, error) {
			l, err := toList(v)
			return copyList(l), err
		}},
		"dictsort":    {fn: fDictsort},
		"product":     {fn: fProduct},
		"subelements": {fn: fSubelements},
		"to_uuid":     {fn: fToUUID},
		"abs":         {fn: fAbs},
		"round":       {fn: fRound},
		"random":      {fn: fRandom},
		"shuffle":     {fn: fShuffle},
		"comment":     {fn: fComment},
		"indent":      {fn: fIndent},
		"wordcount": {fn: fStrAny(func(s string) any {
			return len(strings.FieldsFunc(s, func(r rune) bool { return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') }))
		})},
		"center":        {fn: fCenter},
		"truncate":      {fn: fTruncate},
		"format":        {fn: fFormat},
		"batch":         {fn: fBatch},
		"slice":         {fn: fSlice},
		"groupby":       {fn: fGroupby},
		"extract":       {fn: fExtract},
		"items":         {fn: fItems},
		"log":           {fn: fLog},
		"pow":           {fn: fPow},
		"root":          {fn: fRoot},
		"password_hash": {fn: unsupportedFilter("password_hash")},
		"ipaddr":        {fn: unsupportedFilter("ipaddr")},
	}
	f["d"] = f["default"]
	f["count"] = f["length"]
	f["e"] = filter{fn: fStrFunc(func(s string, _ []any) string { return s })}
	for name, fl := range f {
		f["ansible.builtin."+name] = fl
	}
	return f
}

func unsupportedFilter(name string) filterFunc {
	return func(*run, any, []any, map[string]any) (any, error) {
		return nil, fmt.Errorf("the %s filter is not supported by swarmbook", name)
	}
}

func fDefault(_ *run, v any, args []any, kw map[string]any) (any, error) {
	def := arg(args, kw, 0, "default_value", "")
	if _, ok := v.(*Undefined); ok {
		return def, nil
	}
	if argBool(args, kw, 1, "boolean", false) {
		t, err := truth(v)
		if err != nil {
			return nil, err
		}
		if !t {
			return def, nil
		}
	}
	return v, nil
}

func fMandatory(_ *run, v any, args []any, kw map[string]any) (any, error) {
	u, ok := v.(*Undefined)
	if !ok {
		return v, nil
	}
	if msg := arg(args, kw, 0, "msg", nil); msg != nil {
		return nil, fmt.Errorf("%s", pyStr(msg))
	}
	name := ""
	if u.name != nil {
		name = fmt.Sprintf("'%v' ", u.name)
	}
	return nil, fmt.Errorf("Mandatory variable %snot defined.", name)
}

// toBool is Ansible's bool filter.
func toBool(v any) any {
	switch x := v.(type) {
	case nil, bool:
		return x
	case string:
		switch strings.ToLower(x) {
		case "yes", "on", "1", "true":
			return true
		}
		return false
	case int:
		return x == 1
	case float64:
		return x == 1
	}
	return false
}

func fBool(_ *run, v any, _ []any, _ map[string]any) (any, error) { return toBool(v), nil }

func fInt(_ *run, v any, args []any, kw map[string]any) (any, error) {
	def := arg(args, kw, 0, "default", 0)
	base, _ := toInt(arg(args, kw, 1, "base", 10))
	switch x := v.(type) {
	case int:
		return x, nil
	case bool:
		n, _ := toInt(x)
		return n, nil
	case float64:
		return int(x), nil
	case string:
		s := strings.TrimSpace(x)
		if base != 10 {
			s = strings.ToLower(s)
			for _, p := range []string{"0x", "0o", "0b"} {
				s = strings.TrimPrefix(s, p)
			}
		}
		if n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), base, 64); err == nil {
			return int(n), nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return int(f), nil
		}
	}
	return def, nil
}

func fFloat(_ *run, v any, args []any, kw map[string]any) (any, error) {
	def := arg(args, kw, 0, "default", 0.0)
	switch x := v.(type) {
	case int:
		return float64(x), nil
	case bool:
		n, _ := toInt(x)
		return float64(n), nil
	case float64:
		return x, nil
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
			return f, nil
		}
	}
	return def, nil
}

func fStrFunc(fn func(s string, args []any) string) filterFunc {
	return func(_ *run, v any, args []any, _ map[string]any) (any, error) {
		s, err := toText(v)
		if err != nil {
			return nil, err
		}
		return fn(s, args), nil
	}
}

func fStrAny(fn func(s string) any) filterFunc {
	return func(_ *run, v any, _ []any, _ map[string]any) (any, error) {
		s, err := toText(v)
		if err != nil {
			return nil, err
		}
		return fn(s), nil
	}
}

var titleSplitRE = regexp.MustCompile(`[-\s({\[<]+`)

// jinjaTitle is Jinja's title filter.
func jinjaTitle(s string) string {
	var b strings.Builder
	last := 0
	emit := func(w string) {
		if w == "" {
			return
		}
		rs := []rune(w)
		b.WriteString(strings.ToUpper(string(rs[0])) + strings.ToLower(string(rs[1:])))
	}
	for _, loc := range titleSplitRE.FindAllStringIndex(s, -1) {
		emit(s[last:loc[0]])
		b.WriteString(s[loc[0]:loc[1]])
		last = loc[1]
	}
	emit(s[last:])
	return b.String()
}

func fJoin(r *run, v any, args []any, kw map[string]any) (any, error) {
	sep := argStr(args, kw, 0, "d", "")
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	attr := arg(args, kw, 1, "attribute", nil)
	parts := make([]string, len(items))
	for i, it := range items {
		if attr != nil {
			if it, err = r.attrPath(it, pyStr(attr)); err != nil {
				return nil, err
			}
		}
		if parts[i], err = toText(it); err != nil {
			return nil, err
		}
	}
	return strings.Join(parts, sep), nil
}

func fSplit(_ *run, v any, args []any, kw map[string]any) (any, error) {
	s, err := toText(v)
	if err != nil {
		return nil, err
	}
	return strMethod(s, "split")(nil, args, kw)
}

func fFirstLast(first bool) filterFunc {
	return func(_ *run, v any, _ []any, _ map[string]any) (any, error) {
		items, err := toList(v)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			w := "first"
			if !first {
				w = "last"
			}
			return &Undefined{hint: fmt.Sprintf("No %s item, sequence was empty.", w)}, nil
		}
		if first {
			return items[0], nil
		}
		return items[len(items)-1], nil
	}
}

func fLength(_ *run, v any, _ []any, _ map[string]any) (any, error) {
	switch x := v.(type) {
	case string:
		return len([]rune(x)), nil
	case []any:
		return len(x), nil
	case map[string]any:
		return len(x), nil
	case Mapping:
		return len(x.Keys()), nil
	}
	return nil, fmt.Errorf("object of type '%s' has no len()", pyTypeName(v))
}

// attrPath reads a dotted attribute path ("a.b.0") as Jinja's make_attrgetter.
func (r *run) attrPath(v any, path string) (any, error) {
	for _, part := range strings.Split(path, ".") {
		var err error
		if n, convErr := strconv.Atoi(part); convErr == nil {
			v, err = r.getitem(v, n)
		} else {
			v, err = r.getitem(v, part)
		}
		if err != nil {
			return nil, err
		}
	}
	return v, nil
}

func fMap(r *run, v any, args []any, kw map[string]any) (any, error) {
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(items))
	if attr, ok := kw["attribute"]; ok && len(args) == 0 {
		def, hasDef := kw["default"]
		for _, it := range items {
			x, err := r.attrPath(it, pyStr(attr))
			if err != nil {
				return nil, err
			}
			if _, undef := x.(*Undefined); undef && hasDef {
				x = def
			}
			out = append(out, x)
		}
		return out, nil
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("map requires a filter argument")
	}
	name := pyStr(args[0])
	fl, ok := r.st.e.filters[name]
	if !ok {
		return nil, fmt.Errorf("template error while templating string: Could not load \"%s\": '%s'. String: %s", name, name, r.tpl.src)
	}
	for _, it := range items {
		if !fl.undefinedOK {
			if u, isU := it.(*Undefined); isU {
				return nil, u.err()
			}
		}
		x, err := fl.fn(r, normalize(it), args[1:], kw)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

func fSelect(reject, byAttr bool) filterFunc {
	return func(r *run, v any, args []any, kw map[string]any) (any, error) {
		items, err := toList(v)
		if err != nil {
			return nil, err
		}
		attr := ""
		if byAttr {
			if len(args) == 0 {
				return nil, fmt.Errorf("missing parameter for attribute name")
			}
			attr, args = pyStr(args[0]), args[1:]
		}
		var t test
		if len(args) > 0 {
			name := pyStr(args[0])
			var ok bool
			if t, ok = r.st.e.tests[name]; !ok {
				return nil, fmt.Errorf("template error while templating string: Could not load \"%s\": '%s'. String: %s", name, name, r.tpl.src)
			}
			if err := t.checkKwargs(name, kw); err != nil {
				return nil, err
			}
			args = args[1:]
		}
		out := []any{}
		for _, it := range items {
			x := it
			if byAttr {
				if x, err = r.attrPath(it, attr); err != nil {
					return nil, err
				}
			}
			var ok bool
			if t.fn == nil {
				ok, err = truth(x)
			} else {
				if !t.undefinedOK {
					if u, isU := x.(*Undefined); isU {
						return nil, u.err()
					}
				}
				var res any
				res, err = t.fn(r, normalize(x), args, kw)
				if err == nil {
					ok, err = truth(res)
				}
			}
			if err != nil {
				return nil, err
			}
			if ok != reject {
				out = append(out, it)
			}
		}
		return out, nil
	}
}

func fReplace(_ *run, v any, args []any, kw map[string]any) (any, error) {
	s, err := toText(v)
	if err != nil {
		return nil, err
	}
	if len(args) < 2 {
		return nil, fmt.Errorf("replace expects old and new")
	}
	n := -1
	if c := arg(args, kw, 2, "count", nil); c != nil {
		n, _ = toInt(c)
	}
	return strings.Replace(s, pyStr(args[0]), pyStr(args[1]), n), nil
}

func uniqueList(items []any) []any {
	out := []any{}
	for _, it := range items {
		dup := false
		for _, o := range out {
			if pyEqual(o, it) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, it)
		}
	}
	return out
}

func fUnique(r *run, v any, args []any, kw map[string]any) (any, error) {
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	if attr := arg(args, kw, 1, "attribute", nil); attr != nil {
		out, seen := []any{}, []any{}
		for _, it := range items {
			k, err := r.attrPath(it, pyStr(attr))
			if err != nil {
				return nil, err
			}
			dup := false
			for _, s := range seen {
				if pyEqual(s, k) {
					dup = true
				}
			}
			if !dup {
				seen = append(seen, k)
				out = append(out, it)
			}
		}
		return out, nil
	}
	return uniqueList(items), nil
}

func fSetOp(op string) filterFunc {
	return func(_ *run, v any, args []any, _ map[string]any) (any, error) {
		if len(args) < 1 {
			return nil, fmt.Errorf("%s expects a second list", op)
		}
		a, err := toList(v)
		if err != nil {
			return nil, err
		}
		b, err := toList(args[0])
		if err != nil {
			return nil, err
		}
		in := func(x any, l []any) bool { ok, _ := contains(l, x); return ok }
		switch op {
		case "union":
			return uniqueList(append(copyList(a), b...)), nil
		case "intersect", "difference":
			out := []any{}
			for _, x := range a {
				if in(x, b) == (op == "intersect") {
					out = append(out, x)
				}
			}
			return uniqueList(out), nil
		}
		isect := []any{}
		for _, x := range a {
			if in(x, b) {
				isect = append(isect, x)
			}
		}
		out := []any{}
		for _, x := range uniqueList(append(copyList(a), b...)) {
			if !in(x, isect) {
				out = append(out, x)
			}
		}
		return out, nil
	}
}

func copyList(l []any) []any { return append([]any{}, l...) }

func fDict2Items(_ *run, v any, args []any, kw map[string]any) (any, error) {
	m, ok := toMap(v)
	if !ok {
		return nil, fmt.Errorf("dict2items requires a dictionary, got <class '%s'> instead.", pyTypeName(v))
	}
	kn, vn := argStr(args, kw, 0, "key_name", "key"), argStr(args, kw, 1, "value_name", "value")
	out := make([]any, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, map[string]any{kn: k, vn: m[k]})
	}
	return out, nil
}

func fItems2Dict(_ *run, v any, args []any, kw map[string]any) (any, error) {
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("items2dict requires a list, got <class '%s'> instead.", pyTypeName(v))
	}
	kn, vn := argStr(args, kw, 0, "key_name", "key"), argStr(args, kw, 1, "value_name", "value")
	out := map[string]any{}
	for _, it := range l {
		m, ok := toMap(it)
		if !ok {
			return nil, fmt.Errorf("items2dict requires a list of dictionaries, got %s instead.", pyRepr(it))
		}
		k, kok := m[kn]
		val, vok := m[vn]
		if !kok || !vok {
			return nil, fmt.Errorf("items2dict requires each dictionary in the list to contain the keys '%s' and '%s', got %s instead.", kn, vn, pyRepr(it))
		}
		out[pyStr(k)] = val
	}
	return out, nil
}

func fCombine(_ *run, v any, args []any, kw map[string]any) (any, error) {
	recursive := false
	listMerge := "replace"
	for k, x := range kw {
		switch k {
		case "recursive":
			recursive, _ = truth(x)
		case "list_merge":
			listMerge = pyStr(x)
		default:
			return nil, fmt.Errorf("'recursive' and 'list_merge' are the only valid keyword arguments")
		}
	}
	switch listMerge {
	case "replace", "keep", "append", "prepend", "append_rp", "prepend_rp":
	default:
		return nil, fmt.Errorf("merge_hash: 'list_merge' argument can only be equal to 'replace', 'keep', 'append', 'prepend', 'append_rp' or 'prepend_rp'")
	}
	terms := flattenList(append([]any{v}, args...), 1, false)
	if err := checkDefined(terms); err != nil {
		return nil, err
	}
	if len(terms) == 0 {
		return map[string]any{}, nil
	}
	result, ok := toMap(terms[0])
	if !ok {
		return nil, fmt.Errorf("failed to combine variables, expected dicts but got '%s' and '%s'", pyTypeName(terms[0]), "dict")
	}
	for _, t := range terms[1:] {
		m, ok := toMap(t)
		if !ok {
			return nil, fmt.Errorf("failed to combine variables, expected dicts but got '%s' and '%s'", "dict", pyTypeName(t))
		}
		result = mergeHash(result, m, recursive, listMerge)
	}
	return result, nil
}

// mergeHash is ansible.utils.vars.merge_hash: y has precedence over x.
func mergeHash(x, y map[string]any, recursive bool, listMerge string) map[string]any {
	out := make(map[string]any, len(x)+len(y))
	for k, v := range x {
		out[k] = v
	}
	for k, yv := range y {
		xv, ok := out[k]
		if !ok {
			out[k] = yv
			continue
		}
		xm, xIsMap := toMap(xv)
		ym, yIsMap := toMap(yv)
		if xIsMap && yIsMap {
			if recursive {
				out[k] = mergeHash(xm, ym, recursive, listMerge)
			} else {
				out[k] = yv
			}
			continue
		}
		xl, xIsList := xv.([]any)
		yl, yIsList := yv.([]any)
		if xIsList && yIsList {
			notIn := func(l, other []any) []any {
				res := []any{}
				for _, e := range l {
					if ok, _ := contains(other, e); !ok {
						res = append(res, e)
					}
				}
				return res
			}
			switch listMerge {
			case "replace":
				out[k] = yl
			case "append":
				out[k] = append(copyList(xl), yl...)
			case "prepend":
				out[k] = append(copyList(yl), xl...)
			case "append_rp":
				out[k] = append(notIn(xl, yl), yl...)
			case "prepend_rp":
				out[k] = append(copyList(yl), notIn(xl, yl)...)
			}
			continue
		}
		out[k] = yv
	}
	return out
}

// flattenList is Ansible's flatten filter; levels < 0 means unlimited.
func flattenList(l []any, levels int, skipNulls bool) []any {
	out := []any{}
	for _, e := range l {
		if skipNulls && (e == nil || e == "None" || e == "null") {
			continue
		}
		if sub, ok := normalize(e).([]any); ok {
			switch {
			case levels < 0:
				out = append(out, flattenList(sub, -1, skipNulls)...)
			case levels >= 1:
				out = append(out, flattenList(sub, levels-1, skipNulls)...)
			default:
				out = append(out, e)
			}
			continue
		}
		out = append(out, e)
	}
	return out
}

func fFlatten(_ *run, v any, args []any, kw map[string]any) (any, error) {
	l, err := toList(v)
	if err != nil {
		return nil, err
	}
	levels := -1
	if lv := arg(args, kw, 0, "levels", nil); lv != nil {
		levels, _ = toInt(lv)
	}
	return flattenList(l, levels, argBool(args, kw, 1, "skip_nulls", true)), nil
}

func fZip(longest bool) filterFunc {
	return func(_ *run, v any, args []any, kw map[string]any) (any, error) {
		lists := [][]any{}
		for _, x := range append([]any{v}, args...) {
			l, err := toList(x)
			if err != nil {
				return nil, err
			}
			lists = append(lists, l)
		}
		return zipLists(lists, longest, kw["fillvalue"]), nil
	}
}

func zipLists(lists [][]any, longest bool, fill any) []any {
	n := -1
	for _, l := range lists {
		if n < 0 || (!longest && len(l) < n) || (longest && len(l) > n) {
			n = len(l)
		}
	}
	out := []any{}
	for i := 0; i < n; i++ {
		row := make(tuple, len(lists))
		for j, l := range lists {
			if i < len(l) {
				row[j] = l[i]
			} else {
				row[j] = fill
			}
		}
		out = append(out, row)
	}
	return out
}

var shellSafeRE = regexp.MustCompile(`^[\w@%+=:,./-]+$`)

// shellQuote is Python's shlex.quote.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	if shellSafeRE.MatchString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r > 127 }) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

func fQuote(_ *run, v any, _ []any, _ map[string]any) (any, error) {
	if v == nil {
		v = ""
	}
	s, err := toText(v)
	if err != nil {
		return nil, err
	}
	return shellQuote(s), nil
}

func newHash(name string) hash.Hash {
	switch name {
	case "md5":
		return md5.New()
	case "sha1":
		return sha1.New()
	case "sha224":
		return sha256.New224()
	case "sha256":
		return sha256.New()
	case "sha384":
		return sha512.New384()
	case "sha512":
		return sha512.New()
	}
	return nil
}

func fHash(r *run, v any, args []any, kw map[string]any) (any, error) {
	return fHashOf(argStr(args, kw, 0, "hashtype", "sha1"))(r, v, nil, nil)
}

func fHashOf(name string) filterFunc {
	return func(_ *run, v any, _ []any, _ map[string]any) (any, error) {
		h := newHash(name)
		if h == nil {
			return nil, nil
		}
		s, err := toText(v)
		if err != nil {
			return nil, err
		}
		h.Write([]byte(s))
		return hex.EncodeToString(h.Sum(nil)), nil
	}
}

func fB64Decode(_ *run, v any, _ []any, _ map[string]any) (any, error) {
	s, err := toText(v)
	if err != nil {
		return nil, err
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err != nil {
			return nil, fmt.Errorf("Incorrect padding")
		}
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), nil
}

func pyBasename(s string) string {
	i := strings.LastIndexByte(s, '/')
	return s[i+1:]
}

func pyDirname(s string) string {
	i := strings.LastIndexByte(s, '/')
	head := s[:i+1]
	if t := strings.TrimRight(head, "/"); t != "" {
		return t
	}
	return head
}

func expandUser(s string) string {
	if s != "~" && !strings.HasPrefix(s, "~/") {
		return s
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return s
	}
	return home + s[1:]
}

func fRealpath(_ *run, v any, _ []any, _ map[string]any) (any, error) {
	s, err := toText(v)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(s)
	if err != nil {
		return s, nil
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r, nil
	}
	return abs, nil
}

func fSplitext(_ *run, v any, _ []any, _ map[string]any) (any, error) {
	s, err := toText(v)
	if err != nil {
		return nil, err
	}
	base := pyBasename(s)
	i := strings.LastIndexByte(base, '.')
	if i <= 0 || strings.Trim(base[:i], ".") == "" {
		return tuple{s, ""}, nil
	}
	cut := len(s) - len(base) + i
	return tuple{s[:cut], s[cut:]}, nil
}

func fPathJoin(_ *run, v any, _ []any, _ map[string]any) (any, error) {
	parts, ok := v.([]any)
	if !ok {
		return toText(v)
	}
	out := ""
	for _, p := range parts {
		s := pyStr(p)
		switch {
		case strings.HasPrefix(s, "/"):
			out = s
		case out == "" || strings.HasSuffix(out, "/"):
			out += s
		default:
			out += "/" + s
		}
	}
	return out, nil
}

func fTernary(_ *run, v any, args []any, kw map[string]any) (any, error) {
	if len(args) < 2 {
		return nil, fmt.Errorf("ternary expects true_val and false_val")
	}
	if nv := arg(args, kw, 2, "none_val", nil); v == nil && nv != nil {
		return nv, nil
	}
	t, err := truth(v)
	if err != nil {
		return nil, err
	}
	if t {
		return args[0], nil
	}
	return args[1], nil
}

func sortKey(r *run, it any, attr string, caseSensitive bool) (any, error) {
	var err error
	if attr != "" {
		if it, err = r.attrPath(it, attr); err != nil {
			return nil, err
		}
		if u, ok := it.(*Undefined); ok {
			return nil, u.err()
		}
	}
	if s, ok := it.(string); ok && !caseSensitive {
		return strings.ToLower(s), nil
	}
	return it, nil
}

func fMinMax(sign int) filterFunc {
	return func(r *run, v any, args []any, kw map[string]any) (any, error) {
		items, err := toList(v)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			if len(kw) == 0 {
				name := "min"
				if sign > 0 {
					name = "max"
				}
				return nil, fmt.Errorf("%s() arg is an empty sequence", name)
			}
			return &Undefined{hint: "No aggregated item, sequence was empty."}, nil
		}
		attr := pyStr(arg(nil, kw, -1, "attribute", ""))
		cs := argBool(nil, kw, -1, "case_sensitive", len(kw) == 0)
		best := items[0]
		bestKey, err := sortKey(r, best, attr, cs)
		if err != nil {
			return nil, err
		}
		for _, it := range items[1:] {
			k, err := sortKey(r, it, attr, cs)
			if err != nil {
				return nil, err
			}
			c, err := pyCompare(k, bestKey)
			if err != nil {
				return nil, err
			}
			if c*sign > 0 {
				best, bestKey = it, k
			}
		}
		return best, nil
	}
}

func fSum(r *run, v any, args []any, kw map[string]any) (any, error) {
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	attr := arg(args, kw, 0, "attribute", nil)
	var total any = arg(args, kw, 1, "start", 0)
	for _, it := range items {
		if attr != nil {
			if it, err = r.attrPath(it, pyStr(attr)); err != nil {
				return nil, err
			}
		}
		if total, err = binaryOp("+", total, it); err != nil {
			return nil, err
		}
	}
	return total, nil
}

func fSort(r *run, v any, args []any, kw map[string]any) (any, error) {
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	rev := argBool(args, kw, 0, "reverse", false)
	cs := argBool(args, kw, 1, "case_sensitive", false)
	attr := argStr(args, kw, 2, "attribute", "")
	return sortItems(r, items, rev, cs, attr)
}

func sortItems(r *run, items []any, rev, cs bool, attr string) ([]any, error) {
	out := copyList(items)
	keys := make([]any, len(out))
	for i, it := range out {
		k, err := sortKey(r, it, attr, cs)
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	var sortErr error
	sort.SliceStable(idx, func(a, b int) bool {
		c, err := pyCompare(keys[idx[a]], keys[idx[b]])
		if err != nil {
			sortErr = err
		}
		if rev {
			return c > 0
		}
		return c < 0
	})
	if sortErr != nil {
		return nil, sortErr
	}
	res := make([]any, len(out))
	for i, j := range idx {
		res[i] = out[j]
	}
	return res, nil
}

func fReverse(_ *run, v any, _ []any, _ map[string]any) (any, error) {
	if s, ok := v.(string); ok {
		rs := []rune(s)
		for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
			rs[i], rs[j] = rs[j], rs[i]
		}
		return string(rs), nil
	}
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(items))
	for i, it := range items {
		out[len(items)-1-i] = it
	}
	return out, nil
}

func fDictsort(_ *run, v any, args []any, kw map[string]any) (any, error) {
	m, ok := toMap(v)
	if !ok {
		return nil, fmt.Errorf("dictsort requires a dict")
	}
	cs := argBool(args, kw, 0, "case_sensitive", false)
	by := argStr(args, kw, 1, "by", "key")
	rev := argBool(args, kw, 2, "reverse", false)
	pairs := []any{}
	for _, k := range sortedKeys(m) {
		pairs = append(pairs, tuple{k, m[k]})
	}
	pos := 0
	if by == "value" {
		pos = 1
	}
	var sortErr error
	sort.SliceStable(pairs, func(a, b int) bool {
		ka, _ := sortKey(nil, pairs[a].(tuple)[pos], "", cs)
		kb, _ := sortKey(nil, pairs[b].(tuple)[pos], "", cs)
		c, err := pyCompare(ka, kb)
		if err != nil {
			sortErr = err
		}
		if rev {
			return c > 0
		}
		return c < 0
	})
	return pairs, sortErr
}

func fProduct(_ *run, v any, args []any, kw map[string]any) (any, error) {
	lists := [][]any{}
	for _, x := range append([]any{v}, args...) {
		l, err := toList(x)
		if err != nil {
			return nil, err
		}
		lists = append(lists, l)
	}
	if n, ok := kw["repeat"]; ok {
		k, _ := toInt(n)
		base := lists
		lists = nil
		for i := 0; i < k; i++ {
			lists = append(lists, base...)
		}
	}
	return cartesian(lists), nil
}

func cartesian(lists [][]any) []any {
	out := []any{tuple{}}
	for _, l := range lists {
		next := []any{}
		for _, prefix := range out {
			for _, e := range l {
				row := append(copyList(normalize(prefix).([]any)), e)
				next = append(next, tuple(row))
			}
		}
		out = next
	}
	return out
}

func fSubelements(_ *run, v any, args []any, kw map[string]any) (any, error) {
	var elements []any
	switch x := v.(type) {
	case []any:
		elements = x
	case map[string]any, Mapping:
		m, _ := toMap(x)
		for _, k := range sortedKeys(m) {
			elements = append(elements, m[k])
		}
	default:
		return nil, fmt.Errorf("obj must be a list of dicts or a nested dict")
	}
	var path []any
	switch s := arg(args, kw, 0, "subelements", nil).(type) {
	case []any:
		path = s
	case string:
		path = strList(strings.Split(s, "."))
	default:
		return nil, fmt.Errorf("subelements must be a list or a string")
	}
	skip := argBool(args, kw, 1, "skip_missing", false)
	return subelementPairs(elements, path, skip)
}

func subelementPairs(elements []any, path []any, skip bool) ([]any, error) {
	out := []any{}
	for _, el := range elements {
		values := el
		for _, p := range path {
			m, ok := toMap(values)
			if !ok {
				return nil, fmt.Errorf("the key %s should point to a dictionary, got '%s'", pyStr(p), pyStr(values))
			}
			next, found := m[pyStr(p)]
			if !found {
				if skip {
					values = []any{}
					break
				}
				return nil, fmt.Errorf("could not find %s key in iterated item %s", pyRepr(p), pyRepr(values))
			}
			values = next
		}
		l, ok := values.([]any)
		if !ok {
			return nil, fmt.Errorf("the key %s should point to a list, got %s", pyRepr(path[len(path)-1]), pyRepr(values))
		}
		for _, x := range l {
			out = append(out, tuple{el, x})
		}
	}
	return out, nil
}

func fAbs(_ *run, v any, _ []any, _ map[string]any) (any, error) {
	switch x := v.(type) {
	case int:
		if x < 0 {
			return -x, nil
		}
		return x, nil
	case bool:
		n, _ := toInt(x)
		return n, nil
	case float64:
		return math.Abs(x), nil
	}
	return nil, fmt.Errorf("bad operand type for abs(): '%s'", pyTypeName(v))
}

func fRound(_ *run, v any, args []any, kw map[string]any) (any, error) {
	f, ok := numberOf(v)
	if !ok {
		return nil, fmt.Errorf("type %s doesn't define __round__ method", pyTypeName(v))
	}
	prec, _ := toInt(arg(args, kw, 0, "precision", 0))
	method := argStr(args, kw, 1, "method", "common")
	p := math.Pow(10, float64(prec))
	switch method {
	case "ceil":
		return math.Ceil(f*p) / p, nil
	case "floor":
		return math.Floor(f*p) / p, nil
	case "common":
		return math.RoundToEven(f*p) / p, nil
	}
	return nil, fmt.Errorf("method must be common, ceil or floor")
}

func seededRand(seed any) *rand.Rand {
	if seed == nil {
		return rand.New(rand.NewSource(rand.Int63()))
	}
	h := sha1.Sum([]byte(pyStr(seed)))
	var n int64
	for _, b := range h[:8] {
		n = n<<8 | int64(b)
	}
	return rand.New(rand.NewSource(n))
}

func fRandom(_ *run, v any, args []any, kw map[string]any) (any, error) {
	rng := seededRand(kw["seed"])
	if end, ok := intOnly(v); ok {
		start, _ := toInt(arg(args, kw, 0, "start", 0))
		step, _ := toInt(arg(args, kw, 1, "step", 1))
		if step <= 0 || end <= start {
			return nil, fmt.Errorf("empty range for randrange()")
		}
		n := (end - start + step - 1) / step
		return start + step*rng.Intn(n), nil
	}
	items, err := toList(v)
	if err != nil || len(items) == 0 {
		return nil, fmt.Errorf("random filter needs an int or a non-empty sequence")
	}
	return items[rng.Intn(len(items))], nil
}

func fShuffle(_ *run, v any, args []any, kw map[string]any) (any, error) {
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	out := copyList(items)
	rng := seededRand(arg(args, kw, 0, "seed", nil))
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, nil
}

func fComment(_ *run, v any, args []any, kw map[string]any) (any, error) {
	text, err := toText(v)
	if err != nil {
		return nil, err
	}
	style := argStr(args, kw, 0, "style", "plain")
	styles := map[string]map[string]string{
		"plain":  {"decoration": "# "},
		"erlang": {"decoration": "% "},
		"c":      {"decoration": "// "},
		"cblock": {"beginning": "/*", "decoration": " * ", "end": " */"},
		"xml":    {"beginning": "<!--", "decoration": " - ", "end": "-->"},
	}
	sp, ok := styles[style]
	if !ok {
		return nil, fmt.Errorf("%s", pyRepr(style))
	}
	prepost := sp["decoration"]
	if d, ok := kw["decoration"]; ok {
		prepost = pyStr(d)
	}
	p := map[string]any{
		"newline": "\n", "beginning": "", "prefix": strings.TrimRight(prepost, " \t\n"), "prefix_count": 1,
		"decoration": "", "postfix": strings.TrimRight(prepost, " \t\n"), "postfix_count": 1, "end": "",
	}
	for k, x := range sp {
		p[k] = x
	}
	for k, x := range kw {
		p[k] = x
	}
	s := func(k string) string { return pyStr(p[k]) }
	n := func(k string) int { i, _ := toInt(p[k]); return i }
	nl := s("newline")
	var b strings.Builder
	if s("beginning") != "" {
		b.WriteString(s("beginning") + nl)
	}
	if s("prefix") != "" {
		if s("prefix") != nl {
			b.WriteString(strings.Repeat(s("prefix")+nl, max(n("prefix_count"), 0)))
		} else {
			b.WriteString(strings.Repeat(nl, max(n("prefix_count"), 0)))
		}
	}
	dec := s("decoration")
	body := dec + strings.ReplaceAll(text, nl, nl+dec)
	body = strings.ReplaceAll(body, dec+nl, strings.TrimRight(dec, " \t\n")+nl)
	b.WriteString(body)
	for i := 0; i < n("postfix_count"); i++ {
		b.WriteString(nl + s("postfix"))
	}
	if s("end") != "" {
		b.WriteString(nl + s("end"))
	}
	return b.String(), nil
}

func fIndent(_ *run, v any, args []any, kw map[string]any) (any, error) {
	s, err := toText(v)
	if err != nil {
		return nil, err
	}
	var ind string
	switch w := arg(args, kw, 0, "width", 4).(type) {
	case string:
		ind = w
	default:
		n, _ := toInt(w)
		ind = strings.Repeat(" ", max(n, 0))
	}
	first := argBool(args, kw, 1, "first", false)
	blank := argBool(args, kw, 2, "blank", false)
	newline := "\n"
	s += newline
	var rv string
	lines := strings.Split(s, "\n")
	lines = lines[:len(lines)-1]
	if blank {
		rv = strings.Join(lines, newline+ind)
	} else {
		rv = lines[0]
		for _, l := range lines[1:] {
			if l != "" {
				rv += newline + ind + l
			} else {
				rv += newline + l
			}
		}
	}
	if first {
		rv = ind + rv
	}
	return rv, nil
}

func fCenter(_ *run, v any, args []any, kw map[string]any) (any, error) {
	s, err := toText(v)
	if err != nil {
		return nil, err
	}
	w, _ := toInt(arg(args, kw, 0, "width", 80))
	n := len([]rune(s))
	if w <= n {
		return s, nil
	}
	pad := w - n
	left := pad / 2
	if pad%2 == 1 && w%2 == 1 {
		left++
	}
	return strings.Repeat(" ", left) + s + strings.Repeat(" ", pad-left), nil
}

func fFormat(_ *run, v any, args []any, kw map[string]any) (any, error) {
	s, err := toText(v)
	if err != nil {
		return nil, err
	}
	if len(kw) > 0 {
		return pyPercent(s, kw)
	}
	return pyPercent(s, args)
}

func fBatch(_ *run, v any, args []any, kw map[string]any) (any, error) {
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	n, _ := toInt(arg(args, kw, 0, "linecount", 1))
	if n <= 0 {
		return nil, fmt.Errorf("batch size must be positive")
	}
	fill, hasFill := argAt(args, kw, 1, "fill_with")
	out := []any{}
	for i := 0; i < len(items); i += n {
		row := copyList(items[i:min(i+n, len(items))])
		for hasFill && fill != nil && len(row) < n {
			row = append(row, fill)
		}
		out = append(out, row)
	}
	return out, nil
}

func fSlice(_ *run, v any, args []any, kw map[string]any) (any, error) {
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	slices, _ := toInt(arg(args, kw, 0, "slices", 1))
	if slices <= 0 {
		return nil, fmt.Errorf("slices must be positive")
	}
	fill := arg(args, kw, 1, "fill_with", nil)
	per, extra := len(items)/slices, len(items)%slices
	offset := 0
	out := []any{}
	for i := 0; i < slices; i++ {
		start := offset + i*per
		if i < extra {
			offset++
		}
		end := offset + (i+1)*per
		row := copyList(items[start:end])
		if fill != nil && i >= extra {
			row = append(row, fill)
		}
		out = append(out, row)
	}
	return out, nil
}

func fGroupby(r *run, v any, args []any, kw map[string]any) (any, error) {
	items, err := toList(v)
	if err != nil {
		return nil, err
	}
	attr := argStr(args, kw, 0, "attribute", "")
	sorted, err := sortItems(r, items, false, true, attr)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, it := range sorted {
		k, _ := r.attrPath(it, attr)
		if n := len(out); n > 0 && pyEqual(out[n-1].([]any)[0], k) {
			g := out[n-1].([]any)
			g[1] = append(g[1].([]any), it)
			continue
		}
		out = append(out, []any{k, []any{it}})
	}
	return out, nil
}

func fExtract(r *run, v any, args []any, kw map[string]any) (any, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("extract expects a container")
	}
	res, err := r.getitem(args[0], v)
	if err != nil {
		return nil, err
	}
	more := arg(args, kw, 1, "morekeys", nil)
	if more == nil {
		return res, nil
	}
	keys, ok := more.([]any)
	if !ok {
		keys = []any{more}
	}
	for _, k := range keys {
		if res, err = r.getitem(res, k); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func fItems(r *run, v any, _ []any, _ map[string]any) (any, error) {
	if v == nil {
		return []any{}, nil
	}
	if !isMapping(v) {
		return nil, fmt.Errorf("Can only get item pairs from a mapping.")
	}
	return dictMethod(v, "items")(r, nil, nil)
}

func fLog(_ *run, v any, args []any, _ map[string]any) (any, error) {
	f, ok := numberOf(v)
	if !ok {
		return nil, fmt.Errorf("log() can only be used on numbers")
	}
	if len(args) > 0 {
		b, _ := numberOf(args[0])
		if b == 10 {
			return math.Log10(f), nil
		}
		return math.Log(f) / math.Log(b), nil
	}
	return math.Log(f), nil
}

func fPow(_ *run, v any, args []any, _ map[string]any) (any, error) {
	f, ok1 := numberOf(v)
	if len(args) == 0 {
		return nil, fmt.Errorf("pow() needs an exponent")
	}
	e, ok2 := numberOf(args[0])
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("pow() can only be used on numbers")
	}
	return math.Pow(f, e), nil
}

func fRoot(_ *run, v any, args []any, _ map[string]any) (any, error) {
	f, ok := numberOf(v)
	if !ok {
		return nil, fmt.Errorf("root() can only be used on numbers")
	}
	if len(args) == 0 {
		return math.Sqrt(f), nil
	}
	b, _ := numberOf(args[0])
	if b == 2 {
		return math.Sqrt(f), nil
	}
	return math.Pow(f, 1/b), nil
}
