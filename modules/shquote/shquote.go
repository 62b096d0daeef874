// Package shquote quotes values for POSIX sh and PowerShell scripts.
package shquote

import "strings"

// POSIX quotes s as one word for POSIX sh: single quotes, with embedded
// single quotes closed, escaped and reopened. The empty string becomes ”.
func POSIX(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune("@%_-+=:,./", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// PowerShell quotes s as a single-quoted PowerShell string literal, in which
// only the single quote (and its typographic variants) needs doubling.
func PowerShell(s string) string {
	r := strings.NewReplacer("'", "''", "\u2018", "\u2018\u2018", "\u2019", "\u2019\u2019",
		"\u201a", "\u201a\u201a", "\u201b", "\u201b\u201b")
	return "'" + r.Replace(s) + "'"
}
