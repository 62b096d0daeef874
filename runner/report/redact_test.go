package report

import (
	"strings"
	"testing"
)

func TestSwarmTokensAlwaysMasked(t *testing.T) {
	tok := "SWMTKN-1-3wbnnjkkcqndsi3pwsmz5dsdzdx7flaiwk02kg367wd51aom7d-5ydcx2285zywk3pb6pqxydx9k"
	s := &Secrets{}
	out := s.Value(map[string]any{"stdout": "docker swarm join --token " + tok + " 198.18.0.11:2377",
		"lines": []any{"key: SWMKEY-1-abcdefABCDEF0123456789+/="}})
	got := out.(map[string]any)
	if strings.Contains(got["stdout"].(string), "SWMTKN") || strings.Contains(got["lines"].([]any)[0].(string), "SWMKEY-1-a") {
		t.Fatalf("token not masked: %v", got)
	}
	if got["stdout"] != "docker swarm join --token ******** 198.18.0.11:2377" {
		t.Fatalf("got %q", got["stdout"])
	}
}

func TestSecretsMaskedInNestedValues(t *testing.T) {
	s := &Secrets{}
	s.Add("hunter22pw")
	got := s.Value([]any{map[string]any{"a": "x hunter22pw y"}}).([]any)
	if got[0].(map[string]any)["a"] != "x ******** y" {
		t.Fatalf("got %v", got)
	}
}
