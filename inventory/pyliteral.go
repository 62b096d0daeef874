package inventory

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// parseINIValue is the INI plugin's _parse_value: ast.literal_eval(v) when
// v is a Python literal (numbers, quoted strings, True/False/None, lists,
// tuples, dicts, sets), else v itself as a string.
//
// Deviations, all falling back to the plain string: complex numbers,
// \N{...} escapes, integers beyond 64 bits and f-strings.
func parseINIValue(v string) any {
	p := &pyParser{src: strings.TrimLeft(v, " \t")}
	val, ok := p.parseTop()
	if !ok {
		return v
	}
	return val
}

type pyParser struct {
	src   string
	pos   int
	depth int
}

// parseTop parses a whole expression: a bare tuple "1, 2" is allowed.
func (p *pyParser) parseTop() (any, bool) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return nil, false
	}
	v, ok := p.parseExpr()
	if !ok {
		return nil, false
	}
	p.skipSpace()
	if p.peek() == ',' {
		items := []any{v}
		for p.peek() == ',' {
			p.pos++
			p.skipSpace()
			if p.pos >= len(p.src) {
				break
			}
			w, ok := p.parseExpr()
			if !ok {
				return nil, false
			}
			items = append(items, w)
			p.skipSpace()
		}
		v = items
	}
	p.skipSpace()
	return v, p.pos == len(p.src)
}

func (p *pyParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

// skipSpace skips blanks and a trailing # comment.
func (p *pyParser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\f':
			p.pos++
		case '#':
			p.pos = len(p.src)
		default:
			return
		}
	}
}

func (p *pyParser) parseExpr() (any, bool) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > 64 {
		return nil, false
	}
	p.skipSpace()
	c := p.peek()
	switch {
	case c == '+' || c == '-':
		p.pos++
		p.skipSpace()
		if p.peek() == '+' || p.peek() == '-' {
			return nil, false // literal_eval accepts one sign only
		}
		parse := p.parseAtom
		if p.peek() == '(' {
			parse = p.parseExpr
		}
		v, ok := parse()
		if !ok {
			return nil, false
		}
		switch n := v.(type) {
		case int:
			if c == '-' {
				return -n, true
			}
			return n, true
		case float64:
			if c == '-' {
				return -n, true
			}
			return n, true
		}
		return nil, false // bools and non-numbers cannot be signed
	case c == '(':
		p.pos++
		p.skipSpace()
		if p.peek() == ')' {
			p.pos++
			return []any{}, true
		}
		first, ok := p.parseExpr()
		if !ok {
			return nil, false
		}
		p.skipSpace()
		if p.peek() == ')' {
			p.pos++
			return first, true
		}
		items, ok := p.parseRest([]any{first}, ')')
		return items, ok
	case c == '[':
		p.pos++
		return p.parseRest(nil, ']')
	case c == '{':
		p.pos++
		return p.parseBrace()
	}
	return p.parseAtom()
}

// parseRest parses ", item"... up to close; items already holds what was
// read. A trailing comma is allowed.
func (p *pyParser) parseRest(items []any, close byte) (any, bool) {
	if items == nil {
		items = []any{}
	}
	for {
		p.skipSpace()
		if p.peek() == close {
			p.pos++
			return items, true
		}
		if len(items) > 0 {
			if p.peek() != ',' {
				return nil, false
			}
			p.pos++
			p.skipSpace()
			if p.peek() == close {
				p.pos++
				return items, true
			}
		}
		v, ok := p.parseExpr()
		if !ok {
			return nil, false
		}
		items = append(items, v)
	}
}

// parseBrace parses a dict or a set after "{".
func (p *pyParser) parseBrace() (any, bool) {
	p.skipSpace()
	if p.peek() == '}' {
		p.pos++
		return map[string]any{}, true
	}
	first, ok := p.parseExpr()
	if !ok {
		return nil, false
	}
	p.skipSpace()
	if p.peek() != ':' {
		return p.parseRest([]any{first}, '}') // a set: a list in JSON
	}
	m := map[string]any{}
	key := first
	for {
		p.pos++ // ':'
		v, ok := p.parseExpr()
		if !ok {
			return nil, false
		}
		ks, ok := pyKeyString(key)
		if !ok {
			return nil, false
		}
		m[ks] = v
		p.skipSpace()
		if p.peek() == '}' {
			p.pos++
			return m, true
		}
		if p.peek() != ',' {
			return nil, false
		}
		p.pos++
		p.skipSpace()
		if p.peek() == '}' {
			p.pos++
			return m, true
		}
		if key, ok = p.parseExpr(); !ok {
			return nil, false
		}
		p.skipSpace()
		if p.peek() != ':' {
			return nil, false
		}
	}
}

