package files

import (
	"bytes"
	"strconv"
)

func itoa(n int) string           { return strconv.Itoa(n) }
func joinLines(l [][]byte) []byte { return bytes.Join(l, nil) }
