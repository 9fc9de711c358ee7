package rcs

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestLazyNodesTaken: Update's lazy parse of a file that is one trunk in
// GNU RCS's layout parses only the head's node.
func TestLazyNodesTaken(t *testing.T) {
	raw, _ := synthFile(40, 20, 2)
	f, err := parse("f.txt,v", raw, true)
	if err != nil {
		t.Fatal(err)
	}
	if f.restEnd == 0 || len(f.nodes) != 1 || len(f.deltas) != 1 {
		t.Fatalf("lazy parse parsed %d nodes (rest %d:%d), want only the head's", len(f.nodes), f.restStart, f.restEnd)
	}
	if string(raw[f.restStart:f.restStart+6]) != "\n1.39\n" || !strings.HasPrefix(string(raw[f.restEnd:]), "\n\ndesc\n@") {
		t.Errorf("rest of the nodes is %q...%q", raw[f.restStart:f.restStart+6], raw[f.restEnd:f.restEnd+8])
	}
}

// lazyNodeEdits change a 40-revision synthFile so that the lazy parse must
// parse every node (or fail as the full parse does).
var lazyNodeEdits = []struct{ name, old, new string }{
	{"branch", "branches;\nnext\t1.19;", "branches\n\t1.20.1.1;\nnext\t1.19;"},
	{"duplicate", "\n1.12\ndate", "\n1.13\ndate"},
	{"next elsewhere", "next\t1.30;", "next\t1.29;"},
	{"rising number", "\n1.12\ndate", "\n1.20\ndate"},
	{"bad number", "\n1.12\ndate", "\n1.012x\ndate"},
	{"commitid", "next\t1.30;\n", "next\t1.30;\ncommitid\tabc;\n"},
	{"phrase", "next\t1.30;\n", "next\t1.30;\nfoo bar @x@;\n"},
	{"odd spacing", "next\t1.30;\n", "next\t1.30 ;\n"},
	{"orphan", "next\t;\n", "next\t;\n\n1.0\ndate\t2026.01.01.00.00.00;\tauthor a;\tstate Exp;\nbranches;\nnext\t;\n"},
	{"missing last", "next\t1.1;", "next\t1.0;"},
	{"no desc", "\n\ndesc\n@", "\n\ndesk\n@"},
	{"three fields", "\n1.12\ndate", "\n1.12.1\ndate"},
	{"empty date", "date\t2026.01.02.00.00.12;", "date\t;"},
	{"long date", "date\t2026.01.02.00.00.12;", "date\t2026.01.02.00.00.12.5;"},
}

// TestLazyNodesFallback: where the nodes are not one plain trunk, the
// lazy parse reads them all, and fails exactly when a full parse fails,
// with the same error.
func TestLazyNodesFallback(t *testing.T) {
	raw, _ := synthFile(40, 20, 2)
	for _, e := range lazyNodeEdits {
		if !bytes.Contains(raw, []byte(e.old)) {
			t.Fatalf("%s: %q not in the file", e.name, e.old)
		}
		mod := bytes.Replace(raw, []byte(e.old), []byte(e.new), 1)
		errF, errL := compareNodes(t, mod)
		if fmt.Sprint(errF) != fmt.Sprint(errL) {
			t.Errorf("%s: full parse: %v; lazy parse: %v", e.name, errF, errL)
		}
	}
}

// compareNodes parses the admin section and the delta nodes of raw with
// the general parser and with trunkNodes, fully and lazily, and checks
// that all find the same nodes or the same error. It returns the general
// parser's error and the lazy parse's.
func compareNodes(t *testing.T, raw []byte) (errF, errL error) {
	t.Helper()
	parseNodes := func(lazy, general bool) (*File, error) {
		p := newParser("f,v", raw)
		p.lazy, p.general = lazy, general
		f, err := p.file()
		if err == nil && !p.checked {
			err = f.check()
		}
		return f, err
	}
	ff, errF := parseNodes(false, true)
	tf, errT := parseNodes(false, false)
	lf, errL := parseNodes(true, false)
	if fmt.Sprint(errF) != fmt.Sprint(errT) {
		t.Fatalf("general parser: %v; trunkNodes: %v", errF, errT)
	}
	if errF != nil || errL != nil {
		if errF == nil && errL != nil {
			t.Fatalf("lazy parse fails where the full parse does not: %v", errL)
		}
		return errF, errL
	}
	compareFiles(t, ff, tf)
	compareFiles(t, ff, lf)
	return nil, nil
}

