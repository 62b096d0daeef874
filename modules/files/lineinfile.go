package files

import (
	"bytes"
	"context"
	"fmt"
	"regexp"

	"github.com/swarmbook/swarmbook/modules"
)

// splitLines splits like Python's readlines(): each line keeps its "\n".
func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, b)
			break
		}
		out = append(out, b[:i+1])
		b = b[i+1:]
	}
	return out
}

// pySearch is re.search on one line read with readlines(): Python's $ also
// matches before the line's final newline, so a miss is retried without it.
func pySearch(re *regexp.Regexp, line []byte) []int {
	if m := re.FindSubmatchIndex(line); m != nil {
		return m
	}
	if n := len(line); n > 0 && line[n-1] == '\n' {
		return re.FindSubmatchIndex(line[:n-1])
	}
	return nil
}

func trimEOL(b []byte) []byte { return bytes.TrimRight(b, "\r\n") }

// lineParams are lineinfile's arguments that shape the edit.
type lineParams struct {
	Regexp       *regexp.Regexp
	RegexpSrc    *string
	SearchString *string
	Line         *string
	InsertAfter  string // "", "EOF", "BOF" or a pattern
	InsertBefore string // "", "BOF" or a pattern
	InsAfterRE   *regexp.Regexp
	InsBeforeRE  *regexp.Regexp
	Backrefs     bool
	FirstMatch   bool
}

// linePresent is Ansible's lineinfile present(): it returns the new lines,
// whether they changed and the message.
func linePresent(lines [][]byte, p lineParams) ([][]byte, bool, string, error) {
	bLine := []byte(*p.Line)
	insAfter, insBefore := p.InsertAfter, p.InsertBefore
	if insAfter == "" && insBefore == "" {
		insAfter = "EOF"
	}
	var insRE *regexp.Regexp
	if insAfter != "" && insAfter != "BOF" && insAfter != "EOF" {
		insRE = p.InsAfterRE
	} else if insBefore != "" && insBefore != "BOF" {
		insRE = p.InsBeforeRE
	}
	idx := [2]int{-1, -1}
	var match []int
	var matchLine []byte
	found := false
	exact := false
	if p.Regexp != nil {
		for n, l := range lines {
			if m := pySearch(p.Regexp, l); m != nil {
				idx[0], match, matchLine, found = n, m, l, true
				if p.FirstMatch {
					break
				}
			}
		}
	}
	if p.SearchString != nil {
		for n, l := range lines {
			if bytes.Contains(l, []byte(*p.SearchString)) {
				idx[0], found = n, true
				if p.FirstMatch {
					break
				}
			}
		}
	}
	if !found {
		for n, l := range lines {
			if bytes.Equal(bLine, trimEOL(l)) {
				idx[0], exact = n, true
			} else if insRE != nil && pySearch(insRE, l) != nil {
				if insAfter != "" {
					idx[1] = n + 1
				} else {
					idx[1] = n
				}
				if p.FirstMatch {
					break
				}
			}
		}
	}
	nl := []byte("\n")
	withNL := func(b []byte) []byte { return append(append([]byte{}, b...), '\n') }
	insert := func(at int, l []byte) {
		lines = append(lines[:at], append([][]byte{l}, lines[at:]...)...)
	}
	endsNL := func() bool {
		if len(lines) == 0 {
			return true
		}
		last := lines[len(lines)-1]
		c := last[len(last)-1]
		return c == '\n' || c == '\r'
	}
	switch {
	case idx[0] != -1:
		newLine := bLine
		if p.Backrefs && match != nil {
			var err error
			if newLine, err = pyExpand(p.Regexp, *p.Line, matchLine, match); err != nil {
				return nil, false, "", err
			}
		}
		if !bytes.HasSuffix(newLine, nl) {
			newLine = withNL(newLine)
		}
		if p.Regexp == nil && p.SearchString == nil && !found && !exact {
			// unreachable in Ansible's logic as well: idx[0] is only set by
			// a match or an exact line.
			return lines, false, "", nil
		}
		if !bytes.Equal(lines[idx[0]], newLine) {
			lines[idx[0]] = newLine
			return lines, true, "line replaced", nil
		}
		return lines, false, "", nil
	case p.Backrefs:
		return lines, false, "", nil
	case insBefore == "BOF" || insAfter == "BOF":
		insert(0, withNL(bLine))
		return lines, true, "line added", nil
	case insAfter == "EOF" || idx[1] == -1:
		if !endsNL() {
			lines = append(lines, nl)
		}
		lines = append(lines, withNL(bLine))
		return lines, true, "line added", nil
	case insAfter != "" && idx[1] != -1:
		if len(lines) == idx[1] {
			if !bytes.Equal(trimEOL(lines[idx[1]-1]), bLine) {
				lines = append(lines, withNL(bLine))
				return lines, true, "line added", nil
			}
			return lines, false, "", nil
		}
		if !bytes.Equal(bLine, trimEOL(lines[idx[1]])) {
			insert(idx[1], withNL(bLine))
			return lines, true, "line added", nil
		}
		return lines, false, "", nil
	default:
		insert(idx[1], withNL(bLine))
		return lines, true, "line added", nil
	}
}

