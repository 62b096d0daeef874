package inventory

import "github.com/swarmbook/swarmbook/runner/pyliteral"

// parseINIValue is the INI plugin's _parse_value: ast.literal_eval(v) when
// v is a Python literal, else v itself as a string (see package pyliteral
// for what it accepts and where it deviates).
func parseINIValue(v string) any {
	val, err := pyliteral.Parse(v, pyliteral.Options{})
	if err != nil {
		return v
	}
	return val
}
