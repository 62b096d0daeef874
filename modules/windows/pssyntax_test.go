package windows

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestPowerShellSyntax parses every modules/**/testdata/*.ps1 (and the
// shared PowerShell transport scripts in runner/transport/pwsh/testdata) with the tree-sitter PowerShell
// grammar and fails on ERROR or MISSING nodes. The grammar comes from npm,
// installed outside the repository:
//
//	mkdir -p ~/.cache/swarmbook/pssyntax && cd ~/.cache/swarmbook/pssyntax &&
//	npm install --ignore-scripts web-tree-sitter@0.25.10 tree-sitter-powershell@0.26.4
//
// (or set SWARMBOOK_PSSYNTAX_DIR to a node_modules directory holding them).
func TestPowerShellSyntax(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; PowerShell syntax check skipped")
	}
	nm := os.Getenv("SWARMBOOK_PSSYNTAX_DIR")
	if nm == "" {
		home, _ := os.UserHomeDir()
		nm = filepath.Join(home, ".cache", "swarmbook", "pssyntax", "node_modules")
	}
	for _, pkg := range []string{"web-tree-sitter", "tree-sitter-powershell"} {
		if _, err := os.Stat(filepath.Join(nm, pkg)); err != nil {
			t.Skipf("%s not found in %s; see this test's doc comment to install it", pkg, nm)
		}
	}
	root := filepath.Join("..", "..")
	var files []string
	for _, pattern := range []string{"modules/*/testdata/*.ps1", "modules/*/*/testdata/*.ps1", "runner/transport/pwsh/testdata/*.ps1"} {
		m, _ := filepath.Glob(filepath.Join(root, pattern))
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("only %d .ps1 files found", len(files))
	}
	// Parsing takes node tens of seconds on a loaded machine (wasm
	// compilation), so a clean result is remembered by content hash.
	stamp := syntaxStamp(nm, files)
	if _, err := os.Stat(stamp); err == nil {
		t.Logf("%d PowerShell files unchanged since their last clean parse (%s)", len(files), stamp)
		return
	}
	out, err := exec.Command(node, append([]string{filepath.Join("testdata", "pssyntax.js"), nm}, files...)...).CombinedOutput()
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if !strings.HasPrefix(l, "OK ") {
			t.Error(l)
		}
	}
	if err != nil && !t.Failed() {
		t.Fatalf("node: %v\n%s", err, out)
	}
	if !t.Failed() {
		_ = os.WriteFile(stamp, []byte("ok\n"), 0o644)
	}
	t.Logf("%d PowerShell files parsed", len(files))
}

// syntaxStamp names the cache file recording a clean parse of exactly
// these files (names and contents) with this checker.
func syntaxStamp(nm string, files []string) string {
	h := sha256.New()
	for _, f := range append([]string{filepath.Join("testdata", "pssyntax.js")}, files...) {
		b, _ := os.ReadFile(f)
		h.Write([]byte(filepath.Base(f) + "\x00"))
		h.Write(b)
	}
	return filepath.Join(filepath.Dir(nm), "ok-"+hex.EncodeToString(h.Sum(nil))[:32])
}

// TestSyntaxCheckerCatchesErrors keeps the checker honest: broken scripts
// must be reported.
func TestSyntaxCheckerCatchesErrors(t *testing.T) {
	node, err := exec.LookPath("node")
	home, _ := os.UserHomeDir()
	nm := filepath.Join(home, ".cache", "swarmbook", "pssyntax", "node_modules")
	if v := os.Getenv("SWARMBOOK_PSSYNTAX_DIR"); v != "" {
		nm = v
	}
	if _, serr := os.Stat(filepath.Join(nm, "tree-sitter-powershell")); err != nil || serr != nil {
		t.Skip("node or tree-sitter-powershell not available")
	}
	dir := t.TempDir()
	bad := map[string]string{
		"quote.ps1": "Write-Output 'unterminated\n",
		"brace.ps1": "if ($true) {\n  Write-Output 1\n",
		"naive.ps1": "Write-Output '" + hostile + "'\n", // the hostile value without escaping
	}
	var files []string
	for n, s := range bad {
		p := filepath.Join(dir, n)
		_ = os.WriteFile(p, []byte(s), 0o644)
		files = append(files, p)
	}
	sort.Strings(files)
	stamp := syntaxStamp(nm, files) + "-catches"
	if _, err := os.Stat(stamp); err == nil {
		return
	}
	out, _ := exec.Command(node, append([]string{filepath.Join("testdata", "pssyntax.js"), nm}, files...)...).CombinedOutput()
	if n := strings.Count(string(out), "ERROR "); n != len(bad) {
		t.Fatalf("checker found %d of %d broken scripts:\n%s", n, len(bad), out)
	}
	_ = os.WriteFile(stamp, []byte("ok\n"), 0o644)
}
