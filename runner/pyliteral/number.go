package pyliteral

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// number parses an int or float literal and applies the sign; -2**63 is
// only reachable negated.
func (p *parser) number(neg bool) (any, error) {
	s, start := p.s, p.i
	if s[start] == '0' && start+1 < len(s) {
		if base := basePrefix(s[start+1]); base != 0 {
			i := start + 2
			if i < len(s) && s[i] == '_' {
				i++
			}
			end, ok := digitPart(s, i, base)
			if !ok || p.identAt(end) {
				return nil, ErrNotLiteral
			}
			p.i = end
			return intValue(s[i:end], base, neg)
		}
	}
	end := start
	if s[start] != '.' {
		end, _ = digitPart(s, start, 10)
	}
	intEnd := end
	isFloat := false
	if end < len(s) && s[end] == '.' {
		isFloat = true
		end++
		if end < len(s) && isDigit(s[end]) {
			var ok bool
			if end, ok = digitPart(s, end, 10); !ok {
				return nil, ErrNotLiteral
			}
		}
	}
	if end < len(s) && (s[end] == 'e' || s[end] == 'E') {
		k := end + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		var ok bool
		if end, ok = digitPart(s, k, 10); !ok {
			return nil, ErrNotLiteral // "1e", "1e_1"
		}
		isFloat = true
	}
	if end < len(s) && s[end] == '_' {
		return nil, ErrNotLiteral // "1_", "1__0"
	}
	if end < len(s) && (s[end] == 'j' || s[end] == 'J') || p.identAt(end) {
		return nil, ErrNotLiteral // complex numbers are not supported; "5abc" is no number
	}
	p.i = end
	if !isFloat {
		digits := s[start:intEnd]
		if digits[0] == '0' && strings.Trim(digits, "0_") != "" {
			return nil, ErrNotLiteral // leading zeros in decimal integer literals are not permitted
		}
		return intValue(digits, 10, neg)
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s[start:end], "_", ""), 64)
	if err != nil && !isRangeErr(err) {
		return nil, ErrNotLiteral
	}
	if neg {
		f = -f
	}
	return f, nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// intValue converts digits (with underscores) in base to an int.
func intValue(digits string, base int, neg bool) (any, error) {
	u, err := strconv.ParseUint(strings.ReplaceAll(digits, "_", ""), base, 64)
	switch {
	case err != nil:
		return nil, ErrNotLiteral // beyond 64 bits
	case neg && u == 1<<63:
		return math.MinInt64, nil
	case u > math.MaxInt64:
		return nil, ErrNotLiteral
	case neg:
		return -int(u), nil
	}
	return int(u), nil
}

func basePrefix(c byte) int {
	switch c {
	case 'x', 'X':
		return 16
	case 'o', 'O':
		return 8
	case 'b', 'B':
		return 2
	}
	return 0
}

// digitPart scans digits of base from i with single underscores between
// them; it needs at least one digit and returns the end.
func digitPart(s string, i, base int) (int, bool) {
	if i >= len(s) || digitVal(s[i]) >= base {
		return i, false
	}
	j := i + 1
	for j < len(s) {
		switch {
		case digitVal(s[j]) < base:
			j++
		case s[j] == '_' && j+1 < len(s) && digitVal(s[j+1]) < base:
			j += 2
		default:
			return j, true
		}
	}
	return j, true
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

// identAt reports whether an identifier character follows at i (which
// makes the number invalid).
func (p *parser) identAt(i int) bool {
	if i >= len(p.s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(p.s[i:])
	return isIdentRune(r)
}
