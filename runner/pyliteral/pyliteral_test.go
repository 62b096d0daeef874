package pyliteral

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// bad marks a case that is not a literal.
type bad struct{}

var (
	ini  = Options{}
	tmpl = Options{JSONNames: true}
)

type parseCase struct {
	in   string
	want any // bad{} for ErrNotLiteral
}

// commonCases hold for both callers (they used to be the INI parser's and
// the template parser's tests).
var commonCases = []parseCase{
	// numbers
	{"5", 5}, {"-3", -3}, {"+4", 4}, {"- 5", -5}, {"1.5", 1.5}, {"1e3", 1000.0}, {"1.", 1.0}, {".5", 0.5},
	{"1.e5", 100000.0}, {"1_0.5e1_0", 105000000000.0}, {"012.5", 12.5},
	{"0644", bad{}}, {"0x1F", 31}, {"0o17", 15}, {"0b101", 5}, {"0x_1f", 31}, {"1_000", 1000}, {"00", 0}, {"0_0", 0},
	{"1__0", bad{}}, {"1_", bad{}}, {"5abc", bad{}}, {"1e", bad{}}, {"1j", bad{}}, {"0b102", bad{}}, {"0x", bad{}},
	{"1.2.3", bad{}}, {"-(1)", -1}, {"-((2.5))", -2.5}, {"--1", bad{}}, {"-(-1)", bad{}}, {"-True", bad{}}, {"+'a'", bad{}},
	{"-(1,)", bad{}}, {"9223372036854775807", math.MaxInt64}, {"-9223372036854775808", math.MinInt64},
	{"9223372036854775808", bad{}}, {"1e-400", 0.0},
	// names
	{"True", true}, {"False", false}, {"None", nil}, {"yes", bad{}}, {"set()", []any{}}, {"set ( )", []any{}},
	{"set([1])", bad{}}, {"...", bad{}}, {"1 if 1 else 2", bad{}},
	// strings
	{"'a b'", "a b"}, {`"x"`, "x"}, {`'a' "b"`, "ab"}, {`u'x'`, "x"}, {`r'a\nb'`, `a\nb`}, {`'a\nb'`, "a\nb"},
	{`R'\d' U'e'`, `\de`}, {`'\x41\101\u00e9\U0001F600'`, "AAé😀"}, {`'\q'`, `\q`}, {`'\777'`, "ǿ"}, {`'a\'b'`, "a'b"},
	{`r'a\'b'`, `a\'b`}, {`b'abc'`, "abc"}, {`b'\xc3\xa9'`, "é"}, {`b'\xff'`, "\uFFFD"}, {`b'\u00e9'`, `\u00e9`},
	{`b'é'`, bad{}}, {`'a' b'c'`, bad{}}, {`f'x'`, bad{}}, {`ur'x'`, bad{}}, {`x'a'`, bad{}},
	{`'''tri'''`, "tri"}, {"'''a\nb'''", "a\nb"}, {"'a\nb'", bad{}}, {`'unterminated`, bad{}}, {`'\x4'`, bad{}},
	{`'\N{DASH}'`, bad{}}, {`'\U00110000'`, bad{}}, {`'\ud800'`, bad{}},
	// containers
	{"[1, 'two', 3.0]", []any{1, "two", 3.0}}, {"[]", []any{}}, {"[1,]", []any{1}}, {"[,]", bad{}}, {"[1 2]", bad{}},
	{"(1, 2)", []any{1, 2}}, {"()", []any{}}, {"(1)", 1}, {"(1,)", []any{1}}, {"1, 2", []any{1, 2}}, {"1,", []any{1}},
	{"[1], [2]", []any{[]any{1}, []any{2}}},
	{"{'a': 1, 'b': [True, None]}", map[string]any{"a": 1, "b": []any{true, nil}}}, {"{}", map[string]any{}},
	{"{'a': [1, (2, 3)], 'b': {}}", map[string]any{"a": []any{1, []any{2, 3}}, "b": map[string]any{}}},
	{"{'a': 1, 'a': 2}", map[string]any{"a": 2}}, {"{'a': 1,}", map[string]any{"a": 1}}, {"{'a' 1}", bad{}},
	{"{**a}", bad{}}, {"{1, 2, 1}", []any{1, 2}}, {"{1, True, 1.0}", []any{1}}, {"{(1, 2): 3}", bad{}},
	{"[1, 2", bad{}}, {"[foo]", bad{}}, {"[1 + 2]", bad{}}, {"[010]", bad{}},
	// blank space, comments, newlines
	{" 1", 1}, {"\t1", 1}, {"5 # comment", 5}, {"hello # comment", bad{}}, {"[1, # c\n 2]", []any{1, 2}},
	{"(1,\n2)", []any{1, 2}}, {"1,\n2", bad{}}, {"1\n", 1}, {"(1)\r\n", 1}, {"'a' \\\n 'b'", "ab"}, {"", bad{}},
	{"# only", bad{}}, {"a=b=c", bad{}}, {"/usr/bin/python3", bad{}},
	{strings.Repeat("[", 200) + strings.Repeat("]", 200), nest(200)}, {strings.Repeat("[", 201) + strings.Repeat("]", 201), bad{}},
}

