package template

import (
	"fmt"
	"strings"
)

// fTruncate is Jinja2 3.x's truncate filter: s cut to length characters
// (end included) at a word boundary unless killwords, left alone when it
// exceeds length by at most leeway (the environment's default is 5).
// Like Jinja it measures the value itself: a list short enough comes back
// unchanged, a longer one fails on the string operations.
func fTruncate(_ *run, v any, args []any, kw map[string]any) (any, error) {
	if err := checkDefined(v); err != nil {
		return nil, err
	}
	length, ok := toInt(arg(args, kw, 0, "length", 255))
	if !ok {
		return nil, fmt.Errorf("truncate: length must be an integer")
	}
	killwords := argBool(args, kw, 1, "killwords", false)
	end := argStr(args, kw, 2, "end", "...")
	leeway, ok := toInt(arg(args, kw, 3, "leeway", 5))
	if !ok {
		return nil, fmt.Errorf("truncate: leeway must be an integer")
	}
	var r []rune
	switch x := normalize(v).(type) {
	case string:
		r = []rune(x)
	case []any:
		if len(x) <= length+leeway {
			return v, nil
		}
		if killwords {
			return nil, fmt.Errorf(`can only concatenate list (not "str") to list`)
		}
		return nil, fmt.Errorf("'list' object has no attribute 'rsplit'")
	default:
		return nil, fmt.Errorf("object of type '%s' has no len()", pyTypeName(v))
	}
	e := []rune(end)
	if length < len(e) {
		return nil, fmt.Errorf("expected length >= %d, got %d", len(e), length)
	}
	if leeway < 0 {
		return nil, fmt.Errorf("expected leeway >= 0, got %d", leeway)
	}
	if len(r) <= length+leeway {
		return string(r), nil
	}
	head := string(r[:length-len(e)])
	if !killwords {
		if i := strings.LastIndex(head, " "); i >= 0 {
			head = head[:i]
		}
	}
	return head + end, nil
}
