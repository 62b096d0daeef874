package lab

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeBin makes a directory holding executable scripts (name -> body) for use as PATH.
func fakeBin(t *testing.T, scripts map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func labDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Vagrantfile"), []byte("# test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "image"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "image", "build.sh"), []byte("#!/bin/sh\necho swarmbook-node:test\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestUpNamesTheMissingPiece(t *testing.T) {
	cases := []struct {
		name    string
		scripts map[string]string
		noFile  bool
		want    string
	}{
		{"no Vagrantfile", map[string]string{"vagrant": "exit 0", "docker": "exit 0"}, true, "no Vagrantfile"},
		{"no vagrant", map[string]string{"docker": "exit 0"}, false, "vagrant not found"},
		{"no docker client", map[string]string{"vagrant": "exit 0"}, false, "docker client not found"},
		{"no docker daemon", map[string]string{"vagrant": "exit 0", "docker": "echo 'Cannot connect' >&2; exit 1"}, false,
			"docker daemon not running: start it with `molecule-test/dockerd.sh start` or `make lab-up`"},
		{"no image", map[string]string{"vagrant": "exit 0", "docker": `[ "$1" = image ] && exit 1; exit 0`}, false,
			"node image swarmbook-node:test not built"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("PATH", fakeBin(t, c.scripts))
			dir := labDir(t)
			if c.noFile {
				os.Remove(filepath.Join(dir, "Vagrantfile"))
			}
			err := Up(context.Background(), Options{Dir: dir})
			if err == nil || !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Up() = %v, want an ErrMissing error containing %q", err, c.want)
			}
		})
	}
}
