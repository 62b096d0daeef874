package template

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	controlStructures "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// SyntaxError is a template syntax error: the message, the position in the
// template text (1-based line and column when known) and the text itself.
type SyntaxError struct {
	Msg    string
	Line   int
	Col    int
	Source string
}

func (e *SyntaxError) Error() string {
	pos := ""
	if e.Line > 0 {
		pos = fmt.Sprintf(" (line %d, column %d)", e.Line, e.Col)
	}
	return fmt.Sprintf("template error while templating string: %s%s. String: %s", e.Msg, pos, e.Source)
}

// compiled is a parsed template.
type compiled struct {
	src  string
	root *nodes.Template
	// escape is true when backslashes in string literals inside {{ }} are
	// taken literally (Ansible's escape_backslashes for playbook strings).
	escape bool
}

type cacheKey struct {
	src    string
	escape bool
}

// cache is a bounded, concurrency-safe map of parsed templates.
type cache struct {
	mu    sync.Mutex
	max   int
	items map[cacheKey]*compiled
}

func (c *cache) get(k cacheKey) (*compiled, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.items[k]
	return v, ok
}

func (c *cache) put(k cacheKey, v *compiled) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.items) >= c.max {
		n := 0
		for old := range c.items { // evict an arbitrary eighth
			delete(c.items, old)
			if n++; n >= c.max/8+1 {
				break
			}
		}
	}
	c.items[k] = v
}

// statementParsers supplies gonja's parser with the statements this package
// executes. gonja's own if/for/macro parsers are reused; set and raw are
// parsed here because gonja keeps their fields private.
type statementParsers struct{}

func (statementParsers) Get(name string) (parser.ControlStructureParser, bool) {
	switch name {
	case "set":
		return parseSet, true
	case "raw":
		return parseRaw, true
	case "if", "for", "macro", "do", "break", "continue":
		return controlStructures.All.Get(name)
	}
	return nil, false
}

type setStmt struct {
	loc       *tokens.Token
	target    nodes.Expression
	expr      nodes.Expression
	cond, alt nodes.Expression
	body      *nodes.Wrapper
}

func (s *setStmt) Position() *tokens.Token { return s.loc }
func (s *setStmt) String() string          { return "set" }

func parseSet(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	st := &setStmt{loc: p.Current()}
	target, err := args.ParseVariableOrLiteral()
	if err != nil {
		return nil, err
	}
	switch target.(type) {
	case *nodes.Name, *nodes.GetAttribute:
	default:
		return nil, args.Error("can't assign to this expression", target.Position())
	}
	st.target = target
	if args.Match(tokens.Assign) == nil {
		if !args.End() {
			return nil, args.Error("expected '=' or end of statement", args.Current())
		}
		wrapper, end, err := p.WrapUntil("endset")
		if err != nil {
			return nil, err
		}
		if !end.End() {
			return nil, end.Error("endset takes no arguments", end.Current())
		}
		st.body = wrapper
		return st, nil
	}
	if st.expr, err = args.ParseExpression(); err != nil {
		return nil, err
	}
	if st.cond, st.alt, err = args.ParseCondition(); err != nil {
		return nil, err
	}
	if !args.End() {
		return nil, args.Error("expected end of statement", args.Current())
	}
	return st, nil
}

type rawStmt struct {
	loc  *tokens.Token
	text string
	pos  [][2]int // offsets and lengths of the text in the source
}

func (s *rawStmt) Position() *tokens.Token { return s.loc }
func (s *rawStmt) String() string          { return "raw" }

func parseRaw(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	st := &rawStmt{loc: p.Current()}
	wrapper, _, err := p.WrapUntil("endraw")
	if err != nil {
		return nil, err
	}
	for _, n := range wrapper.Nodes {
		d, ok := n.(*nodes.Data)
		if !ok {
			return nil, p.Error("unexpected content in raw block", n.Position())
		}
		st.text += d.Data.Val
		st.pos = append(st.pos, [2]int{d.Data.Pos, len(d.Data.Val)})
	}
	if !args.End() {
		return nil, args.Error("raw takes no arguments", args.Current())
	}
	return st, nil
}

func newConfig() *config.Config {
	c := config.New()
	c.TrimBlocks = true // as Ansible's environment
	return c
}

// parse lexes and parses src with gonja, turning errors and panics into *SyntaxError.
func parse(src string, escape bool) (c *compiled, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, &SyntaxError{Msg: fmt.Sprint(r), Source: src}
		}
	}()
	cfg := newConfig()
	stream := lexRewritten(lexable(src), cfg)
	p := parser.NewParser("template", stream, cfg, nil, statementParsers{})
	root, perr := p.Parse()
	if perr != nil {
		return nil, syntaxError(perr, src)
	}
	if err := checkNodes(root.Nodes); err != nil {
		return nil, &SyntaxError{Msg: err.Error(), Source: src}
	}
	return &compiled{src: src, root: root, escape: escape}, nil
}

// checkNodes rejects statements this engine does not execute.
func checkNodes(ns []nodes.Node) error {
	for _, n := range ns {
		b, ok := n.(*nodes.ControlStructureBlock)
		if !ok {
			continue
		}
		switch cs := b.ControlStructure.(type) {
		case *controlStructures.IfControlStructure:
			for _, w := range cs.Wrappers {
				if err := checkNodes(w.Nodes); err != nil {
					return err
				}
			}
		case *controlStructures.ForControlStructure:
			if err := checkNodes(cs.BodyWrapper.Nodes); err != nil {
				return err
			}
			if cs.EmptyWrapper != nil {
				if err := checkNodes(cs.EmptyWrapper.Nodes); err != nil {
					return err
				}
			}
		case *controlStructures.MacroControlStructure:
			if err := checkNodes(cs.Wrapper.Nodes); err != nil {
				return err
			}
		case *setStmt:
			if cs.body != nil {
				if err := checkNodes(cs.body.Nodes); err != nil {
					return err
				}
			}
		case *rawStmt, *controlStructures.DoControlStructure,
			*controlStructures.BreakControlStructure, *controlStructures.ContinueControlStructure:
		default:
			return fmt.Errorf("unsupported statement %q", b.Name)
		}
	}
	return nil
}

func syntaxError(err error, src string) *SyntaxError {
	var se *parser.SyntaxError
	if errors.As(err, &se) {
		msg := se.Message
		if se.Raw != "" && !strings.Contains(msg, se.Raw) {
			msg = fmt.Sprintf("%s (near %q)", msg, se.Raw)
		}
		return &SyntaxError{Msg: msg, Line: se.Line, Col: se.Column, Source: src}
	}
	return &SyntaxError{Msg: err.Error(), Source: src}
}
