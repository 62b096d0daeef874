package winrmtest

import (
	"bytes"
	"crypto/md5"
	"crypto/rc4"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// sealSession is the server's NTLM session security after an authenticated
// handshake (MS-NLMP §3.4: extended session security, key exchange).
type sealSession struct {
	flags              uint32
	recvSign, sendSign []byte
	recvSeal, sendSeal *rc4.Cipher
	recvSeq, sendSeq   uint32
}

// newSealSession derives the server's keys from the exported session key.
func newSealSession(exported []byte, flags uint32) (*sealSession, error) {
	if flags&flagESS == 0 {
		return nil, errors.New("NTLM sealing without extended session security is not supported")
	}
	sealKey := func(dir string) []byte {
		k := exported
		switch {
		case flags&flag128 != 0:
		case flags&flag56 != 0:
			k = exported[:7]
		default:
			k = exported[:5]
		}
		return md5sum(k, []byte("session key to "+dir+" sealing key magic constant\x00"))
	}
	signKey := func(dir string) []byte {
		return md5sum(exported, []byte("session key to "+dir+" signing key magic constant\x00"))
	}
	s := &sealSession{flags: flags, recvSign: signKey("client-to-server"), sendSign: signKey("server-to-client")}
	var err error
	if s.recvSeal, err = rc4.NewCipher(sealKey("client-to-server")); err != nil {
		return nil, err
	}
	if s.sendSeal, err = rc4.NewCipher(sealKey("server-to-client")); err != nil {
		return nil, err
	}
	return s, nil
}

func md5sum(parts ...[]byte) []byte {
	h := md5.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// mac computes an NTLM signature (MS-NLMP §3.4.4.2).
func mac(key []byte, handle *rc4.Cipher, seq uint32, msg []byte, keyExch bool) []byte {
	var sq [4]byte
	binary.LittleEndian.PutUint32(sq[:], seq)
	sum := hmacMD5(key, sq[:], msg)[:8]
	if keyExch {
		handle.XORKeyStream(sum, sum)
	}
	sig := make([]byte, 0, 16)
	sig = append(sig, 1, 0, 0, 0)
	sig = append(sig, sum...)
	return append(sig, sq[:]...)
}

// seal encrypts an outgoing message and signs it.
func (s *sealSession) seal(msg []byte) (sealed, sig []byte) {
	sealed = make([]byte, len(msg))
	s.sendSeal.XORKeyStream(sealed, msg)
	sig = mac(s.sendSign, s.sendSeal, s.sendSeq, msg, s.flags&flagKeyExch != 0)
	s.sendSeq++
	return sealed, sig
}

// unseal decrypts an incoming message and checks its signature.
func (s *sealSession) unseal(sealed, sig []byte) ([]byte, error) {
	msg := make([]byte, len(sealed))
	s.recvSeal.XORKeyStream(msg, sealed)
	want := mac(s.recvSign, s.recvSeal, s.recvSeq, msg, s.flags&flagKeyExch != 0)
	s.recvSeq++
	if !bytes.Equal(want, sig) {
		return nil, errors.New("NTLM signature check failed")
	}
	return msg, nil
}

const (
	encBoundary = "--Encrypted Boundary"
	encProtocol = "application/HTTP-SPNEGO-session-encrypted"
	// EncryptedContentType is the Content-Type of an NTLM-sealed WinRM body.
	EncryptedContentType = `multipart/encrypted;protocol="` + encProtocol + `";boundary="Encrypted Boundary"`
	octetHeader          = "\tContent-Type: application/octet-stream\r\n"
)

// unwrapBody parses a multipart/encrypted body (MS-WSMV §2.2.9.1.1) and
// returns the decrypted SOAP message.
func (s *sealSession) unwrapBody(body []byte) ([]byte, error) {
	parts := bytes.Split(body, []byte(encBoundary+"\r\n"))
	var out []byte
	var segs [][]byte
	for _, p := range parts {
		if len(p) > 0 {
			segs = append(segs, p)
		}
	}
	if len(segs) == 0 || len(segs)%2 != 0 {
		return nil, errors.New("malformed multipart/encrypted body")
	}
	for i := 0; i < len(segs); i += 2 {
		head, payload := segs[i], segs[i+1]
		if !bytes.Contains(head, []byte("Content-Type: "+encProtocol)) {
			return nil, errors.New("encrypted part has the wrong protocol")
		}
		_, lenStr, ok := bytes.Cut(head, []byte("Length="))
		if !ok {
			return nil, errors.New("encrypted part without OriginalContent Length")
		}
		want, err := strconv.Atoi(string(bytes.TrimSpace(lenStr)))
		if err != nil {
			return nil, fmt.Errorf("bad OriginalContent Length: %w", err)
		}
		payload, ok = bytes.CutPrefix(payload, []byte(octetHeader))
		if !ok {
			return nil, errors.New("encrypted part without octet-stream header")
		}
		payload = bytes.TrimSuffix(payload, []byte(encBoundary+"--\r\n"))
		if len(payload) < 4 {
			return nil, errors.New("short encrypted payload")
		}
		sl := int(binary.LittleEndian.Uint32(payload))
		if sl != 16 || len(payload) < 4+sl {
			return nil, errors.New("bad NTLM signature length")
		}
		msg, err := s.unseal(payload[4+sl:], payload[4:4+sl])
		if err != nil {
			return nil, err
		}
		if len(msg) != want {
			return nil, errors.New("decrypted length differs from OriginalContent Length")
		}
		out = append(out, msg...)
	}
	return out, nil
}

// wrapBody seals a SOAP response into the multipart/encrypted framing.
func (s *sealSession) wrapBody(msg []byte) []byte {
	sealed, sig := s.seal(msg)
	var b bytes.Buffer
	b.WriteString(encBoundary + "\r\n")
	b.WriteString("\tContent-Type: " + encProtocol + "\r\n")
	fmt.Fprintf(&b, "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=%d\r\n", len(msg))
	b.WriteString(encBoundary + "\r\n")
	b.WriteString(octetHeader)
	var l [4]byte
	binary.LittleEndian.PutUint32(l[:], uint32(len(sig)))
	b.Write(l[:])
	b.Write(sig)
	b.Write(sealed)
	b.WriteString(encBoundary + "--\r\n")
	return b.Bytes()
}
