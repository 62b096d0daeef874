package modules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Validate checks raw task arguments against spec with the semantics of
// Ansible's argument_spec validation (ArgumentSpecValidator): aliases,
// mutually_exclusive, defaults, required, type conversion (check_type_*),
// choices, required_together, required_one_of and unsupported parameters,
// reporting the first error with Ansible's wording.
//
// With static set (plan time, before templating), values that still hold a
// template ({{ or {%) are kept as they are: their type and choices are
// checked later, at run time.
func Validate(spec Spec, raw map[string]any, static bool) (Args, error) {
	params := make(map[string]any, len(raw))
	for k, v := range raw {
		params[k] = v
	}
	var errs []error
	add := func(err error) { errs = append(errs, err) }

	// Aliases: the alias value is copied to the canonical name.
	aliasOf := map[string]string{}
	for _, p := range spec.Params {
		for _, a := range p.Aliases {
			aliasOf[a] = p.Name
			if v, ok := params[a]; ok {
				params[p.Name] = v
			}
		}
	}
	declared := map[string]bool{}
	for _, p := range spec.Params {
		declared[p.Name] = true
	}
	if spec.FreeForm {
		declared["_raw_params"] = true
	}
	// Ansible moves cmd= of command/shell/script into the free-form string.
	if _, ok := params["cmd"]; ok && spec.FreeForm && !declared["cmd"] {
		if r, ok := params["_raw_params"]; ok && r != nil && r != "" {
			return nil, fmt.Errorf("The 'cmd' argument cannot be used when other raw parameters are specified. Please put everything in one or the other place.")
		}
		params["_raw_params"] = params["cmd"]
		delete(params, "cmd")
	}
	var unsupported []string
	if !spec.AnyParams {
		for k := range params {
			if !declared[k] && aliasOf[k] == "" {
				unsupported = append(unsupported, k)
			}
		}
	}

	for _, set := range spec.MutuallyExclusive {
		if countPresent(set, params) > 1 {
			add(fmt.Errorf("parameters are mutually exclusive: %s", strings.Join(set, "|")))
		}
	}

	for _, p := range spec.Params {
		if _, ok := params[p.Name]; !ok && p.Default != nil {
			params[p.Name] = p.Default
		}
	}

	var missing []string
	for _, p := range spec.Params {
		if _, ok := params[p.Name]; p.Required && !ok {
			missing = append(missing, p.Name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		add(fmt.Errorf("missing required arguments: %s", strings.Join(missing, ", ")))
	}

	for _, p := range spec.Params {
		v, ok := params[p.Name]
		if !ok || v == nil || (static && templated(v)) {
			continue
		}
		conv, err := convert(p.Kind, v)
		if err != nil {
			add(fmt.Errorf("argument '%s' is of type %s and we were unable to convert to %s: %v",
				p.Name, pyType(v), kindName(p.Kind), err))
			continue
		}
		if p.Kind == KindList && p.Elements != KindRaw {
			list := conv.([]any)
			out := make([]any, 0, len(list))
			for _, e := range list {
				if e == nil || (static && templated(e)) {
					out = append(out, e)
					continue
				}
				ce, err := convert(p.Elements, e)
				if err != nil {
					add(fmt.Errorf("Elements value for option '%s' is of type %s and we were unable to convert to %s: %v",
						p.Name, pyType(e), kindName(p.Elements), err))
					continue
				}
				out = append(out, ce)
			}
			conv = out
		}
		params[p.Name] = conv
	}

	for _, p := range spec.Params {
		v, ok := params[p.Name]
		if !ok || v == nil || len(p.Choices) == 0 || (static && templated(v)) {
			continue
		}
		if err := checkChoices(p, params); err != nil {
			add(err)
		}
	}

	for _, set := range spec.RequiredTogether {
		n := countPresent(set, params)
		if n > 0 && n < len(set) {
			add(fmt.Errorf("parameters are required together: %s", strings.Join(set, ", ")))
		}
	}
	for _, set := range spec.RequiredOneOf {
		if countPresent(set, params) == 0 {
			add(fmt.Errorf("one of the following is required: %s", strings.Join(set, ", ")))
		}
	}

	if len(unsupported) > 0 {
		add(newUnsupported(spec, unsupported))
	}
	if len(errs) > 0 {
		return nil, errs[0]
	}
	for a := range aliasOf {
		delete(params, a)
	}
	return Args(params), nil
}

// UnsupportedError reports task arguments that the module does not declare.
type UnsupportedError struct {
	// Module is the name shown in the message; set by Registry.Validate.
	Module      string
	Action      bool     // action-plugin wording ("Invalid options for ...")
	Unsupported []string // sorted
	Supported   []string // sorted parameter names
	Aliases     []string // sorted alias names
}

func newUnsupported(spec Spec, names []string) *UnsupportedError {
	sort.Strings(names)
	e := &UnsupportedError{Action: spec.Action, Unsupported: names}
	for _, p := range spec.Params {
		e.Supported = append(e.Supported, p.Name)
		e.Aliases = append(e.Aliases, p.Aliases...)
	}
	if spec.FreeForm && !contains(e.Supported, "_raw_params") {
		e.Supported = append(e.Supported, "_raw_params")
	}
	sort.Strings(e.Supported)
	sort.Strings(e.Aliases)
	return e
}

func (e *UnsupportedError) Error() string {
	name := e.Module
	if name == "" {
		name = "module"
	}
	if e.Action {
		return fmt.Sprintf("Invalid options for %s: %s", name, strings.Join(e.Unsupported, ","))
	}
	supported := strings.Join(e.Supported, ", ")
	if len(e.Aliases) > 0 {
		supported += " (" + strings.Join(e.Aliases, ", ") + ")"
	}
	return fmt.Sprintf("Unsupported parameters for (%s) module: %s. Supported parameters include: %s.",
		name, strings.Join(e.Unsupported, ", "), supported)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// countPresent counts the names of set given as keys of params (any value).
func countPresent(set []string, params map[string]any) int {
	n := 0
	for _, k := range set {
		if _, ok := params[k]; ok {
			n++
		}
	}
	return n
}

// templated reports whether v is (or contains) an unrendered template.
func templated(v any) bool {
	switch t := v.(type) {
	case string:
		return strings.Contains(t, "{{") || strings.Contains(t, "{%")
	case []any:
		for _, e := range t {
			if templated(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range t {
			if templated(e) {
				return true
			}
		}
	}
	return false
}

var (
	boolTrue  = []string{"y", "yes", "on", "1", "true", "t"}
	boolFalse = []string{"n", "no", "off", "0", "false", "f"}
)

func checkChoices(p Param, params map[string]any) error {
	v := params[p.Name]
	if list, ok := v.([]any); ok {
		var bad []string
		for _, e := range list {
			if !contains(p.Choices, PyStr(e)) {
				bad = append(bad, PyStr(e))
			}
		}
		if len(bad) > 0 {
			return fmt.Errorf("value of %s must be one or more of: %s. Got no match for: %s",
				p.Name, strings.Join(p.Choices, ", "), strings.Join(bad, ", "))
		}
		return nil
	}
	s := PyStr(v)
	if contains(p.Choices, s) {
		if _, isStr := v.(string); !isStr && p.Kind == KindStr {
			params[p.Name] = s
		}
		return nil
	}
	// PyYAML turned yes/no into booleans: map back when unambiguous.
	for _, pair := range []struct {
		word string
		set  []string
	}{{"False", boolFalse}, {"True", boolTrue}} {
		if s != pair.word {
			continue
		}
		var overlap []string
		for _, c := range p.Choices {
			if contains(pair.set, c) {
				overlap = append(overlap, c)
			}
		}
		if len(overlap) == 1 {
			params[p.Name] = overlap[0]
			return nil
		}
	}
	return fmt.Errorf("value of %s must be one of: %s, got: %s", p.Name, strings.Join(p.Choices, ", "), s)
}

func kindName(k Kind) string {
	switch k {
	case KindStr:
		return "str"
	case KindBool:
		return "bool"
	case KindInt:
		return "int"
	case KindFloat:
		return "float"
	case KindList:
		return "list"
	case KindDict:
		return "dict"
	case KindPath:
		return "path"
	}
	return "raw"
}

// convert converts v to kind k as Ansible's check_type_* functions do.
func convert(k Kind, v any) (any, error) {
	v = normNumber(v)
	switch k {
	case KindStr, KindPath:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return PyStr(v), nil
	case KindBool:
		return toBool(v)
	case KindInt:
		switch t := v.(type) {
		case int:
			return t, nil
		case bool:
			if t {
				return 1, nil
			}
			return 0, nil
		case string:
			s := strings.ReplaceAll(strings.TrimSpace(t), "_", "")
			if i, err := strconv.Atoi(s); err == nil {
				return i, nil
			}
		}
		return nil, fmt.Errorf("%s cannot be converted to an int", pyType(v))
	case KindFloat:
		switch t := v.(type) {
		case float64:
			return t, nil
		case int:
			return float64(t), nil
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(t), 64); err == nil {
				return f, nil
			}
		}
		return nil, fmt.Errorf("%s cannot be converted to a float", pyType(v))
	case KindList:
		switch t := v.(type) {
		case []any:
			return t, nil
		case []string:
			out := make([]any, len(t))
			for i, s := range t {
				out[i] = s
			}
			return out, nil
		case string:
			parts := strings.Split(t, ",")
			out := make([]any, len(parts))
			for i, s := range parts {
				out[i] = s
			}
			return out, nil
		case int, float64:
			return []any{PyStr(t)}, nil
		}
		return nil, fmt.Errorf("%s cannot be converted to a list", pyType(v))
	case KindDict:
		switch t := v.(type) {
		case map[string]any:
			return t, nil
		case string:
			return parseDict(t)
		}
		return nil, fmt.Errorf("%s cannot be converted to a dict", pyType(v))
	}
	return v, nil
}

func toBool(v any) (any, error) {
	switch t := v.(type) {
	case bool:
		return t, nil
	case int:
		if t == 1 || t == 0 {
			return t == 1, nil
		}
	case float64:
		if t == 1 || t == 0 {
			return t == 1, nil
		}
	case string:
		s := strings.ToLower(strings.TrimSpace(t))
		if contains(boolTrue, s) {
			return true, nil
		}
		if contains(boolFalse, s) {
			return false, nil
		}
	default:
		return nil, fmt.Errorf("%s cannot be converted to a bool", pyType(v))
	}
	return nil, fmt.Errorf("The value %s is not a valid boolean.  Valid booleans include: 0, 1, 'no', '0', 'off', 't', 'n', 'y', 'on', 'true', 'f', 'false', '1', 'yes'",
		pyRepr(v))
}

// ParseBool converts v as Ansible's boolean() does (yes/no/on/off/true/false/
// y/n/t/f/1/0, case-insensitive); ok is false when v is not a boolean.
func ParseBool(v any) (b, ok bool) {
	r, err := toBool(normNumber(v))
	if err != nil {
		return false, false
	}
	return r.(bool), true
}

// parseDict is check_type_dict for strings: JSON when it starts with "{",
// else space/comma separated key=value pairs with quotes and backslashes.
func parseDict(s string) (any, error) {
	if strings.HasPrefix(s, "{") {
		dec := json.NewDecoder(bytes.NewReader([]byte(s)))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("unable to evaluate string as dictionary")
		}
		return normJSON(m), nil
	}
	if !strings.Contains(s, "=") {
		return nil, fmt.Errorf("dictionary requested, could not parse JSON or key=value")
	}
	var fields []string
	var buf strings.Builder
	var quote rune
	escape := false
	for _, c := range strings.TrimSpace(s) {
		switch {
		case escape:
			buf.WriteRune(c)
			escape = false
		case c == '\\':
			escape = true
		case quote == 0 && (c == '\'' || c == '"'):
			quote = c
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == ',' || c == ' '):
			if buf.Len() > 0 {
				fields = append(fields, buf.String())
			}
			buf.Reset()
		default:
			buf.WriteRune(c)
		}
	}
	if buf.Len() > 0 {
		fields = append(fields, buf.String())
	}
	out := map[string]any{}
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("dictionary update sequence element has length 1; 2 is required")
		}
		out[k] = v
	}
	return out, nil
}

