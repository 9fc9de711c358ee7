package loadgen

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Plot draws CPU per answer and p99 latency of every server at every
// load, one line per load, to file (.svg or .png).
func Plot(file string, rep Report) error {
	var servers []string
	for _, c := range rep.Cells {
		if !slices.Contains(servers, c.Server) {
			servers = append(servers, c.Server)
		}
	}
	cpu := newPlot("Server CPU time per answer (µs, log scale)", servers)
	lat := newPlot("p99 latency (µs, log scale)", servers)
	for k, l := range rep.Loads {
		var cpuPts, latPts plotter.XYs
		for _, c := range rep.Cells {
			if c.Load != l.Name || c.Skipped != "" || c.Answers == 0 {
				continue
			}
			x := float64(slices.Index(servers, c.Server))
			if c.CPUPerAnswerUs > 0 {
				cpuPts = append(cpuPts, plotter.XY{X: x, Y: c.CPUPerAnswerUs})
			}
			if c.P99us > 0 {
				latPts = append(latPts, plotter.XY{X: x, Y: c.P99us})
			}
		}
		if err := addSeries(cpu, l.Name, cpuPts, k); err != nil {
			return err
		}
		if err := addSeries(lat, l.Name, latPts, k); err != nil {
			return err
		}
	}
	w, h := vg.Length(max(7, 0.7*float64(len(servers))))*vg.Inch, 8*vg.Inch
	var canvas vg.CanvasWriterTo
	switch {
	case strings.HasSuffix(file, ".svg"):
		canvas = vgsvg.New(w, h)
	default:
		canvas = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(110))}
	}
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Millimeter * 3, PadBottom: vg.Millimeter * 3,
		PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3, PadY: vg.Millimeter * 6}
	plots := [][]*plot.Plot{{cpu}, {lat}}
	canvases := plot.Align(plots, tiles, draw.New(canvas))
	cpu.Draw(canvases[0][0])
	lat.Draw(canvases[1][0])
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if _, err := canvas.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("plot %s: %w", file, err)
	}
	return f.Close()
}

// newPlot returns an empty plot with the servers along X and a log Y.
func newPlot(title string, servers []string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.NominalX(servers...)
	p.X.Tick.Label.Rotation = 0.5
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
	p.Legend.Top = true
	p.Legend.Left = true
	p.X.Min, p.X.Max = -0.5, float64(len(servers))-0.5
	p.Add(plotter.NewGrid())
	return p
}

// addSeries adds one load level's points to p as a line with marks.
func addSeries(p *plot.Plot, name string, pts plotter.XYs, k int) error {
	if len(pts) == 0 {
		return nil
	}
	line, points, err := plotter.NewLinePoints(pts)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	line.Color = plotutil.Color(k)
	line.Dashes = plotutil.Dashes(k)
	points.Color = plotutil.Color(k)
	points.Shape = plotutil.Shape(k)
	p.Add(line, points)
	p.Legend.Add(name, line, points)
	return nil
}
