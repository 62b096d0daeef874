package winrmtest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// chain is the shape of win_copy's destination query.
func chain(p string) string {
	return "$item = Get-Item -LiteralPath '" + p + "' -Force -ErrorAction SilentlyContinue\n" +
		"if ($null -eq $item) { Write-Output 'missing' }\n" +
		"elseif ($item.PSIsContainer) { Write-Output 'dir' }\n" +
		"else { Write-Output (ConvertTo-Json -Compress @{ exists = $true; sha256 = (Get-FileHash -LiteralPath '" + p + "' -Algorithm SHA256).Hash }) }\n"
}

// TestStandInStatements covers the statements added for win_ping and
// win_copy's destination query: each
// row is a script given with `-Command -` and what the stand-in prints.
func TestStandInStatements(t *testing.T) {
	cases := []struct {
		script, stdout, stderr string
		rc                     int
	}{
		{"if ('pong' -eq 'crash') { throw 'boom' }\nWrite-Output 'after'\n", "after\r\n", "", 0},
		{"if ('CRASH' -eq 'crash') { throw 'boom' }\nWrite-Output 'after'\n", "", "boom\r\n", 1},
		{"$d = 'x'\nWrite-Output (ConvertTo-Json -Compress @{ ping = $d; b = 'it''s' })\n", `{"b":"it's","ping":"x"}` + "\r\n", "", 0},
		{"Write-Output (ConvertTo-Json -Compress @{ ping = 'a;b' })\n", "", "", 99},
		{"if ($x -gt 1) { throw 'no' }\n", "", "", 99},
		{chain(`C:\missing`), "missing\r\n", "", 0},
		{chain(`C:\dir`), "dir\r\n", "", 0},
		{chain(`C:\dir\f.txt`), `{"exists":true,"sha256":"2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824"}` + "\r\n", "", 0},
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "C", "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "C", "dir", "f.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		rc := runStandIn("powershell.exe -Command -", root, strings.NewReader(c.script), &out, &errb)
		if rc != c.rc || out.String() != c.stdout || (c.rc != 99 && errb.String() != c.stderr) {
			t.Errorf("%q: rc=%d stdout=%q stderr=%q", c.script, rc, out.String(), errb.String())
		}
	}
}
