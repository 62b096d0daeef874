package files

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Permission bit groups as in Python's stat module.
const (
	permBits  = 0o7777
	sIRWXU    = 0o700
	sIRWXG    = 0o070
	sIRWXO    = 0o007
	sISUID    = 0o4000
	sISGID    = 0o2000
	sISVTX    = 0o1000
	execBits  = 0o111
	defPerm   = 0o666
	defDirPer = 0o777
)

// modeArg turns a task's mode argument into a string: YAML 0644 arrives as
// the int 420 and means that octal value, as in Ansible.
func modeArg(v any) (string, bool) {
	switch m := v.(type) {
	case nil:
		return "", false
	case int:
		return fmt.Sprintf("0%o", m), true
	case int64:
		return fmt.Sprintf("0%o", m), true
	case float64:
		return fmt.Sprintf("0%o", int(m)), true
	case string:
		if m == "" {
			return "", false
		}
		return m, true
	default:
		return fmt.Sprint(m), true
	}
}

var (
	octalRE   = regexp.MustCompile(`^[0-7]+$`)
	modeOpRE  = regexp.MustCompile(`[+=-]`)
	usersOKRE = regexp.MustCompile(`^[ugoa]*$`)
	permsOKRE = regexp.MustCompile(`^[rwxXstugo]*$`)
)

// targetMode computes the permission bits that mode (octal or symbolic as
// chmod(1)) gives a file whose current bits are cur, as Ansible does.
func targetMode(mode string, cur uint32, isDir bool, umask uint32) (uint32, error) {
	if octalRE.MatchString(mode) {
		v, err := strconv.ParseUint(mode, 8, 32)
		if err != nil || v > permBits {
			return 0, fmt.Errorf("mode must be in octal or symbolic form")
		}
		return uint32(v), nil
	}
	newMode := cur & permBits
	for _, part := range strings.Split(mode, ",") {
		perms := modeOpRE.Split(part, -1)
		ops := modeOpRE.FindAllString(part, -1)
		if len(ops) == 0 {
			return 0, fmt.Errorf("bad symbolic permission for mode: %s", part)
		}
		users := perms[0]
		perms = perms[1:]
		useUmask := users == ""
		if users == "a" || users == "" {
			users = "ugo"
		}
		if !usersOKRE.MatchString(users) {
			return 0, fmt.Errorf("bad symbolic permission for mode: %s", part)
		}
		for i, p := range perms {
			if !permsOKRE.MatchString(p) {
				return 0, fmt.Errorf("bad symbolic permission for mode: %s", part)
			}
			for _, u := range users {
				bits := symbolicBits(newMode, isDir, umask, u, p, useUmask)
				newMode = applyModeOp(u, ops[i], bits, newMode)
			}
		}
	}
	return newMode, nil
}

func applyModeOp(user rune, op string, bits, cur uint32) uint32 {
	switch op {
	case "=":
		var mask uint32
		switch user {
		case 'u':
			mask = sIRWXU | sISUID
		case 'g':
			mask = sIRWXG | sISGID
		case 'o':
			mask = sIRWXO | sISVTX
		}
		return (cur & (mask ^ permBits)) | bits
	case "+":
		return cur | bits
	default:
		return cur &^ bits
	}
}

// symbolicBits mirrors Ansible's _get_octal_mode_from_symbolic_perms; prev
// is the mode as modified so far (Ansible re-reads the original stat, which
// only matters for the rare u/g/o copy forms).
func symbolicBits(prev uint32, isDir bool, umask uint32, user rune, perms string, useUmask bool) uint32 {
	rev := umask ^ permBits
	applyX := isDir || prev&execBits > 0
	shift := map[rune]uint{'u': 6, 'g': 3, 'o': 0}[user]
	var out uint32
	for _, p := range perms {
		var b uint32
		switch p {
		case 'r', 'w', 'x':
			b = map[rune]uint32{'r': 4, 'w': 2, 'x': 1}[p] << shift
			if useUmask {
				b &= rev
			}
		case 'X':
			if applyX {
				b = 1 << shift
			}
		case 's':
			b = map[rune]uint32{'u': sISUID, 'g': sISGID}[user]
		case 't':
			if user == 'o' {
				b = sISVTX
			}
		case 'u':
			b = ((prev & sIRWXU) >> 6) << shift
		case 'g':
			b = ((prev & sIRWXG) >> 3) << shift
		case 'o':
			b = (prev & sIRWXO) << shift
		}
		out |= b
	}
	return out
}

// fmtMode formats permission bits as Ansible does ('0%03o').
func fmtMode(m uint32) string { return fmt.Sprintf("0%03o", m&permBits) }
