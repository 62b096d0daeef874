package files

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
)

// splitLinesKeep is Python's bytes.splitlines(True): lines end at \n, \r or
// \r\n and keep their ending.
func splitLinesKeep(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 {
			out = append(out, b)
			break
		}
		end := i + 1
		if b[i] == '\r' && end < len(b) && b[end] == '\n' {
			end++
		}
		out = append(out, b[:end])
		b = b[end:]
	}
	return out
}

// blockParams shape a blockinfile edit.
type blockParams struct {
	Present                   bool
	Block                     string
	Marker                    string
	MarkerBegin, MarkerEnd    string
	InsertAfter, InsertBefore string // "" when not given
	InsertRE                  *regexp.Regexp
	InsertMultiline           bool // the pattern sets (?m): searched on the whole text
}

// blockEdit is Ansible's blockinfile algorithm; original is nil when the
// file does not exist. It returns the new content and the message.
func blockEdit(original []byte, p blockParams) ([]byte, string) {
	lines := splitLinesKeep(original)
	marker0 := []byte(strings.ReplaceAll(p.Marker, "{mark}", p.MarkerBegin) + "\n")
	marker1 := []byte(strings.ReplaceAll(p.Marker, "{mark}", p.MarkerEnd) + "\n")
	var blockLines [][]byte
	if p.Present && p.Block != "" {
		block := []byte(p.Block)
		if !bytes.HasSuffix(block, []byte("\n")) {
			block = append(block, '\n')
		}
		blockLines = append([][]byte{marker0}, splitLinesKeep(block)...)
		blockLines = append(blockLines, marker1)
	}
	insAfter, insBefore := p.InsertAfter, p.InsertBefore
	if insAfter == "" && insBefore == "" {
		insAfter = "EOF"
	}
	n0, n1 := -1, -1
	for i, l := range lines {
		if bytes.Equal(l, marker0) {
			n0 = i
		}
		if bytes.Equal(l, marker1) {
			n1 = i
		}
	}
	switch {
	case n0 == -1 || n1 == -1:
		n0 = -1
		if p.InsertRE != nil {
			if p.InsertMultiline {
				if m := p.InsertRE.FindIndex(original); m != nil {
					if insAfter != "" {
						n0 = bytes.Count(original[:m[1]], []byte("\n"))
					} else {
						n0 = bytes.Count(original[:m[0]], []byte("\n"))
					}
				}
			} else {
				for i, l := range lines {
					if pySearch(p.InsertRE, l) != nil {
						n0 = i
					}
				}
			}
			if n0 == -1 {
				n0 = len(lines)
			} else if insAfter != "" {
				n0++
			}
		} else if insBefore != "" {
			n0 = 0
		} else {
			n0 = len(lines)
		}
	case n0 < n1:
		lines = append(lines[:n0], lines[n1+1:]...)
	default:
		lines = append(lines[:n1], lines[n0+1:]...)
		n0 = n1
	}
	if n0 > 0 && !bytes.HasSuffix(lines[n0-1], []byte("\n")) {
		lines[n0-1] = append(append([]byte{}, lines[n0-1]...), '\n')
	}
	lines = append(lines[:n0], append(blockLines, lines[n0:]...)...)
	result := bytes.Join(lines, nil)
	if result == nil {
		result = []byte{}
	}
	switch {
	case original != nil && bytes.Equal(original, result):
		return result, ""
	case original == nil:
		return result, "File created"
	case len(blockLines) == 0:
		return result, "Block removed"
	}
	return result, "Block inserted"
}

type blockinfile struct{}

func (blockinfile) Spec() modules.Spec {
	return modules.Spec{
		Params: append([]modules.Param{
			{Name: "path", Kind: modules.KindPath, Required: true, Aliases: []string{"dest", "destfile", "name"}},
			{Name: "state", Kind: modules.KindStr, Default: "present", Choices: []string{"absent", "present"}},
			{Name: "marker", Kind: modules.KindStr, Default: "# {mark} ANSIBLE MANAGED BLOCK"},
			{Name: "block", Kind: modules.KindStr, Default: "", Aliases: []string{"content"}},
			{Name: "insertafter", Kind: modules.KindStr},
			{Name: "insertbefore", Kind: modules.KindStr},
			{Name: "create", Kind: modules.KindBool, Default: false},
			{Name: "backup", Kind: modules.KindBool, Default: false},
			{Name: "validate", Kind: modules.KindStr},
			{Name: "marker_begin", Kind: modules.KindStr, Default: "BEGIN"},
			{Name: "marker_end", Kind: modules.KindStr, Default: "END"},
		}, fileCommonParams()...),
		MutuallyExclusive: [][]string{{"insertbefore", "insertafter"}},
	}
}

func strOr(a modules.Args, name, def string) string {
	if s, ok := a[name].(string); ok {
		return s
	}
	return def
}

func (blockinfile) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	path := a.Str("path")
	p := blockParams{
		Present: a.Str("state") != "absent", Block: a.Str("block"),
		Marker:      strOr(a, "marker", "# {mark} ANSIBLE MANAGED BLOCK"),
		MarkerBegin: strOr(a, "marker_begin", "BEGIN"), MarkerEnd: strOr(a, "marker_end", "END"),
		InsertAfter: a.Str("insertafter"), InsertBefore: a.Str("insertbefore"),
	}
	pat := ""
	if p.InsertAfter != "" && p.InsertAfter != "EOF" {
		pat = p.InsertAfter
	} else if p.InsertBefore != "" && p.InsertBefore != "BOF" {
		pat = p.InsertBefore
	}
	if pat != "" {
		re, err := pyRegexp(pat, "")
		if err != nil {
			return modules.Outcome{}, err
		}
		p.InsertRE = re
		p.InsertMultiline = strings.HasPrefix(pat, "(?") && strings.Contains(strings.SplitN(pat[2:], ")", 2)[0], "m")
	}
	ed := &editor{t: t, path: path, attrs: attrsFrom(a), backup: a.Bool("backup"), validate: a.Str("validate"),
		validateMsg: lineValidateMsg}
	if err := ed.read(ctx); err != nil {
		return modules.Outcome{}, err
	}
	var original []byte
	if ed.cur.Exists {
		original = ed.before
	} else {
		if !a.Bool("create") {
			return fail(map[string]any{"rc": 257}, "Path %s does not exist !", path)
		}
		if !p.Present {
			return modules.Outcome{Msg: fmt.Sprintf("File %s not present", path), Fields: map[string]any{}}, nil
		}
	}
	result, msg := blockEdit(original, p)
	return ed.finish(ctx, result, msg != "", msg, map[string]any{}, "backup_file", false)
}
