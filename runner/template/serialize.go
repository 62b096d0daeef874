package template

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/swarmbook/swarmbook/runner/yaml11"
)

// --- JSON (Python's json.dumps, ensure_ascii=True) ---

type jsonOpts struct {
	indent    int
	hasIndent bool
	itemSep   string
	keySep    string
}

func fToJSON(nice bool) filterFunc {
	return func(_ *run, v any, _ []any, kw map[string]any) (any, error) {
		o := jsonOpts{itemSep: ", ", keySep: ": "}
		if nice {
			o.indent, o.hasIndent = 4, true
		}
		if in, ok := kw["indent"]; ok && in != nil {
			o.indent, _ = toInt(in)
			o.hasIndent = true
		}
		if o.hasIndent {
			o.itemSep = ","
		}
		if seps, ok := kw["separators"].([]any); ok && len(seps) == 2 {
			o.itemSep, o.keySep = pyStr(seps[0]), pyStr(seps[1])
		}
		var b strings.Builder
		if err := writeJSON(&b, v, o, 0); err != nil {
			return nil, err
		}
		return b.String(), nil
	}
}

func writeJSON(b *strings.Builder, v any, o jsonOpts, level int) error {
	nl := func(l int) {
		if o.hasIndent {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(" ", o.indent*l))
		}
	}
	switch x := normalize(v).(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		switch {
		case math.IsNaN(x):
			b.WriteString("NaN")
		case math.IsInf(x, 1):
			b.WriteString("Infinity")
		case math.IsInf(x, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(pyFloat(x))
		}
	case string:
		writeJSONString(b, x)
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(o.itemSep)
			}
			nl(level + 1)
			if err := writeJSON(b, e, o, level+1); err != nil {
				return err
			}
		}
		nl(level)
		b.WriteByte(']')
	case map[string]any, Mapping:
		keys, _ := mappingKeys(x)
		if len(keys) == 0 {
			b.WriteString("{}")
			return nil
		}
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(o.itemSep)
			}
			nl(level + 1)
			writeJSONString(b, k)
			b.WriteString(o.keySep)
			e, _ := getKey(x, k)
			if err := writeJSON(b, e, o, level+1); err != nil {
				return err
			}
		}
		nl(level)
		b.WriteByte('}')
	case *Undefined:
		return x.err()
	default:
		return fmt.Errorf("Object of type %s is not JSON serializable", pyTypeName(v))
	}
	return nil
}

func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || (r >= 0x7f && r < 0x10000):
			if r < 0x7f || r >= 0x7f {
				if r >= 0x20 && r < 0x7f {
					b.WriteRune(r)
				} else {
					fmt.Fprintf(b, `\u%04x`, r)
				}
			}
		case r >= 0x10000:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(b, `\u%04x\u%04x`, r1, r2)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

func fFromJSON(_ *run, v any, _ []any, _ map[string]any) (any, error) {
	s, err := toText(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf("from_json: %v", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("Extra data")
	}
	return fromJSONValue(out), nil
}

func fromJSONValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil && !strings.ContainsAny(string(x), ".eE") {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = fromJSONValue(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = fromJSONValue(x[k])
		}
	}
	return v
}

// --- YAML (PyYAML's dump, sorted keys) ---

func fToYAML(nice bool) filterFunc {
	return func(_ *run, v any, args []any, kw map[string]any) (any, error) {
		if err := checkDefined(v); err != nil {
			return nil, err
		}
		indent := 2
		flowNone := !nice
		if nice {
			indent = 4
			if i := arg(args, kw, 0, "indent", nil); i != nil {
				indent, _ = toInt(i)
			}
		} else if i, ok := kw["indent"]; ok {
			indent, _ = toInt(i)
		}
		if fs, ok := kw["default_flow_style"]; ok && !nice {
			if fs == nil {
				flowNone = true
			} else if t, _ := truth(fs); !t {
				flowNone = false
			}
		}
		y := &yamlWriter{indent: max(indent, 2), flowNone: flowNone}
		return y.dump(v), nil
	}
}

type yamlWriter struct {
	indent   int
	flowNone bool
	b        strings.Builder
}

func (y *yamlWriter) dump(v any) string {
	v = normalize(v)
	switch x := v.(type) {
	case []any, map[string]any, Mapping:
		if y.flowable(x) {
			y.b.WriteString(y.flow(x) + "\n")
		} else {
			y.block(x, 0)
		}
	default:
		s, _ := yamlScalar(v, false, y.indent)
		y.b.WriteString(s + "\n")
		if v == nil {
			y.b.WriteString("...\n")
		}
	}
	return y.b.String()
}

func isCollection(v any) bool {
	switch v.(type) {
	case []any, map[string]any, Mapping:
		return true
	}
	return false
}

func collLen(v any) int {
	if l, ok := v.([]any); ok {
		return len(l)
	}
	k, _ := mappingKeys(v)
	return len(k)
}

// flowable: PyYAML with default_flow_style=None writes a collection in flow
// style when all its items are plain scalars; empty collections always are.
func (y *yamlWriter) flowable(v any) bool {
	if collLen(v) == 0 {
		return true
	}
	if !y.flowNone {
		return false
	}
	check := func(e any) bool {
		if isCollection(e) {
			return false
		}
		_, plain := yamlScalar(e, false, 0)
		return plain
	}
	if l, ok := v.([]any); ok {
		for _, e := range l {
			if !check(normalize(e)) {
				return false
			}
		}
		return true
	}
	keys, _ := mappingKeys(v)
	for _, k := range keys {
		e, _ := getKey(v, k)
		if !check(k) || !check(normalize(e)) {
			return false
		}
	}
	return true
}

