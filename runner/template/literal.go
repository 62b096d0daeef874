package template

import "github.com/swarmbook/swarmbook/runner/pyliteral"

// literalEval parses s as ansible_eval_concat does: ast.literal_eval after
// Ansible's Json2Python pass (true/false/null accepted as names). Tuples and
// sets become lists.
func literalEval(s string) (any, error) {
	return pyliteral.Parse(s, pyliteral.Options{JSONNames: true})
}

// pyUnescape decodes Python's backslash escapes in s, leaving invalid ones.
func pyUnescape(s string) string { return pyliteral.Unescape(s) }
