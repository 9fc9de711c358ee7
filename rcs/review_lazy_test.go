package rcs

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestReviewLazyCombos: sequences of changes on a lazily parsed file write
// the bytes they write on a fully parsed one.
func TestReviewLazyCombos(t *testing.T) {
	raw, _ := synthFile(12, 10, 2)
	date := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	ci := func(rev string) func(f *File) error {
		return func(f *File) error {
			f.Strict = false
			_, err := f.Checkin([]byte("new "+rev+"\n"), CheckinOptions{Rev: rev, Author: "a", Date: date, Log: "l " + rev})
			return err
		}
	}
	state := func(rev string) func(f *File) error { return func(f *File) error { return f.SetState(rev, "Rel") } }
	out := func(rng string) func(f *File) error {
		return func(f *File) error { _, err := f.Outdate(rng); return err }
	}
	setlog := func(rev string) func(f *File) error { return func(f *File) error { return f.SetLog(rev, "changed") } }
	lock := func(rev string) func(f *File) error { return func(f *File) error { return f.LockRev(rev, "me") } }
	sym := func(rev string) func(f *File) error {
		return func(f *File) error {
			r, err := f.SymbolRev(rev)
			if err != nil {
				return err
			}
			return f.SetSymbol("S", r, false)
		}
	}
	seqs := map[string][]func(f *File) error{
		"branch at head":             {ci("1.12.1")},
		"branch at head twice":       {ci("1.12.1"), ci("1.12.1")},
		"ci then branch at old head": {ci(""), ci("1.12.1")},
		"ci then ci":                 {ci(""), ci("")},
		"ci 2.1 then branch":         {ci("2.1"), ci("1.12.1")},
		"state head":                 {state("1.12")},
		"state head then ci":         {state("1.12"), ci("")},
		"ci then state old head":     {ci(""), state("1.12")},
		"ci then state 1.3":          {ci(""), state("1.3")},
		"outdate head":               {out("1.12")},
		"outdate 1.11":               {out("1.11")},
		"ci then outdate 1.12":       {ci(""), out("1.12")},
		"setlog head":                {setlog("1.12")},
		"setlog 1.2":                 {setlog("1.2")},
		"ci then setlog 1.2":         {ci(""), setlog("1.2")},
		"branch then setlog":         {ci("1.12.1"), setlog("1.12.1.1")},
		"lock and symbol 1.4":        {lock("1.4"), sym("1.4")},
		"symbol then ci":             {sym("1.12"), ci("")},
		"ci on 1.5 branch":           {ci("1.5.1")},
		"ci 1.13 explicit":           {ci("1.13")},
		"ci 1.11 exists":             {ci("1.11")},
		"ci 1.12.1.1":                {ci("1.12.1.1")},
		"ci 1.12.1.1 then 1.12.1.2":  {ci("1.12.1.1"), ci("1.12.1.2"), ci("1.12.1")},
		"branch then outdate it":     {ci("1.12.1"), out("1.12.1.1")},
		"branch then ci then log":    {ci("1.12.1"), ci(""), func(f *File) error { f.Log(LogOptions{}); return nil }},
	}
	for name, seq := range seqs {
		run := func(lazy bool) string {
			f, err := parse("f.txt,v", raw, lazy)
			if err != nil {
				t.Fatal(err)
			}
			for i, op := range seq {
				if err := op(f); err != nil {
					return fmt.Sprintf("op %d: %v", i, err)
				}
			}
			if err := f.settle(); err != nil {
				return fmt.Sprint("settle: ", err)
			}
			return string(f.Bytes())
		}
		want, got := run(false), run(true)
		if got != want {
			t.Errorf("%s: lazy and full differ: %s", name, firstDiff(got, want))
		}
	}
}

