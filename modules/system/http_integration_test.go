package system

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarmbook/swarmbook/modules"
)

// testServer serves a file, JSON, auth-protected and redirecting endpoints
// on 127.0.0.1.
func testServer(t *testing.T, payload string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/file.txt", func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "file.txt", fixedTime, strings.NewReader(payload))
	})
	mux.HandleFunc("/SHA256SUMS", func(w http.ResponseWriter, r *http.Request) {
		sum := sha256.Sum256([]byte(payload))
		fmt.Fprintf(w, "%s  other.txt\n%s *file.txt\n", strings.Repeat("0", 64), hex.EncodeToString(sum[:]))
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Method", r.Method)
		json.NewEncoder(w).Encode(map[string]any{"method": r.Method, "body": string(body), "ct": r.Header.Get("Content-Type"), "hdr": r.Header.Get("X-Test")})
	})
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "bob" || p != "s3cret pass'\"" {
			w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		io.WriteString(w, "welcome")
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/json", http.StatusFound)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func TestGetURLLocal(t *testing.T) {
	payload := "hello from the test server\n"
	srv := testServer(t, payload)
	tg := localTarget(t)
	dir := t.TempDir()
	dest := filepath.Join(dir, "out.txt")
	sum := sha256.Sum256([]byte(payload))
	hexsum := hex.EncodeToString(sum[:])

	args := modules.Args{"url": srv.URL + "/file.txt", "dest": dest, "mode": "0640"}
	out := runMod(t, tg, getURLModule{}, args)
	if out.Failed || !out.Changed {
		t.Fatalf("first download: %+v", out)
	}
	if b, _ := os.ReadFile(dest); string(b) != payload {
		t.Fatalf("content %q", b)
	}
	if fi, _ := os.Stat(dest); fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v", fi.Mode())
	}
	if out.Fields["status_code"] != 200 || out.Fields["mode"] != "0640" || out.Fields["checksum_src"] == nil {
		t.Errorf("fields %+v", out.Fields)
	}
	// Second run: conditional GET (304) or same content: unchanged.
	out = runMod(t, tg, getURLModule{}, args)
	if out.Failed || out.Changed {
		t.Fatalf("second download: %+v", out)
	}
	// With a matching checksum no request is needed.
	out = runMod(t, tg, getURLModule{}, modules.Args{"url": srv.URL + "/file.txt", "dest": dest, "checksum": "sha256:" + hexsum})
	if out.Failed || out.Changed || out.Msg != "file already exists" {
		t.Fatalf("checksum match: %+v", out)
	}
	// Checksum from a URL, destination is a directory.
	out = runMod(t, tg, getURLModule{}, modules.Args{"url": srv.URL + "/file.txt", "dest": dir, "checksum": "sha256:" + srv.URL + "/SHA256SUMS"})
	if out.Failed || !out.Changed || out.Fields["dest"] != filepath.Join(dir, "file.txt") {
		t.Fatalf("dir dest: %+v", out)
	}
	// A wrong checksum fails and leaves nothing behind.
	bad := filepath.Join(dir, "bad.txt")
	out = runMod(t, tg, getURLModule{}, modules.Args{"url": srv.URL + "/file.txt", "dest": bad, "checksum": "sha256:" + strings.Repeat("a", 64)})
	if !out.Failed || !strings.Contains(out.Msg, "did not match") {
		t.Fatalf("bad checksum: %+v", out)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Fatal("bad file kept")
	}
	// 404 fails with Ansible's message.
	out = runMod(t, tg, getURLModule{}, modules.Args{"url": srv.URL + "/missing", "dest": filepath.Join(dir, "m")})
	if !out.Failed || out.Msg != "Request failed" || out.Fields["status_code"] != 404 {
		t.Fatalf("404: %+v", out)
	}
	// Check mode touches nothing.
	tg.Check = true
	cm := filepath.Join(dir, "check.txt")
	out = runMod(t, tg, getURLModule{}, modules.Args{"url": srv.URL + "/file.txt", "dest": cm})
	if out.Failed || !out.Changed {
		t.Fatalf("check: %+v", out)
	}
	if _, err := os.Stat(cm); err == nil {
		t.Fatal("check mode wrote the file")
	}
	// Credentials never reach the command line, and work.
	tg.Check = false
	out = runMod(t, tg, getURLModule{}, modules.Args{"url": srv.URL + "/auth", "dest": filepath.Join(dir, "auth"),
		"url_username": "bob", "url_password": "s3cret pass'\"", "force_basic_auth": true})
	if out.Failed || !out.Changed {
		t.Fatalf("auth: %+v", out)
	}
}

