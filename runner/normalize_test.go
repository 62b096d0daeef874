package runner

import (
	"reflect"
	"testing"
)

func TestPlain(t *testing.T) {
	type row struct {
		ID   string
		Port int
	}
	cases := []struct {
		in, want any
	}{
		{[]map[string]any{{"a": 1}}, []any{map[string]any{"a": 1}}},
		{[]string{"x", "y"}, []any{"x", "y"}},
		{map[string]int{"n": 2}, map[string]any{"n": 2}},
		{row{"n1", 2377}, map[string]any{"ID": "n1", "Port": 2377}},
		{[]row{{"a", 1}}, []any{map[string]any{"ID": "a", "Port": 1}}},
		{int64(5), 5},
		{(*row)(nil), nil},
	}
	for _, c := range cases {
		if got := plain(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("plain(%#v) = %#v, want %#v", c.in, got, c.want)
		}
	}
}
