// Package pyliteral evaluates Python literals as ast.literal_eval does
// (Python 3.11, Debian bookworm's, under Ansible 2.14), into swarmbook's
// plain values: int, float64, string, bool, nil, []any and map[string]any.
//
// Its two callers are the INI inventory plugin's _parse_value
// (ast.literal_eval of a variable's text) and the template engine's
// ansible_eval_concat (ast.literal_eval after Ansible's Json2Python pass,
// which reads the names true, false and null as True, False and None): see
// Options.JSONNames.
//
// What literal_eval accepts is accepted: strings (with prefixes u, r, b,
// br/rb and implicit concatenation), bytes (as text), ints (decimal, 0x,
// 0o, 0b, underscores), floats (1e999 is +Inf), one sign on a number,
// True/False/None, lists, tuples (with a bare top-level tuple "1, 2"),
// dicts, sets and set(); comments, blank space and, inside brackets,
// newlines and line continuations. Tuples and sets become lists (sets keep
// the first of equal elements, in source order where CPython iterates in
// hash order). Dict keys become strings as json.dumps names them (True is
// "true", 1.0 is "1.0") and equal keys (True, 1, 1.0) collapse to the
// first key with the last value, as in Python.
//
// Where swarmbook's values cannot hold Python's result the text is not a
// literal (ErrNotLiteral): integers beyond 64 bits, complex numbers,
// \N{...} escapes and lone surrogates, tuples as dict keys. Unhashable dict
// keys and set elements (lists, dicts) give ErrUnhashable, where Python
// raises TypeError.
package pyliteral

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrNotLiteral reports text that is not a Python literal swarmbook can
// hold (Python's ValueError or SyntaxError).
var ErrNotLiteral = errors.New("not a Python literal")

// ErrUnhashable reports a list or dict used as a dict key or set element
// (Python's TypeError). It wraps ErrNotLiteral.
var ErrUnhashable = fmt.Errorf("%w: unhashable dict key or set element", ErrNotLiteral)

// Options holds what differs between the callers.
type Options struct {
	// JSONNames reads the names true, false and null as True, False and
	// None (Ansible's Json2Python, applied to template results only).
	JSONNames bool
}

// maxNest is the bracket nesting Python's tokenizer allows (MAXLEVEL).
const maxNest = 200

// Parse evaluates s as ast.literal_eval(s): leading blanks and tabs are
// ignored, the whole text must be one literal expression.
func Parse(s string, opts Options) (any, error) {
	p := &parser{s: strings.TrimLeft(s, " \t"), opts: opts}
	if !p.start() {
		return nil, ErrNotLiteral
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	if p.space(); p.peek() == ',' { // a bare tuple
		items := []any{v}
		for p.peek() == ',' {
			p.i++
			if p.atEnd() {
				break
			}
			w, err := p.value()
			if err != nil {
				return nil, err
			}
			items = append(items, w)
			p.space()
		}
		v = items
	}
	if !p.atEnd() {
		return nil, ErrNotLiteral
	}
	return v, nil
}

type parser struct {
	s    string
	i    int
	nest int // open brackets: newlines are blank space inside them
	// contAtEOF: a line continuation ended the text (Python's "unexpected
	// EOF"); one followed by blank space is fine.
	contAtEOF bool
	opts      Options
}

func (p *parser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// start skips the blank and comment lines before the first token, which
// must not be indented (a form feed resets the indentation); it reports
// whether a token follows.
func (p *parser) start() bool {
	for {
		indented := false
		for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\f') {
			indented = p.s[p.i] != '\f'
			p.i++
		}
		switch p.peek() {
		case '#':
			for p.i < len(p.s) && p.s[p.i] != '\n' && p.s[p.i] != '\r' {
				p.i++
			}
			continue
		case '\n', '\r':
			p.i++
			continue
		}
		return p.i < len(p.s) && !indented
	}
}

// atEnd reports whether only blank space, comments and newlines remain;
// it moves past them only when they end the text.
func (p *parser) atEnd() bool {
	start := p.i
	for {
		p.space()
		if c := p.peek(); c != '\n' && c != '\r' {
			if p.i == len(p.s) && !p.contAtEOF {
				return true
			}
			p.i = start
			return false
		}
		p.i++
	}
}

// space skips blanks, comments and backslash line continuations, and
// newlines when inside brackets.
func (p *parser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\f':
			p.i++
		case '\n', '\r':
			if p.nest == 0 {
				return
			}
			p.i++
		case '#':
			for p.i < len(p.s) && p.s[p.i] != '\n' && p.s[p.i] != '\r' {
				p.i++
			}
		case '\\':
			switch {
			case hasPrefixAt(p.s, p.i+1, "\r\n"):
				p.i += 3
			case hasPrefixAt(p.s, p.i+1, "\n"), hasPrefixAt(p.s, p.i+1, "\r"):
				p.i += 2
			default:
				return
			}
			p.contAtEOF = p.i == len(p.s)
		default:
			return
		}
	}
}

func hasPrefixAt(s string, i int, prefix string) bool {
	return i <= len(s) && len(s)-i >= len(prefix) && s[i:i+len(prefix)] == prefix
}