// lineAbsent is Ansible's lineinfile absent(): it returns the kept lines
// and how many were removed.
func lineAbsent(lines [][]byte, p lineParams) ([][]byte, int) {
	var kept [][]byte
	found := 0
	for _, l := range lines {
		var hit bool
		switch {
		case p.Regexp != nil:
			hit = pySearch(p.Regexp, l) != nil
		case p.SearchString != nil:
			hit = bytes.Contains(l, []byte(*p.SearchString))
		default:
			hit = bytes.Equal([]byte(*p.Line), trimEOL(l))
		}
		if hit {
			found++
		} else {
			kept = append(kept, l)
		}
	}
	return kept, found
}

type lineinfile struct{}

func (lineinfile) Spec() modules.Spec {
	return modules.Spec{
		Params: append([]modules.Param{
			{Name: "path", Kind: modules.KindPath, Required: true, Aliases: []string{"dest", "destfile", "name"}},
			{Name: "state", Kind: modules.KindStr, Default: "present", Choices: []string{"absent", "present"}},
			{Name: "regexp", Kind: modules.KindStr, Aliases: []string{"regex"}},
			{Name: "search_string", Kind: modules.KindStr},
			{Name: "line", Kind: modules.KindStr, Aliases: []string{"value"}},
			{Name: "insertafter", Kind: modules.KindStr},
			{Name: "insertbefore", Kind: modules.KindStr},
			{Name: "backrefs", Kind: modules.KindBool, Default: false},
			{Name: "create", Kind: modules.KindBool, Default: false},
			{Name: "backup", Kind: modules.KindBool, Default: false},
			{Name: "firstmatch", Kind: modules.KindBool, Default: false},
			{Name: "validate", Kind: modules.KindStr},
		}, fileCommonParams()...),
		MutuallyExclusive: [][]string{{"insertbefore", "insertafter"}, {"regexp", "search_string"}, {"backrefs", "search_string"}},
	}
}

func optStr(a modules.Args, name string) *string {
	if s, ok := a[name].(string); ok {
		return &s
	}
	return nil
}

func (lineinfile) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	path := a.Str("path")
	p := lineParams{
		RegexpSrc: optStr(a, "regexp"), SearchString: optStr(a, "search_string"), Line: optStr(a, "line"),
		InsertAfter: a.Str("insertafter"), InsertBefore: a.Str("insertbefore"),
		Backrefs: a.Bool("backrefs"), FirstMatch: a.Bool("firstmatch"),
	}
	var err error
	if p.RegexpSrc != nil {
		if p.Regexp, err = pyRegexp(*p.RegexpSrc, ""); err != nil {
			return modules.Outcome{}, err
		}
	}
	if s := p.InsertAfter; s != "" && s != "EOF" && s != "BOF" {
		if p.InsAfterRE, err = pyRegexp(s, ""); err != nil {
			return modules.Outcome{}, err
		}
	}
	if s := p.InsertBefore; s != "" && s != "BOF" {
		if p.InsBeforeRE, err = pyRegexp(s, ""); err != nil {
			return modules.Outcome{}, err
		}
	}
	present := a.Str("state") != "absent"
	if present {
		if p.Backrefs && p.Regexp == nil {
			return modules.Outcome{}, fmt.Errorf("regexp is required with backrefs=true")
		}
		if p.Line == nil {
			return modules.Outcome{}, fmt.Errorf("line is required with state=present")
		}
	} else if p.Regexp == nil && p.SearchString == nil && p.Line == nil {
		return modules.Outcome{}, fmt.Errorf("one of line, search_string, or regexp is required with state=absent")
	}
	ed := &editor{t: t, path: path, attrs: attrsFrom(a), backup: a.Bool("backup"), validate: a.Str("validate"),
		validateMsg: lineValidateMsg}
	if err := ed.read(ctx); err != nil {
		return modules.Outcome{}, err
	}
	if !ed.cur.Exists {
		if !present {
			return modules.Outcome{Msg: "file not present", Fields: map[string]any{}}, nil
		}
		if !a.Bool("create") {
			return fail(map[string]any{"rc": 257}, "Destination %s does not exist !", path)
		}
	}
	lines := splitLines(ed.before)
	var msg string
	var changed bool
	fields := map[string]any{}
	if present {
		if lines, changed, msg, err = linePresent(lines, p); err != nil {
			return modules.Outcome{}, err
		}
	} else {
		var n int
		lines, n = lineAbsent(lines, p)
		changed = n > 0
		fields["found"] = n
		if changed {
			msg = fmt.Sprintf("%d line(s) removed", n)
		}
	}
	after := bytes.Join(lines, nil)
	return ed.finish(ctx, after, changed, msg, fields, "backup", true)
}

func lineValidateMsg(e *validateError) (string, map[string]any) {
	return fmt.Sprintf("failed to validate: rc:%d error:%s", e.RC, e.Stderr), nil
}
