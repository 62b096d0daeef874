package windows

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/pyfmt"
)

// regDiffValue is win_regedit's Get-DiffValue for a value rendered as
// regQueryScript/regWant text: {type: RegistryValueKind name, value: ...}
// with binary as "0x.." bytes and DWORD/QWORD as zero-padded hex.
func regDiffValue(typ, text string) map[string]any {
	v := map[string]any{"type": regTypes[typ], "value": text}
	switch typ {
	case "binary", "none":
		bytes := []any{}
		if text != "" {
			for _, b := range strings.Split(text, ",") {
				bytes = append(bytes, "0x"+strings.ToLower(b))
			}
		}
		v["value"] = bytes
	case "multistring":
		lines := []any{}
		if text != "" {
			for _, l := range strings.Split(text, "\n") {
				lines = append(lines, l)
			}
		}
		v["value"] = lines
	case "dword":
		// GetValue returns a DWORD as a signed Int32.
		n, _ := strconv.ParseInt(text, 10, 64)
		v["value"] = fmt.Sprintf("0x%08x", uint32(n))
	case "qword":
		n, err := strconv.ParseInt(text, 10, 64)
		u := uint64(n)
		if err != nil {
			u, _ = strconv.ParseUint(text, 10, 64)
		}
		v["value"] = fmt.Sprintf("0x%016x", u)
	}
	return v
}

// regDiff builds win_regedit's diff: dicts keyed by the path as given,
// then the value name, rendered as Ansible's callback renders a dict diff
// (json.dumps with sort_keys, indent 4, ASCII only). In check mode a value
// under a key that does not exist yet is not shown, as win_regedit
// returns before creating the key.
func regDiff(path, name, action string, st regState, typ, want string, check bool) modules.Diff {
	entry := func(t, text string) map[string]any {
		return map[string]any{name: regDiffValue(t, text)}
	}
	var before, after map[string]any
	switch action {
	case "create-key":
		before, after = map[string]any{}, map[string]any{path: map[string]any{}}
	case "remove-key":
		before, after = map[string]any{path: map[string]any{}}, map[string]any{}
	case "remove-value":
		before, after = map[string]any{path: entry(st.Type, st.Data)}, map[string]any{path: map[string]any{}}
	case "set":
		switch {
		case !st.KeyExists && check:
			before, after = map[string]any{}, map[string]any{path: map[string]any{}}
		case !st.KeyExists:
			before, after = map[string]any{}, map[string]any{path: entry(typ, want)}
		case !st.ValueExists:
			before, after = map[string]any{path: map[string]any{}}, map[string]any{path: entry(typ, want)}
		default:
			before, after = map[string]any{path: entry(st.Type, st.Data)}, map[string]any{path: entry(typ, want)}
		}
	}
	return modules.Diff{Before: pyJSON(before), After: pyJSON(after)}
}

// pyJSON is Python's json.dumps(v, sort_keys=True, indent=4,
// separators=(',', ': ')) + "\n" with its default ensure_ascii.
func pyJSON(v any) string {
	s := pyfmt.JSON(v, 4)
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 {
			b.WriteRune(r)
			continue
		}
		for _, u := range utf16.Encode([]rune{r}) {
			fmt.Fprintf(&b, `\u%04x`, u)
		}
	}
	return b.String() + "\n"
}
