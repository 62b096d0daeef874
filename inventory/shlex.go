package inventory

import (
	"errors"
	"strings"
)

// shlexSplit is Python's shlex.split(s, comments=True) in POSIX mode, which
// Ansible uses to split INI host lines: whitespace separates words, '...'
// and "..." quote (backslash escapes only \ and " inside double quotes),
// a backslash outside quotes escapes any character, and an unquoted #
// starts a comment that runs to the end of the line.
func shlexSplit(s string) ([]string, error) {
	var (
		out    []string
		tok    strings.Builder
		inTok  bool // a token has started (possibly empty but quoted)
		quote  rune // current quote, 0 outside quotes
		escape bool
	)
	emit := func() {
		if inTok {
			out = append(out, tok.String())
		}
		tok.Reset()
		inTok = false
	}
	for _, c := range s {
		switch {
		case escape:
			if quote != 0 && c != quote && c != '\\' {
				tok.WriteRune('\\')
			}
			tok.WriteRune(c)
			escape = false
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				tok.WriteRune(c)
			}
		case quote == '"':
			switch c {
			case '"':
				quote = 0
			case '\\':
				escape = true
			default:
				tok.WriteRune(c)
			}
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			emit()
		case c == '#':
			emit()
			return out, nil
		case c == '\\':
			escape, inTok = true, true
		case c == '\'' || c == '"':
			quote, inTok = c, true
		default:
			tok.WriteRune(c)
			inTok = true
		}
	}
	if escape {
		return nil, errors.New("No escaped character")
	}
	if quote != 0 {
		return nil, errors.New("No closing quotation")
	}
	emit()
	return out, nil
}
