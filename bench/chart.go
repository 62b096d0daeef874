package main

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// chart draws the median wall time of every tool over the matrix cells
// (log scale), first runs solid, idempotent second runs dashed.
func (r *results) chart(path string) error {
	var cells []*cellResult
	for _, c := range r.Cells {
		if c.DelayMS == 0 && !c.Facts {
			cells = append(cells, c)
		}
	}
	if len(cells) == 0 {
		return fmt.Errorf("no cells to draw")
	}
	p := plot.New()
	p.Title.Text = "swarmbook vs ansible-playbook: median wall time (log scale)"
	p.Y.Label.Text = "wall time, seconds"
	p.X.Label.Text = "hosts × tasks"
	p.Y.Scale = plot.LogScale{}
	var yt []plot.Tick
	for _, v := range []float64{0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000, 3000} {
		yt = append(yt, plot.Tick{Value: v, Label: fmt.Sprint(v)})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(yt)
	p.Legend.Top = true
	p.Legend.Left = true
	var ticks []plot.Tick
	for i, c := range cells {
		ticks = append(ticks, plot.Tick{Value: float64(i), Label: fmt.Sprintf("%d×%d", c.Hosts, c.Tasks)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max = -0.5, float64(len(cells))-0.5

	colors := map[string]color.Color{
		"S":      color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
		"S-free": color.RGBA{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff},
		"A1":     color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
		"A0":     color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff},
		"A2":     color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	}
	for ti, t := range allTools {
		for _, ph := range []string{"first", "second"} {
			var pts plotter.XYs
			for i, c := range cells {
				if g, ok := findGroup(c.groups(), t.Name, ph); ok && g.Wall.Med > 0 {
					pts = append(pts, plotter.XY{X: float64(i), Y: g.Wall.Med})
				}
			}
			if len(pts) == 0 {
				continue
			}
			l, s, err := plotter.NewLinePoints(pts)
			if err != nil {
				return err
			}
			l.Color, s.Color = colors[t.Name], colors[t.Name]
			s.Shape = draw.GlyphDrawer(draw.CircleGlyph{})
			if ph == "second" {
				l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
				s.Shape = draw.GlyphDrawer(draw.TriangleGlyph{})
			}
			_ = ti
			p.Add(l, s)
			p.Legend.Add(fmt.Sprintf("%s %s run", t.Name, ph), l, s)
		}
	}
	p.Add(plotter.NewGrid())
	return p.Save(10*vg.Inch, 6*vg.Inch, path)
}
