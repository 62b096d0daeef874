// Package wintest is the opt-in real-Windows module suite: it builds the
// swarmbook CLI and runs `swarmbook run` with the playbooks in testdata/
// against a real Windows host, over WinRM (SWARMBOOK_WINRM_HOST,
// SWARMBOOK_WINRM_USER, SWARMBOOK_WINRM_PASSWORD) and over OpenSSH with
// ansible_shell_type=powershell (SWARMBOOK_WINSSH_HOST, SWARMBOOK_WINSSH_USER
// and SWARMBOOK_WINSSH_KEY or SWARMBOOK_WINSSH_PASSWORD). Without those
// variables the real-Windows tests skip and say so; the offline tests still
// check that every playbook of the suite passes swarmbook's --syntax-check
// and run the ping playbook against the project's WinRM test server and
// PowerShell stand-in.
//
// The account must be an administrator of the host (it creates a service
// and a firewall rule); everything the suite makes is named with a random
// id (C:\swarmbook-test-<id>, HKCU:\Software\SwarmbookTest\<id>, service
// swarmbooktest<id>, firewall rule "swarmbook <port>/tcp" on a port in
// 45000-45999) and removed at the end. SWARMBOOK_WIN_URL (a URL the host can
// download) adds win_get_url, SWARMBOOK_WIN_DOCKER=1 the docker modules in
// check mode, SWARMBOOK_WIN_COMPARE_ANSIBLE=1 a PLAY RECAP comparison with
// /usr/bin/ansible-playbook (which needs python3-winrm, or sshpass for an
// SSH password).
//
// Run it with `go test -count=1 -v ./wintest/` (make wintest).
package wintest