// compareFiles checks that lf has the nodes and desc of ff, parsing those
// that a lazy parse left unparsed.
func compareFiles(t *testing.T, ff, lf *File) {
	t.Helper()
	lazy := lf.restEnd != 0
	if lf.descEnd != ff.descEnd || lf.Desc != ff.Desc {
		t.Fatalf("desc differs: %d %q, %d %q", lf.descEnd, lf.Desc, ff.descEnd, ff.Desc)
	}
	a, b := ff.nodes, lf.allNodes()
	if len(a) != len(b) || len(lf.deltas) != len(ff.deltas) {
		t.Fatalf("full parse: %d nodes, lazy parse (rest unparsed: %v): %d", len(a), lazy, len(b))
	}
	for i := range a {
		x, y := *a[i], *b[i]
		x.file, y.file = nil, nil
		x.seen, y.seen = false, false
		if !reflect.DeepEqual(x, y) || lf.deltas[y.Rev] != b[i] {
			t.Fatalf("node %d differs:\n%+v\n%+v", i, x, y)
		}
	}
}

// FuzzLazyNodes: the lazy parse of the delta nodes (see trunkNodes)
// finds the nodes a full parse finds, or the same error.
func FuzzLazyNodes(f *testing.F) {
	raw, _ := synthFile(12, 10, 2)
	f.Add(raw)
	for _, e := range lazyNodeEdits {
		f.Add(bytes.Replace(raw, []byte(e.old), []byte(e.new), 1))
	}
	for _, name := range []string{"three.txt,v", "branchy.txt,v", "cvsimport.txt,v"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		errF, errL := compareNodes(t, raw)
		if fmt.Sprint(errF) != fmt.Sprint(errL) {
			t.Fatalf("full parse: %v; lazy parse: %v", errF, errL)
		}
	})
}

// TestLazyNodesOps: every operation that needs a node the lazy parse left
// unparsed sees the whole file: each runs on a fresh lazily parsed file
// and must give what it gives on a fully parsed one.
func TestLazyNodesOps(t *testing.T) {
	raw, _ := synthFile(40, 20, 2)
	date := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	ops := map[string]func(f *File) any{
		"Delta":        func(f *File) any { d := f.Delta("1.3"); return []string{d.Rev, d.Date, d.Next, d.Log()} },
		"Delta absent": func(f *File) any { return f.Delta("1.41") == nil && f.Delta("1.0") == nil && f.Delta("1.3.1.1") == nil },
		"Deltas":       func(f *File) any { return len(f.Deltas()) },
		"Resolve":      func(f *File) any { r, err := f.Resolve("1.7"); return fmt.Sprint(r, err) },
		"Resolve 1":    func(f *File) any { r, err := f.Resolve("1"); return fmt.Sprint(r, err) },
		"Checkout":     func(f *File) any { b, err := f.Checkout("1.1"); return fmt.Sprint(string(b), err) },
		"Log":          func(f *File) any { return f.Log(LogOptions{}) },
		"Predecessor":  func(f *File) any { return f.Predecessor("1.5") },
		"SetState": func(f *File) any {
			return fmt.Sprint(f.SetState("1.4", "Rel"), string(f.Bytes()))
		},
		"Outdate": func(f *File) any {
			revs, err := f.Outdate("1.2:1.4")
			return fmt.Sprint(revs, err, string(f.Bytes()))
		},
		"branch check-in": func(f *File) any {
			f.Strict = false
			rev, err := f.Checkin([]byte("new\n"), CheckinOptions{Rev: "1.12.1", Author: "a", Date: date})
			return fmt.Sprint(rev, err, string(f.Bytes()))
		},
		"check-in over a low number": func(f *File) any {
			f.Strict = false
			rev, err := f.Checkin([]byte("new\n"), CheckinOptions{Rev: "1.30", Author: "a", Date: date})
			return fmt.Sprint(rev, err, string(f.Bytes()))
		},
		"trunk check-in then Log": func(f *File) any {
			f.Strict = false
			rev, err := f.Checkin([]byte("new\n"), CheckinOptions{Author: "a", Date: date})
			return fmt.Sprint(rev, err, f.Log(LogOptions{}), string(f.Bytes()))
		},
		"Selected": func(f *File) any {
			m, err := f.Selected(Selection{Revs: []string{"1.3:1.6"}})
			return fmt.Sprint(m, err)
		},
	}
	for name, op := range ops {
		eager, err := Parse("f.txt,v", raw)
		if err != nil {
			t.Fatal(err)
		}
		lazy, err := parse("f.txt,v", raw, true)
		if err != nil {
			t.Fatal(err)
		}
		want, got := op(eager), op(lazy)
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s: lazy gives %.300v, full gives %.300v", name, got, want)
		}
	}
}

