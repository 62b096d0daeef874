package template

import (
	"errors"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"
)

var errNotLiteral = errors.New("not a Python literal")

// literalEval parses s as Python's ast.literal_eval would after Ansible's
// Json2Python pass (true/false/null accepted as names). Tuples become lists.
func literalEval(s string) (any, error) {
	p := &litParser{s: s}
	p.skip()
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.skip()
	if p.i != len(p.s) {
		return nil, errNotLiteral
	}
	return v, nil
}

type litParser struct {
	s string
	i int
}

func (p *litParser) skip() {
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			p.i++
		case c == '\\' && p.i+1 < len(p.s) && p.s[p.i+1] == '\n':
			p.i += 2
		case c == '#':
			for p.i < len(p.s) && p.s[p.i] != '\n' {
				p.i++
			}
		default:
			return
		}
	}
}

func (p *litParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *litParser) value() (any, error) {
	p.skip()
	c := p.peek()
	switch {
	case c == '[':
		p.i++
		items, err := p.seq(']')
		return items, err
	case c == '(':
		p.i++
		p.skip()
		if p.peek() == ')' {
			p.i++
			return []any{}, nil
		}
		first, err := p.value()
		if err != nil {
			return nil, err
		}
		p.skip()
		if p.peek() == ')' { // parenthesised expression, not a tuple
			p.i++
			return first, nil
		}
		if p.peek() != ',' {
			return nil, errNotLiteral
		}
		p.i++
		rest, err := p.seq(')')
		if err != nil {
			return nil, err
		}
		return append([]any{first}, rest...), nil
	case c == '{':
		p.i++
		return p.dict()
	case c == '\'' || c == '"':
		return p.strings()
	case c == '-' || c == '+':
		p.i++
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		switch n := v.(type) {
		case int:
			if c == '-' {
				return -n, nil
			}
			return n, nil
		case float64:
			if c == '-' {
				return -n, nil
			}
			return n, nil
		}
		return nil, errNotLiteral
	case c >= '0' && c <= '9' || c == '.':
		return p.number()
	case isIdentStart(c):
		start := p.i
		for p.i < len(p.s) && isIdentChar(p.s[p.i]) {
			p.i++
		}
		word := p.s[start:p.i]
		if p.i < len(p.s) && (p.s[p.i] == '\'' || p.s[p.i] == '"') {
			switch strings.ToLower(word) {
			case "u", "r", "b", "br", "rb":
				p.i = start
				return p.strings()
			}
		}
		switch word {
		case "True", "true":
			return true, nil
		case "False", "false":
			return false, nil
		case "None", "null":
			return nil, nil
		}
	}
	return nil, errNotLiteral
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func (p *litParser) seq(end byte) ([]any, error) {
	items := []any{}
	for {
		p.skip()
		if p.peek() == end {
			p.i++
			return items, nil
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		p.skip()
		switch p.peek() {
		case ',':
			p.i++
		case end:
			p.i++
			return items, nil
		default:
			return nil, errNotLiteral
		}
	}
}

func (p *litParser) dict() (any, error) {
	out := map[string]any{}
	for {
		p.skip()
		if p.peek() == '}' {
			p.i++
			return out, nil
		}
		k, err := p.value()
		if err != nil {
			return nil, err
		}
		p.skip()
		if p.peek() != ':' {
			return nil, errNotLiteral // sets are not supported
		}
		p.i++
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		var key string
		switch kk := k.(type) {
		case string:
			key = kk
		case []any, map[string]any:
			return nil, errNotLiteral
		default:
			key = pyStr(kk)
		}
		out[key] = v
		p.skip()
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return out, nil
		default:
			return nil, errNotLiteral
		}
	}
}

func (p *litParser) number() (any, error) {
	start := p.i
	s := p.s
	if strings.HasPrefix(s[p.i:], "0x") || strings.HasPrefix(s[p.i:], "0X") ||
		strings.HasPrefix(s[p.i:], "0o") || strings.HasPrefix(s[p.i:], "0O") ||
		strings.HasPrefix(s[p.i:], "0b") || strings.HasPrefix(s[p.i:], "0B") {
		p.i += 2
		for p.i < len(s) && (isIdentChar(s[p.i])) {
			p.i++
		}
		n, err := strconv.ParseInt(s[start:p.i], 0, 64)
		if err != nil {
			return nil, errNotLiteral
		}
		return int(n), nil
	}
	isFloat := false
	for p.i < len(s) {
		c := s[p.i]
		switch {
		case c >= '0' && c <= '9' || c == '_':
			p.i++
		case c == '.':
			isFloat = true
			p.i++
		case c == 'e' || c == 'E':
			isFloat = true
			p.i++
			if p.i < len(s) && (s[p.i] == '+' || s[p.i] == '-') {
				p.i++
			}
		default:
			goto done
		}
	}
done:
	if p.i < len(s) && (s[p.i] == 'j' || s[p.i] == 'J' || isIdentStart(s[p.i])) {
		return nil, errNotLiteral
	}
	text := strings.ReplaceAll(s[start:p.i], "_", "")
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, errNotLiteral
		}
		return f, nil
	}
	if len(text) > 1 && text[0] == '0' && strings.Trim(text, "0") != "" {
		return nil, errNotLiteral // Python forbids leading zeros
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		if bi, ok := new(big.Int).SetString(text, 10); ok {
			f, _ := new(big.Float).SetInt(bi).Float64()
			return f, nil
		}
		return nil, errNotLiteral
	}
	return int(n), nil
}

