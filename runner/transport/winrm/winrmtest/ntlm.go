package winrmtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rc4"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/crypto/md4" //nolint:staticcheck // NTLM is defined on MD4
)

// NTLM negotiate flags used by the acceptor (MS-NLMP §2.2.2.5).
const (
	flagUnicode      = 0x00000001
	flagRequestTarg  = 0x00000004
	flagSign         = 0x00000010
	flagSeal         = 0x00000020
	flagNTLM         = 0x00000200
	flagAlwaysSign   = 0x00008000
	flagTargetServer = 0x00020000
	flagESS          = 0x00080000
	flagTargetInfo   = 0x00800000
	flagVersion      = 0x02000000
	flag128          = 0x20000000
	flagKeyExch      = 0x40000000
	flag56           = 0x80000000
)

var ntlmSignature = []byte("NTLMSSP\x00")

// ntlmAcceptor is the server side of one NTLMv2 handshake (MS-NLMP §3.2.5).
type ntlmAcceptor struct {
	users           func(user string) (string, bool) // password lookup
	serverChallenge [8]byte
	computer        string
	domain          string
	now             time.Time

	negotiate []byte
	challenge []byte
	flags     uint32
}

// ntlmResult is an authenticated NTLM context.
type ntlmResult struct {
	User       string
	Domain     string
	Flags      uint32
	SessionKey []byte // ExportedSessionKey
}

// challengeFor parses a NEGOTIATE message and returns the CHALLENGE.
func (a *ntlmAcceptor) challengeFor(negotiate []byte) ([]byte, error) {
	if len(negotiate) < 16 || !bytes.Equal(negotiate[:8], ntlmSignature) || le32(negotiate[8:]) != 1 {
		return nil, errors.New("not an NTLM NEGOTIATE message")
	}
	cflags := le32(negotiate[12:])
	supported := uint32(flagUnicode | flagRequestTarg | flagSign | flagSeal | flagNTLM | flagAlwaysSign |
		flagESS | flagVersion | flag128 | flagKeyExch | flag56)
	// Unicode is always chosen (python ntlm-auth offers only OEM and still
	// follows a Unicode CHALLENGE, as Windows acceptors answer).
	a.flags = cflags&supported | flagUnicode | flagTargetInfo | flagTargetServer
	a.negotiate = append([]byte(nil), negotiate...)

	target := utf16le(a.computer)
	var info bytes.Buffer
	avPair(&info, 2, utf16le(a.domain))
	avPair(&info, 1, utf16le(a.computer))
	avPair(&info, 4, utf16le(strings.ToLower(a.domain)))
	avPair(&info, 3, utf16le(strings.ToLower(a.computer)))
	ts := make([]byte, 8)
	binary.LittleEndian.PutUint64(ts, fileTime(a.now))
	avPair(&info, 7, ts)
	avPair(&info, 0, nil)

	const header = 56
	msg := make([]byte, header, header+len(target)+info.Len())
	copy(msg, ntlmSignature)
	binary.LittleEndian.PutUint32(msg[8:], 2)
	putSecBuf(msg[12:], len(target), header)
	binary.LittleEndian.PutUint32(msg[20:], a.flags)
	copy(msg[24:], a.serverChallenge[:])
	putSecBuf(msg[40:], info.Len(), header+len(target))
	copy(msg[48:], []byte{10, 0, 0x63, 0x45, 0, 0, 0, 15}) // version 10.0.17763, NTLM rev 15
	msg = append(msg, target...)
	msg = append(msg, info.Bytes()...)
	a.challenge = msg
	return msg, nil
}

