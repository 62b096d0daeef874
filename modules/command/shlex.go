package command

import "errors"

// split splits s into words as Python's shlex.split (POSIX mode, no
// comments): whitespace separates words, single quotes are literal, inside
// double quotes a backslash escapes only " and \, outside quotes it escapes
// any character.
func split(s string) ([]string, error) {
	var words []string
	var cur []rune
	inWord := false
	const (
		plain = iota
		single
		double
	)
	state := plain
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch state {
		case plain:
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\r':
				if inWord {
					words = append(words, string(cur))
					cur, inWord = cur[:0:0], false
				}
			case c == '\'':
				state, inWord = single, true
			case c == '"':
				state, inWord = double, true
			case c == '\\':
				if i+1 >= len(rs) {
					return nil, errors.New("No escaped character")
				}
				i++
				cur, inWord = append(cur, rs[i]), true
			default:
				cur, inWord = append(cur, c), true
			}
		case single:
			if c == '\'' {
				state = plain
			} else {
				cur = append(cur, c)
			}
		case double:
			switch {
			case c == '"':
				state = plain
			case c == '\\':
				if i+1 >= len(rs) {
					return nil, errors.New("No escaped character")
				}
				if n := rs[i+1]; n == '"' || n == '\\' {
					cur = append(cur, n)
					i++
				} else {
					cur = append(cur, c)
				}
			default:
				cur = append(cur, c)
			}
		}
	}
	if state != plain {
		return nil, errors.New("No closing quotation")
	}
	if inWord {
		words = append(words, string(cur))
	}
	return words, nil
}
