package yaml11

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	goyaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Unmarshal decodes the single YAML document in data into plain Go values
// (map[string]any, []any, string, bool, int, float64, nil). An empty file
// decodes to nil. Duplicate keys are resolved silently; use ParseWarn to
// see the warnings.
func Unmarshal(data []byte, filename string) (any, error) {
	docs, err := Parse(data, filename)
	if err != nil {
		return nil, err
	}
	switch len(docs) {
	case 0:
		return nil, nil
	case 1:
		return docs[0].Value(), nil
	}
	return nil, NewError(data, docs[1].Pos, "expected a single document in the stream")
}

// Parse decodes every document of data into Nodes with positions.
func Parse(data []byte, filename string) ([]*Node, error) {
	return ParseWarn(data, filename, nil)
}

// ParseWarn is Parse that reports warnings (duplicate keys) to warn, worded
// as Ansible words them.
func ParseWarn(data []byte, filename string, warn func(msg string)) (docs []*Node, err error) {
	defer func() {
		// The parser is third-party code fed with user input: never let a
		// bug in it take the whole run down.
		if r := recover(); r != nil {
			docs, err = nil, &Error{File: filename, Msg: fmt.Sprintf("Syntax Error while loading YAML.\n  %v", r)}
		}
	}()
	f, perr := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if perr != nil {
		return nil, convertParseError(data, filename, perr)
	}
	for _, d := range f.Docs {
		if d == nil || d.Body == nil {
			continue
		}
		c := &converter{src: data, file: filename, warn: warn, anchors: map[string]*Node{}}
		n, err := c.node(d.Body)
		if err != nil {
			return nil, err
		}
		docs = append(docs, n)
	}
	return docs, nil
}

func convertParseError(data []byte, filename string, err error) error {
	var ye goyaml.Error
	if errors.As(err, &ye) {
		pos := Pos{File: filename}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			pos.Line, pos.Col = tk.Position.Line, tk.Position.Column
		}
		return NewError(data, pos, "Syntax Error while loading YAML.\n  "+ye.GetMessage())
	}
	return &Error{File: filename, Msg: "Syntax Error while loading YAML.\n  " + err.Error()}
}

type converter struct {
	src     []byte
	file    string
	warn    func(string)
	anchors map[string]*Node
}

func (c *converter) pos(tk *token.Token) Pos {
	if tk == nil || tk.Position == nil {
		return Pos{File: c.file}
	}
	return Pos{File: c.file, Line: tk.Position.Line, Col: tk.Position.Column}
}

func (c *converter) errorf(tk *token.Token, format string, args ...any) error {
	return NewError(c.src, c.pos(tk), fmt.Sprintf(format, args...))
}

// node converts one goccy AST node.
func (c *converter) node(n ast.Node) (*Node, error) {
	switch v := n.(type) {
	case nil:
		return &Node{Kind: Null, Pos: Pos{File: c.file}}, nil
	case *ast.StringNode:
		switch v.Token.Type {
		case token.SingleQuoteType, token.DoubleQuoteType:
			return &Node{Kind: Scalar, Pos: c.pos(v.Token), Scalar: v.Value, Quoted: true}, nil
		}
		return c.plain(v.Token), nil
	case *ast.IntegerNode:
		return c.plain(v.Token), nil
	case *ast.FloatNode:
		return c.plain(v.Token), nil
	case *ast.BoolNode:
		return c.plain(v.Token), nil
	case *ast.NullNode:
		if v.Token != nil && v.Token.Type == token.ImplicitNullType {
			return &Node{Kind: Null, Pos: c.pos(v.Token)}, nil
		}
		return c.plain(v.Token), nil
	case *ast.InfinityNode:
		return c.plain(v.Token), nil
	case *ast.NanNode:
		return c.plain(v.Token), nil
	case *ast.LiteralNode:
		return &Node{Kind: Scalar, Pos: c.pos(v.Start), Scalar: v.Value.Value, Quoted: true}, nil
	case *ast.AnchorNode:
		val, err := c.node(v.Value)
		if err != nil {
			return nil, err
		}
		c.anchors[v.Name.GetToken().Value] = val
		return val, nil
	case *ast.AliasNode:
		name := v.Value.GetToken().Value
		val, ok := c.anchors[name]
		if !ok {
			return nil, c.errorf(v.Start, "found undefined alias %q", name)
		}
		return val, nil
	case *ast.TagNode:
		return c.tagged(v)
	case *ast.MappingNode:
		return c.mapping(v.Start, v.Values)
	case *ast.MappingValueNode:
		return c.mapping(v.Start, []*ast.MappingValueNode{v})
	case *ast.SequenceNode:
		out := &Node{Kind: Seq, Pos: c.pos(v.Start), Items: make([]*Node, 0, len(v.Values))}
		for _, it := range v.Values {
			in, err := c.node(it)
			if err != nil {
				return nil, err
			}
			out.Items = append(out.Items, in)
		}
		return out, nil
	case *ast.MappingKeyNode:
		return c.node(v.Value)
	case *ast.CommentGroupNode, *ast.CommentNode:
		return &Node{Kind: Null, Pos: Pos{File: c.file}}, nil
	}
	return nil, c.errorf(n.GetToken(), "unsupported YAML construct %s", n.Type())
}

// plain resolves a plain scalar token with the YAML 1.1 rules.
func (c *converter) plain(tk *token.Token) *Node {
	v := Resolve(tk.Value)
	if v == nil {
		return &Node{Kind: Null, Pos: c.pos(tk)}
	}
	return &Node{Kind: Scalar, Pos: c.pos(tk), Scalar: v}
}

