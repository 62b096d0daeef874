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
// Run it with `go test -count=1 -v ./wintest/` (make wintest).
package wintest