// differing are the cases where the callers' old parsers disagreed with
// each other (and, each time, one of them with Python); both callers now
// get Python's answer, except for JSON names, which only templates read.
var differing = []struct {
	in        string
	ini, tmpl any
}{
	{"true", bad{}, true}, {"[true, false, null]", bad{}, []any{true, false, nil}}, {"null", bad{}, nil},
	{"{'a': null}", bad{}, map[string]any{"a": nil}},
	// sets: the template parser rejected them; Python evaluates them (lists here)
	{"{1, 2}", []any{1, 2}, []any{1, 2}}, {"[set()]", []any{[]any{}}, []any{[]any{}}},
	// big ints: the template parser made them floats; neither is exact, the text stays
	{"123456789012345678901234", bad{}, bad{}}, {"[123456789012345678901234]", bad{}, bad{}},
	// float overflow: Python gives inf; the template parser rejected it
	{"1e999", math.Inf(1), math.Inf(1)}, {"[-1e999]", []any{math.Inf(-1)}, []any{math.Inf(-1)}},
	// one sign only: the template parser took any number of them
	{"[--1]", bad{}, bad{}}, {"[-+1]", bad{}, bad{}},
	// dict keys: json.dumps's names (the template parser used Python's str)
	{"{True: 1, None: 2, 1.5: 3}", map[string]any{"true": 1, "null": 2, "1.5": 3}, map[string]any{"true": 1, "null": 2, "1.5": 3}},
	{"{1.0: 'a', 1e16: 'b', 1e15: 'c', 1e-5: 'd'}",
		map[string]any{"1.0": "a", "1e+16": "b", "1000000000000000.0": "c", "1e-05": "d"},
		map[string]any{"1.0": "a", "1e+16": "b", "1000000000000000.0": "c", "1e-05": "d"}},
	{"{True: 1, 1: 2, 1.0: 3}", map[string]any{"true": 3}, map[string]any{"true": 3}},
	// a bare tuple after a list: the template parser rejected it
	{"[1], 2", []any{[]any{1}, 2}, []any{[]any{1}, 2}},
	// invalid \x escapes: the template parser kept them
	{`['\x4g']`, bad{}, bad{}},
	// bytes: the template parser read \u as an escape in b'' and took non-ASCII
	{`[b'\u0041']`, []any{`\u0041`}, []any{`\u0041`}}, {`[b'é']`, bad{}, bad{}},
	// underscores: the template parser took them anywhere
	{"[1__0]", bad{}, bad{}}, {"[0x1_]", bad{}, bad{}}, {"[1_.5]", bad{}, bad{}},
	// newlines: INI values have none; templates follow Python (inside brackets only)
	{"[1,\n2]", []any{1, 2}, []any{1, 2}}, {"[1]\n[2]", bad{}, bad{}},
}

func nest(n int) any {
	var v any = []any{}
	for i := 1; i < n; i++ {
		v = []any{v}
	}
	return v
}

func check(t *testing.T, label, in string, opts Options, want any) {
	t.Helper()
	got, err := Parse(in, opts)
	if _, isBad := want.(bad); isBad {
		if !errors.Is(err, ErrNotLiteral) {
			t.Errorf("%s Parse(%q) = %#v, %v; want ErrNotLiteral", label, in, got, err)
		}
		return
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("%s Parse(%q) = %#v, %v; want %#v", label, in, got, err, want)
	}
}

func TestParse(t *testing.T) {
	for _, c := range commonCases {
		check(t, "ini", c.in, ini, c.want)
		check(t, "template", c.in, tmpl, c.want)
	}
}

func TestParseCallerDifferences(t *testing.T) {
	for _, c := range differing {
		check(t, "ini", c.in, ini, c.ini)
		check(t, "template", c.in, tmpl, c.tmpl)
	}
}

func TestParseNegativeZero(t *testing.T) {
	v, err := Parse("-0.0", ini)
	if f, ok := v.(float64); err != nil || !ok || f != 0 || !math.Signbit(f) {
		t.Errorf("Parse(-0.0) = %#v, %v; want -0.0", v, err)
	}
}

func TestUnhashable(t *testing.T) {
	for _, in := range []string{"{[1]: 2}", "{{}: 1}", "{[1], 2}", "{1: 2, [3]: 4}"} {
		if _, err := Parse(in, ini); !errors.Is(err, ErrUnhashable) {
			t.Errorf("Parse(%q) err = %v, want ErrUnhashable", in, err)
		}
	}
}

func TestUnescape(t *testing.T) {
	cases := []struct{ in, want string }{
		{`plain`, "plain"}, {`a\nb\tc`, "a\nb\tc"}, {`\x41\101\u00e9`, "AAé"}, {`\q`, `\q`}, {`\x4g`, `\x4g`},
		{`\N{DASH}`, `\N{DASH}`}, {`\ud800`, `\ud800`}, {`end\`, `end\`}, {`\\n`, `\n`}, {`\'\"`, `'"`},
	}
	for _, c := range cases {
		if got := Unescape(c.in); got != c.want {
			t.Errorf("Unescape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFloatRepr(t *testing.T) {
	cases := []struct {
		f    float64
		want string
	}{
		{1, "1.0"}, {1.5, "1.5"}, {0.1, "0.1"}, {1e16, "1e+16"}, {1e15, "1000000000000000.0"}, {1e-4, "0.0001"},
		{1e-5, "1e-05"}, {-2.5e-7, "-2.5e-07"}, {0, "0.0"}, {math.Inf(1), "Infinity"}, {math.NaN(), "NaN"},
		{9.999999999999998e15, "9999999999999998.0"},
	}
	for _, c := range cases {
		if got := floatRepr(c.f); got != c.want {
			t.Errorf("floatRepr(%v) = %q, want %q", c.f, got, c.want)
		}
	}
}
