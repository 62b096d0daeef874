package pyliteral

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// strings parses one or more adjacent string literals, each with an
// optional prefix; Python concatenates them. Bytes literals become text
// (Ansible's to_text), invalid UTF-8 replaced by U+FFFD; bytes and str
// cannot be mixed.
func (p *parser) strings() (any, error) {
	var b strings.Builder
	first := true
	isBytes := false
	for {
		start := p.i
		for p.i < len(p.s) && p.i-start < 3 && isASCIILetter(p.s[p.i]) {
			p.i++
		}
		if c := p.peek(); c != '\'' && c != '"' {
			if first {
				return nil, ErrNotLiteral
			}
			p.i = start
			break
		}
		raw, bytesLit, ok := stringPrefix(p.s[start:p.i])
		if !ok {
			return nil, ErrNotLiteral // f-strings and unknown prefixes
		}
		if !first && bytesLit != isBytes {
			return nil, ErrNotLiteral // cannot mix bytes and nonbytes literals
		}
		first, isBytes = false, bytesLit
		if err := p.oneString(&b, raw, bytesLit); err != nil {
			return nil, err
		}
		p.space()
	}
	s := b.String()
	if isBytes && !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s, nil
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func stringPrefix(prefix string) (raw, bytesLit, ok bool) {
	switch strings.ToLower(prefix) {
	case "", "u":
		return false, false, true
	case "r":
		return true, false, true
	case "b":
		return false, true, true
	case "br", "rb":
		return true, true, true
	}
	return false, false, false
}

// oneString parses one quoted literal at p.i into b.
func (p *parser) oneString(b *strings.Builder, raw, bytesLit bool) error {
	s := p.s
	delim := s[p.i : p.i+1]
	if hasPrefixAt(s, p.i, strings.Repeat(delim, 3)) {
		delim = s[p.i : p.i+3]
	}
	triple := len(delim) == 3
	i := p.i + len(delim)
	for {
		if i >= len(s) {
			return ErrNotLiteral // unterminated
		}
		if hasPrefixAt(s, i, delim) {
			p.i = i + len(delim)
			return nil
		}
		c := s[i]
		switch {
		case (c == '\n' || c == '\r') && !triple:
			return ErrNotLiteral // unterminated string literal
		case bytesLit && c >= utf8.RuneSelf:
			return ErrNotLiteral // bytes can only contain ASCII literal characters
		case c != '\\':
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(s) {
			return ErrNotLiteral
		}
		if raw { // the backslash stays, and the next character cannot end the string
			_, n := utf8.DecodeRuneInString(s[i+1:])
			b.WriteString(s[i : i+1+n])
			i += 1 + n
			continue
		}
		text, n, ok := escape(s[i:], bytesLit)
		if !ok {
			return ErrNotLiteral
		}
		b.WriteString(text)
		i += n
	}
}

// escape decodes the backslash escape at the start of s (s[0] == '\\') as a
// Python str or bytes literal does; it returns the text, the bytes of s
// used, and false for an invalid escape (a truncated \x, \u or \U, a code
// point out of range or a surrogate, \N{...}). Unknown escapes keep their
// backslash.
func escape(s string, bytesLit bool) (string, int, bool) {
	if len(s) < 2 {
		return "", 0, false
	}
	switch e := s[1]; e {
	case '\n':
		return "", 2, true
	case '\r':
		if hasPrefixAt(s, 2, "\n") {
			return "", 3, true
		}
		return "", 2, true
	case '\\', '\'', '"', 'a', 'b', 'f', 'n', 'r', 't', 'v':
		k := strings.IndexByte(`\'"abfnrtv`, e)
		return "\\'\"\a\b\f\n\r\t\v"[k : k+1], 2, true
	case '0', '1', '2', '3', '4', '5', '6', '7':
		n, end := int(e-'0'), 2
		for end < len(s) && end < 4 && s[end] >= '0' && s[end] <= '7' {
			n = n*8 + int(s[end]-'0')
			end++
		}
		return code(n, bytesLit), end, true
	case 'x', 'u', 'U':
		width := 2 // \xhh
		switch e {
		case 'u':
			width = 4
		case 'U':
			width = 8
		}
		if e != 'x' && bytesLit {
			return s[:2], 2, true // not an escape in bytes
		}
		if len(s) < 2+width {
			return "", 0, false
		}
		n, err := strconv.ParseUint(s[2:2+width], 16, 32)
		if err != nil || !bytesLit && !utf8.ValidRune(rune(n)) {
			return "", 0, false
		}
		return code(int(n), bytesLit), 2 + width, true
	case 'N':
		if bytesLit {
			return s[:2], 2, true
		}
		return "", 0, false // named escapes are not supported
	}
	return s[:1], 1, true // unknown escape: the backslash stays, the character is read next
}

func code(n int, bytesLit bool) string {
	if bytesLit {
		return string([]byte{byte(n)})
	}
	return string(rune(n))
}

// Unescape decodes Python's backslash escapes in s, as in a str literal
// (the template engine's Jinja string constants). Invalid escapes stay as
// they are.
func Unescape(s string) string {
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for i < len(s) {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			i++
			continue
		}
		text, n, ok := escape(s[i:], false)
		if !ok {
			b.WriteString(s[i : i+2])
			i += 2
			continue
		}
		b.WriteString(text)
		i += n
	}
	return b.String()
}