// pyKeyString renders a dict key as json.dumps would.
func pyKeyString(k any) (string, bool) {
	switch v := k.(type) {
	case string:
		return v, true
	case int:
		return strconv.Itoa(v), true
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	case nil:
		return "null", true
	}
	return "", false // unhashable (list, dict)
}

// parseAtom parses a number, a string (with implicit concatenation) or one
// of the names True, False, None.
func (p *pyParser) parseAtom() (any, bool) {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return nil, false
	}
	c := p.src[p.pos]
	if c >= '0' && c <= '9' || c == '.' && p.pos+1 < len(p.src) && isDigit(p.src[p.pos+1]) {
		return p.parseNumber()
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	if r == '_' || unicode.IsLetter(r) || c == '\'' || c == '"' {
		start := p.pos
		for p.pos < len(p.src) {
			r, n := utf8.DecodeRuneInString(p.src[p.pos:])
			if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			p.pos += n
		}
		name := p.src[start:p.pos]
		if p.peek() == '\'' || p.peek() == '"' {
			return p.parseStrings(name)
		}
		switch name {
		case "True":
			return true, true
		case "False":
			return false, true
		case "None":
			return nil, true
		case "set":
			p.skipSpace()
			if strings.HasPrefix(p.src[p.pos:], "(") {
				p.pos++
				p.skipSpace()
				if p.peek() == ')' {
					p.pos++
					return []any{}, true
				}
			}
		}
		return nil, false
	}
	return nil, false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parseNumber parses a Python int or float literal.
func (p *pyParser) parseNumber() (any, bool) {
	start := p.pos
	s := p.src
	isIdent := func(i int) bool {
		if i >= len(s) {
			return false
		}
		r, _ := utf8.DecodeRuneInString(s[i:])
		return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
	}
	if s[p.pos] == '0' && p.pos+1 < len(s) && strings.ContainsRune("xXoObB", rune(s[p.pos+1])) {
		base := map[byte]int{'x': 16, 'X': 16, 'o': 8, 'O': 8, 'b': 2, 'B': 2}[s[p.pos+1]]
		i := p.pos + 2
		for i < len(s) && (s[i] == '_' || digitVal(s[i]) < base) {
			i++
		}
		if isIdent(i) {
			return nil, false
		}
		text := s[p.pos+2 : i]
		if !validUnderscores(text, true) {
			return nil, false
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(text, "_", ""), base, 64)
		if err != nil {
			return nil, false
		}
		p.pos = i
		return int(n), true
	}
	i := p.pos
	digits := func() {
		for i < len(s) && (isDigit(s[i]) || s[i] == '_') {
			i++
		}
	}
	digits()
	intPart := s[start:i]
	isFloat := false
	if i < len(s) && s[i] == '.' {
		isFloat = true
		i++
		digits()
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			isFloat = true
			i = j
			digits()
		}
	}
	if i < len(s) && (s[i] == 'j' || s[i] == 'J') {
		return nil, false // complex: kept as a string
	}
	if isIdent(i) {
		return nil, false
	}
	text := s[start:i]
	p.pos = i
	if isFloat {
		for _, part := range strings.FieldsFunc(text, func(r rune) bool { return r == '.' || r == 'e' || r == 'E' || r == '+' || r == '-' }) {
			if !validUnderscores(part, false) {
				return nil, false
			}
		}
		if strings.Contains(text, "_.") || strings.Contains(text, "._") || strings.Contains(text, "_e") || strings.Contains(text, "_E") {
			return nil, false
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(text, "_", ""), 64)
		if err != nil && !strings.Contains(err.Error(), "range") {
			return nil, false
		}
		return f, true
	}
	if !validUnderscores(intPart, false) {
		return nil, false
	}
	digitsOnly := strings.ReplaceAll(intPart, "_", "")
	if len(digitsOnly) > 1 && digitsOnly[0] == '0' && strings.Trim(digitsOnly, "0") != "" {
		return nil, false // leading zeros in decimal integer literals are not permitted
	}
	n, err := strconv.ParseInt(digitsOnly, 10, 64)
	if err != nil {
		return nil, false
	}
	return int(n), true
}