// tagged handles explicit tags: the standard !!str/!!int/... ones and
// Ansible's !unsafe; !vault is refused.
func (c *converter) tagged(v *ast.TagNode) (*Node, error) {
	tag := v.Start.Value
	tag = strings.TrimSuffix(strings.TrimPrefix(tag, "!<"), ">")
	tag = strings.Replace(tag, "tag:yaml.org,2002:", "!!", 1)
	inner, err := c.node(v.Value)
	if err != nil {
		return nil, err
	}
	raw := func() (string, bool) {
		switch s := v.Value.(type) {
		case nil:
			return "", true
		case *ast.LiteralNode:
			return s.Value.Value, true
		case ast.ScalarNode:
			tk := s.GetToken()
			if _, isNull := s.(*ast.NullNode); isNull && tk.Type == token.ImplicitNullType {
				return "", true
			}
			if str, ok := s.(*ast.StringNode); ok {
				return str.Value, true
			}
			return tk.Value, true
		}
		return "", false
	}
	pos := c.pos(v.Start)
	switch tag {
	case "!unsafe", "!!str":
		s, ok := raw()
		if !ok {
			if tag == "!unsafe" {
				return inner, nil // !unsafe on a collection: Ansible marks each string
			}
			return nil, c.errorf(v.Start, "expected a scalar node, but found %s", inner.Kind)
		}
		return &Node{Kind: Scalar, Pos: pos, Scalar: s, Quoted: true, Unsafe: tag == "!unsafe"}, nil
	case "!vault":
		return nil, c.errorf(v.Start, "found !vault: vault-encrypted values are not supported")
	case "!!int", "!!float", "!!bool", "!!null":
		s, ok := raw()
		if !ok {
			return nil, c.errorf(v.Start, "expected a scalar node, but found %s", inner.Kind)
		}
		var val any
		good := true
		switch tag {
		case "!!int":
			val, good = constructInt(s)
		case "!!float":
			val, good = constructFloat(s)
		case "!!bool":
			switch strings.ToLower(s) {
			case "yes", "true", "on":
				val = true
			case "no", "false", "off":
				val = false
			default:
				good = false
			}
		case "!!null":
			return &Node{Kind: Null, Pos: pos}, nil
		}
		if !good {
			return nil, c.errorf(v.Start, "invalid value %q for tag %s", s, tag)
		}
		return &Node{Kind: Scalar, Pos: pos, Scalar: val}, nil
	case "!!map", "!!seq", "!!omap":
		return inner, nil
	}
	return nil, c.errorf(v.Start, "could not determine a constructor for the tag '%s'", v.Start.Value)
}

// mapping builds a Map node: merge keys first (earlier merges win over
// later ones), then the node's own entries; a duplicate key keeps the
// first position and takes the last value, with a warning.
func (c *converter) mapping(start *token.Token, entries []*ast.MappingValueNode) (*Node, error) {
	out := &Node{Kind: Map, Pos: c.pos(start)}
	if len(entries) > 0 {
		out.Pos = c.pos(entries[0].Key.GetToken())
	}
	type kv struct{ k, v *Node }
	var merged, own []kv
	for _, e := range entries {
		if _, ok := e.Key.(*ast.MergeKeyNode); ok {
			val, err := c.node(e.Value)
			if err != nil {
				return nil, err
			}
			switch val.Kind {
			case Map:
				for i := range val.Keys {
					merged = append(merged, kv{val.Keys[i], val.Values[i]})
				}
			case Seq:
				var sub [][]kv
				for _, it := range val.Items {
					if it.Kind != Map {
						return nil, NewError(c.src, it.Pos, fmt.Sprintf("while constructing a mapping: expected a mapping for merging, but found %s", it.Kind))
					}
					var one []kv
					for i := range it.Keys {
						one = append(one, kv{it.Keys[i], it.Values[i]})
					}
					sub = append(sub, one)
				}
				for i := len(sub) - 1; i >= 0; i-- {
					merged = append(merged, sub[i]...)
				}
			default:
				return nil, NewError(c.src, val.Pos, fmt.Sprintf("while constructing a mapping: expected a mapping or list of mappings for merging, but found %s", val.Kind))
			}
			continue
		}
		k, err := c.node(e.Key)
		if err != nil {
			return nil, err
		}
		if k.Kind == Map || k.Kind == Seq {
			return nil, NewError(c.src, k.Pos, "while constructing a mapping: found unacceptable key (unhashable type)")
		}
		val, err := c.node(e.Value)
		if err != nil {
			return nil, err
		}
		own = append(own, kv{k, val})
	}
	index := map[string]int{}
	for _, e := range append(merged, own...) {
		h := hashKey(e.k)
		if i, dup := index[h]; dup {
			if c.warn != nil {
				c.warn(fmt.Sprintf("While constructing a mapping from %s, line %d, column %d, found a duplicate dict key (%s). Using last defined value only.",
					c.file, out.Pos.Line, out.Pos.Col, KeyString(e.k)))
			}
			out.Values[i] = e.v
			continue
		}
		index[h] = len(out.Keys)
		out.Keys = append(out.Keys, e.k)
		out.Values = append(out.Values, e.v)
	}
	return out, nil
}

// hashKey mimics Python dict key equality: True == 1 == 1.0.
func hashKey(k *Node) string {
	switch v := k.Value().(type) {
	case string:
		return "s" + v
	case nil:
		return "None"
	case bool:
		if v {
			return "n1"
		}
		return "n0"
	case int:
		return "n" + strconv.Itoa(v)
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e18 {
			return "n" + strconv.FormatInt(int64(v), 10)
		}
		return "f" + strconv.FormatFloat(v, 'g', -1, 64)
	}
	return "?"
}
