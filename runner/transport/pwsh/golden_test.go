package pwsh

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/swarmbook/swarmbook/runner/transport"
)

var update = flag.Bool("update", false, "rewrite testdata/*.ps1 goldens")

// TestGoldenScripts pins the bootstrap and the file-transfer scripts; the
// files are syntax-checked with the tree-sitter PowerShell grammar by
// modules/windows' TestPowerShellSyntax.
func TestGoldenScripts(t *testing.T) {
	scripts := map[string]string{
		"bootstrap.ps1":       Bootstrap,
		"put_chunk.ps1":       putChunkScript(`C:\Temp\it's.tmp`, []byte("data"), true),
		"put_commit.ps1":      putCommitScript(`C:\Temp\it's.tmp`, `C:\Temp\it's`, "abcdef"),
		"get_chunk.ps1":       getChunkScript(`C:\Temp\it's`, 204800, 204800),
		"file_info.ps1":       fileInfoScript(`C:\Temp\it's`),
		"prelude_hostile.ps1": Prelude(transport.Command{Env: map[string]string{"A": "it's $x `y", "B": "‘q’"}, Dir: `C:\it's dir`}),
	}
	for name, s := range scripts {
		p := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil || string(b) != s {
			t.Errorf("%s differs from the generated script (run go test -update and review)", name)
		}
	}
}

func TestCommandLineFitsCmdExe(t *testing.T) {
	if n := len(CommandLine()); n > 8191 {
		t.Fatalf("bootstrap command line is %d characters, over cmd.exe's 8191", n)
	}
}

func TestFrame(t *testing.T) {
	got := string(Frame("Write-Output 'é'\n", []byte("in\n")))
	if want := "18\nWrite-Output 'é'\nin\n"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}

func TestDecodeCLIXML(t *testing.T) {
	in := "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">" +
		"<Obj S=\"progress\" RefId=\"0\"><TN RefId=\"0\"><T>System.Management.Automation.PSCustomObject</T></TN><MS><I64 N=\"SourceId\">1</I64></MS></Obj>" +
		"<S S=\"Error\">Cannot find path 'C:\\x' because it does not exist._x000D__x000A_</S>" +
		"<S S=\"Error\">ünï _x005F_x000D_ literal_x000D__x000A_</S></Objs>"
	want := "Cannot find path 'C:\\x' because it does not exist.\r\nünï _x000D_ literal\r\n"
	if got := string(DecodeCLIXML([]byte(in))); got != want {
		t.Fatalf("%q", got)
	}
	if got := string(DecodeCLIXML([]byte("plain error\n"))); got != "plain error\n" {
		t.Fatalf("%q", got)
	}
}
