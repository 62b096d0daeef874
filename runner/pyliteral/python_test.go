package pyliteral

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// oracleScript evaluates each input as the two callers do in Ansible 2.14:
// ast.literal_eval of the text (ini.py's _parse_value), and literal_eval
// after Ansible's own Json2Python pass (native_helpers.ansible_eval_concat),
// and prints a canonical form of each result, or the exception's class.
// Results swarmbook cannot hold are marked "unsupported".
const oracleScript = `
import ast, json, sys
from ansible.template.native_helpers import Json2Python

class Unsupported(Exception):
    pass

def canon(v):
    if v is None: return "None"
    if v is True: return "True"
    if v is False: return "False"
    if isinstance(v, int):
        if not -2**63 <= v < 2**63: raise Unsupported()
        return str(v)
    if isinstance(v, float): return "f:" + json.dumps(v)
    if isinstance(v, bytes): v = v.decode("utf-8", "replace")
    if isinstance(v, str):
        if any(0xd800 <= ord(c) < 0xe000 for c in v): raise Unsupported()
        return "s:" + v.encode().hex()
    if isinstance(v, (list, tuple, set)): return "[" + ",".join(canon(x) for x in v) + "]"
    if isinstance(v, dict):
        items = []
        for k, x in v.items():
            if isinstance(k, (tuple, complex, bytes)): raise Unsupported()
            name = k if isinstance(k, str) else json.dumps(k)
            items.append((name, canon(x)))
        return "{" + ",".join("s:%s=%s" % (n.encode().hex(), x) for n, x in sorted(items)) + "}"
    raise Unsupported()

def evaluate(s, json_names):
    if "\\N{" in s: raise Unsupported()  # named escapes
    if json_names:
        return ast.literal_eval(ast.fix_missing_locations(Json2Python().visit(ast.parse(s.lstrip(" \t"), mode="eval"))))
    return ast.literal_eval(s)

out = []
for s in json.load(sys.stdin):
    row = []
    for json_names in (False, True):
        try:
            row.append(canon(evaluate(s, json_names)))
        except Unsupported:
            row.append("unsupported")
        except Exception as e:
            row.append("error:" + type(e).__name__)
    out.append(row)
json.dump(out, sys.stdout)
`

// canon renders a Parse result as oracleScript renders Python's.
func canon(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case float64:
		return "f:" + floatRepr(x)
	case string:
		return "s:" + hex.EncodeToString([]byte(x))
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = canon(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys) // as Python sorts the names
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("s:%s=%s", hex.EncodeToString([]byte(k)), canon(x[k]))
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	return fmt.Sprintf("?%T", v)
}

// oracleInputs are evaluated by Python on top of the table tests' inputs.
// Sets here iterate in source order in CPython too.
var oracleInputs = []string{
	"{'k': {'n': [1, 2.5, -3e-7, 'x']}}", "['\\t\\x00', '\\0', b'\\x80abc']", "{1: 2, 1.5: 3, None: 4, False: 5}",
	"(((1)))", "[(), (1,), ((),)]", "{0: 'a', 0.0: 'b', False: 'c'}", "-0", "+0x10", "0O777", "0B_1",
	"1E+5", "1e-5", "5e-324", "1.7976931348623157e308", "0.1", "123456789.123456789",
	"[1, 2, 3]  # trailing", "{'a' 'b': 'c' 'd'}", "[\n1,\n2,\n]", "set()", "{1, 3}", "'\\N{BULLET}'",
	"1+2j", "{(1, 2): 3}", "None,", "(None)", "[None, True, False, true]", "[nan]", "\"\"\"a\"b\"\"\"",
	"'é' 'ü'", "b'a' b'b'", "Rb'\\x'", "u'\\u2603'", "{'a': [{'b': ()}]}", "[1,,]", "(,)", "{:}", "{1:}",
	"[1]]", "[[1]", "'''", "'\\'", "\\\n1", "1 \\\n", "[1, 2]\n\n", "\n[1]",
	"\n  [1]", "# c\n1", "1 \\\n# c\n", "1 \\\n  ", "1 \\\n\n", "1 # c \\\n", "\r1", "\f1", "1\f", " \f 1",
	"\f\n\f1", "\n\t1",
}

func TestParseAgainstPython(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no Python")
	}
	py := "/usr/bin/python3"
	if _, err := os.Stat("/usr/lib/python3/dist-packages/ansible/template/native_helpers.py"); err != nil {
		t.Skip("Debian's ansible is not installed: no oracle")
	}
	inputs := append([]string{}, oracleInputs...)
	for _, c := range commonCases {
		inputs = append(inputs, c.in)
	}
	for _, c := range differing {
		inputs = append(inputs, c.in)
	}
	in, _ := json.Marshal(inputs)
	cmd := exec.Command(py, "-W", "ignore", "-c", oracleScript)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var rows [][2]string
	if err := json.Unmarshal(out, &rows); err != nil || len(rows) != len(inputs) {
		t.Fatalf("python output (%v): %s", err, out)
	}
	checked := 0
	for i, s := range inputs {
		for j, opts := range []Options{ini, tmpl} {
			want := rows[i][j]
			got, err := Parse(s, opts)
			switch {
			case want == "unsupported":
				if err == nil {
					t.Errorf("%+v Parse(%q) = %s; Python's result cannot be held, want ErrNotLiteral", opts, s, canon(got))
				}
			case want == "error:TypeError":
				if err != ErrUnhashable {
					t.Errorf("%+v Parse(%q) = %s, %v; Python: TypeError, want ErrUnhashable", opts, s, canon(got), err)
				}
			case strings.HasPrefix(want, "error:"):
				if err == nil {
					t.Errorf("%+v Parse(%q) = %s; Python: %s", opts, s, canon(got), want)
				}
			case err != nil:
				t.Errorf("%+v Parse(%q): %v; Python: %s", opts, s, err, want)
			case canon(got) != want:
				t.Errorf("%+v Parse(%q) = %s; Python: %s", opts, s, canon(got), want)
			}
			checked++
		}
	}
	t.Logf("%d evaluations compared with Python", checked)
}
