package playbook

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Ansible's k=v argument parsing (ansible/parsing/splitter.py), ported so
// that free-form task arguments split exactly as ansible-playbook splits
// them, including its quirks.

// rawParamKeys are the k=v options a free-form module still accepts.
var rawParamKeys = map[string]bool{
	"creates": true, "removes": true, "chdir": true, "executable": true, "warn": true,
	"stdin": true, "stdin_add_newline": true, "strip_empty_ends": true,
}

var escapeRE = regexp.MustCompile(`\\U[a-fA-F0-9]{8}|\\u[a-fA-F0-9]{4}|\\x[a-fA-F0-9]{2}|\\N\{[^}]+\}|\\[\\'"abfnrtv]`)

// decodeEscapes decodes Python unicode escapes as _decode_escapes does.
func decodeEscapes(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return escapeRE.ReplaceAllStringFunc(s, func(m string) string {
		switch m[1] {
		case 'U', 'u', 'x':
			n, err := strconv.ParseUint(m[2:], 16, 32)
			if err != nil || !utf8.ValidRune(rune(n)) {
				return m
			}
			return string(rune(n))
		case 'N':
			return m // named characters: left as written
		}
		return map[byte]string{'\\': `\`, '\'': "'", '"': `"`, 'a': "\a", 'b': "\b",
			'f': "\f", 'n': "\n", 'r': "\r", 't': "\t", 'v': "\v"}[m[1]]
	})
}

// ParseKV converts a "k=v k2='v 2'" string into a map as Ansible's
// parse_kv does. With checkRaw (free-form modules), only the keys a
// free-form module accepts (creates, removes, chdir, ...) are options;
// everything else is kept under "_raw_params".
func ParseKV(args string, checkRaw bool) (map[string]any, error) {
	opts := map[string]any{}
	vargs, err := SplitArgs(args)
	if err != nil {
		return nil, err
	}
	var raw []string
	for _, orig := range vargs {
		x := decodeEscapes(orig)
		if !strings.Contains(x, "=") {
			raw = append(raw, orig)
			continue
		}
		pos := -1
		for from := 1; from <= len(x); {
			i := strings.IndexByte(x[from:], '=')
			if i < 0 {
				break
			}
			p := from + i
			if x[p-1] != '\\' {
				pos = p
				break
			}
			from = p + 1
		}
		if pos < 0 {
			raw = append(raw, strings.ReplaceAll(x, `\=`, "="))
			continue
		}
		k, v := x[:pos], x[pos+1:]
		if checkRaw && !rawParamKeys[k] {
			raw = append(raw, orig)
			continue
		}
		opts[strings.TrimSpace(k)] = unquote(strings.TrimSpace(v))
	}
	if len(raw) > 0 {
		opts["_raw_params"] = joinArgs(raw)
	}
	return opts, nil
}

func isQuoted(s string) bool {
	return len(s) > 1 && s[0] == s[len(s)-1] && (s[0] == '"' || s[0] == '\'') && s[len(s)-2] != '\\'
}

func unquote(s string) string {
	if isQuoted(s) {
		return s[1 : len(s)-1]
	}
	return s
}

func joinArgs(parts []string) string {
	var b strings.Builder
	for _, p := range parts {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte(' ')
		}
		b.WriteString(p)
	}
	return b.String()
}

func quoteState(token string, quote byte) byte {
	for i := 0; i < len(token); i++ {
		c := token[i]
		if (c == '"' || c == '\'') && (i == 0 || token[i-1] != '\\') {
			if quote != 0 {
				if c == quote {
					quote = 0
				}
			} else {
				quote = c
			}
		}
	}
	return quote
}

func countBlocks(token string, depth int, open, close string) int {
	o, c := strings.Count(token, open), strings.Count(token, close)
	if o != c {
		depth += o - c
		if depth < 0 {
			depth = 0
		}
	}
	return depth
}

var errUnableToParse = errors.New("Unable to parse argument string")

// SplitArgs splits on whitespace like Ansible's split_args, keeping quoted
// strings and Jinja2 blocks ({{ }}, {% %}, {# #}) together and newlines
// intact.
func SplitArgs(args string) ([]string, error) {
	var params []string
	appendLast := func(s string) error {
		if len(params) == 0 {
			return errUnableToParse
		}
		params[len(params)-1] += s
		return nil
	}
	var quote byte
	inside := false
	printDepth, blockDepth, commentDepth := 0, 0, 0
	items := strings.Split(args, "\n")
	for itemIdx, item := range items {
		tokens := strings.Split(item, " ")
		contLine := false
		for idx, token := range tokens {
			if token == "" && idx != 0 {
				if err := appendLast(" "); err != nil {
					return nil, err
				}
				continue
			}
			if token == `\` && !inside {
				contLine = true
				continue
			}
			wasInside := inside
			quote = quoteState(token, quote)
			inside = quote != 0
			appended := false
			inJinja := printDepth > 0 || blockDepth > 0 || commentDepth > 0
			if inside && !wasInside && !inJinja {
				params = append(params, token)
				appended = true
			} else if inJinja || inside || wasInside {
				var err error
				switch {
				case idx == 0 && wasInside:
					err = appendLast(token)
				case len(tokens) > 1:
					spacer := ""
					if idx > 0 {
						spacer = " "
					}
					err = appendLast(spacer + token)
				default:
					err = appendLast("\n" + token)
				}
				if err != nil {
					return nil, err
				}
				appended = true
			}
			prev := printDepth
			printDepth = countBlocks(token, printDepth, "{{", "}}")
			if printDepth != prev && !appended {
				params = append(params, token)
				appended = true
			}
			prev = blockDepth
			blockDepth = countBlocks(token, blockDepth, "{%", "%}")
			if blockDepth != prev && !appended {
				params = append(params, token)
				appended = true
			}
			prev = commentDepth
			commentDepth = countBlocks(token, commentDepth, "{#", "#}")
			if commentDepth != prev && !appended {
				params = append(params, token)
				appended = true
			}
			if printDepth == 0 && blockDepth == 0 && commentDepth == 0 && !inside && !appended && token != "" {
				params = append(params, token)
			}
		}
		if len(items) > 1 && itemIdx != len(items)-1 && !contLine {
			if err := appendLast("\n"); err != nil {
				return nil, err
			}
		}
	}
	if printDepth > 0 || blockDepth > 0 || commentDepth > 0 || inside {
		return nil, errors.New("failed at splitting arguments, either an unbalanced jinja2 block or quotes: " + args)
	}
	return params, nil
}