func (y *yamlWriter) flow(v any) string {
	if l, ok := v.([]any); ok {
		parts := make([]string, len(l))
		for i, e := range l {
			parts[i], _ = yamlScalar(normalize(e), true, 0)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	keys, _ := mappingKeys(v)
	parts := make([]string, len(keys))
	for i, k := range keys {
		e, _ := getKey(v, k)
		ks, _ := yamlScalar(k, true, 0)
		es, _ := yamlScalar(normalize(e), true, 0)
		parts[i] = ks + ": " + es
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (y *yamlWriter) value(v any, ind int, inSeq bool) {
	v = normalize(v)
	if !isCollection(v) {
		s, _ := yamlScalar(v, false, ind+y.indent)
		y.b.WriteString(" " + s + "\n")
		return
	}
	if y.flowable(v) {
		y.b.WriteString(" " + y.flow(v) + "\n")
		return
	}
	y.b.WriteString("\n")
	if _, isList := v.([]any); isList && !inSeq {
		y.block(v, ind) // sequences in mappings are not indented
		return
	}
	y.block(v, ind+y.indent)
}

func (y *yamlWriter) block(v any, ind int) {
	pad := strings.Repeat(" ", ind)
	if l, ok := v.([]any); ok {
		for _, e := range l {
			e = normalize(e)
			if isCollection(e) && !y.flowable(e) {
				sub := &yamlWriter{indent: y.indent, flowNone: y.flowNone}
				sub.block(e, ind+y.indent)
				text := sub.b.String()
				y.b.WriteString(pad + "-" + strings.Repeat(" ", y.indent-1) + text[ind+y.indent:])
				continue
			}
			y.b.WriteString(pad + "-")
			y.value(e, ind, true)
		}
		return
	}
	keys, _ := mappingKeys(v)
	for _, k := range keys {
		e, _ := getKey(v, k)
		ks, _ := yamlScalar(k, false, ind)
		y.b.WriteString(pad + ks + ":")
		y.value(e, ind, false)
	}
}

var yamlResolvesRE = regexp.MustCompile(`^(?:` +
	`yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF` +
	`|~|null|Null|NULL|` +
	`[-+]?(?:0b[0-1_]+|0[0-7_]+|(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|[1-9][0-9_]*(?::[0-5]?[0-9])+)` +
	`|[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)` +
	`|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)?` +
	`|=|<<)$`)

// yamlScalar formats a scalar as PyYAML would; plain reports an unquoted string.
func yamlScalar(v any, flow bool, ind int) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "null", true
	case bool:
		return strconv.FormatBool(x), true
	case int:
		return strconv.Itoa(x), true
	case float64:
		switch {
		case math.IsNaN(x):
			return ".nan", true
		case math.IsInf(x, 1):
			return ".inf", true
		case math.IsInf(x, -1):
			return "-.inf", true
		}
		s := pyFloat(x)
		if strings.Contains(s, "e") && !strings.Contains(s, ".") {
			m, e, _ := strings.Cut(s, "e")
			s = m + ".0e" + e
		}
		return s, true
	case string:
		return yamlString(x, flow, ind)
	}
	return pyStr(v), true
}

func yamlString(s string, flow bool, ind int) (string, bool) {
	if s == "" {
		return "''", false
	}
	special := false
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xfeff {
			special = true
		}
	}
	if special {
		b, _ := json.Marshal(s)
		return string(b), false
	}
	plain := !yamlResolvesRE.MatchString(s) && yamlPlainOK(s, flow)
	if plain {
		return s, true
	}
	if strings.Contains(s, "\n") {
		if strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") || strings.HasSuffix(s, "\n") || strings.Contains(s, " \n") || strings.Contains(s, "\n ") {
			b, _ := json.Marshal(s)
			return string(bytes.ReplaceAll(b, []byte(`\u003c`), []byte("<"))), false
		}
		cont := strings.Repeat(" ", ind)
		body := strings.ReplaceAll(s, "'", "''")
		body = strings.ReplaceAll(body, "\n", "\n\n"+cont)
		return "'" + body + "'", false
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'", false
}

func yamlPlainOK(s string, flow bool) bool {
	if strings.ContainsAny(s, "\n\t") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		return false
	}
	first := s[0]
	if strings.IndexByte("#,[]{}&*!|>'\"%@`", first) >= 0 {
		return false
	}
	if strings.IndexByte("-?:", first) >= 0 && (len(s) == 1 || s[1] == ' ') {
		return false
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.HasSuffix(s, ":") {
		return false
	}
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		return false
	}
	if flow && strings.ContainsAny(s, ",[]{}") {
		return false
	}
	if flow && (strings.Contains(s, "?") || strings.Contains(s, ":")) {
		return false
	}
	return true
}

// fFromYAML parses YAML as Ansible does (PyYAML, YAML 1.1 scalars).
func fFromYAML(_ *run, v any, _ []any, _ map[string]any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return v, nil
	}
	out, err := yaml11.Unmarshal([]byte(s), "from_yaml")
	if err != nil {
		return nil, fmt.Errorf("from_yaml: %v", err)
	}
	return fromYAMLValue(out), nil
}

// fFromYAMLAll parses every document of a YAML stream into a list.
func fFromYAMLAll(_ *run, v any, _ []any, _ map[string]any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return v, nil
	}
	docs, err := yaml11.Parse([]byte(s), "from_yaml_all")
	if err != nil {
		return nil, fmt.Errorf("from_yaml_all: %v", err)
	}
	out := make([]any, 0, len(docs))
	for _, d := range docs {
		out = append(out, fromYAMLValue(d.Value()))
	}
	return out, nil
}

func fromYAMLValue(v any) any {
	switch x := normalize(v).(type) {
	case []any:
		for i := range x {
			x[i] = fromYAMLValue(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = fromYAMLValue(x[k])
		}
		return x
	default:
		return x
	}
}
