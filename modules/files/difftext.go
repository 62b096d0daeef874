package files

import (
	"bytes"
	"encoding/json"
)

// dictText renders a dict diff side as Ansible's callback does:
// json.dumps(sort_keys=True, indent=4) plus a newline.
func dictText(m map[string]any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	_ = enc.Encode(m) // map keys are sorted by encoding/json
	return b.String()
}
