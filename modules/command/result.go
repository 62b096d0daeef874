package command

import (
	"fmt"
	"strings"
	"time"
)

// pyTime formats t as Python's str(datetime): 2006-01-02 15:04:05.000000,
// without the fraction when it is zero.
func pyTime(t time.Time) string {
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04:05.000000")
}

// pyDelta formats d as Python's str(timedelta): H:MM:SS[.ffffff], with
// "N day(s), " in front for longer durations.
func pyDelta(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	us := d.Microseconds()
	days := us / (86400 * 1e6)
	us -= days * 86400 * 1e6
	h := us / 3600e6
	us -= h * 3600e6
	m := us / 60e6
	us -= m * 60e6
	s := us / 1e6
	us -= s * 1e6
	out := fmt.Sprintf("%d:%02d:%02d", h, m, s)
	if us != 0 {
		out += fmt.Sprintf(".%06d", us)
	}
	switch {
	case days == 1:
		out = "1 day, " + out
	case days > 1:
		out = fmt.Sprintf("%d days, %s", days, out)
	}
	return out
}

// splitLines splits s as Python's str.splitlines() does.
func splitLines(s string) []any {
	lines := []any{}
	start := 0
	rs := []rune(s)
	var cur []rune
	_ = start
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch c {
		case '\r':
			if i+1 < len(rs) && rs[i+1] == '\n' {
				i++
			}
			fallthrough
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			lines = append(lines, string(cur))
			cur = cur[:0]
		default:
			cur = append(cur, c)
		}
	}
	if len(cur) > 0 {
		lines = append(lines, string(cur))
	}
	return lines
}

// text decodes command output as Python's to_text(errors='surrogate_or_replace') would show it.
func text(b []byte) string {
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// pyBytesRepr renders s as Python's repr of a bytes value (b'...').
func pyBytesRepr(s string) string {
	q := "'"
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		q = `"`
	}
	var b strings.Builder
	b.WriteString("b" + q)
	for _, c := range []byte(s) {
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case string(c) == q:
			b.WriteString(`\` + q)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteString(q)
	return b.String()
}
