package sshtest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestExplore(t *testing.T) {
	if os.Getenv("EXPLORE") == "" {
		t.Skip()
	}
	l := startLab(t, 3)
	root := t.TempDir()
	l.seedHosts(t, root)
	inv := l.inventory(t, root, "", "")
	pb, _ := filepath.Abs("testdata/modules/site.yml")
	tool := os.Getenv("EXPLORE")
	r := l.run(t, tool, t.TempDir(), pb, "-i", inv, "--diff", "-e", "http="+l.http, "-e", "reg_dir="+root+"/reg", "-e", "fetch_dir="+root+"/fetch")
	t.Log(r)
	r2 := l.run(t, tool, t.TempDir(), pb, "-i", inv, "--skip-tags", "reg", "-e", "http="+l.http, "-e", "reg_dir="+root+"/reg", "-e", "fetch_dir="+root+"/fetch")
	t.Log(r2)
	os.RemoveAll("/tmp/explore-" + tool)
	os.Rename(root, "/tmp/explore-"+tool)
}
