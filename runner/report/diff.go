package report

import (
	"fmt"
	"strings"
)

// diffContext is the number of context lines (Ansible's DIFF_CONTEXT).
const diffContext = 3

// UnifiedDiff renders d as Ansible's default callback does (difflib's
// unified_diff with "before: X"/"after: X" headers). It returns "" when
// there is no difference.
func UnifiedDiff(d Diff) string {
	bh, ah := "before", "after"
	if d.BeforeHeader != "" {
		bh = "before: " + d.BeforeHeader
	}
	if d.AfterHeader != "" {
		ah = "after: " + d.AfterHeader
	}
	a, b := splitLines(d.Before), splitLines(d.After)
	ops := opcodes(a, b)
	groups := groupOpcodes(ops, diffContext)
	if len(groups) == 0 {
		return ""
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", bh, ah)
	for _, g := range groups {
		first, last := g[0], g[len(g)-1]
		fmt.Fprintf(&sb, "@@ -%s +%s @@\n", unifiedRange(first.i1, last.i2), unifiedRange(first.j1, last.j2))
		for _, op := range g {
			if op.tag == 'e' {
				for _, l := range a[op.i1:op.i2] {
					sb.WriteString(" " + l)
				}
				continue
			}
			if op.tag == 'r' || op.tag == 'd' {
				for _, l := range a[op.i1:op.i2] {
					sb.WriteString("-" + l)
				}
			}
			if op.tag == 'r' || op.tag == 'i' {
				for _, l := range b[op.j1:op.j2] {
					sb.WriteString("+" + l)
				}
			}
		}
	}
	sb.WriteString("\n")
	return sb.String()
}

// splitLines splits keeping line ends, marking a missing final newline the
// way Ansible does.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if last := lines[len(lines)-1]; !strings.HasSuffix(last, "\n") {
		lines[len(lines)-1] = last + "\n\\ No newline at end of file\n"
	}
	return lines
}

func unifiedRange(start, stop int) string {
	begin, length := start+1, stop-start
	if length == 1 {
		return fmt.Sprint(begin)
	}
	if length == 0 {
		begin--
	}
	return fmt.Sprintf("%d,%d", begin, length)
}

type opcode struct {
	tag            byte // e(qual) r(eplace) d(elete) i(nsert)
	i1, i2, j1, j2 int
}

// opcodes computes an edit script from the longest common subsequence.
func opcodes(a, b []string) []opcode {
	n, m := len(a), len(b)
	// Trim common prefix and suffix to keep the table small.
	pre := 0
	for pre < n && pre < m && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < n-pre && suf < m-pre && a[n-1-suf] == b[m-1-suf] {
		suf++
	}
	ca, cb := a[pre:n-suf], b[pre:m-suf]
	var matches [][2]int // pairs of equal indexes in ca, cb
	if len(ca)*len(cb) <= 4_000_000 {
		l := make([][]int32, len(ca)+1)
		for i := range l {
			l[i] = make([]int32, len(cb)+1)
		}
		for i := len(ca) - 1; i >= 0; i-- {
			for j := len(cb) - 1; j >= 0; j-- {
				if ca[i] == cb[j] {
					l[i][j] = l[i+1][j+1] + 1
				} else if l[i+1][j] >= l[i][j+1] {
					l[i][j] = l[i+1][j]
				} else {
					l[i][j] = l[i][j+1]
				}
			}
		}
		for i, j := 0, 0; i < len(ca) && j < len(cb); {
			switch {
			case ca[i] == cb[j]:
				matches = append(matches, [2]int{i, j})
				i++
				j++
			case l[i+1][j] >= l[i][j+1]:
				i++
			default:
				j++
			}
		}
	}
	var ops []opcode
	if pre > 0 {
		ops = append(ops, opcode{'e', 0, pre, 0, pre})
	}
	i, j := 0, 0
	flush := func(i2, j2 int) {
		switch {
		case i < i2 && j < j2:
			ops = append(ops, opcode{'r', pre + i, pre + i2, pre + j, pre + j2})
		case i < i2:
			ops = append(ops, opcode{'d', pre + i, pre + i2, pre + j, pre + j})
		case j < j2:
			ops = append(ops, opcode{'i', pre + i, pre + i, pre + j, pre + j2})
		}
	}
	for _, mt := range matches {
		flush(mt[0], mt[1])
		if n := len(ops); n > 0 && ops[n-1].tag == 'e' && ops[n-1].i2 == pre+mt[0] && ops[n-1].j2 == pre+mt[1] {
			ops[n-1].i2++
			ops[n-1].j2++
		} else {
			ops = append(ops, opcode{'e', pre + mt[0], pre + mt[0] + 1, pre + mt[1], pre + mt[1] + 1})
		}
		i, j = mt[0]+1, mt[1]+1
	}
	flush(len(ca), len(cb))
	if suf > 0 {
		if k := len(ops); k > 0 && ops[k-1].tag == 'e' {
			ops[k-1].i2 += suf
			ops[k-1].j2 += suf
		} else {
			ops = append(ops, opcode{'e', n - suf, n, m - suf, m})
		}
	}
	return ops
}

// groupOpcodes splits the edit script into hunks with n lines of context,
// as difflib's get_grouped_opcodes does.
func groupOpcodes(ops []opcode, n int) [][]opcode {
	if len(ops) == 0 || (len(ops) == 1 && ops[0].tag == 'e') {
		return nil
	}
	ops = append([]opcode(nil), ops...)
	if ops[0].tag == 'e' {
		o := &ops[0]
		o.i1, o.j1 = max(o.i1, o.i2-n), max(o.j1, o.j2-n)
	}
	if last := &ops[len(ops)-1]; last.tag == 'e' {
		last.i2, last.j2 = min(last.i2, last.i1+n), min(last.j2, last.j1+n)
	}
	var groups [][]opcode
	var g []opcode
	for _, o := range ops {
		if o.tag == 'e' && o.i2-o.i1 > 2*n {
			g = append(g, opcode{'e', o.i1, min(o.i2, o.i1+n), o.j1, min(o.j2, o.j1+n)})
			groups = append(groups, g)
			g = nil
			o.i1, o.j1 = max(o.i1, o.i2-n), max(o.j1, o.j2-n)
		}
		g = append(g, o)
	}
	if len(g) > 0 && !(len(g) == 1 && g[0].tag == 'e') {
		groups = append(groups, g)
	}
	return groups
}
