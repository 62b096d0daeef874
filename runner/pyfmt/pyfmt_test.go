package pyfmt

import (
	"math"
	"testing"
)

// pyCases were generated with Python 3's repr() and
// json.dumps(v, sort_keys=True, ensure_ascii=False[, indent=4]). Dicts are
// written in sorted order because Go maps have no insertion order (Repr
// sorts keys; Python keeps insertion order).
var pyCases = []struct {
	v                 any
	repr, json, json4 string
}{
	{nil, "None", "null", "null"},
	{true, "True", "true", "true"},
	{false, "False", "false", "false"},
	{int(0), "0", "0", "0"},
	{int(-7), "-7", "-7", "-7"},
	{int(12345678901234), "12345678901234", "12345678901234", "12345678901234"},
	{float64(1.0), "1.0", "1.0", "1.0"},
	{float64(0.1), "0.1", "0.1", "0.1"},
	{float64(1e+16), "1e+16", "1e+16", "1e+16"},
	{float64(1.5e-07), "1.5e-07", "1.5e-07", "1.5e-07"},
	{math.Copysign(0, -1), "-0.0", "-0.0", "-0.0"}, // float64(-0.0) would be a constant +0 in Go
	{float64(123456789.125), "123456789.125", "123456789.125", "123456789.125"},
	{float64(1e+22), "1e+22", "1e+22", "1e+22"},
	{math.Inf(1), "inf", "Infinity", "Infinity"},
	{math.Inf(-1), "-inf", "-Infinity", "-Infinity"},
	{"", "''", "\"\"", "\"\""},
	{"plain", "'plain'", "\"plain\"", "\"plain\""},
	{"it's", "\"it's\"", "\"it's\"", "\"it's\""},
	{"say \"hi\"", "'say \"hi\"'", "\"say \\\"hi\\\"\"", "\"say \\\"hi\\\"\""},
	{"both ' and \"", "'both \\' and \"'", "\"both ' and \\\"\"", "\"both ' and \\\"\""},
	{"tab\there\nnl", "'tab\\there\\nnl'", "\"tab\\there\\nnl\"", "\"tab\\there\\nnl\""},
	{"ctl\u0000\u001f\u007f", "'ctl\\x00\\x1f\\x7f'", "\"ctl\\u0000\\u001f\u007f\"", "\"ctl\\u0000\\u001f\u007f\""},
	{"caf\u00e9", "'caf\u00e9'", "\"caf\u00e9\"", "\"caf\u00e9\""},
	{"zw\u200bsp", "'zw\\u200bsp'", "\"zw\u200bsp\"", "\"zw\u200bsp\""},
	{"back\\slash", "'back\\\\slash'", "\"back\\\\slash\"", "\"back\\\\slash\""},
	{[]any{}, "[]", "[]", "[]"},
	{[]any{int(1), "a", nil}, "[1, 'a', None]", "[1, \"a\", null]", "[\n    1,\n    \"a\",\n    null\n]"},
	{map[string]any{}, "{}", "{}", "{}"},
	{map[string]any{"a": []any{true, float64(2.5)}, "b": int(1), "c": map[string]any{"y": "s", "z": nil}}, "{'a': [True, 2.5], 'b': 1, 'c': {'y': 's', 'z': None}}", "{\"a\": [true, 2.5], \"b\": 1, \"c\": {\"y\": \"s\", \"z\": null}}", "{\n    \"a\": [\n        true,\n        2.5\n    ],\n    \"b\": 1,\n    \"c\": {\n        \"y\": \"s\",\n        \"z\": null\n    }\n}"},
	{map[string]any{"key with 'q'": "v"}, "{\"key with 'q'\": 'v'}", "{\"key with 'q'\": \"v\"}", "{\n    \"key with 'q'\": \"v\"\n}"},
	{[]any{[]any{int(1), []any{int(2), []any{int(3)}}}, map[string]any{"n": map[string]any{}}}, "[[1, [2, [3]]], {'n': {}}]", "[[1, [2, [3]]], {\"n\": {}}]", "[\n    [\n        1,\n        [\n            2,\n            [\n                3\n            ]\n        ]\n    ],\n    {\n        \"n\": {}\n    }\n]"},
}

func TestReprAndJSONMatchPython(t *testing.T) {
	for _, c := range pyCases {
		t.Run(c.repr, func(t *testing.T) {
			if got := Repr(c.v); got != c.repr {
				t.Errorf("Repr = %s, want %s", got, c.repr)
			}
			if got := JSON(c.v, 0); got != c.json {
				t.Errorf("JSON = %s, want %s", got, c.json)
			}
			if got := JSON(c.v, 4); got != c.json4 {
				t.Errorf("JSON indent 4 =\n%s\nwant\n%s", got, c.json4)
			}
		})
	}
}

func TestStr(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{"it's", "it's"},
		{[]any{"it's"}, `["it's"]`},
		{map[string]any{"a": "b"}, "{'a': 'b'}"},
		{int(3), "3"},
		{nil, "None"},
		{math.Inf(1), "inf"},
	}
	for _, c := range cases {
		if got := Str(c.v); got != c.want {
			t.Errorf("Str(%#v) = %s, want %s", c.v, got, c.want)
		}
	}
}
