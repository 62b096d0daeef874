package template

import (
	"regexp"
	"strings"
)

var rawStartRE = regexp.MustCompile(`^\{%[-+]?\s*raw\s*[-+]?%\}`)
var rawEndRE = regexp.MustCompile(`\{%[-+]?\s*endraw\s*[-+]?%\}`)

// lexable returns src with backslash escapes inside string literals of
// {{ }} and {% %} rewritten so that gonja's parser (which unquotes with Go's
// rules and rejects escapes such as \d) accepts them. The rewrite keeps every
// byte offset, and literal values are read from the original text.
func lexable(src string) string {
	if !strings.Contains(src, `\`) {
		return src
	}
	b := []byte(src)
	i := 0
	for i+1 < len(b) {
		if b[i] != '{' {
			i++
			continue
		}
		switch b[i+1] {
		case '#':
			end := strings.Index(src[i+2:], "#}")
			if end < 0 {
				return string(b)
			}
			i += 2 + end + 2
			continue
		case '%':
			if m := rawStartRE.FindStringIndex(src[i:]); m != nil {
				end := rawEndRE.FindStringIndex(src[i+m[1]:])
				if end == nil {
					return string(b)
				}
				i += m[1] + end[1]
				continue
			}
		case '{':
		default:
			i++
			continue
		}
		closer := "}}"
		if b[i+1] == '%' {
			closer = "%}"
		}
		j := i + 2
		for j < len(b) {
			c := b[j]
			if c == '\'' || c == '"' {
				j++
				for j < len(b) && b[j] != c {
					if b[j] == '\\' && j+1 < len(b) {
						if n := b[j+1]; n != '\'' && n != '"' {
							b[j+1] = 'n' // gonja mis-lexes \\ before a quote and rejects \d
						}
						j++
					}
					j++
				}
				j++
				continue
			}
			if strings.HasPrefix(string(b[j:min(j+2, len(b))]), closer) {
				j += 2
				break
			}
			j++
		}
		i = j
	}
	return string(b)
}
