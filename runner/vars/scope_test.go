package vars

import (
	"reflect"
	"testing"
)

func TestPrecedenceOrder(t *testing.T) {
	// Each level defines v; the highest level must win regardless of the
	// order in which layers are added.
	levels := []Level{RoleDefaults, Inventory, Facts, PlayVars, VarsFiles, RoleVars, BlockVars, TaskVars,
		IncludeVars, SetFacts, RoleParams, IncludeParams, ExtraVars, Magic, Loop}
	for top := range levels {
		var sc *Scope
		// add in reverse so insertion order cannot explain the result
		for i := top; i >= 0; i-- {
			sc = sc.With(levels[i], map[string]any{"v": int(levels[i]), "only" + string(rune('a'+i)): i})
		}
		got, ok := sc.Lookup("v")
		if !ok || got != int(levels[top]) {
			t.Errorf("levels 0..%d: v = %v, want %d", top, got, levels[top])
		}
		for i := 0; i <= top; i++ {
			if v, ok := sc.Lookup("only" + string(rune('a'+i))); !ok || v != i {
				t.Errorf("lower-only key of level %d not visible: %v %v", i, v, ok)
			}
		}
	}
}

func TestSameLevelStacksInOrder(t *testing.T) {
	var sc *Scope
	sc = sc.With(BlockVars, map[string]any{"v": "outer", "o": 1})
	sc = sc.With(TaskVars, map[string]any{"t": 1})
	sc = sc.With(BlockVars, map[string]any{"v": "inner"})
	if v, _ := sc.Lookup("v"); v != "inner" {
		t.Errorf("inner block var must win: %v", v)
	}
	if v, _ := sc.Lookup("o"); v != 1 {
		t.Errorf("outer-only var lost: %v", v)
	}
}

func TestReplaceNotMerge(t *testing.T) {
	// hash_behaviour=replace: a dict in a higher layer hides the lower one.
	var sc *Scope
	sc = sc.With(PlayVars, map[string]any{"d": map[string]any{"a": 1, "b": 2}})
	sc = sc.With(ExtraVars, map[string]any{"d": map[string]any{"a": 9}})
	v, _ := sc.Lookup("d")
	if !reflect.DeepEqual(v, map[string]any{"a": 9}) {
		t.Errorf("d = %v, want the extra-vars dict alone", v)
	}
	if f := sc.Flatten(); !reflect.DeepEqual(f["d"], map[string]any{"a": 9}) {
		t.Errorf("Flatten d = %v", f["d"])
	}
}

func TestImmutableAndBelow(t *testing.T) {
	var base *Scope
	base = base.With(PlayVars, map[string]any{"p": 1})
	a := base.With(TaskVars, map[string]any{"x": "a"})
	b := base.With(TaskVars, map[string]any{"x": "b"})
	if v, _ := a.Lookup("x"); v != "a" {
		t.Errorf("a.x = %v", v)
	}
	if v, _ := b.Lookup("x"); v != "b" {
		t.Errorf("b.x = %v (scopes must not share a mutated layer)", v)
	}
	if _, ok := base.Lookup("x"); ok {
		t.Error("base changed by With")
	}
	full := a.With(ExtraVars, map[string]any{"e": 1, "p": 2})
	below := full.Below(TaskVars)
	if _, ok := below.Lookup("x"); ok {
		t.Error("Below(TaskVars) must drop task vars")
	}
	if v, _ := below.Lookup("p"); v != 1 {
		t.Errorf("Below keeps play vars, p = %v", v)
	}
	// Appending to a Below scope must not clobber the original's layers.
	_ = below.With(TaskVars, map[string]any{"x": "clobber"})
	if v, _ := full.Lookup("x"); v != "a" {
		t.Errorf("original changed through Below: x = %v", v)
	}
}

func TestKeysAndEmpty(t *testing.T) {
	var sc *Scope
	if _, ok := sc.Lookup("x"); ok || sc.Keys() != nil || len(sc.Flatten()) != 0 {
		t.Error("nil scope must be empty")
	}
	if sc.With(PlayVars, nil) != nil || sc.With(PlayVars, map[string]any{}) != nil {
		t.Error("empty layers are skipped")
	}
	sc = sc.With(PlayVars, map[string]any{"b": 1, "a": 1}).With(Facts, map[string]any{"a": 2, "c": 3})
	if got := sc.Keys(); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("Keys = %v", got)
	}
	if v, ok := sc.Get("a"); !ok || v != 1 {
		t.Errorf("Get(a) = %v (play vars above facts)", v)
	}
	if f := sc.Flatten(); f["a"] != 1 || f["c"] != 3 {
		t.Errorf("Flatten = %v", f)
	}
}
