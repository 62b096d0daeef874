package template

import (
	"errors"
	"fmt"
	"strings"

	controlStructures "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/nodes"
)

// frame holds template-local variables (set, for, macro arguments).
type frame struct {
	vars   map[string]any
	parent *frame
}

func newFrame(parent *frame) *frame { return &frame{vars: map[string]any{}, parent: parent} }

func (f *frame) lookup(name string) (any, bool) {
	for ; f != nil; f = f.parent {
		if v, ok := f.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

// run executes one parsed template.
type run struct {
	st       *state
	tpl      *compiled
	vars     *frame
	inOutput bool
}

// nativeText marks a string from a filter Ansible lists in
// STRING_TYPE_FILTERS: it is never literal-evaluated back to data.
type nativeText string

var stringTypeFilters = map[string]bool{
	"string": true, "to_json": true, "to_nice_json": true, "to_yaml": true,
	"to_nice_yaml": true, "ppretty": true, "json": true,
}

// exec renders c. With convert it applies ansible_eval_concat's typing.
func (st *state) exec(c *compiled, convert bool) (any, error) {
	if err := st.ctx.Err(); err != nil {
		return nil, err
	}
	st.depth++
	defer func() { st.depth-- }()
	if st.depth > maxDepth {
		return nil, fmt.Errorf("recursive loop detected in template string: %s", c.src)
	}
	r := &run{st: st, tpl: c, vars: newFrame(nil)}
	var res any
	if len(c.root.Nodes) == 1 && convert {
		if o, ok := c.root.Nodes[0].(*nodes.Output); ok {
			v, err := r.output(o)
			if err != nil {
				return nil, err
			}
			res, err = concatOne(v)
			if err != nil {
				return nil, err
			}
			return keepNewlines(c.src, res), nil
		}
	}
	var b strings.Builder
	if err := r.nodes(&b, c.root.Nodes); err != nil {
		return nil, err
	}
	res = b.String()
	if convert {
		res = maybeLiteral(b.String())
	}
	return keepNewlines(c.src, res), nil
}

// concatOne is ansible_eval_concat for a template made of one expression.
func concatOne(v any) (any, error) {
	switch x := v.(type) {
	case nativeText:
		return string(x), nil
	case []any, map[string]any:
		if err := checkDefined(x); err != nil {
			return nil, err
		}
		return x, nil
	case bool:
		return x, nil
	}
	s, err := toText(v)
	if err != nil {
		return nil, err
	}
	return maybeLiteral(s), nil
}

// maybeLiteral turns text that looks like a list, dict or bool back into data.
func maybeLiteral(s string) any {
	if strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[") || s == "True" || s == "False" {
		if v, err := literalEval(s); err == nil {
			return v
		}
	}
	return s
}

// keepNewlines re-adds trailing newlines Jinja dropped (preserve_trailing_newlines).
func keepNewlines(src string, res any) any {
	s, ok := res.(string)
	if !ok {
		return res
	}
	want := trailingNewlines(src)
	if have := trailingNewlines(s); want > have {
		s += strings.Repeat("\n", want-have)
	}
	return s
}

func trailingNewlines(s string) int {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\n'; i-- {
		n++
	}
	return n
}

// output evaluates a {{ }} node to its finalized value (None becomes "").
func (r *run) output(o *nodes.Output) (any, error) {
	r.inOutput = true
	defer func() { r.inOutput = false }()
	var v any
	var err error
	if o.Condition != nil {
		v, err = r.condExpr(o.Expression, o.Condition, o.Alternative)
	} else {
		v, err = r.eval(o.Expression)
		if err == nil {
			if fe, ok := o.Expression.(*nodes.FilteredExpression); ok && len(fe.Filters) > 0 &&
				stringTypeFilters[fe.Filters[len(fe.Filters)-1].Name] {
				if s, ok := v.(string); ok {
					v = nativeText(s)
				}
			}
		}
	}
	if err != nil {
		return nil, err
	}
	if u, ok := v.(*Undefined); v == nil || ok && u.plain {
		return "", nil
	}
	return v, nil
}

func (r *run) condExpr(expr, cond, alt nodes.Expression) (any, error) {
	c, err := r.eval(cond)
	if err != nil {
		return nil, err
	}
	t, err := truth(c)
	if err != nil {
		return nil, err
	}
	if t {
		return r.eval(expr)
	}
	if alt == nil {
		return &Undefined{plain: true, hint: fmt.Sprintf("the inline if-expression on line %d evaluated to false and no else section was defined.", cond.Position().Line)}, nil
	}
	return r.eval(alt)
}

func (r *run) nodes(b *strings.Builder, ns []nodes.Node) error {
	for _, n := range ns {
		if err := r.node(b, n); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) node(b *strings.Builder, n nodes.Node) error {
	switch x := n.(type) {
	case nil, *nodes.Comment:
		return nil
	case *nodes.Data:
		b.WriteString(dataText(x))
		return nil
	case *nodes.Output:
		v, err := r.output(x)
		if err != nil {
			return err
		}
		if nt, ok := v.(nativeText); ok {
			v = string(nt)
		}
		s, err := toText(v)
		if err != nil {
			return err
		}
		b.WriteString(s)
		return nil
	case *nodes.ControlStructureBlock:
		return r.statement(b, x)
	}
	return fmt.Errorf("unexpected template node %T", n)
}

// dataText applies Jinja whitespace control to literal text, as gonja marks it.
func dataText(d *nodes.Data) string {
	out := d.Data.Val
	if d.RemoveFirstLineReturn {
		out = strings.TrimPrefix(out, "\r\n")
		out = strings.TrimPrefix(out, "\n")
	}
	if d.Trim.Left {
		out = strings.TrimLeft(out, " \r\n\t")
	}
	if d.Trim.Right {
		out = strings.TrimRight(out, " \r\n\t")
	}
	if d.RemoveTrailingWhiteSpaceFromLastLine {
		i := strings.LastIndexByte(out, '\n')
		out = out[:i+1] + strings.TrimRight(out[i+1:], " \t\r")
	}
	return out
}

var errBreak = errors.New("break")

func (r *run) statement(b *strings.Builder, blk *nodes.ControlStructureBlock) error {
	switch cs := blk.ControlStructure.(type) {
	case *controlStructures.IfControlStructure:
		for i, cond := range cs.Conditions {
			v, err := r.eval(cond)
			if err != nil {
				return err
			}
			t, err := truth(v)
			if err != nil {
				return err
			}
			if t {
				return r.nodes(b, cs.Wrappers[i].Nodes)
			}
		}
		if len(cs.Wrappers) > len(cs.Conditions) {
			return r.nodes(b, cs.Wrappers[len(cs.Conditions)].Nodes)
		}
		return nil
	case *controlStructures.ForControlStructure:
		return r.forLoop(b, cs)
	case *setStmt:
		return r.set(cs)
	case *rawStmt:
		text := cs.text
		if src := r.tpl.src; len(cs.pos) > 0 {
			var orig strings.Builder
			for _, p := range cs.pos {
				if p[0] < 0 || p[0]+p[1] > len(src) {
					orig.Reset()
					orig.WriteString(cs.text)
					break
				}
				orig.WriteString(src[p[0] : p[0]+p[1]])
			}
			text = orig.String()
		}
		b.WriteString(text)
		return nil
	case *controlStructures.MacroControlStructure:
		r.vars.vars[cs.Name] = &macro{def: cs.Macro, tpl: r.tpl, scope: r.vars}
		return nil
	}
	return fmt.Errorf("unsupported statement %q", blk.Name)
}

func (r *run) set(s *setStmt) error {
	var v any
	var err error
	switch {
	case s.body != nil:
		var b strings.Builder
		if err = r.nodes(&b, s.body.Nodes); err != nil {
			return err
		}
		v = b.String()
	case s.cond != nil:
		v, err = r.condExpr(s.expr, s.cond, s.alt)
	default:
		v, err = r.eval(s.expr)
	}
	if err != nil {
		return err
	}
	switch t := s.target.(type) {
	case *nodes.Name:
		r.vars.vars[t.Name.Val] = v
	case *nodes.GetAttribute:
		obj, err := r.eval(t.Node)
		if err != nil {
			return err
		}
		ns, ok := obj.(*namespace)
		if !ok {
			return fmt.Errorf("cannot assign attribute on non-namespace object")
		}
		ns.vals[t.Attribute] = v
	}
	return nil
}

func (r *run) forLoop(b *strings.Builder, fl *controlStructures.ForControlStructure) error {
	if fl.Recursive {
		return fmt.Errorf("recursive for loops are not supported")
	}
	seq, err := r.eval(fl.ObjectEvaluator)
	if err != nil {
		return err
	}
	items, err := toList(seq)
	if err != nil {
		return err
	}
	body := newFrame(r.vars)
	bind := func(item any) error {
		if fl.Value == "" {
			body.vars[fl.Key] = item
			return nil
		}
		pair, err := toList(item)
		if err != nil {
			return err
		}
		if len(pair) != 2 {
			return fmt.Errorf("too many values to unpack (expected 2)")
		}
		body.vars[fl.Key], body.vars[fl.Value] = pair[0], pair[1]
		return nil
	}
	if fl.IfCondition != nil {
		kept := items[:0:0]
		for _, it := range items {
			if err := bind(it); err != nil {
				return err
			}
			sub := &run{st: r.st, tpl: r.tpl, vars: body}
			c, err := sub.eval(fl.IfCondition)
			if err != nil {
				return err
			}
			t, err := truth(c)
			if err != nil {
				return err
			}
			if t {
				kept = append(kept, it)
			}
		}
		items = kept
	}
	if len(items) == 0 {
		if fl.EmptyWrapper != nil {
			return r.nodes(b, fl.EmptyWrapper.Nodes)
		}
		return nil
	}
	sub := &run{st: r.st, tpl: r.tpl, vars: body}
	for i, it := range items {
		if err := r.st.ctx.Err(); err != nil {
			return err
		}
		if err := bind(it); err != nil {
			return err
		}
		body.vars["loop"] = &loopInfo{items: items, i: i}
		if err := sub.nodes(b, fl.BodyWrapper.Nodes); err != nil {
			return err
		}
	}
	return nil
}

// loopInfo is Jinja's loop variable.
type loopInfo struct {
	items []any
	i     int
}

func (l *loopInfo) attr(name string) (any, bool) {
	n := len(l.items)
	switch name {
	case "index":
		return l.i + 1, true
	case "index0":
		return l.i, true
	case "revindex":
		return n - l.i, true
	case "revindex0":
		return n - l.i - 1, true
	case "first":
		return l.i == 0, true
	case "last":
		return l.i == n-1, true
	case "length":
		return n, true
	case "depth":
		return 1, true
	case "depth0":
		return 0, true
	case "previtem":
		if l.i == 0 {
			return &Undefined{hint: "there is no previous item"}, true
		}
		return l.items[l.i-1], true
	case "nextitem":
		if l.i == n-1 {
			return &Undefined{hint: "there is no next item"}, true
		}
		return l.items[l.i+1], true
	case "cycle":
		return builtinFunc(func(_ *run, args []any, _ map[string]any) (any, error) {
			if len(args) == 0 {
				return nil, fmt.Errorf("no items for cycling given")
			}
			return args[l.i%len(args)], nil
		}), true
	}
	return nil, false
}

// namespace is Jinja's namespace() object, assignable with {% set ns.x = ... %}.
type namespace struct{ vals map[string]any }

// macro is a {% macro %} definition bound to the frame it was defined in.
type macro struct {
	def   *nodes.Macro
	tpl   *compiled
	scope *frame
}

func (m *macro) call(r *run, args []any, kw map[string]any) (any, error) {
	f := newFrame(m.scope)
	sub := &run{st: r.st, tpl: m.tpl, vars: f}
	for i, p := range m.def.Kwargs {
		name := p.Key.(*nodes.String).Val
		switch {
		case i < len(args):
			f.vars[name] = args[i]
		case kw[name] != nil || hasKey(kw, name):
			f.vars[name] = kw[name]
			delete(kw, name)
		case p.Value != nil:
			v, err := sub.eval(p.Value)
			if err != nil {
				return nil, err
			}
			f.vars[name] = v
		default:
			f.vars[name] = &Undefined{hint: fmt.Sprintf("parameter '%s' was not provided", name), name: name}
		}
	}
	if len(args) > len(m.def.Kwargs) {
		if m.def.VarArgsName == "" {
			return nil, fmt.Errorf("macro '%s' takes not more than %d argument(s)", m.def.Name, len(m.def.Kwargs))
		}
		f.vars[m.def.VarArgsName] = append([]any{}, args[len(m.def.Kwargs):]...)
	} else if m.def.VarArgsName != "" {
		f.vars[m.def.VarArgsName] = []any{}
	}
	if m.def.KwArgsName != "" {
		rest := map[string]any{}
		for k, v := range kw {
			rest[k] = v
		}
		f.vars[m.def.KwArgsName] = rest
	}
	var b strings.Builder
	if err := sub.nodes(&b, m.def.Wrapper.Nodes); err != nil {
		return nil, err
	}
	return b.String(), nil
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}
