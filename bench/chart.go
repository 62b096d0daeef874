package main

import (
	"fmt"
	"image/color"
	"os"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// chart draws two panels over the matrix cells (hosts × tasks, loopback,
// facts off, log scale): median wall time and median controller CPU of
// every tool; first runs solid, idempotent second runs dashed.
func (r *results) chart(path string) error {
	var cells []*cellResult
	for _, c := range r.Cells {
		if c.DelayMS == 0 && !c.Facts && c.Only == "" && (c.Tasks == 10 || c.Tasks == 100) {
			cells = append(cells, c)
		}
	}
	if len(cells) == 0 {
		return fmt.Errorf("no cells to draw")
	}
	sort.SliceStable(cells, func(i, j int) bool {
		if cells[i].Hosts != cells[j].Hosts {
			return cells[i].Hosts < cells[j].Hosts
		}
		return cells[i].Tasks < cells[j].Tasks
	})
	wall, err := panel(cells, "median wall time (s, log scale)", func(g group) float64 { return g.Wall.Med })
	if err != nil {
		return err
	}
	cpu, err := panel(cells, "median controller CPU, user+sys, whole tree (s, log scale)", func(g group) float64 { return g.CPU.Med })
	if err != nil {
		return err
	}
	img := vgimg.New(16*vg.Inch, 6*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Inch / 4, PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 8}
	plots := [][]*plot.Plot{{wall, cpu}}
	canvases := plot.Align(plots, tiles, dc)
	wall.Draw(canvases[0][0])
	cpu.Draw(canvases[0][1])
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = vgimg.PngCanvas{Canvas: img}.WriteTo(f)
	return err
}

var toolColors = map[string]color.Color{
	"S":      color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	"S-free": color.RGBA{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff},
	"A1":     color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	"A0":     color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff},
	"A2":     color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
}

func panel(cells []*cellResult, title string, value func(group) float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "hosts × tasks"
	p.Y.Scale = plot.LogScale{}
	var yt []plot.Tick
	for _, v := range []float64{0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000, 3000} {
		yt = append(yt, plot.Tick{Value: v, Label: fmt.Sprint(v)})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(yt)
	p.Legend.Top, p.Legend.Left = true, true
	var xt []plot.Tick
	for i, c := range cells {
		xt = append(xt, plot.Tick{Value: float64(i), Label: fmt.Sprintf("%d×%d", c.Hosts, c.Tasks)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	p.X.Min, p.X.Max = -0.5, float64(len(cells))-0.5
	p.Add(plotter.NewGrid())
	for _, t := range allTools {
		for _, ph := range []string{"first", "second"} {
			var pts plotter.XYs
			for i, c := range cells {
				if g, ok := findGroup(c.groups(), t.Name, ph); ok && value(g) > 0 {
					pts = append(pts, plotter.XY{X: float64(i), Y: value(g)})
				}
			}
			if len(pts) == 0 {
				continue
			}
			l, s, err := plotter.NewLinePoints(pts)
			if err != nil {
				return nil, err
			}
			l.Color, s.Color = toolColors[t.Name], toolColors[t.Name]
			s.Shape = draw.CircleGlyph{}
			if ph == "second" {
				l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
				s.Shape = draw.TriangleGlyph{}
			}
			p.Add(l, s)
			p.Legend.Add(fmt.Sprintf("%s %s run", t.Name, ph), l, s)
		}
	}
	return p, nil
}