// validUnderscores checks Python's rule: underscores only between digits
// (or, after a base prefix, also right after the prefix).
func validUnderscores(s string, afterPrefix bool) bool {
	if s == "" {
		return false
	}
	if strings.Contains(s, "__") || s[len(s)-1] == '_' {
		return false
	}
	return s[0] != '_' || afterPrefix && len(s) > 1
}

func digitVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return 99
}

// parseStrings parses one or more adjacent string literals; prefix is the
// prefix read before the first quote.
func (p *pyParser) parseStrings(prefix string) (any, bool) {
	var b strings.Builder
	kind := ""
	for {
		raw, bytesLit, ok := stringPrefix(prefix)
		if !ok {
			return nil, false
		}
		k := "str"
		if bytesLit {
			k = "bytes"
		}
		if kind != "" && kind != k {
			return nil, false // cannot mix bytes and nonbytes literals
		}
		kind = k
		s, ok := p.parseString(raw, bytesLit)
		if !ok {
			return nil, false
		}
		b.WriteString(s)
		p.skipSpace()
		prefix = ""
		start := p.pos
		for p.pos < len(p.src) && strings.IndexByte("rRbBuUfF", p.src[p.pos]) >= 0 && p.pos-start < 2 {
			p.pos++
		}
		if p.peek() != '\'' && p.peek() != '"' {
			p.pos = start
			break
		}
		prefix = p.src[start:p.pos]
	}
	s := b.String()
	if kind == "bytes" && !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s, true
}

func stringPrefix(prefix string) (raw, bytesLit, ok bool) {
	switch strings.ToLower(prefix) {
	case "":
		return false, false, true
	case "u":
		return false, false, true
	case "r":
		return true, false, true
	case "b":
		return false, true, true
	case "br", "rb":
		return true, true, true
	}
	return false, false, false // f-strings and unknown prefixes
}

// parseString parses one quoted literal at p.pos.
func (p *pyParser) parseString(raw, bytesLit bool) (string, bool) {
	s := p.src
	q := s[p.pos]
	triple := strings.HasPrefix(s[p.pos:], strings.Repeat(string(q), 3))
	delim := string(q)
	if triple {
		delim = strings.Repeat(string(q), 3)
	}
	i := p.pos + len(delim)
	var b strings.Builder
	for {
		if i >= len(s) {
			return "", false
		}
		if strings.HasPrefix(s[i:], delim) {
			p.pos = i + len(delim)
			return b.String(), true
		}
		c := s[i]
		if c == '\n' && !triple {
			return "", false
		}
		if bytesLit && c >= 0x80 {
			return "", false // bytes can only contain ASCII literal characters
		}
		if c != '\\' {
			r, n := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r)
			i += n
			continue
		}
		if i+1 >= len(s) {
			return "", false
		}
		if raw {
			r, n := utf8.DecodeRuneInString(s[i+1:])
			b.WriteByte('\\')
			b.WriteRune(r)
			i += 1 + n
			continue
		}
		e := s[i+1]
		i += 2
		switch e {
		case '\n':
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			n := int(e - '0')
			for k := 0; k < 2 && i < len(s) && s[i] >= '0' && s[i] <= '7'; k++ {
				n = n*8 + int(s[i]-'0')
				i++
			}
			writeCode(&b, n, bytesLit)
		case 'x', 'u', 'U':
			width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if e != 'x' && bytesLit {
				b.WriteByte('\\')
				b.WriteByte(e)
				continue
			}
			if i+width > len(s) {
				return "", false
			}
			n, err := strconv.ParseUint(s[i:i+width], 16, 32)
			if err != nil || n > unicode.MaxRune {
				return "", false
			}
			i += width
			writeCode(&b, int(n), bytesLit)
		case 'N':
			if bytesLit {
				b.WriteString(`\N`)
				continue
			}
			return "", false // named escapes are not supported
		default:
			b.WriteByte('\\')
			i-- // the escaped character is written as is
		}
	}
}

func writeCode(b *strings.Builder, n int, bytesLit bool) {
	if bytesLit {
		b.WriteByte(byte(n))
		return
	}
	b.WriteRune(rune(n))
}