// TestReviewLazyGNUVaried: a GNU-written trunk with several authors and
// states, locked, with symbols: changes through Update (lazy) write what
// GNU ci and rcs write.
func TestReviewLazyGNUVaried(t *testing.T) {
	g := newGNU(t)
	var lines []string
	for i := 1; i <= 10; i++ {
		lines = append(lines, fmt.Sprintf("line %d\n", i))
		os.WriteFile(g.path("a.txt"), []byte(strings.Join(lines, "")), 0o644)
		who := []string{"alice", "bob", "tester"}[i%3]
		st := []string{"Exp", "Rel", "Exp", "Stab"}[i%4]
		g.must("ci", "-q", "-l", "-w"+who, "-s"+st, fmt.Sprintf("-d2026/01/%02d", i), fmt.Sprintf("-mrev %d", i), "-t-desc", "a.txt")
	}
	g.must("rcs", "-q", "-nREL:1.4", "-nTOP:1.10", "a.txt")
	raw, err := os.ReadFile(g.path("a.txt,v"))
	if err != nil {
		t.Fatal(err)
	}
	if f, err := parse("a.txt,v", raw, true); err != nil || f.restEnd == 0 {
		t.Fatalf("the lazy parse of GNU's file parses every node (%v)", err)
	}
	type op struct {
		gnu  []string
		ours func(f *File) error
	}
	date, _ := time.Parse("2006/01/02", "2026/02/01")
	content := []byte(strings.Join(lines[:5], "") + "new line\n")
	ops := map[string]op{
		"ci": {[]string{"ci", "-q", "-d2026/02/01", "-mnew", "a.txt"}, func(f *File) error {
			_, err := f.Checkin(content, CheckinOptions{Author: "tester", Log: "new", Date: date})
			return err
		}},
		"ci branch at head": {[]string{"ci", "-q", "-d2026/02/01", "-mnew", "-r1.10.1", "a.txt"}, func(f *File) error {
			_, err := f.Checkin(content, CheckinOptions{Rev: "1.10.1", Author: "tester", Log: "new", Date: date})
			return err
		}},
		"rcs -o1.3:1.5": {[]string{"rcs", "-q", "-o1.3:1.5", "a.txt"}, func(f *File) error { _, err := f.Outdate("1.3:1.5"); return err }},
		"rcs -o1.1":     {[]string{"rcs", "-q", "-o1.1", "a.txt"}, func(f *File) error { _, err := f.Outdate("1.1"); return err }},
		"rcs -sX:1.2":   {[]string{"rcs", "-q", "-sX:1.2", "a.txt"}, func(f *File) error { return f.SetState("1.2", "X") }},
		"rcs -m1.2:msg": {[]string{"rcs", "-q", "-m1.2:msg", "a.txt"}, func(f *File) error { return f.SetLog("1.2", "msg") }},
		"rcs -nX:REL": {[]string{"rcs", "-q", "-nX:REL", "a.txt"}, func(f *File) error {
			_, err := f.Admin(AdminOptions{Symbols: []SymbolEdit{{Name: "X", Rev: "REL"}}})
			return err
		}},
	}
	for name, o := range ops {
		os.WriteFile(g.path("a.txt,v"), raw, 0o444)
		os.WriteFile(g.path("b.txt,v"), raw, 0o444)
		os.WriteFile(g.path("a.txt"), content, 0o644)
		if _, err := g.run(o.gnu...); err != nil {
			t.Errorf("%s: GNU: %v", name, err)
			continue
		}
		if _, err := Update(g.path("b.txt,v"), false, o.ours); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		want, _ := os.ReadFile(g.path("a.txt,v"))
		got, _ := os.ReadFile(g.path("b.txt,v"))
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from GNU %s", name, firstDiff(string(got), string(want)))
		}
	}
}

// FuzzReviewLazyCheckin: a check-in, a state change and an outdate on a
// lazily parsed file write what they write on a fully parsed one.
func FuzzReviewLazyCheckin(f *testing.F) {
	raw, _ := synthFile(12, 10, 2)
	f.Add(raw, uint8(0))
	for _, name := range []string{"three.txt,v", "branchy.txt,v", "cvsimport.txt,v"} {
		f.Add(readTestdata(f, name), uint8(1))
	}
	date := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte, op uint8) {
		run := func(lazy bool) string {
			f, err := parse("f.txt,v", raw, lazy)
			if err != nil {
				return "parse: " + err.Error()
			}
			f.Strict = false
			switch op % 4 {
			case 0:
				_, err = f.Checkin([]byte("new\n"), CheckinOptions{Author: "a", Date: date, Force: true})
			case 1:
				_, err = f.Checkin([]byte("new\n"), CheckinOptions{Rev: f.Head + ".1", Author: "a", Date: date, Force: true})
			case 2:
				err = f.SetState("1.3", "X")
			case 3:
				_, err = f.Outdate("1.2")
			}
			if err != nil {
				return "op: " + err.Error()
			}
			if err := f.settle(); err != nil {
				return "settle: " + err.Error()
			}
			out := f.Bytes()
			// The texts after the head's are copied as they are by a
			// lazy Update (as GNU ci does): compare them re-serialized.
			if nf, err := Parse("f.txt,v", out); err == nil {
				var b strings.Builder
				fmt.Fprintf(&b, "%s %v %v %q\n", nf.Head, nf.Symbols, nf.Locks, nf.Desc)
				for _, d := range nf.Deltas() {
					text, err := nf.Checkout(d.Rev)
					fmt.Fprintf(&b, "%s %s %s %s %s %v %q %q %v\n", d.Rev, d.Date, d.Author, d.State, d.Next, d.Branches, d.Log(), text, err)
				}
				return b.String()
			}
			return "unparsable: " + string(out)
		}
		want := run(false)
		if strings.HasPrefix(want, "parse: ") {
			return
		}
		if got := run(true); got != want {
			t.Fatalf("lazy and full differ: %s", firstDiff(got, want))
		}
	})
}

