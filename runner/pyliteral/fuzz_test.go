package pyliteral

import (
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics and that JSONNames only adds:
// what the INI caller reads, the template caller reads the same way.
func FuzzParse(f *testing.F) {
	for _, c := range commonCases {
		f.Add(c.in)
	}
	for _, c := range differing {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s, ini)
		w, werr := Parse(s, tmpl)
		if err == nil && (werr != nil || !reflect.DeepEqual(v, w)) {
			t.Errorf("Parse(%q): ini %#v, template %#v, %v", s, v, w, werr)
		}
	})
}
