package yaml11

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/swarmbook/swarmbook/runner/pyfmt"
)

// PyYAML's implicit resolvers (yaml/resolver.py), applied to plain scalars.
// Ansible loads YAML with them unchanged.
var (
	reBool  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	reFloat = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?` +
		`|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?` +
		`|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*` +
		`|[-+]?\.(?:inf|Inf|INF)` +
		`|\.(?:nan|NaN|NAN))$`)
	reInt = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+` +
		`|[-+]?0[0-7_]+` +
		`|[-+]?(?:0|[1-9][0-9_]*)` +
		`|[-+]?0x[0-9a-fA-F_]+` +
		`|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	reNull = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
)

// Resolve returns the value PyYAML gives the plain (unquoted) scalar s:
// nil, bool, int, float64 or s itself. Timestamps stay strings.
func Resolve(s string) any {
	if s == "" {
		return nil
	}
	// PyYAML picks resolvers by the first character, in the order they
	// were added: bool, float, int, null (timestamp: kept as a string).
	switch c := s[0]; {
	case strings.IndexByte("yYnNtTfFoO", c) >= 0:
		if reBool.MatchString(s) {
			switch strings.ToLower(s) {
			case "yes", "true", "on":
				return true
			}
			return false
		}
	}
	if strings.IndexByte("-+0123456789.", s[0]) >= 0 && reFloat.MatchString(s) {
		if f, ok := constructFloat(s); ok {
			return f
		}
		return s
	}
	if strings.IndexByte("-+0123456789", s[0]) >= 0 && reInt.MatchString(s) {
		if i, ok := constructInt(s); ok {
			return i
		}
		return s
	}
	if strings.IndexByte("~nN", s[0]) >= 0 && reNull.MatchString(s) {
		return nil
	}
	return s
}

// constructInt is SafeConstructor.construct_yaml_int.
func constructInt(s string) (int, bool) {
	v := strings.ReplaceAll(s, "_", "")
	sign := 1
	if v != "" && v[0] == '-' {
		sign = -1
	}
	if v != "" && (v[0] == '-' || v[0] == '+') {
		v = v[1:]
	}
	var n int64
	var err error
	switch {
	case v == "0":
		return 0, true
	case strings.HasPrefix(v, "0b"):
		n, err = strconv.ParseInt(v[2:], 2, 64)
	case strings.HasPrefix(v, "0x"):
		n, err = strconv.ParseInt(v[2:], 16, 64)
	case v != "" && v[0] == '0':
		n, err = strconv.ParseInt(v, 8, 64)
	case strings.Contains(v, ":"):
		parts := strings.Split(v, ":")
		base := int64(1)
		for i := len(parts) - 1; i >= 0; i-- {
			d, e := strconv.ParseInt(parts[i], 10, 64)
			if e != nil {
				return 0, false
			}
			n += d * base
			base *= 60
		}
	default:
		n, err = strconv.ParseInt(v, 10, 64)
	}
	if err != nil || n > math.MaxInt || n < math.MinInt {
		return 0, false
	}
	return sign * int(n), true
}

// constructFloat is SafeConstructor.construct_yaml_float.
func constructFloat(s string) (float64, bool) {
	v := strings.ToLower(strings.ReplaceAll(s, "_", ""))
	sign := 1.0
	if v[0] == '-' {
		sign = -1
	}
	if v[0] == '-' || v[0] == '+' {
		v = v[1:]
	}
	switch {
	case v == ".inf":
		return sign * math.Inf(1), true
	case v == ".nan":
		return math.NaN(), true
	case strings.Contains(v, ":"):
		parts := strings.Split(v, ":")
		base, f := 1.0, 0.0
		for i := len(parts) - 1; i >= 0; i-- {
			d, err := strconv.ParseFloat(parts[i], 64)
			if err != nil {
				return 0, false
			}
			f += d * base
			base *= 60
		}
		return sign * f, true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, false
	}
	return sign * f, true
}

// pyStr renders v as Python's str() would.
func pyStr(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "None"
	}
	return pyRepr(v)
}

// pyRepr renders v as Python's repr() would.
func pyRepr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int:
		return strconv.Itoa(x)
	case float64:
		return PyFloat(x)
	case string:
		return "'" + strings.ReplaceAll(strings.ReplaceAll(x, `\`, `\\`), "'", `\'`) + "'"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		parts := make([]string, 0, len(x))
		for k, e := range x {
			parts = append(parts, pyRepr(k)+": "+pyRepr(e))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return ""
}

// PyFloat formats f as Python's repr(float) does.
func PyFloat(f float64) string { return pyfmt.Float(f) }
