package inventory

import "fmt"

// ParseError is an error in an inventory source, at a line of a file.
type ParseError struct {
	File string // the source file
	Line int    // 1-based line, 0 when unknown
	Text string // the offending source line, when known
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
