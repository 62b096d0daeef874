package systest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// helloControl is the control file of the test package sbsys-hello.
const helloControl = `Package: sbsys-hello
Version: 1.0
Architecture: all
Maintainer: swarmbook systest <systest@swarmbook.invalid>
Priority: optional
Section: misc
Description: swarmbook systest package
 A file under /usr/share/sbsys-hello, installed by the apt module.
`

// aptDebs are the packages Ansible's apt module installs on a host without
// python3-apt (its own prerequisite; swarmbook needs none of them).
var aptDebs = []string{"python3-apt", "python-apt-common", "distro-info-data"}

// buildRepo builds a flat apt repository (Packages index, trusted=yes) in a
// temporary directory: sbsys-hello built with dpkg-deb and, when withApt and
// they can be fetched (once, into the user cache), python3-apt and its
// dependencies for Ansible. It returns the directory and whether the
// python3-apt packages are in it.
func buildRepo(t *testing.T, withApt bool) (string, bool) {
	t.Helper()
	work := t.TempDir()
	repo := filepath.Join(work, "repo")
	pkg := filepath.Join(work, "sbsys-hello")
	for _, d := range []string{repo, filepath.Join(pkg, "DEBIAN"), filepath.Join(pkg, "usr/share/sbsys-hello")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(pkg, "DEBIAN/control"), []byte(helloControl), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg, "usr/share/sbsys-hello/hello.txt"), []byte("hello from sbsys\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("dpkg-deb", "--root-owner-group", "--build", pkg, filepath.Join(repo, "sbsys-hello_1.0_all.deb")).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb --build: %v\n%s", err, out)
	}
	haveApt := false
	if withApt {
		haveApt = addAptDebs(t, repo)
	}
	idx, err := os.Create(filepath.Join(repo, "Packages"))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	cmd := exec.Command("dpkg-scanpackages", "--multiversion", ".", "/dev/null")
	cmd.Dir = repo
	var errb strings.Builder
	cmd.Stdout, cmd.Stderr = idx, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("dpkg-scanpackages: %v\n%s", err, errb.String())
	}
	return repo, haveApt
}

// addAptDebs copies python3-apt and its dependencies into repo, downloading
// them once with the host's apt into the user cache; false when that fails.
func addAptDebs(t *testing.T, repo string) bool {
	t.Helper()
	base, err := os.UserCacheDir()
	if err != nil {
		t.Logf("no user cache dir: %v", err)
		return false
	}
	cache := filepath.Join(base, "swarmbook-systest", "debs")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Logf("cache: %v", err)
		return false
	}
	find := func() []string {
		var files []string
		for _, p := range aptDebs {
			m, _ := filepath.Glob(filepath.Join(cache, p+"_*.deb"))
			if len(m) == 0 {
				return nil
			}
			files = append(files, m[0])
		}
		return files
	}
	files := find()
	if files == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "apt-get", append([]string{"download"}, aptDebs...)...)
		cmd.Dir = cache
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Logf("apt-get download %v: %v\n%s", aptDebs, err, out)
			return false
		}
		if files = find(); files == nil {
			return false
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return true
}

// prepScript turns a fresh container into the playbook's starting point: the
// local repository as the only apt source (with lists), a user to modify, a
// user and a group to remove, and a writable /proc/sys (docker mounts it
// read-only; the playbook only sets keys of the container's own network
// namespace). dpkg has never seen sbsys-hello (the apt module must cope:
// bug sys-1, fixed).
const prepScript = `set -e
mount -o remount,rw /proc/sys
chmod 755 /srv/sbsys-repo
echo 'deb [trusted=yes] file:/srv/sbsys-repo ./' >/etc/apt/sources.list
apt-get update -q >/tmp/sbsys-prep.log 2>&1 || { cat /tmp/sbsys-prep.log; exit 1; }
apt-cache policy sbsys-hello | grep -q 'Candidate: 1.0' || {
	cat /tmp/sbsys-prep.log; apt-cache policy sbsys-hello; ls -la /srv/sbsys-repo; head -20 /srv/sbsys-repo/Packages; exit 1; }
rm -f /tmp/sbsys-prep.log
useradd -m -s /bin/bash -c old sbold
useradd -m -s /bin/bash sbgone
groupadd sbgonegroup
`
