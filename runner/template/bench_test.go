package template

import (
	"context"
	"testing"
)

func TestPlainStringDoesNotAllocate(t *testing.T) {
	e := New(Options{})
	ctx := context.Background()
	s := mapScope{}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := e.RenderString(ctx, "just a plain string with { braces }", s); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("RenderString of a plain string allocated %v times", allocs)
	}
}

func BenchmarkRenderPlain(b *testing.B) {
	e := New(Options{})
	ctx := context.Background()
	s := mapScope{}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = e.RenderString(ctx, "just a plain string", s)
	}
}

func BenchmarkRenderSimpleVar(b *testing.B) {
	e := New(Options{})
	ctx := context.Background()
	s := mapScope{"x": "value"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Render(ctx, "{{ x }}", s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderFilters(b *testing.B) {
	e := New(Options{})
	ctx := context.Background()
	s := mapScope{"l": []any{"a", "b", "c"}, "d": map[string]any{"k": "v"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Render(ctx, "{{ l | map('upper') | join(',') }}-{{ d.k | default('x') }}", s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTruth(b *testing.B) {
	e := New(Options{})
	ctx := context.Background()
	s := mapScope{"x": 5, "y": "abc"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Truth(ctx, "x > 3 and y is defined", s); err != nil {
			b.Fatal(err)
		}
	}
}