// authenticate verifies an AUTHENTICATE message against the user table.
func (a *ntlmAcceptor) authenticate(auth []byte) (*ntlmResult, error) {
	if len(auth) < 64 || !bytes.Equal(auth[:8], ntlmSignature) || le32(auth[8:]) != 3 {
		return nil, errors.New("not an NTLM AUTHENTICATE message")
	}
	field := func(off int) ([]byte, error) {
		l, o := int(binary.LittleEndian.Uint16(auth[off:])), int(le32(auth[off+4:]))
		if o+l > len(auth) {
			return nil, errors.New("NTLM AUTHENTICATE field out of range")
		}
		return auth[o : o+l], nil
	}
	nt, err := field(20)
	if err != nil {
		return nil, err
	}
	domainB, err := field(28)
	if err != nil {
		return nil, err
	}
	userB, err := field(36)
	if err != nil {
		return nil, err
	}
	encKey, err := field(52)
	if err != nil {
		return nil, err
	}
	flags := le32(auth[60:])
	user, domain := fromUTF16le(userB), fromUTF16le(domainB)
	if len(nt) < 16+28 {
		return nil, errors.New("NTLMv1 responses are refused (NTLMv2 only)")
	}
	password, ok := a.users(user)
	if !ok {
		return nil, fmt.Errorf("unknown user %q", user)
	}
	res, err := verifyNTLMv2(password, user, domain, a.serverChallenge[:], nt, encKey, flags)
	if err != nil {
		return nil, err
	}
	// MIC (MS-NLMP §3.2.5.1.2): present when MsvAvFlags has bit 0x2.
	if avFlags(nt[16+28:])&0x2 != 0 {
		if len(auth) < 88 {
			return nil, errors.New("NTLM MIC missing")
		}
		mic := append([]byte(nil), auth[72:88]...)
		zeroed := append([]byte(nil), auth...)
		copy(zeroed[72:88], make([]byte, 16))
		h := hmac.New(md5.New, res.SessionKey)
		h.Write(a.negotiate)
		h.Write(a.challenge)
		h.Write(zeroed)
		if !hmac.Equal(h.Sum(nil), mic) {
			return nil, errors.New("NTLM MIC mismatch")
		}
	}
	res.User, res.Domain = user, domain
	return res, nil
}

// verifyNTLMv2 checks an NTLMv2 response and derives the exported session
// key (MS-NLMP §3.3.2 and §3.4.5.1 key exchange).
func verifyNTLMv2(password, user, domain string, serverChallenge, nt, encryptedKey []byte, flags uint32) (*ntlmResult, error) {
	owf := ntowfv2(password, user, domain)
	proof, temp := nt[:16], nt[16:]
	want := hmacMD5(owf, serverChallenge, temp)
	if !hmac.Equal(want, proof) {
		return nil, errors.New("NTLMv2 response does not match (wrong password)")
	}
	base := hmacMD5(owf, proof)
	exported := base
	if flags&flagKeyExch != 0 {
		if len(encryptedKey) != 16 {
			return nil, errors.New("NTLM key exchange without a 16-byte session key")
		}
		c, _ := rc4.NewCipher(base)
		exported = make([]byte, 16)
		c.XORKeyStream(exported, encryptedKey)
	}
	return &ntlmResult{Flags: flags, SessionKey: exported}, nil
}

// ntowfv2 is NTOWFv2 (MS-NLMP §3.3.2).
func ntowfv2(password, user, domain string) []byte {
	h := md4.New()
	h.Write(utf16le(password))
	return hmacMD5(h.Sum(nil), utf16le(strings.ToUpper(user)+domain))
}

// avFlags returns MsvAvFlags from an AV pair list (0 if absent). temp starts
// at the NTLMv2 client challenge blob's AV pairs.
func avFlags(pairs []byte) uint32 {
	for len(pairs) >= 4 {
		id, l := binary.LittleEndian.Uint16(pairs), int(binary.LittleEndian.Uint16(pairs[2:]))
		if id == 0 || len(pairs) < 4+l {
			return 0
		}
		if id == 6 && l == 4 {
			return le32(pairs[4:])
		}
		pairs = pairs[4+l:]
	}
	return 0
}

func hmacMD5(key []byte, parts ...[]byte) []byte {
	h := hmac.New(md5.New, key)
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

func avPair(b *bytes.Buffer, id uint16, v []byte) {
	var h [4]byte
	binary.LittleEndian.PutUint16(h[:], id)
	binary.LittleEndian.PutUint16(h[2:], uint16(len(v)))
	b.Write(h[:])
	b.Write(v)
}

func putSecBuf(b []byte, l, off int) {
	binary.LittleEndian.PutUint16(b, uint16(l))
	binary.LittleEndian.PutUint16(b[2:], uint16(l))
	binary.LittleEndian.PutUint32(b[4:], uint32(off))
}

func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }

func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

func fromUTF16le(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// fileTime is t as a Windows FILETIME (100 ns ticks since 1601).
func fileTime(t time.Time) uint64 {
	return uint64(t.UnixNano()/100) + 116444736000000000
}
