package inventory

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Python's \s (Unicode whitespace) as an RE2 class body.
const pySpace = `\t\n\v\f\r \x{1c}-\x{1f}\x{85}\p{Z}`

var (
	iniSection   = regexp.MustCompile(`^\[([^:\]` + pySpace + `]+)(?::([\p{L}\p{N}_]+))?\][` + pySpace + `]*(?:#.*)?$`)
	iniGroupName = regexp.MustCompile(`^([^:\]` + pySpace + `]+)[` + pySpace + `]*(?:#.*)?$`)
)

// iniParser is the state of Ansible's INI inventory plugin for one file.
type iniParser struct {
	inv    *Inventory
	addr   *addressPatterns
	file   string
	lineno int
	text   string
}

type pendingDecl struct {
	line    int
	state   string
	parents []string
}

func (p *iniParser) errf(format string, args ...any) error {
	return &ParseError{File: p.file, Line: p.lineno, Text: p.text, Msg: fmt.Sprintf(format, args...)}
}

// parseINI adds the hosts and groups of one INI source to inv.
func (inv *Inventory) parseINI(file string, data []byte, addr *addressPatterns) error {
	p := &iniParser{inv: inv, addr: addr, file: file}
	return p.parse(iniLines(data))
}

// iniLines splits data like Python's str.splitlines(); a line that is not
// valid UTF-8 is kept only if it is a comment (then blanked).
func iniLines(data []byte) []string {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var lines []string
	for len(data) > 0 {
		i := bytes.IndexAny(data, "\n\r\v\f\x1c\x1d\x1e")
		var line []byte
		if i < 0 {
			line, data = data, nil
		} else {
			line = data[:i]
			if data[i] == '\r' && i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
			data = data[i+1:]
		}
		s := string(line)
		if !utf8.ValidString(s) && len(s) > 0 && (s[0] == '#' || s[0] == ';') {
			s = ""
		}
		lines = append(lines, s)
	}
	return lines
}

func pyStrip(s string) string { return strings.TrimFunc(s, pyIsSpace) }

func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

func (p *iniParser) parse(lines []string) error {
	inv := p.inv
	pending := map[string]*pendingDecl{}
	var pendingOrder []string
	groupName, state := "ungrouped", "hosts"
	for _, raw := range lines {
		p.lineno++
		p.text = raw
		line := pyStrip(raw)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if !utf8.ValidString(line) {
			return p.errf("invalid UTF-8 in line %q", line)
		}
		if m := iniSection.FindStringSubmatch(line); m != nil {
			groupName, state = m[1], m[2]
			if state == "" {
				state = "hosts"
			}
			if state != "hosts" && state != "children" && state != "vars" {
				return p.errf("Section [%s:%s] has unknown type: %s", m[1], m[2], state)
			}
			if _, ok := inv.groups[groupName]; !ok {
				if _, isPending := pending[groupName]; state == "vars" && !isPending {
					pending[groupName] = &pendingDecl{line: p.lineno, state: state}
					pendingOrder = append(pendingOrder, groupName)
				}
				inv.addGroup(groupName)
			}
			if d, ok := pending[groupName]; ok && state != "vars" {
				if d.state == "children" {
					if err := p.addPendingChildren(groupName, pending); err != nil {
						return err
					}
				} else {
					delete(pending, groupName)
				}
			}
			continue
		}
		if strings.HasPrefix(line, "[") && (strings.HasSuffix(line, "]") || state != "hosts") {
			return p.errf("invalid section entry: %q (no spaces or other invalid characters are allowed in a section header)", line)
		}
		switch state {
		case "hosts":
			if err := p.hostLine(line, groupName); err != nil {
				return err
			}
		case "vars":
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return p.errf("Expected key=value, got: %s", line)
			}
			if err := inv.setGroupVar(inv.groups[groupName], pyStrip(k), parseINIValue(pyStrip(v))); err != nil {
				return p.errf("%v", err)
			}
		case "children":
			m := iniGroupName.FindStringSubmatch(line)
			if m == nil {
				return p.errf("Expected group name, got: %s", line)
			}
			child := m[1]
			if cg, ok := inv.groups[child]; ok {
				if err := inv.addChild(inv.groups[groupName], cg); err != nil {
					return p.errf("%v", err)
				}
			} else if d, ok := pending[child]; ok {
				d.parents = append(d.parents, groupName)
			} else {
				pending[child] = &pendingDecl{line: p.lineno, state: "children", parents: []string{groupName}}
				pendingOrder = append(pendingOrder, child)
			}
		}
	}
	for _, name := range pendingOrder {
		d, ok := pending[name]
		if !ok {
			continue
		}
		p.lineno = d.line
		p.text = lineAt(lines, d.line)
		if d.state == "vars" {
			return p.errf("Section [%s:vars] not valid for undefined group: %s", name, name)
		}
		return p.errf("Section [%s:children] includes undefined group: %s", d.parents[len(d.parents)-1], name)
	}
	return nil
}

