package ssh

import (
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/swarmbook/swarmbook/runner/transport/sshdtest"
)

func BenchmarkRawSession(b *testing.B) {
	set := sshdtest.Start(b, 1, sshdtest.Options{})
	cl, err := ssh.Dial("tcp", set.Servers[0].Addr, &ssh.ClientConfig{User: set.User,
		Auth: []ssh.AuthMethod{ssh.PublicKeys(set.ClientSigner)}, HostKeyCallback: ssh.InsecureIgnoreHostKey()})
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	for i := 0; i < b.N; i++ {
		s, _ := cl.NewSession()
		if err := s.Run("/bin/sh -c true"); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}