// normJSON turns json.Numbers into int or float64.
func normJSON(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return int(i)
		}
		f, _ := t.Float64()
		return f
	case map[string]any:
		for k, e := range t {
			t[k] = normJSON(e)
		}
		return t
	case []any:
		for i, e := range t {
			t[i] = normJSON(e)
		}
		return t
	}
	return v
}

// normNumber maps Go's integer and float kinds to int and float64.
func normNumber(v any) any {
	switch t := v.(type) {
	case int8:
		return int(t)
	case int16:
		return int(t)
	case int32:
		return int(t)
	case int64:
		return int(t)
	case uint:
		return int(t)
	case uint8:
		return int(t)
	case uint16:
		return int(t)
	case uint32:
		return int(t)
	case uint64:
		return int(t)
	case float32:
		return float64(t)
	}
	return v
}

func pyType(v any) string {
	switch normNumber(v).(type) {
	case string:
		return "<class 'str'>"
	case bool:
		return "<class 'bool'>"
	case int:
		return "<class 'int'>"
	case float64:
		return "<class 'float'>"
	case []any, []string:
		return "<class 'list'>"
	case map[string]any:
		return "<class 'dict'>"
	case nil:
		return "<class 'NoneType'>"
	}
	return fmt.Sprintf("<class '%T'>", v)
}

// PyStr renders v as Python's str() does (True, 1.0, ['a', 1], None ...).
func PyStr(v any) string {
	switch t := normNumber(v).(type) {
	case string:
		return t
	case bool:
		if t {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(t)
	case float64:
		return pyFloat(t)
	case nil:
		return "None"
	}
	return pyRepr(v)
}

func pyFloat(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	switch s {
	case "+Inf":
		return "inf"
	case "-Inf":
		return "-inf"
	case "NaN":
		return "nan"
	}
	if e := strings.IndexByte(s, 'e'); e >= 0 {
		// Python: 1e+16, 1e-05 (two exponent digits at least) like Go.
		return s
	}
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// pyRepr renders v as Python's repr() does.
func pyRepr(v any) string {
	switch t := normNumber(v).(type) {
	case string:
		q := "'"
		if strings.Contains(t, "'") && !strings.Contains(t, `"`) {
			q = `"`
		}
		r := strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
		s := r.Replace(t)
		if q == "'" {
			s = strings.ReplaceAll(s, "'", `\'`)
		}
		return q + s + q
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []string:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyRepr(k) + ": " + pyRepr(t[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return PyStr(v)
}