// strings parses one or more adjacent string literals (Python concatenates them).
func (p *litParser) strings() (any, error) {
	var b strings.Builder
	for {
		p.skip()
		start := p.i
		for p.i < len(p.s) && isIdentStart(p.s[p.i]) && p.s[p.i] < 0x80 {
			p.i++
		}
		prefix := strings.ToLower(p.s[start:p.i])
		if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
			if b.Len() == 0 && start == p.i {
				return nil, errNotLiteral
			}
			p.i = start
			return b.String(), nil
		}
		raw := strings.Contains(prefix, "r")
		s, err := p.oneString(raw)
		if err != nil {
			return nil, err
		}
		b.WriteString(s)
		p.skip()
		c := p.peek()
		if c != '\'' && c != '"' && !(c == 'u' || c == 'r' || c == 'b' || c == 'U' || c == 'R' || c == 'B') {
			return b.String(), nil
		}
	}
}

func (p *litParser) oneString(raw bool) (string, error) {
	q := p.s[p.i]
	triple := strings.HasPrefix(p.s[p.i:], strings.Repeat(string(q), 3))
	delim := string(q)
	if triple {
		delim = strings.Repeat(string(q), 3)
	}
	p.i += len(delim)
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return "", errNotLiteral
		}
		if strings.HasPrefix(p.s[p.i:], delim) {
			p.i += len(delim)
			return b.String(), nil
		}
		c := p.s[p.i]
		if c == '\n' && !triple {
			return "", errNotLiteral
		}
		if c == '\\' && p.i+1 < len(p.s) {
			if raw {
				b.WriteByte(c)
				b.WriteByte(p.s[p.i+1])
				p.i += 2
				continue
			}
			n, s := pyUnescapeOne(p.s[p.i:])
			b.WriteString(s)
			p.i += n
			continue
		}
		b.WriteByte(c)
		p.i++
	}
}

// pyUnescapeOne decodes one backslash escape at the start of s as Python does,
// returning the bytes consumed and the text produced.
func pyUnescapeOne(s string) (int, string) {
	if len(s) < 2 {
		return len(s), s
	}
	switch s[1] {
	case '\n':
		return 2, ""
	case '\\':
		return 2, "\\"
	case '\'':
		return 2, "'"
	case '"':
		return 2, "\""
	case 'a':
		return 2, "\a"
	case 'b':
		return 2, "\b"
	case 'f':
		return 2, "\f"
	case 'n':
		return 2, "\n"
	case 'r':
		return 2, "\r"
	case 't':
		return 2, "\t"
	case 'v':
		return 2, "\v"
	case 'x', 'u', 'U':
		n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[s[1]]
		if len(s) >= 2+n {
			if code, err := strconv.ParseUint(s[2:2+n], 16, 32); err == nil && utf8.ValidRune(rune(code)) {
				return 2 + n, string(rune(code))
			}
		}
		return 2, s[:2]
	case '0', '1', '2', '3', '4', '5', '6', '7':
		end := 2
		for end < len(s) && end < 4 && s[end] >= '0' && s[end] <= '7' {
			end++
		}
		code, _ := strconv.ParseUint(s[1:end], 8, 32)
		return end, string(rune(code))
	}
	return 2, s[:2]
}

// pyUnescape decodes all backslash escapes in s.
func pyUnescape(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '\\' && i+1 < len(s) {
			n, t := pyUnescapeOne(s[i:])
			b.WriteString(t)
			i += n
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}
