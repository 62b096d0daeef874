package winrm

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

func digestLine(script string) string {
	sum := sha256.Sum256([]byte(script))
	return fmt.Sprintf("length=%d sha256=%s\r\n", len(script), hex.EncodeToString(sum[:]))
}
