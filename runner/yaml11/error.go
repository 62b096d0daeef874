package yaml11

import (
	"bytes"
	"fmt"
	"strings"
)

// Error is a YAML error at a position, printed as Ansible prints one: the
// message, the file/line/column and the offending line with a caret.
type Error struct {
	File string
	Line int
	Col  int
	Msg  string
	// SourceLine is the offending line; PrevLine the line before it.
	SourceLine string
	PrevLine   string
}

// Error renders the error with its source excerpt.
func (e *Error) Error() string {
	return Format(e.Msg, Pos{File: e.File, Line: e.Line, Col: e.Col}, e.PrevLine, e.SourceLine)
}

// NewError builds an *Error at pos, taking the source lines from src.
func NewError(src []byte, pos Pos, msg string) *Error {
	prev, cur := SourceLines(src, pos.Line)
	return &Error{File: pos.File, Line: pos.Line, Col: pos.Col, Msg: msg, SourceLine: cur, PrevLine: prev}
}

// SourceLines returns line number line (1-based) of src and the line before
// it, without line terminators.
func SourceLines(src []byte, line int) (prev, cur string) {
	if line <= 0 {
		return "", ""
	}
	n := 1
	for len(src) > 0 && n <= line {
		l := src
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			l, src = src[:i], src[i+1:]
		} else {
			src = nil
		}
		s := strings.TrimRight(string(l), "\r")
		if n == line-1 {
			prev = s
		}
		if n == line {
			cur = s
		}
		n++
	}
	return prev, cur
}

// Format renders "ERROR! msg", the position and the source excerpt:
//
//	ERROR! 'bogus' is not a valid attribute for a Task
//	The error appears to be in '/path/play.yml': line 7, column 7
//	   6 |   - name: x
//	   7 |     bogus: 1
//	     |     ^ here
func Format(msg string, pos Pos, prevLine, srcLine string) string {
	var b strings.Builder
	b.WriteString("ERROR! ")
	b.WriteString(msg)
	if pos.File == "" && pos.Line == 0 {
		return b.String()
	}
	if pos.Line == 0 {
		fmt.Fprintf(&b, "\nThe error appears to be in '%s'", pos.File)
		return b.String()
	}
	fmt.Fprintf(&b, "\nThe error appears to be in '%s': line %d, column %d", pos.File, pos.Line, pos.Col)
	if strings.TrimSpace(srcLine) == "" && strings.TrimSpace(prevLine) == "" {
		return b.String()
	}
	w := len(fmt.Sprint(pos.Line))
	if w < 4 {
		w = 4
	}
	if pos.Line > 1 && strings.TrimSpace(prevLine) != "" {
		fmt.Fprintf(&b, "\n%*d | %s", w, pos.Line-1, prevLine)
	}
	fmt.Fprintf(&b, "\n%*d | %s", w, pos.Line, srcLine)
	// Keep tabs so the caret lines up under the offending column.
	var pad strings.Builder
	for i, r := range []rune(srcLine) {
		if i >= pos.Col-1 {
			break
		}
		if r == '\t' {
			pad.WriteRune('\t')
		} else {
			pad.WriteByte(' ')
		}
	}
	fmt.Fprintf(&b, "\n%*s | %s^ here", w, "", pad.String())
	return b.String()
}
