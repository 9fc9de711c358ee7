package rcs

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/netkit-go/netkit/internal/testpeer"
	"github.com/netkit-go/netkit/rcs/internal/floor"
)

// synthFile writes the ,v text of an n-revision file of `lines` lines in
// which every revision changes `changes` lines, as tools/anchors/rcs.sh of
// the observed notes does. It returns the file and the text of 1.1.
func synthFile(n, lines, changes int) (raw, oldest []byte) {
	r := rand.New(rand.NewSource(42))
	cur := make([]string, lines)
	for i := range cur {
		cur[i] = fmt.Sprintf("line %04d: original text of this line, revision 1\n", i+1)
	}
	oldest = []byte(joinLines(cur))
	// scripts[r] turns revision r+1 into revision r (1-based revisions).
	scripts := make([][]byte, n+1)
	for rev := 2; rev <= n; rev++ {
		picked := map[int]bool{}
		for len(picked) < changes {
			picked[r.Intn(lines)] = true
		}
		var s bytes.Buffer
		for l := 0; l < lines; l++ {
			if !picked[l] {
				continue
			}
			fmt.Fprintf(&s, "d%d 1\na%d 1\n%s", l+1, l+1, cur[l])
			cur[l] = fmt.Sprintf("line %04d: changed in revision %d (rnd %d)\n", l+1, rev, r.Int31())
		}
		scripts[rev-1] = s.Bytes()
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "head\t1.%d;\naccess;\nsymbols;\nlocks; strict;\ncomment\t@# @;\n\n", n)
	base := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	for rev := n; rev >= 1; rev-- {
		next := ""
		if rev > 1 {
			next = fmt.Sprintf("1.%d", rev-1)
		}
		fmt.Fprintf(&b, "\n1.%d\ndate\t%s;\tauthor tester;\tstate Exp;\nbranches;\nnext\t%s;\n", rev, FormatDate(base.Add(time.Duration(rev)*time.Second)), next)
	}
	b.WriteString("\n\ndesc\n@anchor file\n@\n")
	for rev := n; rev >= 1; rev-- {
		fmt.Fprintf(&b, "\n\n1.%d\nlog\n@rev %d\n@\ntext\n@", rev, rev)
		if rev == n {
			b.WriteString(joinLines(cur))
		} else {
			b.Write(scripts[rev])
		}
		b.WriteString("@\n")
	}
	return b.Bytes(), oldest
}

func joinLines(ls []string) string {
	var b bytes.Buffer
	for _, l := range ls {
		b.WriteString(l)
	}
	return b.String()
}