func TestURILocal(t *testing.T) {
	srv := testServer(t, "x")
	tg := localTarget(t)
	out := runMod(t, tg, uriModule{}, modules.Args{"url": srv.URL + "/json", "method": "POST", "body_format": "json",
		"body": map[string]any{"a": 1}, "headers": map[string]any{"X-Test": "yes"}})
	if out.Failed || out.Changed {
		t.Fatalf("post: %+v", out)
	}
	js, _ := out.Fields["json"].(map[string]any)
	if js["method"] != "POST" || js["body"] != `{"a":1}` || js["ct"] != "application/json" || js["hdr"] != "yes" {
		t.Errorf("json %+v", js)
	}
	if out.Fields["status"] != 200 || out.Fields["x_method"] != "POST" || !strings.HasPrefix(out.Msg, "OK (") {
		t.Errorf("fields %+v", out.Fields)
	}
	if _, ok := out.Fields["content"]; ok {
		t.Error("content returned without return_content")
	}
	// Redirects are followed for GET, and reported.
	out = runMod(t, tg, uriModule{}, modules.Args{"url": srv.URL + "/redirect", "return_content": true})
	if out.Failed || out.Fields["redirected"] != true || out.Fields["url"] != srv.URL+"/json" || out.Fields["content"] == "" {
		t.Fatalf("redirect: %+v", out)
	}
	// Status mismatch fails like Ansible.
	out = runMod(t, tg, uriModule{}, modules.Args{"url": srv.URL + "/auth"})
	if !out.Failed || out.Fields["status"] != 401 || !strings.HasPrefix(out.Msg, "Status code was 401 and not [200]: HTTP Error 401") {
		t.Fatalf("401: %+v", out)
	}
	out = runMod(t, tg, uriModule{}, modules.Args{"url": srv.URL + "/auth", "url_username": "bob", "url_password": "s3cret pass'\"",
		"force_basic_auth": true, "return_content": true, "status_code": []any{200, "201"}})
	if out.Failed || out.Fields["content"] != "welcome" {
		t.Fatalf("auth: %+v", out)
	}
	// Connection refused.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	out = runMod(t, tg, uriModule{}, modules.Args{"url": "http://" + addr + "/", "timeout": 5})
	if !out.Failed || out.Fields["status"] != -1 {
		t.Fatalf("refused: %+v", out)
	}
	// dest writes the body and reports a change.
	dest := filepath.Join(t.TempDir(), "body.json")
	out = runMod(t, tg, uriModule{}, modules.Args{"url": srv.URL + "/json", "dest": dest})
	if out.Failed || !out.Changed || out.Fields["path"] != dest {
		t.Fatalf("dest: %+v", out)
	}
}

func TestWaitForLocal(t *testing.T) {
	tg := localTarget(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	out := runMod(t, tg, waitForModule{}, modules.Args{"port": port, "timeout": 5})
	if out.Failed || out.Fields["port"] != port || out.Fields["state"] != "started" {
		t.Fatalf("started: %+v", out)
	}
	out = runMod(t, tg, waitForModule{}, modules.Args{"port": port, "state": "stopped", "timeout": 1})
	if !out.Failed || out.Msg != fmt.Sprintf("Timeout when waiting for 127.0.0.1:%d to stop.", port) {
		t.Fatalf("stopped while open: %+v", out)
	}
	ln.Close()
	out = runMod(t, tg, waitForModule{}, modules.Args{"port": port, "state": "stopped", "timeout": 5})
	if out.Failed {
		t.Fatalf("stopped: %+v", out)
	}
	out = runMod(t, tg, waitForModule{}, modules.Args{"port": port, "timeout": 1, "msg": "custom"})
	if !out.Failed || out.Msg != "custom" {
		t.Fatalf("timeout msg: %+v", out)
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "log")
	os.WriteFile(f, []byte("starting\nready on port 8080\n"), 0o644)
	out = runMod(t, tg, waitForModule{}, modules.Args{"path": f, "search_regex": `ready on port (\d+)`, "timeout": 3})
	if out.Failed || fmt.Sprint(out.Fields["match_groups"]) != "[8080]" {
		t.Fatalf("regex: %+v", out)
	}
	out = runMod(t, tg, waitForModule{}, modules.Args{"path": filepath.Join(dir, "nope"), "state": "absent", "timeout": 2})
	if out.Failed {
		t.Fatalf("absent: %+v", out)
	}
	out = runMod(t, tg, waitForModule{}, modules.Args{"path": filepath.Join(dir, "nope"), "timeout": 1})
	if !out.Failed || out.Msg != "Timeout when waiting for file "+filepath.Join(dir, "nope") {
		t.Fatalf("missing file: %+v", out)
	}
}
