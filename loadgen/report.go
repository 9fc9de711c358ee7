package loadgen

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Load is one load level of a benchmark: Conns connections, lockstep
// (Depth 1) or pipelined Depth deep, or reconnecting for every dialog.
type Load struct {
	Name      string `json:"name"`
	Conns     int    `json:"conns"`
	Depth     int    `json:"depth"`
	Reconnect bool   `json:"reconnect,omitempty"`
}

// Cell is the measurement of one server at one load, as a benchmark
// reports it (times in µs).
type Cell struct {
	// Peer is set for servers other than netkit's own.
	Peer          bool    `json:"peer,omitempty"`
	Server        string  `json:"server"`
	Load          string  `json:"load"`
	AnswersPerSec float64 `json:"answers_per_sec"`
	Answers       int64   `json:"answers"`
	Errors        int64   `json:"errors"`
	FirstError    string  `json:"first_error,omitempty"`
	ConnsAnswered int     `json:"conns_answered"`
	Conns         int     `json:"conns"`
	P50us         float64 `json:"p50_us"`
	P99us         float64 `json:"p99_us"`
	P999us        float64 `json:"p999_us"`
	GenCPUShare   float64 `json:"gen_cpu_share"`
	// Server figures, for servers netkit started (0 otherwise).
	CPUPerAnswerUs  float64 `json:"server_cpu_per_answer_us,omitempty"`
	UserPerAnswerUs float64 `json:"server_user_per_answer_us,omitempty"`
	SysPerAnswerUs  float64 `json:"server_sys_per_answer_us,omitempty"`
	ServerCPUShare  float64 `json:"server_cpu_share,omitempty"`
	RSSKiB          int64   `json:"server_rss_kib,omitempty"`
	XBest           float64 `json:"x_best,omitempty"`
	XFloor          float64 `json:"x_floor,omitempty"`
	Skipped         string  `json:"skipped,omitempty"`
}

// IdleResult is the idle-connection measurement of one server: its RSS
// before and after Conns idle connections were opened.
type IdleResult struct {
	// Peer is set for servers other than netkit's own.
	Peer       bool    `json:"peer,omitempty"`
	Server     string  `json:"server"`
	Conns      int     `json:"conns"`
	RSSBefore  int64   `json:"rss_before_kib"`
	RSSAfter   int64   `json:"rss_after_kib"`
	KiBPerConn float64 `json:"kib_per_conn"`
	Note       string  `json:"note,omitempty"`
}

// Report is everything one benchmark run measured.
type Report struct {
	Machine  Machine `json:"machine"`
	Duration string  `json:"duration_per_cell"`
	// Repeat is how many times each cell was measured; the table keeps the
	// run with the least server CPU per answer.
	Repeat int          `json:"repeat_per_cell,omitempty"`
	Loads  []Load       `json:"loads"`
	Cells  []Cell       `json:"cells"`
	Idle   []IdleResult `json:"idle,omitempty"`
}

// Machine describes where a benchmark ran.
type Machine struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpu_model,omitempty"`
	Kernel    string `json:"kernel,omitempty"`
	GoVersion string `json:"go"`
	ServerCPU int    `json:"server_cpu"`
	LoadCPU   int    `json:"load_cpu"`
	Pinned    bool   `json:"pinned"`
	Start     string `json:"start"`
}

// Label names a load level as the tables do.
func (l Load) Label() string {
	switch {
	case l.Reconnect:
		return fmt.Sprintf("reconnect c=%d", l.Conns)
	case l.Depth > 1:
		return fmt.Sprintf("pipelined %dx%d", l.Conns, l.Depth)
	default:
		return fmt.Sprintf("lockstep c=%d", l.Conns)
	}
}

