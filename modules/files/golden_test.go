package files

import (
	"encoding/json"
	"os"
	"testing"
)

// golden.json holds cases run through ansible-playbook 2.14 by
// testdata/gen_golden.py: the initial content, the arguments, and the
// content, changed flag and message Ansible produced.
type goldenCase struct {
	Name    string         `json:"name"`
	Content string         `json:"content"`
	Args    map[string]any `json:"args"`
	After   string         `json:"after"`
	Changed bool           `json:"changed"`
	Msg     string         `json:"msg"`
}

func loadGolden(t *testing.T) map[string][]goldenCase {
	t.Helper()
	b, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g map[string][]goldenCase
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

func strp(m map[string]any, k string) *string {
	if s, ok := m[k].(string); ok {
		return &s
	}
	return nil
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func TestLineinfileGolden(t *testing.T) {
	for _, c := range loadGolden(t)["lineinfile"] {
		t.Run(c.Name, func(t *testing.T) {
			p := lineParams{RegexpSrc: strp(c.Args, "regexp"), SearchString: strp(c.Args, "search_string"),
				Line: strp(c.Args, "line"), InsertAfter: str(c.Args, "insertafter"), InsertBefore: str(c.Args, "insertbefore")}
			p.Backrefs, _ = c.Args["backrefs"].(bool)
			p.FirstMatch, _ = c.Args["firstmatch"].(bool)
			var err error
			if p.RegexpSrc != nil {
				if p.Regexp, err = pyRegexp(*p.RegexpSrc, ""); err != nil {
					t.Fatal(err)
				}
			}
			if s := p.InsertAfter; s != "" && s != "EOF" && s != "BOF" {
				p.InsAfterRE, _ = pyRegexp(s, "")
			}
			if s := p.InsertBefore; s != "" && s != "BOF" {
				p.InsBeforeRE, _ = pyRegexp(s, "")
			}
			lines := splitLines([]byte(c.Content))
			var changed bool
			var msg string
			if str(c.Args, "state") == "absent" {
				var n int
				lines, n = lineAbsent(lines, p)
				changed = n > 0
				if changed {
					msg = itoa(n) + " line(s) removed"
				}
			} else if lines, changed, msg, err = linePresent(lines, p); err != nil {
				t.Fatal(err)
			}
			got := string(joinLines(lines))
			if got != c.After || changed != c.Changed || msg != c.Msg {
				t.Errorf("got (%q, %v, %q), Ansible (%q, %v, %q)", got, changed, msg, c.After, c.Changed, c.Msg)
			}
		})
	}
}

func TestBlockinfileGolden(t *testing.T) {
	for _, c := range loadGolden(t)["blockinfile"] {
		t.Run(c.Name, func(t *testing.T) {
			p := blockParams{Present: str(c.Args, "state") != "absent", Block: str(c.Args, "block"),
				Marker: "# {mark} ANSIBLE MANAGED BLOCK", MarkerBegin: "BEGIN", MarkerEnd: "END",
				InsertAfter: str(c.Args, "insertafter"), InsertBefore: str(c.Args, "insertbefore")}
			if m := str(c.Args, "marker"); m != "" {
				p.Marker, p.MarkerBegin, p.MarkerEnd = m, str(c.Args, "marker_begin"), str(c.Args, "marker_end")
			}
			pat := p.InsertAfter
			if pat == "" || pat == "EOF" {
				pat = p.InsertBefore
			}
			if pat != "" && pat != "BOF" && pat != "EOF" {
				p.InsertRE, _ = pyRegexp(pat, "")
			}
			got, msg := blockEdit([]byte(c.Content), p)
			if string(got) != c.After || (msg != "") != c.Changed || msg != c.Msg {
				t.Errorf("got (%q, %q), Ansible (%q, %v, %q)", got, msg, c.After, c.Changed, c.Msg)
			}
		})
	}
}

func TestReplaceGolden(t *testing.T) {
	for _, c := range loadGolden(t)["replace"] {
		t.Run(c.Name, func(t *testing.T) {
			got, n, msg, err := replaceEdit([]byte(c.Content), str(c.Args, "regexp"), str(c.Args, "replace"),
				str(c.Args, "after"), str(c.Args, "before"))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.After || (n > 0) != c.Changed || msg != c.Msg {
				t.Errorf("got (%q, %d, %q), Ansible (%q, %v, %q)", got, n, msg, c.After, c.Changed, c.Msg)
			}
		})
	}
}