func lineAt(lines []string, n int) string {
	if n >= 1 && n <= len(lines) {
		return lines[n-1]
	}
	return ""
}

func (p *iniParser) addPendingChildren(name string, pending map[string]*pendingDecl) error {
	d := pending[name]
	delete(pending, name)
	for _, parent := range d.parents {
		if err := p.inv.addChild(p.inv.groups[parent], p.inv.groups[name]); err != nil {
			return p.errf("%v", err)
		}
		if pd, ok := pending[parent]; ok && pd.state == "children" {
			if err := p.addPendingChildren(parent, pending); err != nil {
				return err
			}
		}
	}
	return nil
}

// hostLine parses "pattern[:port] key=value ..." and adds the hosts.
func (p *iniParser) hostLine(line, groupName string) error {
	tokens, err := shlexSplit(line)
	if err != nil {
		return p.errf("Error parsing host definition '%s': %v", line, err)
	}
	if len(tokens) == 0 {
		return p.errf("Expected a host definition, got: %s", line)
	}
	names, port, err := p.addr.expandHostPattern(tokens[0])
	if err != nil {
		if strings.HasPrefix(line, "[") {
			return p.errf("invalid section entry: %q", line)
		}
		return p.errf("%v", err)
	}
	if strings.HasSuffix(pyStrip(tokens[0]), ":") && port < 0 {
		return p.errf("Invalid host pattern '%s' supplied, ending in ':' is not allowed, this character is reserved to provide a port.", tokens[0])
	}
	type kv struct {
		k string
		v any
	}
	var vars []kv
	for _, t := range tokens[1:] {
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			return p.errf("Expected key=value host variable assignment, got: %s", t)
		}
		vars = append(vars, kv{k, parseINIValue(v)})
	}
	g := p.inv.groups[groupName]
	for _, name := range names {
		if pyStrip(name) == "---" {
			return p.errf("Invalid host pattern '%s' supplied, '---' is normally a sign this is a YAML file.", tokens[0])
		}
		if name == "" {
			return p.errf("Invalid empty host name provided")
		}
	}
	for _, name := range names {
		h := p.inv.addHost(name, g, max(port, 0), p.file)
		for _, e := range vars {
			h.vars[e.k] = e.v
		}
	}
	return nil
}

// setGroupVar is Group.set_variable: ansible_group_priority sets the
// priority instead of a variable.
func (inv *Inventory) setGroupVar(g *group, k string, v any) error {
	if k == "ansible_group_priority" {
		n, err := pyIntValue(v)
		if err != nil {
			return err
		}
		g.priority = n
	} else {
		g.vars[k] = v
	}
	inv.changed()
	return nil
}

// pyIntValue is Python's int(v) for the values an inventory can hold.
func pyIntValue(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case float64:
		return int(x), nil
	case string:
		return pyInt(x)
	}
	return 0, fmt.Errorf("ansible_group_priority must be an integer, got %v", v)
}
