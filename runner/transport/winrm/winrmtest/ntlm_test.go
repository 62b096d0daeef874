package winrmtest

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// MS-NLMP §4.2.4 (NTLMv2 authentication) published values: user "User",
// domain "Domain", password "Password", server challenge 0123456789abcdef,
// client challenge aa*8, time 0, random session key 55*16, AV pairs
// NbDomainName "Domain" and NbComputerName "Server".
const (
	vecNTOWFv2   = "0c868a403bfd7a93a3001ef22ef02e3f"
	vecBaseKey   = "8de40ccadbc14a82f15cb0ad0de95ca3"
	vecEncKey    = "c5dad2544fc9799094ce1ce90bc9d03e"
	vecNTProof   = "68cd0ab851e51c96aabc927bebef6a1c"
	vecTempAfter = "01010000000000000000000000000000aaaaaaaaaaaaaaaa00000000" +
		"02000c0044006f006d00610069006e0001000c005300650072007600650072000000000000000000"
	vecSealed = "54e50165bf1936dc996020c1811b0f06fb5f"
	vecSig    = "010000007fb38ec5c55d497600000000"
	vecFlags  = 0xe28a8233 // NTLMSSP_NEGOTIATE_* of §4.2.4 (KEY_EXCH, 56, 128, VERSION, TARGET_INFO, ESS, ...)
)

func TestNTOWFv2Vector(t *testing.T) {
	if got := hex.EncodeToString(ntowfv2("Password", "User", "Domain")); got != vecNTOWFv2 {
		t.Fatalf("NTOWFv2 = %s", got)
	}
}

func TestVerifyNTLMv2Vector(t *testing.T) {
	nt := unhex(t, vecNTProof+vecTempAfter)
	res, err := verifyNTLMv2("Password", "User", "Domain", unhex(t, "0123456789abcdef"), nt, unhex(t, vecEncKey), vecFlags)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.SessionKey, bytes.Repeat([]byte{0x55}, 16)) {
		t.Fatalf("exported session key = %x", res.SessionKey)
	}
	if got := hex.EncodeToString(hmacMD5(ntowfv2("Password", "User", "Domain"), unhex(t, vecNTProof))); got != vecBaseKey {
		t.Fatalf("session base key = %s", got)
	}
	if _, err := verifyNTLMv2("password", "User", "Domain", unhex(t, "0123456789abcdef"), nt, unhex(t, vecEncKey), vecFlags); err == nil {
		t.Fatal("wrong password accepted")
	}
	bad := append([]byte(nil), nt...)
	bad[20] ^= 1 // tamper with the blob
	if _, err := verifyNTLMv2("Password", "User", "Domain", unhex(t, "0123456789abcdef"), bad, unhex(t, vecEncKey), vecFlags); err == nil {
		t.Fatal("tampered response accepted")
	}
}

// TestAcceptorVector runs the whole acceptor on an AUTHENTICATE message
// built from the §4.2.4 values.
func TestAcceptorVector(t *testing.T) {
	a := &ntlmAcceptor{users: func(u string) (string, bool) { return "Password", u == "User" }, computer: "Server", domain: "Domain"}
	copy(a.serverChallenge[:], unhex(t, "0123456789abcdef"))
	neg := append(append([]byte(nil), ntlmSignature...), 1, 0, 0, 0)
	neg = binary.LittleEndian.AppendUint32(neg, vecFlags)
	neg = append(neg, make([]byte, 16)...)
	if _, err := a.challengeFor(neg); err != nil {
		t.Fatal(err)
	}
	nt := unhex(t, vecNTProof+vecTempAfter)
	lm := make([]byte, 24)
	dom, user, ws := utf16le("Domain"), utf16le("User"), utf16le("COMPUTER")
	key := unhex(t, vecEncKey)
	fields := [][]byte{lm, nt, dom, user, ws, key}
	msg := make([]byte, 72)
	copy(msg, ntlmSignature)
	binary.LittleEndian.PutUint32(msg[8:], 3)
	off := len(msg)
	for i, f := range fields {
		putSecBuf(msg[12+8*i:], len(f), off)
		off += len(f)
	}
	binary.LittleEndian.PutUint32(msg[60:], vecFlags)
	for _, f := range fields {
		msg = append(msg, f...)
	}
	res, err := a.authenticate(msg)
	if err != nil {
		t.Fatal(err)
	}
	if res.User != "User" || res.Domain != "Domain" || !bytes.Equal(res.SessionKey, bytes.Repeat([]byte{0x55}, 16)) {
		t.Fatalf("%+v", res)
	}
}

// TestSealVector checks NTLM sealing with the §4.2.4.4 GSS_WrapEx example:
// the client seals UTF-16LE "Plaintext" with sequence number 0; the server
// must unseal it and produce the same bytes for the same direction.
func TestSealVector(t *testing.T) {
	key := bytes.Repeat([]byte{0x55}, 16)
	plain := utf16le("Plaintext")
	// Server side receiving from the client (client-to-server keys).
	srv, err := newSealSession(key, vecFlags)
	if err != nil {
		t.Fatal(err)
	}
	got, err := srv.unseal(unhex(t, vecSealed), unhex(t, vecSig))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("unseal: %q %v", got, err)
	}
	// Sealing with client-to-server keys reproduces the published bytes.
	enc, _ := newSealSession(key, vecFlags)
	enc.sendSeal, enc.sendSign = enc.recvSeal, enc.recvSign
	enc.recvSeal = nil
	sealed, sig := enc.seal(plain)
	if hex.EncodeToString(sealed) != vecSealed || hex.EncodeToString(sig) != vecSig {
		t.Fatalf("seal = %x / %x", sealed, sig)
	}
	// A replay (same sequence number) is refused.
	if _, err := srv.unseal(unhex(t, vecSealed), unhex(t, vecSig)); err == nil {
		t.Fatal("replayed message accepted")
	}
}

func TestCLIXMLError(t *testing.T) {
	got := CLIXMLError("a_xb\r\n<c>")
	want := "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">a_x005F_xb_x000D__x000A_&lt;c&gt;_x000D__x000A_</S></Objs>"
	if got != want {
		t.Fatalf("%q", got)
	}
}
