// Package sshdtest starts real OpenSSH servers (Debian's /usr/sbin/sshd) on
// loopback addresses for integration tests and benchmarks.
//
// Start(t, n, opts) runs n servers, each on its own address 127.0.0.(2+i)
// with a free port, its own ed25519 host key, pid file, log file and
// sshd_config. Every server accepts the Set's client key for any user
// (one AuthorizedKeysFile for all users), allows root login and password
// authentication, has `UsePAM no`, `StrictModes no`,
// `Subsystem sftp internal-sftp`, a configurable MaxSessions, and logs at
// LogLevel VERBOSE to Server.LogFile so tests can count connections
// (Server.CountLog("Connection from")) and authentications
// (Server.CountLog("Accepted publickey")).
//
// The Set also writes, for client use:
//   - ClientKeyFile: the OpenSSH private key (no passphrase) of the client,
//   - KnownHostsFile: "[ip]:port ssh-ed25519 ..." for every server,
//   - SSHConfigFile: one `Host <alias>` block per server (HostName, Port,
//     User, IdentityFile, IdentitiesOnly, UserKnownHostsFile,
//     StrictHostKeyChecking yes), so inventories can name hosts by alias.
//
// Cleanup (registered with t.Cleanup) kills only the processes it started:
// each server's PID and that PID's children. Tests are skipped, with the
// reason, when sshd is missing or the process is not root (sshd's privilege
// separation needs root).
//
// Typical use:
//
//	set := sshdtest.Start(t, 2, sshdtest.Options{MaxSessions: 4})
//	srv := set.Servers[0]
//	// dial srv.Addr as set.User with set.ClientSigner, verify with
//	// set.KnownHostsFile, or point an ssh client at set.SSHConfigFile and
//	// srv.Alias.
//	srv.KillConnections(t) // drop every live client connection
//	srv.Restart(t)         // stop and start again on the same address
//
// AddUser creates a throw-away local account (optionally with a password
// and a sudo rule) and removes it, with its sudoers file, at cleanup;
// Set.SSHConfigFor writes an ssh_config whose hosts log in as it. Tests
// that compare a remote shell's stderr should log in as such an account
// (its shell is /bin/sh): root's shell start-up files on a developer
// machine (pyenv in ~/.bashrc, say) can write to stderr.
package sshdtest
