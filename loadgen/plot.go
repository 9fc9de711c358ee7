package loadgen

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CheckPlotFile reports whether file is a name Plot can write: it must end
// in .svg. A .png is refused with the command that converts the SVG.
func CheckPlotFile(file string) error {
	switch {
	case strings.HasSuffix(file, ".svg"):
		return nil
	case strings.HasSuffix(file, ".png"):
		svg := strings.TrimSuffix(file, ".png") + ".svg"
		return fmt.Errorf("--plot %s: netkit writes SVG only; write %s and convert it, e.g. rsvg-convert -o %s %s", file, svg, file, svg)
	}
	return fmt.Errorf("--plot %s: the file name must end in .svg", file)
}

// Plot draws CPU per answer and p99 latency of every server at every
// load, one line per load, to file, which must end in .svg.
func Plot(file string, rep Report) error {
	if err := CheckPlotFile(file); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := WriteSVG(&buf, rep); err != nil {
		return err
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o666); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

// Geometry of the drawing, in SVG user units (pixels at 96 dpi).
const (
	panelHeight = 400 // one chart with its title and axis labels
	marginLeft  = 70  // room for the y tick labels
	marginRight = 20
	titleHeight = 36
	fontSize    = 12
	charWidth   = 7 // average width of a character at fontSize
)

// plotColors and plotDashes style the line of load k (cycling); the colours
// are those gonum/plot's plotutil used, so old and new charts look alike.
var (
	plotColors = []string{"#f15a60", "#7ac36a", "#5a9bd4", "#faa75b", "#9e67ab", "#ce7058", "#d77fb4"}
	plotDashes = []string{"", "6,2", "2,2", "8,3,2,3", "1,2"}
)

// style returns the colour and dash pattern of load k's line.
func style(k int) (color, dash string) {
	return plotColors[k%len(plotColors)], plotDashes[k%len(plotDashes)]
}

// series is one load's points on one chart: y per server index (x).
type series struct {
	name string
	k    int // index of the load, for its colour, dash and marker
	x    []int
	y    []float64
}

// chart is one of the two stacked charts.
type chart struct {
	title  string
	series []series
}

// WriteSVG writes the two charts of Plot, as one SVG document, to w.
// Cells that were skipped, got no answers or have no positive finite value
// are left out (a log scale has no place for 0).
func WriteSVG(w io.Writer, rep Report) error {
	var servers []string
	for _, c := range rep.Cells {
		if !slices.Contains(servers, c.Server) {
			servers = append(servers, c.Server)
		}
	}
	cpu := chart{title: "Server CPU time per answer (µs, log scale)"}
	lat := chart{title: "p99 latency (µs, log scale)"}
	for k, l := range rep.Loads {
		cs := series{name: l.Name, k: k}
		ls := series{name: l.Name, k: k}
		for _, c := range rep.Cells {
			if c.Load != l.Name || c.Skipped != "" || c.Answers == 0 {
				continue
			}
			x := slices.Index(servers, c.Server)
			if plottable(c.CPUPerAnswerUs) {
				cs.x, cs.y = append(cs.x, x), append(cs.y, c.CPUPerAnswerUs)
			}
			if plottable(c.P99us) {
				ls.x, ls.y = append(ls.x, x), append(ls.y, c.P99us)
			}
		}
		if len(cs.x) > 0 {
			cpu.series = append(cpu.series, cs)
		}
		if len(ls.x) > 0 {
			lat.series = append(lat.series, ls)
		}
	}

	longest := 0
	for _, s := range servers {
		longest = max(longest, len([]rune(s)))
	}
	width := max(700, 70*len(servers)+marginLeft+marginRight)
	// The server names are written at 30°: half their length goes down.
	marginBottom := 16 + min(160, longest*charWidth/2+fontSize)
	p := &svgWriter{}
	p.printf(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="%d">`+"\n",
		width, 2*panelHeight, width, 2*panelHeight, fontSize)
	p.printf(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	for i, c := range []chart{cpu, lat} {
		area := rect{
			left:   marginLeft,
			right:  float64(width - marginRight),
			top:    float64(i*panelHeight + titleHeight),
			bottom: float64((i+1)*panelHeight - marginBottom),
		}
		p.chart(c, servers, area)
	}
	p.printf("</svg>\n")
	_, err := w.Write(p.buf.Bytes())
	return err
}

// plottable reports whether v has a place on a log scale.
func plottable(v float64) bool {
	return v > 0 && !math.IsInf(v, 1)
}

// rect is a chart's plot area.
type rect struct{ left, right, top, bottom float64 }

// svgWriter collects the document.
type svgWriter struct {
	buf bytes.Buffer
}

func (p *svgWriter) printf(format string, args ...any) {
	fmt.Fprintf(&p.buf, format, args...)
}

// text writes s as a text element at (x, y) with the given attributes.
func (p *svgWriter) text(x, y float64, attrs, s string) {
	p.printf(`<text x="%.1f" y="%.1f"%s>`, x, y, attrs)
	writeXMLText(&p.buf, s)
	p.printf("</text>\n")
}

// chart draws c in area: title, grid, axes with their ticks, lines, legend.
func (p *svgWriter) chart(c chart, servers []string, area rect) {
	lo, hi := decades(c.series)
	n := max(1, len(servers))
	// Servers sit at 0..n-1, with half a step of room on either side.
	xAt := func(x int) float64 {
		return area.left + (float64(x)+0.5)*(area.right-area.left)/float64(n)
	}
	yAt := func(v float64) float64 {
		f := (math.Log10(v) - float64(lo)) / float64(hi-lo)
		return area.bottom - f*(area.bottom-area.top)
	}

	p.printf("<g>\n")
	p.text((area.left+area.right)/2, area.top-14, ` text-anchor="middle" font-size="15"`, c.title)

	// Grid and y ticks: a labelled tick and a grid line at every decade,
	// small ticks at 2..9 times it.
	for d := lo; d <= hi; d++ {
		y := yAt(math.Pow(10, float64(d)))
		p.printf(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", area.left, y, area.right, y)
		p.printf(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", area.left-6, y, area.left, y)
		p.text(area.left-9, y+4, ` text-anchor="end"`, decadeLabel(d))
		if d == hi {
			break
		}
		for m := 2; m <= 9; m++ {
			y := yAt(float64(m) * math.Pow(10, float64(d)))
			p.printf(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", area.left-3, y, area.left, y)
		}
	}
	// x ticks: one per server, its name at 30° below.
	for i, s := range servers {
		x := xAt(i)
		p.printf(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", x, area.top, x, area.bottom)
		p.printf(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", x, area.bottom, x, area.bottom+6)
		ty := area.bottom + 12
		p.text(x, ty, fmt.Sprintf(` text-anchor="end" transform="rotate(-30 %.1f %.1f)"`, x, ty), s)
	}
	p.printf(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="black"/>`+"\n",
		area.left, area.top, area.right-area.left, area.bottom-area.top)

	for _, s := range c.series {
		color, dash := style(s.k)
		var pts strings.Builder
		for j := range s.x {
			fmt.Fprintf(&pts, "%.1f,%.1f ", xAt(s.x[j]), yAt(s.y[j]))
		}
		p.printf(`<polyline points="%s" fill="none" stroke="%s" stroke-width="1.5"%s/>`+"\n",
			strings.TrimSpace(pts.String()), color, dashAttr(dash))
		for j := range s.x {
			p.marker(s.k, xAt(s.x[j]), yAt(s.y[j]), color)
		}
	}
	p.legend(c.series, area)
	p.printf("</g>\n")
}

// legend draws a box in the top left corner of area naming every series
// with a sample of its line and marker.
func (p *svgWriter) legend(ss []series, area rect) {
	if len(ss) == 0 {
		return
	}
	longest := 0
	for _, s := range ss {
		longest = max(longest, len([]rune(s.name)))
	}
	x0, y0 := area.left+8, area.top+8
	w, h := float64(52+charWidth*longest), float64(8+16*len(ss))
	p.printf(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="white" fill-opacity="0.85" stroke="#999"/>`+"\n", x0, y0, w, h)
	for i, s := range ss {
		color, dash := style(s.k)
		y := y0 + 12 + 16*float64(i)
		p.printf(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5"%s/>`+"\n",
			x0+6, y, x0+38, y, color, dashAttr(dash))
		p.marker(s.k, x0+22, y, color)
		p.text(x0+44, y+4, "", s.name)
	}
}

