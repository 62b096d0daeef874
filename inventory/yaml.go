package inventory

import (
	"errors"
	"fmt"

	"github.com/swarmbook/swarmbook/runner/yaml11"
)

// parseYAMLDoc decodes the single YAML document of a file (YAML 1.1 scalar
// semantics, as Ansible's loader). An empty file gives nil.
func parseYAMLDoc(data []byte, file string) (*yaml11.Node, error) {
	docs, err := yaml11.Parse(data, file)
	if err != nil {
		return nil, err
	}
	switch len(docs) {
	case 0:
		return nil, nil
	case 1:
		return docs[0], nil
	}
	return nil, yaml11.NewError(data, docs[1].Pos, "expected a single document in the stream")
}

// errNotYAMLInventory marks a YAML file that is not a YAML inventory (so
// another format may be tried).
var errNotYAMLInventory = errors.New("not a YAML inventory")

type yamlInvParser struct {
	inv  *Inventory
	addr *addressPatterns
	file string
	src  []byte
}

func (p *yamlInvParser) errAt(n *yaml11.Node, format string, args ...any) error {
	return yaml11.NewError(p.src, n.Pos, fmt.Sprintf(format, args...))
}

// parseYAMLInventory adds the groups and hosts of a YAML inventory
// document to inv, as Ansible's yaml inventory plugin does.
func (inv *Inventory) parseYAMLInventory(file string, src []byte, doc *yaml11.Node, addr *addressPatterns) error {
	if doc == nil || doc.Kind == yaml11.Null || (doc.Kind == yaml11.Map && len(doc.Keys) == 0) {
		return fmt.Errorf("%s: parsed empty YAML file: %w", file, errNotYAMLInventory)
	}
	if doc.Kind != yaml11.Map {
		return fmt.Errorf("%s: YAML inventory has invalid structure, it should be a dictionary, got a %s: %w", file, doc.Kind, errNotYAMLInventory)
	}
	if pl := doc.Get("plugin"); pl != nil && truthy(pl.Value()) {
		return fmt.Errorf("%s: inventory plugin configuration files are not supported: %w", file, errNotYAMLInventory)
	}
	p := &yamlInvParser{inv: inv, addr: addr, file: file, src: src}
	for i, k := range doc.Keys {
		if _, err := p.group(k, doc.Values[i]); err != nil {
			return err
		}
	}
	return nil
}

func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case int:
		return x != 0
	case float64:
		return x != 0
	case map[string]any:
		return len(x) > 0
	case []any:
		return len(x) > 0
	}
	return true
}

func isMapOrNull(n *yaml11.Node) bool {
	return n == nil || n.Kind == yaml11.Map || n.Kind == yaml11.Null
}

func stringScalar(n *yaml11.Node) (string, bool) {
	if n == nil || n.Kind != yaml11.Scalar {
		return "", false
	}
	s, ok := n.Scalar.(string)
	return s, ok
}

// group is _parse_group: it returns the group's name, or "" when the
// entry was skipped (not a mapping).
func (p *yamlInvParser) group(key, data *yaml11.Node) (string, error) {
	name, ok := stringScalar(key)
	if !ok {
		return "", p.errAt(key, "Invalid group name supplied, expected a string but got %s", yaml11.KeyString(key))
	}
	if name == "" {
		return "", p.errAt(key, "Invalid empty/false group name provided")
	}
	if !isMapOrNull(data) {
		// Ansible warns and skips the entry.
		return "", nil
	}
	g := p.inv.addGroup(name)
	if data == nil || data.Kind == yaml11.Null {
		return name, nil
	}
	sections := map[string]*yaml11.Node{}
	for _, sec := range []string{"vars", "children", "hosts"} {
		v := data.Get(sec)
		if v == nil {
			continue
		}
		if s, ok := stringScalar(v); ok {
			// A string stands for a one-entry mapping.
			v = &yaml11.Node{Kind: yaml11.Map, Pos: v.Pos,
				Keys:   []*yaml11.Node{{Kind: yaml11.Scalar, Pos: v.Pos, Scalar: s}},
				Values: []*yaml11.Node{{Kind: yaml11.Null, Pos: v.Pos}}}
		}
		if !isMapOrNull(v) {
			return "", p.errAt(v, "Invalid %q entry for %q group, requires a dictionary, found a %s instead.", sec, name, v.Kind)
		}
		sections[sec] = v
	}
	for i, k := range data.Keys {
		ks := yaml11.KeyString(k)
		v := data.Values[i]
		if s, ok := sections[ks]; ok {
			v = s
		}
		if v == nil || !isMapOrNull(v) || v.Kind == yaml11.Null {
			continue // Ansible warns (or logs) and skips
		}
		switch ks {
		case "vars":
			for j, vk := range v.Keys {
				if err := p.inv.setGroupVar(g, yaml11.KeyString(vk), v.Values[j].Value()); err != nil {
					return "", p.errAt(v.Values[j], "%v", err)
				}
			}
		case "children":
			for j, ck := range v.Keys {
				child, err := p.group(ck, v.Values[j])
				if err != nil {
					return "", err
				}
				cg, ok := p.inv.groups[child]
				if !ok {
					return "", p.errAt(ck, "%s is not a known host nor group", yaml11.KeyString(ck))
				}
				if err := p.inv.addChild(g, cg); err != nil {
					return "", p.errAt(ck, "%v", err)
				}
			}
		case "hosts":
			for j, hk := range v.Keys {
				if err := p.host(g, hk, v.Values[j]); err != nil {
					return "", err
				}
			}
		}
	}
	return name, nil
}

func (p *yamlInvParser) host(g *group, key, vars *yaml11.Node) error {
	pattern, ok := stringScalar(key)
	if !ok {
		return p.errAt(key, "Host pattern %s must be a string. Enclose integers/floats in quotation marks.", yaml11.KeyString(key))
	}
	names, port, err := p.addr.expandHostPattern(pattern)
	if err != nil {
		return p.errAt(key, "%v", err)
	}
	if vars != nil && vars.Kind != yaml11.Map && vars.Kind != yaml11.Null {
		return p.errAt(vars, "Invalid data from file, expected dictionary and got a %s", vars.Kind)
	}
	for _, name := range names {
		if name == "" {
			return p.errAt(key, "Invalid empty host name provided")
		}
		h := p.inv.addHost(name, g, max(port, 0), p.file)
		if vars != nil {
			for j, vk := range vars.Keys {
				h.vars[yaml11.KeyString(vk)] = vars.Values[j].Value()
			}
		}
	}
	return nil
}
