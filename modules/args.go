package modules

// Accessors for validated Args. After validation every value has its Kind's
// Go type, so these only convert absent/nil values to zero values.

// Str returns the string argument name, or "" when absent.
func (a Args) Str(name string) string {
	s, _ := a[name].(string)
	return s
}

// Bool returns the bool argument name, or false when absent.
func (a Args) Bool(name string) bool {
	b, _ := a[name].(bool)
	return b
}

// Int returns the int argument name, or 0 when absent.
func (a Args) Int(name string) int {
	i, _ := a[name].(int)
	return i
}

// List returns the list argument name, or nil when absent.
func (a Args) List(name string) []any {
	l, _ := a[name].([]any)
	return l
}

// StrList returns the list argument name with every element as a string.
func (a Args) StrList(name string) []string {
	var out []string
	for _, v := range a.List(name) {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Dict returns the dict argument name, or nil when absent.
func (a Args) Dict(name string) map[string]any {
	d, _ := a[name].(map[string]any)
	return d
}

// Has reports whether the argument name was given (non-nil).
func (a Args) Has(name string) bool {
	v, ok := a[name]
	return ok && v != nil
}
