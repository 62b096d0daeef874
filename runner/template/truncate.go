package template

import (
	"fmt"
	"strings"
)

// fTruncate is Jinja2 3.x's truncate filter: s cut to length characters
// (end included) at a word boundary unless killwords, left alone when it
// exceeds length by at most leeway (the environment's default is 5).
func fTruncate(_ *run, v any, args []any, kw map[string]any) (any, error) {
	s, ok := normalize(v).(string)
	if !ok {
		if err := checkDefined(v); err != nil {
			return nil, err
		}
		// Jinja calls len() on the value itself
		if _, isList := normalize(v).([]any); !isList {
			return nil, fmt.Errorf("object of type '%s' has no len()", pyTypeName(v))
		}
		s = pyStr(v)
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
	r, e := []rune(s), []rune(end)
	if length < len(e) {
		return nil, fmt.Errorf("expected length >= %d, got %d", len(e), length)
	}
	if leeway < 0 {
		return nil, fmt.Errorf("expected leeway >= 0, got %d", leeway)
	}
	if len(r) <= length+leeway {
		return s, nil
	}
	head := string(r[:length-len(e)])
	if !killwords {
		if i := strings.LastIndex(head, " "); i >= 0 {
			head = head[:i]
		}
	}
	return head + end, nil
}
