package playbook

import (
	"strings"

	"github.com/swarmbook/swarmbook/modules"
)

// fakeSpecs is a small module registry for the loader's tests.
type fakeSpecs map[string]modules.Spec

func (f fakeSpecs) Lookup(name string) (string, modules.Spec, bool) {
	for _, p := range []string{"ansible.builtin.", "ansible.legacy.", "community.general.", "community.docker.", "ansible.posix.", "ansible.windows."} {
		name = strings.TrimPrefix(name, p)
	}
	s, ok := f[name]
	return name, s, ok
}

var testSpecs = fakeSpecs{
	"command": {FreeForm: true, Params: []modules.Param{{Name: "cmd"}, {Name: "argv", Kind: modules.KindList},
		{Name: "chdir", Kind: modules.KindPath}, {Name: "creates", Kind: modules.KindPath}, {Name: "removes", Kind: modules.KindPath},
		{Name: "stdin"}}},
	"shell": {FreeForm: true, Params: []modules.Param{{Name: "cmd"}, {Name: "chdir", Kind: modules.KindPath},
		{Name: "creates", Kind: modules.KindPath}, {Name: "removes", Kind: modules.KindPath}, {Name: "executable"}}},
	"raw":   {FreeForm: true, Params: []modules.Param{{Name: "executable"}}},
	"debug": {Params: []modules.Param{{Name: "msg"}, {Name: "var"}, {Name: "verbosity", Kind: modules.KindInt}}, MutuallyExclusive: [][]string{{"msg", "var"}}},
	"file": {Params: []modules.Param{{Name: "path", Kind: modules.KindPath, Required: true, Aliases: []string{"dest", "name"}},
		{Name: "state", Kind: modules.KindStr, Choices: []string{"absent", "directory", "file", "hard", "link", "touch"}},
		{Name: "mode", Kind: modules.KindRaw}, {Name: "owner"}, {Name: "recurse", Kind: modules.KindBool}}},
	"copy": {Params: []modules.Param{{Name: "src", Kind: modules.KindPath}, {Name: "content"}, {Name: "dest", Kind: modules.KindPath, Required: true},
		{Name: "mode", Kind: modules.KindRaw}}, MutuallyExclusive: [][]string{{"src", "content"}}},
	"set_fact":     {AnyParams: true, Params: []modules.Param{{Name: "cacheable", Kind: modules.KindBool}}},
	"setup":        {Params: []modules.Param{{Name: "gather_subset", Kind: modules.KindList}}},
	"assert":       {Params: []modules.Param{{Name: "that", Kind: modules.KindList, Required: true}, {Name: "fail_msg"}, {Name: "success_msg"}}},
	"fail":         {Params: []modules.Param{{Name: "msg"}}},
	"include_vars": {Params: []modules.Param{{Name: "file"}, {Name: "name"}}},
}
