package yaml11

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// pyDump is run by Debian's python3 with Ansible's own YAML loader; it prints
// each decoded value as [type, repr] so both sides compare exactly.
const pyDump = `
import sys, json, datetime
from ansible.parsing.yaml.loader import AnsibleLoader
def conv(v):
    if isinstance(v, bool): return ["bool", v]
    if isinstance(v, int): return ["int", str(v)]
    if isinstance(v, float): return ["float", repr(v)]
    if v is None: return ["null", None]
    if isinstance(v, (datetime.date, datetime.datetime)): return ["str", v.isoformat()]
    if isinstance(v, str): return ["str", v]
    if isinstance(v, dict): return ["map", [[str(k), conv(x)] for k, x in v.items()]]
    if isinstance(v, list): return ["seq", [conv(x) for x in v]]
    return ["?", repr(v)]
data = AnsibleLoader(open(sys.argv[1]).read(), file_name=sys.argv[1]).get_single_data()
print(json.dumps(conv(data)))
`

func goConv(v any) any {
	switch x := v.(type) {
	case bool:
		return []any{"bool", x}
	case int:
		return []any{"int", fmt.Sprint(x)}
	case float64:
		return []any{"float", PyFloat(x)}
	case nil:
		return []any{"null", nil}
	case string:
		return []any{"str", x}
	case []any:
		out := []any{}
		for _, e := range x {
			out = append(out, goConv(e))
		}
		return []any{"seq", out}
	}
	return []any{"?", fmt.Sprint(v)}
}

func goConvNode(n *Node) any {
	if n.Kind == Map {
		out := []any{}
		for i, k := range n.Keys {
			out = append(out, []any{KeyString(k), goConvNode(n.Values[i])})
		}
		return []any{"map", out}
	}
	if n.Kind == Seq {
		out := []any{}
		for _, it := range n.Items {
			out = append(out, goConvNode(it))
		}
		return []any{"seq", out}
	}
	return goConv(n.Value())
}

// TestAgainstAnsibleLoader decodes the same documents with Ansible's YAML
// loader and with Parse, and compares types and values.
func TestAgainstAnsibleLoader(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import ansible.parsing.yaml.loader").Run(); err != nil {
		t.Skip("Debian python3 with ansible not available")
	}
	docs := []string{
		"- yes\n- No\n- ON\n- oFF\n- y\n- n\n- TRUE\n- tRuE\n",
		"- 0644\n- 0o644\n- 0x1F\n- 0b11\n- 1_000\n- +5\n- -0\n- 08\n- 0_7\n- 1:20\n- 190:20:30\n",
		"- 1.5\n- 1.\n- .5\n- 1e3\n- 1.0e+3\n- 1.0E-3\n- -.inf\n- .INF\n- 1_0.2_5\n- 1:30.5\n- 1.0e3\n",
		"- ~\n- null\n- Null\n- NULL\n- nULL\n-\n- ''\n- \"~\"\n",
		"- 2001-12-14\n- 10.0.0.1\n- '0644'\n- \"yes\"\n- 1.2.3\n- abc def\n- a: 1\n",
		"a: &x {k: 1, j: 2}\nb: *x\nc:\n  <<: *x\n  k: 3\nd:\n  <<: [{a: 1}, {a: 2, b: 2}]\n  c: 3\n",
		"1: int\ntrue: bool\n1.5: float\n~: null\nyes: again\n",
		"- !!str 0644\n- !!int '12'\n- !unsafe '{{ x }}'\n- !!float '1'\n",
		"x: |\n  lit\n  two\ny: >\n  folded\n  text\n\n  para\nz: plain\n  continued\n",
		"a: 1\nb: 2\na: 3\n",
	}
	dir := t.TempDir()
	for i, src := range docs {
		path := filepath.Join(dir, fmt.Sprintf("d%d.yml", i))
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("/usr/bin/python3", "-c", pyDump, path).Output()
		if err != nil {
			t.Fatalf("python on %q: %v", src, err)
		}
		var want any
		if err := json.Unmarshal(out, &want); err != nil {
			t.Fatal(err)
		}
		nodes, err := Parse([]byte(src), path)
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		gotJSON, _ := json.Marshal(goConvNode(nodes[0]))
		wantJSON, _ := json.Marshal(want)
		if string(gotJSON) != string(wantJSON) {
			t.Errorf("doc %q:\n got  %s\n want %s", src, gotJSON, wantJSON)
		}
	}
	_ = math.Inf
}
