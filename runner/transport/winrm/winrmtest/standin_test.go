package winrmtest

import (
	"bytes"
	"strings"
	"testing"
)

// TestStandInStatements covers the statements added for win_ping: each
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
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		rc := runStandIn("powershell.exe -Command -", t.TempDir(), strings.NewReader(c.script), &out, &errb)
		if rc != c.rc || out.String() != c.stdout || (c.rc != 99 && errb.String() != c.stderr) {
			t.Errorf("%q: rc=%d stdout=%q stderr=%q", c.script, rc, out.String(), errb.String())
		}
	}
}
