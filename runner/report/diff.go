package report

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
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

// splitLines splits keeping line ends as Python's str.splitlines(True)
// does (\n, \r\n, \r and the other Unicode line boundaries), marking a
// missing final newline the way Ansible does.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	var lines []string
	start := 0 // where the current line begins
	for pos, r := range s {
		if pos < start {
			continue // the \n of a \r\n
		}
		end := -1
		switch r {
		case '\r':
			end = pos + 1
			if strings.HasPrefix(s[end:], "\n") {
				end++
			}
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			end = pos + utf8.RuneLen(r)
		}
		if end >= 0 {
			lines = append(lines, s[start:end])
			start = end
		}
	}
	if start < len(s) {
		lines = append(lines, s[start:])
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

// opcodes computes the edit script of difflib's SequenceMatcher (with its
// autojunk heuristic and no junk function), so hunks match Ansible's.
func opcodes(a, b []string) []opcode {
	// b2j: positions of each line of b; popular lines are left out for
	// long inputs, as difflib's autojunk does.
	b2j := map[string][]int{}
	for j, line := range b {
		b2j[line] = append(b2j[line], j)
	}
	if n := len(b); n >= 200 {
		limit := n/100 + 1
		for line, js := range b2j {
			if len(js) > limit {
				delete(b2j, line)
			}
		}
	}
	longest := func(alo, ahi, blo, bhi int) (int, int, int) {
		besti, bestj, bestsize := alo, blo, 0
		j2len := map[int]int{}
		for i := alo; i < ahi; i++ {
			next := map[int]int{}
			for _, j := range b2j[a[i]] {
				if j < blo {
					continue
				}
				if j >= bhi {
					break
				}
				k := j2len[j-1] + 1
				next[j] = k
				if k > bestsize {
					besti, bestj, bestsize = i-k+1, j-k+1, k
				}
			}
			j2len = next
		}
		for besti > alo && bestj > blo && a[besti-1] == b[bestj-1] {
			besti, bestj, bestsize = besti-1, bestj-1, bestsize+1
		}
		for besti+bestsize < ahi && bestj+bestsize < bhi && a[besti+bestsize] == b[bestj+bestsize] {
			bestsize++
		}
		return besti, bestj, bestsize
	}
	type block struct{ i, j, n int }
	var blocks []block
	queue := [][4]int{{0, len(a), 0, len(b)}}
	for len(queue) > 0 {
		q := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		alo, ahi, blo, bhi := q[0], q[1], q[2], q[3]
		i, j, k := longest(alo, ahi, blo, bhi)
		if k == 0 {
			continue
		}
		blocks = append(blocks, block{i, j, k})
		if alo < i && blo < j {
			queue = append(queue, [4]int{alo, i, blo, j})
		}
		if i+k < ahi && j+k < bhi {
			queue = append(queue, [4]int{i + k, ahi, j + k, bhi})
		}
	}
	sort.Slice(blocks, func(x, y int) bool {
		if blocks[x].i != blocks[y].i {
			return blocks[x].i < blocks[y].i
		}
		return blocks[x].j < blocks[y].j
	})
	// Collapse adjacent blocks and add the sentinel.
	var merged []block
	for _, bl := range blocks {
		if n := len(merged); n > 0 && merged[n-1].i+merged[n-1].n == bl.i && merged[n-1].j+merged[n-1].n == bl.j {
			merged[n-1].n += bl.n
			continue
		}
		merged = append(merged, bl)
	}
	merged = append(merged, block{len(a), len(b), 0})
	var ops []opcode
	i, j := 0, 0
	for _, bl := range merged {
		switch {
		case i < bl.i && j < bl.j:
			ops = append(ops, opcode{'r', i, bl.i, j, bl.j})
		case i < bl.i:
			ops = append(ops, opcode{'d', i, bl.i, j, bl.j})
		case j < bl.j:
			ops = append(ops, opcode{'i', i, bl.i, j, bl.j})
		}
		i, j = bl.i+bl.n, bl.j+bl.n
		if bl.n > 0 {
			ops = append(ops, opcode{'e', bl.i, i, bl.j, j})
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
