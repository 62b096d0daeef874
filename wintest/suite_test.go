package wintest

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// bigFileSize is the size of the win_copy payload: 5 MB.
const bigFileSize = 5 << 20

// longScriptSize is the least length in characters of the win_shell script.
const longScriptSize = 20000

// suite is one run's work directory: the inventory, the extra variables
// (vars.json: scratch directory, registry key, service name, firewall
// port, the long script and the 5 MB file with their digests).
type suite struct {
	dir  string
	tg   target
	vars map[string]any
}

// newSuite writes the inventory and the variables of one run against tg
// into a new temporary directory. getenv supplies SWARMBOOK_WIN_URL and
// SWARMBOOK_WIN_DOCKER.
func newSuite(t *testing.T, tg target, getenv func(string) string) *suite {
	t.Helper()
	s := &suite{dir: t.TempDir(), tg: tg}
	id := randomID(t)
	big := filepath.Join(s.dir, "big.bin")
	sum1, sum256 := writeBigFile(t, big, id)
	script, scriptSum := longScript(longScriptSize)
	s.vars = map[string]any{
		"scratch":     `C:\swarmbook-test-` + id,
		"reg_key":     `HKCU:\Software\SwarmbookTest\` + id,
		"svc_name":    "swarmbooktest" + id,
		"fw_port":     45000 + mrand.IntN(1000),
		"win_url":     getenv("SWARMBOOK_WIN_URL"),
		"win_docker":  getenv("SWARMBOOK_WIN_DOCKER") == "1",
		"long_script": script,
		"long_sha256": scriptSum,
		"big_src":     big,
		"big_sha1":    sum1,
		"big_sha256":  sum256,
	}
	inv, err := tg.inventory()
	if err != nil {
		t.Fatal(err)
	}
	vars, err := json.MarshalIndent(s.vars, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"inventory.yml": inv, "vars.json": vars} {
		if err := os.WriteFile(filepath.Join(s.dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// randomID is 8 random hex digits, naming this run's objects on the host.
func randomID(t *testing.T) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// writeBigFile writes bigFileSize pseudo-random bytes (seeded by seed) to
// path and returns their SHA-1 and SHA-256 in hex.
func writeBigFile(t *testing.T, path, seed string) (string, string) {
	t.Helper()
	var key [32]byte
	copy(key[:], seed)
	data := make([]byte, bigFileSize)
	_, _ = mrand.NewChaCha8(key).Read(data)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s1, s256 := sha1.Sum(data), sha256.Sum256(data)
	return hex.EncodeToString(s1[:]), hex.EncodeToString(s256[:])
}

// longPiece is one line's literal: characters cmd.exe, PowerShell and
// YAML treat specially (no Jinja2 delimiters, which Ansible would template).
const longPiece = `abc "dq" $notavar ` + "`" + `tick% ^caret& <lt> |pipe ;semi #hash é✓ 'sq' \back/slash`

// longScript returns a PowerShell script of at least size characters
// that appends a numbered copy of longPiece per line to $s and prints
// the SHA-256 (lower-case hex) of $s's UTF-8 bytes, and that digest.
// Every line contributes to the digest, so a truncated or altered script
// prints another one.
func longScript(size int) (string, string) {
	var b, want strings.Builder
	b.WriteString("$s = ''\n")
	for i, n := 0, 0; n < size; i++ {
		piece := fmt.Sprintf("%05d %s\n", i, longPiece)
		want.WriteString(piece)
		line := fmt.Sprintf("$s += '%s' + \"`n\"\n", strings.ReplaceAll(strings.TrimSuffix(piece, "\n"), "'", "''"))
		b.WriteString(line)
		n += utf8.RuneCountInString(line)
	}
	b.WriteString("$sha = [System.Security.Cryptography.SHA256]::Create()\n")
	b.WriteString("$h = $sha.ComputeHash([System.Text.Encoding]::UTF8.GetBytes($s))\n")
	b.WriteString("Write-Output ([System.BitConverter]::ToString($h).Replace('-', '').ToLower())\n")
	sum := sha256.Sum256([]byte(want.String()))
	return b.String(), hex.EncodeToString(sum[:])
}
