package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
)

// benchUser is the throw-away account the tools log in as. Root's own
// shell start-up files on this machine (pyenv in ~/.bashrc, which bash
// sources for every sshd session) would cost ~300 ms per session and
// measure the shell, not the tools; the account has /bin/sh (dash, no
// start-up files) and an empty home.
type benchUser struct {
	Name     string
	Home     string
	UID, GID int
}

// createUser adds the account with its home under dir. Its password field
// is "*" (no password, not locked: sshd without PAM refuses locked "!"
// accounts).
func createUser(dir string) (*benchUser, error) {
	name := fmt.Sprintf("swbench%d", os.Getpid()%100000)
	home := filepath.Join(dir, "home")
	if out, err := exec.Command("useradd", "-M", "-d", home, "-s", "/bin/sh", name).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("useradd: %v: %s", err, out)
	}
	if out, err := exec.Command("usermod", "-p", "*", name).CombinedOutput(); err != nil {
		deleteUser(name)
		return nil, fmt.Errorf("usermod: %v: %s", err, out)
	}
	u, err := user.Lookup(name)
	if err != nil {
		deleteUser(name)
		return nil, err
	}
	b := &benchUser{Name: name, Home: home}
	b.UID, _ = strconv.Atoi(u.Uid)
	b.GID, _ = strconv.Atoi(u.Gid)
	if err := os.MkdirAll(home, 0o755); err != nil {
		b.remove()
		return nil, err
	}
	if err := os.Chown(home, b.UID, b.GID); err != nil {
		b.remove()
		return nil, err
	}
	return b, nil
}

// remove deletes the account (only the one createUser added).
func (b *benchUser) remove() { deleteUser(b.Name) }

func deleteUser(name string) { exec.Command("userdel", name).Run() }