// TestCheckoutOldestLinear checks out 1.1 of a 10,000-revision file and
// bounds the memory it allocates by a small multiple of the file size: no
// re-splitting of texts, no copies of lines, only line references.
func TestCheckoutOldestLinear(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 2000
	}
	raw, oldest := synthFile(n, 2000, 5)
	f, err := Parse("big,v", raw)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got, err := f.Checkout("1.1")
	runtime.ReadMemStats(&after)
	if err != nil || !bytes.Equal(got, oldest) {
		t.Fatalf("checkout of 1.1: %v", err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d revisions, %d-byte file: checkout of 1.1 allocated %d bytes", n, len(raw), alloc)
	if limit := uint64(len(oldest))*4 + 1<<20; alloc > limit {
		t.Errorf("checkout allocated %d bytes, more than %d", alloc, limit)
	}
}

func BenchmarkCheckoutOldest(b *testing.B) {
	raw, _ := synthFile(1000, 2000, 5)
	f, err := Parse("f.txt,v", raw)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := f.Checkout("1.1"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	raw, _ := synthFile(1000, 2000, 5)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := Parse("f.txt,v", raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSideBySide runs GNU RCS and netkit on the same files in one
// run, the tools interleaved in every round, and prints a table of the
// best time per operation of each and the ratios (GNU time ÷ netkit time);
// the anchor file's ratios are also reported as x-* metrics. Rows:
//
//   - library: Open and Checkout("1.1"); Update with one Checkin (the lock
//     is set before, untimed), against the GNU command for one file;
//   - one file per process: `co -q -p -r1.1 FILE` and `ci -q -f ... FILE`
//     against `netkit rcs co`/`netkit rcs ci` with the same arguments;
//   - N files per process: the same commands given N files, the time
//     divided by N (GNU ci still forks a diff per file).
//
// Every row also has a floor: the same operation done by package
// rcs/internal/floor, which only reads the file (co) or writes it again
// through the lock file and a rename (ci), in the test's process for the
// library rows and as a Go program of its own (rcs/testdata/floor) for
// the process rows. GNU ÷ floor is the largest ratio any Go program can
// reach on this machine.
//
// The files: the 1000-revision x 2000-line anchor file of the observed
// notes (N = 50) and a 10,000-revision one (N = 10; left out with -short).
// Each round resets the files before every check-in row.
func BenchmarkSideBySide(b *testing.B) {
	testpeer.Require(b, "ci", "apt-get install rcs")
	bin := b.TempDir()
	nk, fl := filepath.Join(bin, "netkit"), filepath.Join(bin, "floor")
	for _, build := range [][]string{{nk, "github.com/netkit-go/netkit/cmd/netkit"}, {fl, "./testdata/floor"}} {
		if out, err := exec.Command("go", "build", "-o", build[0], build[1]).CombinedOutput(); err != nil {
			b.Fatalf("building %s: %v\n%s", build[1], err, out)
		}
	}
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devNull.Close()
	sets := []*sideSet{newSideSet(b, 1000, 50, 5), newSideSet(b, 10000, 10, 2)}
	if testing.Short() {
		sets = sets[:1]
	}
	for _, s := range sets {
		s.nk, s.floor, s.devNull = nk, fl, devNull
	}
	for b.Loop() {
		for _, s := range sets {
			s.round()
		}
	}
	fmt.Printf("\n| operation (ms per file) | revisions | GNU RCS | netkit | floor | GNU ÷ netkit | GNU ÷ floor |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, s := range sets {
		for _, r := range sideRows {
			g, n, f := s.best[r.gnu], s.best[r.netkit], s.best[r.floor]
			fmt.Printf("| %s | %d | %.2f | %.3f | %.3f | %.1fx | %.1fx |\n", r.name, s.revs, ms(g), ms(n), ms(f), float64(g)/float64(n), float64(g)/float64(f))
			if s == sets[0] {
				b.ReportMetric(float64(g)/float64(n), "x-"+r.metric)
			}
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// sideRows are the rows of BenchmarkSideBySide's table: the names of
// the timings compared.
var sideRows = []struct{ name, metric, gnu, netkit, floor string }{
	{"`co -p -r1.1`, library call", "co-lib", "co-gnu-1", "co-lib", "co-floor-lib"},
	{"`co -p -r1.1`, one file per process", "co-proc", "co-gnu-1", "co-nk-1", "co-floor-1"},
	{"`co -p -r1.1`, N files per process", "co-batch", "co-gnu-n", "co-nk-n", "co-floor-n"},
	{"`ci` (5 lines changed), library call", "ci-lib", "ci-gnu-1", "ci-lib", "ci-floor-lib"},
	{"`ci`, library call that waits for the old file's close", "ci-lib-sync", "ci-gnu-1", "ci-lib-sync", "ci-floor-lib-sync"},
	{"`ci`, one file per process", "ci-proc", "ci-gnu-1", "ci-nk-1", "ci-floor-1"},
	{"`ci`, N files per process", "ci-batch", "ci-gnu-n", "ci-nk-n", "ci-floor-n"},
}

// sideSet is one file size of BenchmarkSideBySide: N copies of a
// synthetic file in a directory of their own.
type sideSet struct {
	b       *testing.B
	revs    int
	reps    int // runs of each one-file command per round
	dir     string
	raw     []byte
	files   []string // working names: f00.txt, f01.txt, ...
	head    [][]byte // the head's lines
	nk      string   // the netkit binary
	floor   string   // the floor program (rcs/testdata/floor)
	devNull *os.File
	checkin int // check-ins so far: each gets a later date
	best    map[string]time.Duration
}

func newSideSet(b *testing.B, revs, n, reps int) *sideSet {
	raw, _ := synthFile(revs, 2000, 5)
	s := &sideSet{b: b, revs: revs, reps: reps, dir: b.TempDir(), raw: raw, best: map[string]time.Duration{}}
	for i := range n {
		s.files = append(s.files, fmt.Sprintf("f%02d.txt", i))
	}
	f, err := Parse("f.txt,v", raw)
	if err != nil {
		b.Fatal(err)
	}
	head, _ := f.Checkout(f.Head)
	s.head = bytes.SplitAfter(head, []byte("\n"))
	return s
}

// note keeps the best time for key, per file.
func (s *sideSet) note(key string, d time.Duration, files int) {
	d /= time.Duration(files)
	if old, ok := s.best[key]; !ok || d < old {
		s.best[key] = d
	}
}

func (s *sideSet) run(args ...string) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir, cmd.Stdout = s.dir, s.devNull
	cmd.Env = append(os.Environ(), "TZ=UTC", "LOGNAME=tester", "USER=tester", "LC_ALL=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		s.b.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
}

// timed runs op and notes its time per file under key.
func (s *sideSet) timed(key string, files int, op func()) {
	start := time.Now()
	op()
	s.note(key, time.Since(start), files)
}

func (s *sideSet) reset() {
	for _, w := range s.files {
		p := filepath.Join(s.dir, w+",v")
		os.Remove(p)
		if err := os.WriteFile(p, s.raw, 0o444); err != nil {
			s.b.Fatal(err)
		}
	}
}

// prepare locks the head of each file and writes its working file: the
// head with 5 lines changed, as in the anchors.
func (s *sideSet) prepare(files []string) []byte {
	s.run(append([]string{"rcs", "-q", "-l"}, files...)...)
	var content []byte
	for _, w := range files {
		s.checkin++
		ls := append([][]byte(nil), s.head...)
		for k := range 5 {
			l := (s.checkin*397 + k*131) % len(ls)
			ls[l] = fmt.Appendf(nil, "line %04d: changed by benchmark check-in %d\n", l+1, s.checkin)
		}
		content = bytes.Join(ls, nil)
		if err := os.WriteFile(filepath.Join(s.dir, w), content, 0o644); err != nil {
			s.b.Fatal(err)
		}
	}
	return content
}

// date is a check-in date later than every earlier one.
func (s *sideSet) date() time.Time {
	return time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(s.checkin) * time.Second)
}

func (s *sideSet) ciArgs(files []string) []string {
	return append([]string{"ci", "-q", "-f", s.date().Format("-d2006/01/02 15:04:05"), "-wtester", "-mbench"}, files...)
}

// round runs every operation once (the one-file ones s.reps times).
func (s *sideSet) round() {
	one, all := s.files[:1], s.files
	co := func(files []string) []string { return append([]string{"co", "-q", "-p", "-r1.1"}, files...) }
	// The library calls are cheap: they run at least 5 times a round.
	libReps := max(s.reps, 5)
	s.reset()
	for i := range libReps {
		if i < s.reps {
			s.timed("co-gnu-1", 1, func() { s.run(co(one)...) })
			s.timed("co-nk-1", 1, func() { s.run(append([]string{s.nk, "rcs"}, co(one)...)...) })
			s.timed("co-floor-1", 1, func() { s.run(s.floorArgs("read", one)...) })
		}
		s.timed("co-lib", 1, func() {
			f, err := Open(filepath.Join(s.dir, one[0]+",v"))
			if err == nil {
				_, err = f.Checkout("1.1")
			}
			if err != nil {
				s.b.Fatal(err)
			}
		})
		s.timed("co-floor-lib", 1, func() {
			if _, err := floor.Read(filepath.Join(s.dir, one[0]+",v")); err != nil {
				s.b.Fatal(err)
			}
		})
	}
	s.timed("co-gnu-n", len(all), func() { s.run(co(all)...) })
	s.timed("co-nk-n", len(all), func() { s.run(append([]string{s.nk, "rcs"}, co(all)...)...) })
	s.timed("co-floor-n", len(all), func() { s.run(s.floorArgs("read", all)...) })
	for _, tool := range []string{"gnu", "nk", "floor", "lib", "lib-sync", "floor-lib", "floor-lib-sync"} {
		s.reset()
		reps := s.reps
		if strings.Contains(tool, "lib") {
			reps = libReps
		}
		for range reps {
			content := s.prepare(one)
			switch tool {
			case "gnu":
				s.timed("ci-gnu-1", 1, func() { s.run(s.ciArgs(one)...) })
			case "nk":
				s.timed("ci-nk-1", 1, func() { s.run(append([]string{s.nk, "rcs"}, s.ciArgs(one)...)...) })
			case "floor":
				s.timed("ci-floor-1", 1, func() { s.run(s.floorArgs("rewrite", one)...) })
			case "floor-lib", "floor-lib-sync":
				s.timed("ci-"+tool, 1, func() {
					release, err := floor.Rewrite(filepath.Join(s.dir, one[0]+",v"))
					if err != nil {
						s.b.Fatal(err)
					}
					if tool == "floor-lib" {
						go release()
					} else {
						release()
					}
				})
			case "lib", "lib-sync":
				background := closeReplaced
				if tool == "lib-sync" {
					// Close the replaced file before Update returns:
					// the caller then pays the freeing of its blocks,
					// as a GNU ci process does before it exits.
					closeReplaced = func(old *os.File) { old.Close() }
				}
				s.timed("ci-"+tool, 1, func() {
					_, err := Update(filepath.Join(s.dir, one[0]+",v"), false, func(f *File) error {
						_, err := f.Checkin(content, CheckinOptions{Author: "tester", Log: "bench", Force: true, Date: s.date()})
						return err
					})
					if err != nil {
						s.b.Fatal(err)
					}
				})
				closeReplaced = background
			}
		}
	}
	for _, tool := range []string{"gnu", "nk", "floor"} {
		s.reset()
		s.prepare(all)
		switch tool {
		case "gnu":
			s.timed("ci-gnu-n", len(all), func() { s.run(s.ciArgs(all)...) })
		case "nk":
			s.timed("ci-nk-n", len(all), func() { s.run(append([]string{s.nk, "rcs"}, s.ciArgs(all)...)...) })
		case "floor":
			s.timed("ci-floor-n", len(all), func() { s.run(s.floorArgs("rewrite", all)...) })
		}
	}
}

// floorArgs runs the floor program's op on the ,v files of files.
func (s *sideSet) floorArgs(op string, files []string) []string {
	args := []string{s.floor, op}
	for _, w := range files {
		args = append(args, w+",v")
	}
	return args
}

// BenchmarkCheckin is one library check-in (lock, check in 5 changed lines,
// write through the lock file) on a 1000- and a 10,000-revision file.
func BenchmarkCheckin(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			raw, _ := synthFile(n, 2000, 5)
			path := filepath.Join(b.TempDir(), "f.txt,v")
			os.WriteFile(path, raw, 0o444)
			pf, _ := Parse("f.txt,v", raw)
			head, _ := pf.Checkout(pf.Head)
			lines := bytes.SplitAfter(head, []byte("\n"))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				lines[(i*397)%2000] = fmt.Appendf(nil, "changed %d\n", i)
				content := bytes.Join(lines, nil)
				_, err := Update(path, false, func(f *File) error {
					if err := f.LockRev(f.Head, "tester"); err != nil {
						return err
					}
					_, err := f.Checkin(content, CheckinOptions{Author: "tester", Date: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkOpenCheckoutOldest is `co -p -r1.1` as a library call: read,
// parse, apply 999 (or 9,999) deltas.
func BenchmarkOpenCheckoutOldest(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			raw, _ := synthFile(n, 2000, 5)
			path := filepath.Join(b.TempDir(), "f.txt,v")
			os.WriteFile(path, raw, 0o444)
			b.ReportAllocs()
			for b.Loop() {
				f, err := Open(path)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := f.Checkout("1.1"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestVerbatimCopy checks that a check-in copies the untouched delta
// nodes and texts verbatim, and that the result equals writing every node
// and text anew, on the trunk and on a branch (which changes a node).
func TestVerbatimCopy(t *testing.T) {
	raw, _ := synthFile(50, 100, 3)
	for _, rev := range []string{"", "1.20.1"} {
		f, err := Parse("f.txt,v", raw)
		if err != nil {
			t.Fatal(err)
		}
		head, _ := f.Checkout(f.Head)
		f.Strict = false
		if _, err := f.Checkin(append(head, "one more line @ with an at\n"...), CheckinOptions{Rev: rev, Author: "tester", Date: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		// After a trunk check-in the records after the first two are
		// the end of the buffer, referenced as one segment.
		segs := f.segments()
		last := segs[len(segs)-1]
		if rev == "" && (len(last) < len(raw)/2 || &last[len(last)-1] != &f.buf[len(f.buf)-1]) {
			t.Fatalf("the last of %d segments (%d bytes) is not the end of the file buffer", len(segs), len(last))
		}
		if _, _, ok := f.rawNode(f.nodes[1]); !ok {
			t.Fatalf("node %s is not copied verbatim", f.nodes[1].Rev)
		}
		fast := f.Bytes()
		if slow := writtenAnew(f); !bytes.Equal(fast, slow) {
			t.Fatalf("check-in on %q: verbatim copy differs from writing everything %s", rev, firstDiff(string(fast), string(slow)))
		}
		if _, err := Parse("f.txt,v", fast); err != nil {
			t.Fatal(err)
		}
	}
}
