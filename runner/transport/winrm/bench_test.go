package winrm

import (
	"context"
	"testing"

	mzwinrm "github.com/masterzen/winrm"

	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/pwsh"
	"github.com/swarmbook/swarmbook/runner/transport/winrm/winrmtest"
)

// BenchmarkCommand measures per-command overhead on loopback against the
// test server (which starts a real process per command): the transport's
// reused shell versus a new shell per command (what masterzen's
// Client.RunWithContextWithInput and Ansible do), for Basic over HTTP and
// NTLM with message encryption.
func BenchmarkCommand(b *testing.B) {
	for _, auth := range []string{"basic", "ntlm"} {
		opts := winrmtest.Options{AllowBasic: true, AllowUnencrypted: auth == "basic"}
		b.Run(auth+"/reused-shell", func(b *testing.B) {
			s := startServer(b, opts)
			c, err := NewDialer(Options{}).Dial(context.Background(), endpoint(s, map[string]any{"ansible_winrm_transport": auth}))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				res, err := c.Run(context.Background(), transport.Command{Script: "exit 0\n"})
				if err != nil || res.ExitCode != 0 {
					b.Fatal(err, res)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(s.Creates())/float64(b.N), "creates/op")
		})
		b.Run(auth+"/new-shell-per-command", func(b *testing.B) {
			s := startServer(b, opts)
			cfg, err := parseConfig("win1", endpoint(s, map[string]any{"ansible_winrm_transport": auth}).Vars)
			if err != nil {
				b.Fatal(err)
			}
			cli, err := newClient(cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				runNewShell(b, cli)
			}
			b.StopTimer()
			b.ReportMetric(float64(s.Creates())/float64(b.N), "creates/op")
		})
	}
}

func runNewShell(b *testing.B, cli *mzwinrm.Client) {
	sh, err := cli.CreateShell()
	if err != nil {
		b.Fatal(err)
	}
	c := &Conn{host: "win1", cli: cli, shell: sh, cfg: &config{}}
	res, err := c.exec(context.Background(), pwsh.CommandLine(), pwsh.Frame("exit 0\n", nil))
	if err != nil || res.ExitCode != 0 {
		b.Fatal(err, res)
	}
	if err := sh.Close(); err != nil {
		b.Fatal(err)
	}
}
