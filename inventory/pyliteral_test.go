package inventory

import (
	"reflect"
	"testing"
)

// TestParseINIValue checks the INI caller's use of pyliteral (whose own
// tests cover the parsing): literals become values, anything else stays
// the text, JSON names are not read.
func TestParseINIValue(t *testing.T) {
	cases := []struct {
		in   string
		want any
	}{
		{"5", 5}, {"[1, 'two']", []any{1, "two"}}, {"{1, 2}", []any{1, 2}}, {"True", true},
		{"true", "true"}, {"0644", "0644"}, {"hello # comment", "hello # comment"}, {"", ""},
		{"123456789012345678901234", "123456789012345678901234"}, {"{[1]: 2}", "{[1]: 2}"},
	}
	for _, c := range cases {
		if got := parseINIValue(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseINIValue(%q) = %#v, want %#v", c.in, got, c.want)
		}
	}
}
