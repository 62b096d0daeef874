// Package yaml11 decodes YAML the way Ansible sees it: PyYAML's YAML 1.1
// implicit scalar resolution (yes/no/on/off booleans, 0644 octal, 1_000,
// sexagesimal 1:20, ~ null ...), anchors, aliases and << merge keys, and
// duplicate keys resolved as "last one wins" with a warning. It keeps the
// file:line:col of every node.
package yaml11

import "fmt"

// Kind is the kind of a Node.
type Kind int

// Node kinds.
const (
	Null Kind = iota
	Scalar
	Map
	Seq
)

func (k Kind) String() string {
	switch k {
	case Null:
		return "null"
	case Scalar:
		return "scalar"
	case Map:
		return "mapping"
	case Seq:
		return "sequence"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Pos is a 1-based position in a source file.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Node is one decoded YAML node with its position.
type Node struct {
	Kind Kind
	Pos  Pos
	// Scalar is the resolved value of a Scalar node: string, bool, int or
	// float64 (nil for Null).
	Scalar any
	// Quoted is true for a quoted or block (| >) scalar, or one tagged
	// !!str or !unsafe: such a scalar is always a string.
	Quoted bool
	// Unsafe is true for a scalar tagged !unsafe (never templated).
	Unsafe bool
	// Keys and Values are a mapping's entries in order, merge keys already
	// applied and duplicate keys reduced to their last value (at the
	// position of the first occurrence, as a Python dict does).
	Keys   []*Node
	Values []*Node
	// Items are a sequence's elements.
	Items []*Node
}

// Get returns the value node of the mapping entry whose key is the string
// key, or nil.
func (n *Node) Get(key string) *Node {
	if n == nil || n.Kind != Map {
		return nil
	}
	for i, k := range n.Keys {
		if KeyString(k) == key {
			return n.Values[i]
		}
	}
	return nil
}

// Value converts n to plain Go values: map[string]any, []any, string,
// bool, int, float64 or nil.
func (n *Node) Value() any {
	if n == nil {
		return nil
	}
	switch n.Kind {
	case Scalar:
		return n.Scalar
	case Map:
		m := make(map[string]any, len(n.Keys))
		for i, k := range n.Keys {
			m[KeyString(k)] = n.Values[i].Value()
		}
		return m
	case Seq:
		l := make([]any, len(n.Items))
		for i, it := range n.Items {
			l[i] = it.Value()
		}
		return l
	}
	return nil
}

// KeyString is the string form of a mapping key as Python's str() would
// give it (True, None, 1.0); complex keys are rendered as Python literals.
func KeyString(k *Node) string {
	return pyStr(k.Value())
}
