package playbook

import (
	"sort"
	"strings"

	"github.com/swarmbook/swarmbook/runner/yaml11"
)

// Error is a load or validation error at a position in a playbook, role or
// task file. It prints as Ansible prints one, with the offending line.
type Error struct {
	Pos Pos
	Msg string
	// SourceLine is the offending line, PrevLine the one before it.
	SourceLine string
	PrevLine   string
}

// Error renders "ERROR! msg", the position and the source excerpt.
func (e *Error) Error() string {
	return yaml11.Format(e.Msg, yaml11.Pos(e.Pos), e.PrevLine, e.SourceLine)
}

// Errors are several load errors, all reported.
type Errors []*Error

// Error renders every error, separated by blank lines.
func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n\n")
}

// fromYAML converts a yaml11 decoding error.
func fromYAML(err error) error {
	if ye, ok := err.(*yaml11.Error); ok {
		return &Error{Pos: Pos{File: ye.File, Line: ye.Line, Col: ye.Col}, Msg: ye.Msg, SourceLine: ye.SourceLine, PrevLine: ye.PrevLine}
	}
	return err
}

// suggest returns ` (did you mean 'x'?)`-style text for the candidate
// closest to word, or "" when none is close.
func suggest(word string, candidates []string) string {
	best, bestD := "", len(word)/3+1
	if bestD > 3 {
		bestD = 3
	}
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	for _, c := range sorted {
		if d := editDistance(word, c); d < bestD || (d == bestD && best == "" && d <= 2) {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return " (did you mean '" + best + "'?)"
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
