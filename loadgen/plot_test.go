package loadgen

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// plotReport is a run of three servers at two loads, with a skipped cell,
// a cell without answers and names that need escaping in XML.
func plotReport() Report {
	return Report{
		Loads: []Load{{Name: "lockstep 16"}, {Name: "pipelined <16x16> & more"}},
		Cells: []Cell{
			{Server: "self", Load: "lockstep 16", Answers: 10, CPUPerAnswerUs: 3.5, P99us: 120},
			{Server: "py&poll", Load: "lockstep 16", Answers: 10, CPUPerAnswerUs: 40, P99us: 2500},
			{Server: `"floor"`, Load: "lockstep 16", Answers: 10, P99us: 80}, // a peer: no CPU figure
			{Server: "ctl\x01", Load: "lockstep 16", Answers: 10, P99us: 90},
			{Server: "self", Load: "pipelined <16x16> & more", Answers: 10, CPUPerAnswerUs: 0.8, P99us: 9000},
			{Server: "py&poll", Load: "pipelined <16x16> & more", Skipped: "does not pipeline", CPUPerAnswerUs: math.NaN()},
			{Server: `"floor"`, Load: "pipelined <16x16> & more", Answers: 0, CPUPerAnswerUs: math.Inf(1), P99us: math.NaN()},
		},
	}
}

// decodeSVG decodes the whole document with encoding/xml and returns the
// text of its text elements.
func decodeSVG(t *testing.T, doc []byte) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var texts []string
	var inText bool
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, doc)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
			inText = tok.Name.Local == "text"
			if inText {
				texts = append(texts, "")
			}
		case xml.CharData:
			if inText {
				texts[len(texts)-1] += string(tok)
			}
		case xml.EndElement:
			inText = false
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q, want svg", root)
	}
	return texts
}

func TestWriteSVG(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSVG(&buf, plotReport()); err != nil {
		t.Fatal(err)
	}
	doc := buf.Bytes()
	texts := decodeSVG(t, doc)
	count := func(s string) int {
		n := 0
		for _, x := range texts {
			if x == s {
				n++
			}
		}
		return n
	}
	// Every server is named on both x axes; every load with a point is in
	// the legend of both charts (pipelined has a CPU and a p99 point).
	for _, name := range []string{"self", "py&poll", `"floor"`, "lockstep 16", "pipelined <16x16> & more"} {
		if n := count(name); n != 2 {
			t.Errorf("%q appears %d times as text, want 2 (one per chart)", name, n)
		}
	}
	for _, title := range []string{"Server CPU time per answer (µs, log scale)", "p99 latency (µs, log scale)"} {
		if count(title) != 1 {
			t.Errorf("title %q missing", title)
		}
	}
	// Decade labels: CPU spans 0.8..40 µs, p99 80..9000 µs.
	for _, label := range []string{"0.1", "1", "10", "100", "1000", "10000"} {
		if count(label) == 0 {
			t.Errorf("decade label %q missing", label)
		}
	}
	for _, bad := range []string{"NaN", "Inf", "<16x16>", "py&poll"} {
		if bytes.Contains(doc, []byte(bad)) {
			t.Errorf("SVG contains %q", bad)
		}
	}
	if !bytes.Contains(doc, []byte("py&amp;poll")) {
		t.Errorf("SVG does not escape & in a server name")
	}
}

func TestWriteSVGEmpty(t *testing.T) {
	for _, rep := range []Report{
		{},
		{Loads: []Load{{Name: "l"}}, Cells: []Cell{{Server: "s", Load: "l", Skipped: "no"}}},
		{Loads: []Load{{Name: "l"}}, Cells: []Cell{{Server: "s", Load: "l", Answers: 1, P99us: 7}}},
	} {
		var buf bytes.Buffer
		if err := WriteSVG(&buf, rep); err != nil {
			t.Fatal(err)
		}
		decodeSVG(t, buf.Bytes())
		if s := buf.String(); strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
			t.Errorf("SVG of %+v contains NaN or Inf", rep)
		}
	}
}

func TestPlotFile(t *testing.T) {
	dir := t.TempDir()
	svg := filepath.Join(dir, "run.svg")
	if err := Plot(svg, plotReport()); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	decodeSVG(t, doc)

	png := filepath.Join(dir, "run.png")
	err = Plot(png, plotReport())
	if err == nil || !strings.Contains(err.Error(), "rsvg-convert") {
		t.Errorf("Plot(%s) = %v, want an error naming rsvg-convert", png, err)
	}
	if _, err := os.Stat(png); err == nil {
		t.Errorf("Plot wrote %s", png)
	}
	if err := CheckPlotFile("x.gif"); err == nil {
		t.Errorf("CheckPlotFile(x.gif) = nil")
	}
}

func TestWriteXMLText(t *testing.T) {
	for in, want := range map[string]string{
		"a<b>&c":       "a&lt;b&gt;&amp;c",
		"µs \"q\" 'x'": "µs \"q\" 'x'",
		"bell\x07\xff": "bell\uFFFD\uFFFD",
		"tab\tnl\n":    "tab\tnl\n",
	} {
		var b bytes.Buffer
		writeXMLText(&b, in)
		if b.String() != want {
			t.Errorf("writeXMLText(%q) = %q, want %q", in, b.String(), want)
		}
		decodeSVG(t, []byte("<svg><text>"+b.String()+"</text></svg>"))
	}
}

func TestDecadeLabel(t *testing.T) {
	for d, want := range map[int]string{-4: "1e-04", -3: "0.001", -1: "0.1", 0: "1", 2: "100", 5: "100000", 6: "1e+06"} {
		if got := decadeLabel(d); got != want {
			t.Errorf("decadeLabel(%d) = %q, want %q", d, got, want)
		}
	}
}