// AddRatios sets each cell's CPU per answer relative to the best server and
// to the floor (the best peer named floor...) of its load. Cells with
// errors do not count as the best.
func AddRatios(cells []Cell) {
	best := map[string]float64{}
	floor := map[string]float64{}
	for _, c := range cells {
		if c.CPUPerAnswerUs <= 0 || c.Errors > 0 {
			continue
		}
		if b, ok := best[c.Load]; !ok || c.CPUPerAnswerUs < b {
			best[c.Load] = c.CPUPerAnswerUs
		}
		if strings.HasPrefix(c.Server, "floor") {
			if f, ok := floor[c.Load]; !ok || c.CPUPerAnswerUs < f {
				floor[c.Load] = c.CPUPerAnswerUs
			}
		}
	}
	for i := range cells {
		c := &cells[i]
		if c.CPUPerAnswerUs <= 0 {
			continue
		}
		if b := best[c.Load]; b > 0 {
			c.XBest = c.CPUPerAnswerUs / b
		}
		if f := floor[c.Load]; f > 0 {
			c.XFloor = c.CPUPerAnswerUs / f
		}
	}
}

// WriteMarkdown writes the results as Markdown tables.
func WriteMarkdown(w io.Writer, rep Report) {
	tw := tabwriter.NewWriter(w, 0, 8, 1, ' ', 0)
	fmt.Fprintln(tw, "| server\t| load\t| answers/s\t| CPU µs/answer (user+sys)\t| x best\t| x floor\t| p50 µs\t| p99 µs\t| p999 µs\t| errors\t| conns served\t| RSS MiB\t| gen CPU\t|")
	fmt.Fprintln(tw, "| ---\t| ---\t| ---:\t| ---:\t| ---:\t| ---:\t| ---:\t| ---:\t| ---:\t| ---:\t| ---:\t| ---:\t| ---:\t|")
	for _, c := range rep.Cells {
		if c.Skipped != "" {
			fmt.Fprintf(tw, "| %s\t| %s\t| skipped: %s\t|\t|\t|\t|\t|\t|\t|\t|\t|\t|\t|\n", c.Server, c.Load, c.Skipped)
			continue
		}
		cpu, xb, xf, rss := "-", "-", "-", "-"
		if c.CPUPerAnswerUs > 0 {
			cpu = fmt.Sprintf("%.2f (%.2f+%.2f)", c.CPUPerAnswerUs, c.UserPerAnswerUs, c.SysPerAnswerUs)
			rss = fmt.Sprintf("%.1f", float64(c.RSSKiB)/1024)
		}
		if c.XBest > 0 {
			xb = fmt.Sprintf("%.2f", c.XBest)
		}
		if c.XFloor > 0 {
			xf = fmt.Sprintf("%.2f", c.XFloor)
		}
		errs := fmt.Sprint(c.Errors)
		if c.Errors > 0 {
			errs += " (" + clipText(c.FirstError, 50) + ")"
		}
		fmt.Fprintf(tw, "| %s\t| %s\t| %.0f\t| %s\t| %s\t| %s\t| %.0f\t| %.0f\t| %.0f\t| %s\t| %d/%d\t| %s\t| %.0f%%\t|\n",
			c.Server, c.Load, c.AnswersPerSec, cpu, xb, xf, c.P50us, c.P99us, c.P999us, errs,
			c.ConnsAnswered, c.Conns, rss, c.GenCPUShare*100)
	}
	tw.Flush()
	if len(rep.Idle) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(tw, "| server\t| idle conns\t| RSS before KiB\t| RSS after KiB\t| KiB per idle conn\t| note\t|")
		fmt.Fprintln(tw, "| ---\t| ---:\t| ---:\t| ---:\t| ---:\t| ---\t|")
		for _, i := range rep.Idle {
			fmt.Fprintf(tw, "| %s\t| %d\t| %d\t| %d\t| %.2f\t| %s\t|\n", i.Server, i.Conns, i.RSSBefore, i.RSSAfter, i.KiBPerConn, clipText(i.Note, 60))
		}
		tw.Flush()
	}
}

// clipText shortens s to n runes for a table.
func clipText(s string, n int) string {
	s = strings.ReplaceAll(s, "|", "/")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