// BenchmarkLazyParse is the parse a check-in through Update makes.
func BenchmarkLazyParse(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			raw, _ := synthFile(n, 2000, 5)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parse("f.txt,v", raw, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCheckinWork is the library's own work in a check-in through
// Update, without the file system: the lazy parse of the ,v file from
// memory, the lock, the check-in of one changed line and the
// serialization into the segments Update writes.
func BenchmarkCheckinWork(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			raw, _ := synthFile(n, 2000, 5)
			pf, err := Parse("f.txt,v", raw)
			if err != nil {
				b.Fatal(err)
			}
			head, _ := pf.Checkout(pf.Head)
			lines := bytes.SplitAfter(head, []byte("\n"))
			lines[397] = []byte("changed\n")
			content := bytes.Join(lines, nil)
			date := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			b.ReportAllocs()
			for b.Loop() {
				f, err := parse("f.txt,v", raw, true)
				if err != nil {
					b.Fatal(err)
				}
				if err := f.LockRev(f.Head, "tester"); err != nil {
					b.Fatal(err)
				}
				if _, err := f.Checkin(content, CheckinOptions{Author: "tester", Date: date}); err != nil {
					b.Fatal(err)
				}
				if err := f.settle(); err != nil {
					b.Fatal(err)
				}
				size := 0
				for _, seg := range f.segments() {
					size += len(seg)
				}
				if size <= len(raw) {
					b.Fatal("short output")
				}
			}
		})
	}
}

// TestLazyNodesAsGNU: on a file GNU ci wrote, check-ins through Update
// (which reads only the head's delta node when it can) write the bytes
// GNU ci writes: on the trunk, as a new major number, and on a branch
// (which needs every node).
func TestLazyNodesAsGNU(t *testing.T) {
	g := newGNU(t)
	var lines []string
	for i := 1; i <= 12; i++ {
		lines = append(lines, fmt.Sprintf("line %d\n", i))
		os.WriteFile(g.path("a.txt"), []byte(strings.Join(lines, "")), 0o644)
		g.must("ci", "-q", "-l", fmt.Sprintf("-d2026/01/%02d", i), fmt.Sprintf("-mrev %d", i), "-t-desc", "a.txt")
	}
	g.must("rcs", "-q", "-U", "a.txt")
	raw, err := os.ReadFile(g.path("a.txt,v"))
	if err != nil {
		t.Fatal(err)
	}
	if f, err := parse("a.txt,v", raw, true); err != nil || f.restEnd == 0 {
		t.Fatalf("the lazy parse of GNU's file parses every node (%v)", err)
	}
	for k, rev := range []string{"", "2.1", "1.5.1"} {
		os.WriteFile(g.path("a.txt,v"), raw, 0o444)
		os.WriteFile(g.path("b.txt,v"), raw, 0o444)
		content := []byte(strings.Join(lines[:8], "") + "new line\n")
		os.WriteFile(g.path("a.txt"), content, 0o644)
		day := fmt.Sprintf("2026/02/%02d", k+1)
		args := []string{"ci", "-q", "-d" + day, "-mnew"}
		if rev != "" {
			args = append(args, "-r"+rev)
		}
		g.must(append(args, "a.txt")...)
		date, _ := time.Parse("2006/01/02", day)
		if _, err := Update(g.path("b.txt,v"), false, func(f *File) error {
			_, err := f.Checkin(content, CheckinOptions{Rev: rev, Author: "tester", Log: "new", Date: date})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		want, _ := os.ReadFile(g.path("a.txt,v"))
		got, _ := os.ReadFile(g.path("b.txt,v"))
		if !bytes.Equal(got, want) {
			t.Errorf("check-in %q differs from GNU ci %s", rev, firstDiff(string(got), string(want)))
		}
	}
}
