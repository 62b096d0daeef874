package ssh

import (
	"fmt"
	"strconv"
	"strings"
)

// sshArgs is what swarmbook understands of an ssh command line
// (ansible.cfg ssh_args, ansible_ssh_common_args, ansible_ssh_extra_args).
type sshArgs struct {
	configFile string            // -F
	options    map[string]string // -o Key=Value, lower-case keys, first wins
	identities []string          // -i
	port       int               // -p
	user       string            // -l
	jump       string            // -J
}

// parseArgs reads the options it knows and ignores the harmless others
// (-C, -q, -v, -4, -6, -A, -T, -t and options such as ControlMaster).
func parseArgs(a *sshArgs, line string) error {
	words, err := splitWords(line)
	if err != nil {
		return err
	}
	if a.options == nil {
		a.options = map[string]string{}
	}
	for i := 0; i < len(words); i++ {
		w := words[i]
		if len(w) < 2 || w[0] != '-' {
			return fmt.Errorf("ssh args: unexpected %q", w)
		}
		flag := w[1]
		if !strings.ContainsRune("FoiplJcmDLRWbEeQS", rune(flag)) {
			continue // flags without an argument (-C, -q, -4, -tt...)
		}
		val := w[2:]
		if val == "" {
			if i+1 >= len(words) {
				return fmt.Errorf("ssh args: %s needs a value", w)
			}
			i++
			val = words[i]
		}
		switch flag {
		case 'F':
			if a.configFile == "" {
				a.configFile = val
			}
		case 'o':
			k, v, ok := strings.Cut(val, "=")
			if !ok {
				k, v, ok = strings.Cut(strings.TrimSpace(val), " ")
			}
			if !ok {
				return fmt.Errorf("ssh args: -o %q is not Key=Value", val)
			}
			k = strings.ToLower(strings.TrimSpace(k))
			if _, seen := a.options[k]; !seen {
				a.options[k] = strings.TrimSpace(v)
			}
			if k == "identityfile" {
				a.identities = append(a.identities, strings.TrimSpace(v))
			}
		case 'i':
			a.identities = append(a.identities, val)
		case 'p':
			n, err := strconv.Atoi(val)
			if err != nil {
				return fmt.Errorf("ssh args: -p %q is not a port", val)
			}
			if a.port == 0 {
				a.port = n
			}
		case 'l':
			if a.user == "" {
				a.user = val
			}
		case 'J':
			if a.jump == "" {
				a.jump = val
			}
		}
	}
	return nil
}

// splitWords splits a command line as a POSIX shell would (quotes and
// backslashes; no expansion).
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("ssh args: unterminated quote in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("ssh args: unterminated quote in %q", s)
			}
			inWord = true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