// marker draws the marker of load k centred on (x, y): a ring, square,
// triangle, diamond or cross, cycling.
func (p *svgWriter) marker(k int, x, y float64, color string) {
	const r = 3.5
	stroke := fmt.Sprintf(`fill="none" stroke="%s" stroke-width="1.2"`, color)
	switch k % 5 {
	case 0:
		p.printf(`<circle cx="%.1f" cy="%.1f" r="%.1f" %s/>`+"\n", x, y, r, stroke)
	case 1:
		p.printf(`<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" %s/>`+"\n", x-r, y-r, 2*r, 2*r, stroke)
	case 2:
		p.printf(`<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f" %s/>`+"\n", x, y-r, x+r, y+r, x-r, y+r, stroke)
	case 3:
		p.printf(`<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f" %s/>`+"\n", x, y-r, x+r, y, x, y+r, x-r, y, stroke)
	default:
		p.printf(`<path d="M%.1f,%.1f L%.1f,%.1f M%.1f,%.1f L%.1f,%.1f" %s/>`+"\n", x-r, y-r, x+r, y+r, x-r, y+r, x+r, y-r, stroke)
	}
}

// writeXMLText writes s as XML character data: &, < and > escaped, and
// invalid UTF-8 and control characters XML does not allow replaced by
// U+FFFD. (encoding/xml's EscapeText would do, but linking encoding/xml
// adds its package initialisation to every netkit start.)
func writeXMLText(b *bytes.Buffer, s string) {
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r < ' ' && r != '\t' && r != '\n' && r != '\r', r == 0xFFFE, r == 0xFFFF:
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r) // an invalid byte of s came as utf8.RuneError
		}
	}
}

// dashAttr is the stroke-dasharray attribute for dash ("" for solid).
func dashAttr(dash string) string {
	if dash == "" {
		return ""
	}
	return fmt.Sprintf(` stroke-dasharray="%s"`, dash)
}

// decades returns the powers of ten lo < hi that enclose every value of
// ss; 10^0..10^1 when there is none.
func decades(ss []series) (lo, hi int) {
	minV, maxV := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, v := range s.y {
			minV, maxV = min(minV, v), max(maxV, v)
		}
	}
	if math.IsInf(minV, 1) {
		return 0, 1
	}
	lo, hi = int(math.Floor(math.Log10(minV))), int(math.Ceil(math.Log10(maxV)))
	if hi <= lo {
		hi = lo + 1
	}
	return lo, hi
}

// decadeLabel is the label of the tick at 10^d: 0.01, 0.1, 1, 10, ...,
// 100000, then 1e+06 and so on.
func decadeLabel(d int) string {
	if d >= -3 && d <= 5 {
		return strconv.FormatFloat(math.Pow10(d), 'f', -1, 64)
	}
	return fmt.Sprintf("1e%+03d", d)
}
