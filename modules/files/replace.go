package files

import (
	"context"
	"fmt"
	"regexp"

	"github.com/swarmbook/swarmbook/modules"
)

// Python semantics not reproduced by replace (Go RE2 underneath): \w, \d
// and \s are ASCII-only where Python's str patterns are Unicode-aware, and
// an empty match right after a previous match is skipped (Python 3.7+
// replaces it). Unsupported syntax (lookarounds, backreferences) fails the
// task with a message naming the construct.

// pySubn is re.subn(re, repl, s): it returns the new text and the count.
func pySubn(re *regexp.Regexp, repl string, s []byte) ([]byte, int, error) {
	ms := re.FindAllSubmatchIndex(s, -1)
	if len(ms) == 0 {
		return s, 0, nil
	}
	var out []byte
	last := 0
	for _, m := range ms {
		out = append(out, s[last:m[0]]...)
		r, err := pyExpand(re, repl, s, m)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r...)
		last = m[1]
	}
	out = append(out, s[last:]...)
	return out, len(ms), nil
}

// replaceEdit is the replace module's algorithm. ok is false when the
// after/before section pattern did not match (msg then says so).
func replaceEdit(contents []byte, regexpSrc, repl, after, before string) (result []byte, n int, msg string, err error) {
	pattern := ""
	switch {
	case after != "" && before != "":
		pattern = after + "(?P<subsection>.*?)" + before
	case after != "":
		pattern = after + "(?P<subsection>.*)"
	case before != "":
		pattern = "(?P<subsection>.*)" + before
	}
	start, end := 0, len(contents)
	if pattern != "" {
		sre, err := pyRegexp(pattern, "(?s)")
		if err != nil {
			return nil, 0, "", err
		}
		m := sre.FindSubmatchIndex(contents)
		if m == nil {
			return contents, 0, "Pattern for before/after params did not match the given file: " + pattern, nil
		}
		k := sre.SubexpIndex("subsection")
		start, end = m[2*k], m[2*k+1]
	}
	mre, err := pyRegexp(regexpSrc, "(?m)")
	if err != nil {
		return nil, 0, "", err
	}
	section := contents[start:end]
	res, n, err := pySubn(mre, repl, section)
	if err != nil {
		return nil, 0, "", err
	}
	if n == 0 || string(res) == string(section) {
		return contents, 0, "", nil
	}
	out := append(append(append([]byte{}, contents[:start]...), res...), contents[end:]...)
	return out, n, fmt.Sprintf("%d replacements made", n), nil
}

type replace struct{}

func (replace) Spec() modules.Spec {
	return modules.Spec{
		Params: append([]modules.Param{
			{Name: "path", Kind: modules.KindPath, Required: true, Aliases: []string{"dest", "destfile", "name"}},
			{Name: "regexp", Kind: modules.KindStr, Required: true},
			{Name: "replace", Kind: modules.KindStr, Default: ""},
			{Name: "after", Kind: modules.KindStr},
			{Name: "before", Kind: modules.KindStr},
			{Name: "backup", Kind: modules.KindBool, Default: false},
			{Name: "validate", Kind: modules.KindStr},
			{Name: "encoding", Kind: modules.KindStr, Default: "utf-8"},
		}, fileCommonParams()...),
	}
}

func (replace) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	path := a.Str("path")
	ed := &editor{t: t, path: path, attrs: attrsFrom(a), backup: a.Bool("backup"), validate: a.Str("validate"),
		validateMsg: lineValidateMsg, noAttrDiff: true}
	if err := ed.read(ctx); err != nil {
		return modules.Outcome{}, err
	}
	if !ed.cur.Exists {
		return fail(map[string]any{"rc": 257}, "Path %s does not exist !", path)
	}
	result, n, msg, err := replaceEdit(ed.before, a.Str("regexp"), a.Str("replace"), a.Str("after"), a.Str("before"))
	if err != nil {
		return modules.Outcome{}, err
	}
	fields := map[string]any{"rc": 0}
	if n == 0 && msg != "" {
		return modules.Outcome{Msg: msg, Fields: fields}, nil
	}
	return ed.finish(ctx, result, n > 0, msg, fields, "backup_file", false)
}