// TestReviewLazyOldDates: GNU writes dates before 2000 with two-digit
// years; a check-in through Update on such a trunk writes GNU ci's bytes.
func TestReviewLazyOldDates(t *testing.T) {
	g := newGNU(t)
	var lines []string
	for i, d := range []string{"1998/05/01", "1999/12/31 23:59:59", "2000/01/01", "2001/02/03", "2002/03/04"} {
		lines = append(lines, fmt.Sprintf("line %d\n", i))
		os.WriteFile(g.path("a.txt"), []byte(strings.Join(lines, "")), 0o644)
		g.must("ci", "-q", "-l", "-d"+d, fmt.Sprintf("-mrev %d", i), "-t-desc", "a.txt")
	}
	raw, _ := os.ReadFile(g.path("a.txt,v"))
	os.WriteFile(g.path("b.txt,v"), raw, 0o444)
	content := []byte("changed\n")
	os.WriteFile(g.path("a.txt"), content, 0o644)
	g.must("ci", "-q", "-d2026/02/01", "-mnew", "a.txt")
	date, _ := time.Parse("2006/01/02", "2026/02/01")
	if _, err := Update(g.path("b.txt,v"), false, func(f *File) error {
		if f.restEnd == 0 {
			t.Error("not taken lazily")
		}
		_, err := f.Checkin(content, CheckinOptions{Author: "tester", Log: "new", Date: date})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(g.path("a.txt,v"))
	got, _ := os.ReadFile(g.path("b.txt,v"))
	if !bytes.Equal(got, want) {
		t.Errorf("differs from GNU ci %s", firstDiff(string(got), string(want)))
	}
}

// TestReviewNewBranchNoLock: GNU ci -rREV.N starting a new branch needs
// no lock on the branch point: it removes the caller's lock there and
// leaves another user's; a check-in through Update writes GNU's bytes.
func TestReviewNewBranchNoLock(t *testing.T) {
	g := newGNU(t)
	for i := 1; i <= 3; i++ {
		os.WriteFile(g.path("a.txt"), []byte(strings.Repeat("x\n", i)), 0o644)
		g.must("ci", "-q", "-l", fmt.Sprintf("-d2026/01/0%d", i), fmt.Sprintf("-mr%d", i), "-t-d", "a.txt")
	}
	base, _ := os.ReadFile(g.path("a.txt,v"))
	for _, c := range []struct{ name, lock, rev string }{
		{"lock on the head only", "", "1.2.1"},
		{"lock on the branch point too", "-l1.2", "1.2.1"},
		{"explicit first revision", "", "1.2.1.1"},
		{"another's lock on the branch point", "other", "1.2.1"},
	} {
		os.WriteFile(g.path("a.txt,v"), base, 0o444)
		switch c.lock {
		case "":
		case "other":
			// rcs -l as another user.
			cmd := exec.Command("rcs", "-q", "-l1.2", "a.txt")
			cmd.Dir = g.dir
			cmd.Env = append(os.Environ(), "TZ=UTC", "LOGNAME=other", "USER=other", "LC_ALL=C")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("rcs -l1.2 as other: %v: %s", err, out)
			}
		default:
			g.must("rcs", "-q", c.lock, "a.txt")
		}
		raw, _ := os.ReadFile(g.path("a.txt,v"))
		os.WriteFile(g.path("b.txt,v"), raw, 0o444)
		content := []byte("x\nbranch\n")
		os.WriteFile(g.path("a.txt"), content, 0o644)
		g.must("ci", "-q", "-d2026/02/01", "-mbr", "-r"+c.rev, "a.txt")
		date, _ := time.Parse("2006/01/02", "2026/02/01")
		if _, err := Update(g.path("b.txt,v"), false, func(f *File) error {
			_, err := f.Checkin(content, CheckinOptions{Rev: c.rev, Author: "tester", Log: "br", Date: date})
			return err
		}); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		want, _ := os.ReadFile(g.path("a.txt,v"))
		got, _ := os.ReadFile(g.path("b.txt,v"))
		if !bytes.Equal(got, want) {
			t.Errorf("%s: differs from GNU ci %s", c.name, firstDiff(string(got), string(want)))
		}
	}
}
