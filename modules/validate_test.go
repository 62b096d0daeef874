package modules

import (
	"reflect"
	"testing"
)

var fileLike = Spec{
	Params: []Param{
		{Name: "path", Kind: KindPath, Required: true, Aliases: []string{"dest", "name"}},
		{Name: "state", Kind: KindStr, Choices: []string{"absent", "directory", "file"}},
		{Name: "follow", Kind: KindBool, Default: true},
		{Name: "mode", Kind: KindRaw},
		{Name: "count", Kind: KindInt},
		{Name: "ratio", Kind: KindFloat},
		{Name: "groups", Kind: KindList, Elements: KindStr},
		{Name: "opts", Kind: KindDict},
		{Name: "a", Kind: KindStr},
		{Name: "b", Kind: KindStr},
		{Name: "force", Kind: KindStr, Choices: []string{"yes", "no"}},
	},
	MutuallyExclusive: [][]string{{"a", "b"}},
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		spec   Spec
		raw    map[string]any
		static bool
		want   Args
		err    string
	}{
		{name: "alias and default", spec: fileLike, raw: map[string]any{"dest": "/tmp"},
			want: Args{"path": "/tmp", "follow": true}},
		{name: "str from int", spec: fileLike, raw: map[string]any{"path": 5},
			want: Args{"path": "5", "follow": true}},
		{name: "str from bool and float", spec: fileLike, raw: map[string]any{"path": true, "a": 1.0},
			want: Args{"path": "True", "a": "1.0", "follow": true}},
		{name: "bool strings", spec: fileLike, raw: map[string]any{"path": "p", "follow": "no"},
			want: Args{"path": "p", "follow": false}},
		{name: "bool On", spec: fileLike, raw: map[string]any{"path": "p", "follow": "On"},
			want: Args{"path": "p", "follow": true}},
		{name: "bool invalid", spec: fileLike, raw: map[string]any{"path": "p", "follow": "maybe"},
			err: "argument 'follow' is of type <class 'str'> and we were unable to convert to bool: The value 'maybe' is not a valid boolean.  Valid booleans include: 0, 1, 'no', '0', 'off', 't', 'n', 'y', 'on', 'true', 'f', 'false', '1', 'yes'"},
		{name: "int from string", spec: fileLike, raw: map[string]any{"path": "p", "count": "5"},
			want: Args{"path": "p", "follow": true, "count": 5}},
		{name: "int from int64", spec: fileLike, raw: map[string]any{"path": "p", "count": int64(7)},
			want: Args{"path": "p", "follow": true, "count": 7}},
		{name: "int invalid", spec: fileLike, raw: map[string]any{"path": "p", "count": "x"},
			err: "argument 'count' is of type <class 'str'> and we were unable to convert to int: <class 'str'> cannot be converted to an int"},
		{name: "float from int", spec: fileLike, raw: map[string]any{"path": "p", "ratio": 2},
			want: Args{"path": "p", "follow": true, "ratio": 2.0}},
		{name: "list from string", spec: fileLike, raw: map[string]any{"path": "p", "groups": "a,b"},
			want: Args{"path": "p", "follow": true, "groups": []any{"a", "b"}}},
		{name: "list elements str", spec: fileLike, raw: map[string]any{"path": "p", "groups": []any{1, "x"}},
			want: Args{"path": "p", "follow": true, "groups": []any{"1", "x"}}},
		{name: "list from dict fails", spec: fileLike, raw: map[string]any{"path": "p", "groups": map[string]any{}},
			err: "argument 'groups' is of type <class 'dict'> and we were unable to convert to list: <class 'dict'> cannot be converted to a list"},
		{name: "dict from kv", spec: fileLike, raw: map[string]any{"path": "p", "opts": `a=1 b="x y",c=3`},
			want: Args{"path": "p", "follow": true, "opts": map[string]any{"a": "1", "b": "x y", "c": "3"}}},
		{name: "dict from json", spec: fileLike, raw: map[string]any{"path": "p", "opts": `{"a": 1, "b": [true]}`},
			want: Args{"path": "p", "follow": true, "opts": map[string]any{"a": 1, "b": []any{true}}}},
		{name: "dict invalid", spec: fileLike, raw: map[string]any{"path": "p", "opts": "abc"},
			err: "argument 'opts' is of type <class 'str'> and we were unable to convert to dict: dictionary requested, could not parse JSON or key=value"},
		{name: "missing required", spec: fileLike, raw: map[string]any{"state": "file"},
			err: "missing required arguments: path"},
		{name: "choices", spec: fileLike, raw: map[string]any{"path": "p", "state": "bogus"},
			err: "value of state must be one of: absent, directory, file, got: bogus"},
		{name: "choices yaml bool mapped back", spec: fileLike, raw: map[string]any{"path": "p", "force": true},
			want: Args{"path": "p", "follow": true, "force": "yes"}},
		{name: "mutually exclusive", spec: fileLike, raw: map[string]any{"path": "p", "a": "1", "b": "2"},
			err: "parameters are mutually exclusive: a|b"},
		{name: "unsupported", spec: fileLike, raw: map[string]any{"path": "p", "zz": 1, "foo": 2},
			err: "Unsupported parameters for (module) module: foo, zz. Supported parameters include: a, b, count, follow, force, groups, mode, opts, path, ratio, state (dest, name)."},
		{name: "required error comes before unsupported", spec: fileLike, raw: map[string]any{"zz": 1},
			err: "missing required arguments: path"},
		{name: "static keeps templates", spec: fileLike, static: true,
			raw:  map[string]any{"path": "p", "count": "{{ n }}", "state": "{{ s }}"},
			want: Args{"path": "p", "follow": true, "count": "{{ n }}", "state": "{{ s }}"}},
		{name: "non static converts templates", spec: fileLike,
			raw: map[string]any{"path": "p", "count": "{{ n }}"},
			err: "argument 'count' is of type <class 'str'> and we were unable to convert to int: <class 'str'> cannot be converted to an int"},
		{name: "free form", spec: Spec{FreeForm: true, Params: []Param{{Name: "chdir", Kind: KindPath}}},
			raw: map[string]any{"_raw_params": "echo hi"}, want: Args{"_raw_params": "echo hi"}},
		{name: "free form unsupported lists _raw_params",
			spec: Spec{FreeForm: true, Params: []Param{{Name: "chdir", Kind: KindPath}}},
			raw:  map[string]any{"_raw_params": "echo hi", "warn": false},
			err:  "Unsupported parameters for (module) module: warn. Supported parameters include: _raw_params, chdir."},
		{name: "cmd becomes free form", spec: Spec{FreeForm: true},
			raw: map[string]any{"cmd": "echo hi"}, want: Args{"_raw_params": "echo hi"}},
		{name: "cmd and free form", spec: Spec{FreeForm: true},
			raw: map[string]any{"cmd": "echo hi", "_raw_params": "x"},
			err: "The 'cmd' argument cannot be used when other raw parameters are specified. Please put everything in one or the other place."},
		{name: "required together", spec: Spec{Params: []Param{{Name: "x"}, {Name: "y"}}, RequiredTogether: [][]string{{"x", "y"}}},
			raw: map[string]any{"x": 1}, err: "parameters are required together: x, y"},
		{name: "required one of", spec: Spec{Params: []Param{{Name: "x"}, {Name: "y"}}, RequiredOneOf: [][]string{{"x", "y"}}},
			raw: map[string]any{}, err: "one of the following is required: x, y"},
		{name: "required one of satisfied", spec: Spec{Params: []Param{{Name: "x"}, {Name: "y"}}, RequiredOneOf: [][]string{{"x", "y"}}},
			raw: map[string]any{"y": 1}, want: Args{"y": 1}},
		{name: "any params", spec: Spec{AnyParams: true, Params: []Param{{Name: "cacheable", Kind: KindBool}}},
			raw: map[string]any{"foo": "1", "cacheable": "yes"}, want: Args{"foo": "1", "cacheable": true}},
		{name: "action wording", spec: Spec{Action: true, Params: []Param{{Name: "msg"}}},
			raw: map[string]any{"foo": 1, "bar": 2}, err: "Invalid options for module: bar,foo"},
		{name: "null value keeps key, no default", spec: fileLike, raw: map[string]any{"path": "p", "follow": nil},
			want: Args{"path": "p", "follow": nil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Validate(c.spec, c.raw, c.static)
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("err = %v\nwant %s", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %#v\nwant %#v", got, c.want)
			}
		})
	}
}

func TestValidateDoesNotMutateInput(t *testing.T) {
	raw := map[string]any{"dest": "/x", "count": "3"}
	if _, err := Validate(fileLike, raw, false); err != nil {
		t.Fatal(err)
	}
	if raw["count"] != "3" || raw["path"] != nil {
		t.Fatalf("input changed: %v", raw)
	}
}

func TestPyStr(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{1.0, "1.0"}, {1.5, "1.5"}, {1e20, "1e+20"}, {true, "True"}, {nil, "None"},
		{[]any{"a", 1}, "['a', 1]"}, {map[string]any{"k": "v"}, "{'k': 'v'}"}, {"it's", "it's"},
		{[]any{"it's"}, `["it's"]`},
	} {
		if got := PyStr(c.in); got != c.want {
			t.Errorf("PyStr(%#v) = %q, want %q", c.in, got, c.want)
		}
	}
}