// open consumes an opening bracket.
func (p *parser) open() error {
	if p.nest >= maxNest {
		return ErrNotLiteral // too many nested parentheses
	}
	p.i++
	p.nest++
	return nil
}

// closing consumes the closing bracket c if it comes next.
func (p *parser) closing(c byte) bool {
	p.space()
	if p.peek() != c {
		return false
	}
	p.i++
	p.nest--
	return true
}

// value parses one literal (not a bare tuple).
func (p *parser) value() (any, error) {
	p.space()
	switch c := p.peek(); {
	case c == '[' || c == '(' || c == '{':
		if err := p.open(); err != nil {
			return nil, err
		}
		if c == '[' {
			return p.items(nil, ']')
		}
		if c == '(' {
			return p.paren()
		}
		return p.brace()
	case c == '-' || c == '+':
		return p.signed()
	case isDigit(c) || c == '.' && p.i+1 < len(p.s) && isDigit(p.s[p.i+1]):
		return p.number(false)
	case c == '\'' || c == '"':
		return p.strings()
	}
	return p.name()
}

// seq parses comma-separated elements up to close, calling elem for each; n
// were read already (then a comma comes first). A trailing comma is allowed.
func (p *parser) seq(close byte, n int, elem func() error) error {
	for ; ; n++ {
		if p.closing(close) {
			return nil
		}
		if n > 0 {
			if p.peek() != ',' {
				return ErrNotLiteral
			}
			p.i++
			if p.closing(close) {
				return nil
			}
		}
		if err := elem(); err != nil {
			return err
		}
	}
}

// items parses the rest of a list, tuple or set up to close; items holds
// what was read already.
func (p *parser) items(items []any, close byte) ([]any, error) {
	if items == nil {
		items = []any{}
	}
	err := p.seq(close, len(items), func() error {
		v, err := p.value()
		items = append(items, v)
		return err
	})
	return items, err
}

// paren parses a parenthesised expression or a tuple after "(".
func (p *parser) paren() (any, error) {
	if p.closing(')') {
		return []any{}, nil
	}
	first, err := p.value()
	if err != nil || p.closing(')') {
		return first, err
	}
	if p.peek() != ',' {
		return nil, ErrNotLiteral
	}
	return p.items([]any{first}, ')')
}

// brace parses a dict or a set after "{".
func (p *parser) brace() (any, error) {
	if p.closing('}') {
		return map[string]any{}, nil
	}
	first, err := p.value()
	if err != nil {
		return nil, err
	}
	if p.space(); p.peek() != ':' {
		elems, err := p.items([]any{first}, '}')
		if err != nil {
			return nil, err
		}
		return uniq(elems)
	}
	d := newDict()
	pair := func(k any) error {
		if p.space(); p.peek() != ':' {
			return ErrNotLiteral
		}
		p.i++
		v, err := p.value()
		if err != nil {
			return err
		}
		return d.set(k, v)
	}
	if err := pair(first); err != nil {
		return nil, err
	}
	err = p.seq('}', 1, func() error {
		k, err := p.value()
		if err != nil {
			return err
		}
		return pair(k)
	})
	return d.m, err
}

// signed parses one sign applied to a number (literal_eval's UnaryOp on a
// numeric constant; parentheses around the number are allowed, a second
// sign is not).
func (p *parser) signed() (any, error) {
	neg := p.peek() == '-'
	p.i++
	p.space()
	opens := 0
	for p.peek() == '(' {
		if err := p.open(); err != nil {
			return nil, err
		}
		opens++
		p.space()
	}
	c := p.peek()
	if !isDigit(c) && !(c == '.' && p.i+1 < len(p.s) && isDigit(p.s[p.i+1])) {
		return nil, ErrNotLiteral
	}
	v, err := p.number(neg)
	if err != nil {
		return nil, err
	}
	for ; opens > 0; opens-- {
		if !p.closing(')') {
			return nil, ErrNotLiteral
		}
	}
	return v, nil
}

// name parses True, False, None (and true, false, null with JSONNames),
// set(), or a string with a prefix.
func (p *parser) name() (any, error) {
	start := p.i
	for p.i < len(p.s) {
		r, n := utf8.DecodeRuneInString(p.s[p.i:])
		if !isIdentRune(r) {
			break
		}
		p.i += n
	}
	word := p.s[start:p.i]
	if word == "" {
		return nil, ErrNotLiteral
	}
	if c := p.peek(); c == '\'' || c == '"' {
		p.i = start
		return p.strings()
	}
	switch word {
	case "True":
		return true, nil
	case "False":
		return false, nil
	case "None":
		return nil, nil
	case "set":
		p.space()
		if p.peek() != '(' {
			return nil, ErrNotLiteral
		}
		if err := p.open(); err != nil {
			return nil, err
		}
		if !p.closing(')') {
			return nil, ErrNotLiteral
		}
		return []any{}, nil
	}
	if p.opts.JSONNames {
		switch word {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
	}
	return nil, ErrNotLiteral
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentRune(r rune) bool {
	return r == '_' || r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || isDigit(byte(r))) ||
		r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
}
