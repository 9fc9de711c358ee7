package rcs

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netkit-go/netkit/internal/testpeer"
)

// gnuRCS runs a GNU RCS command in dir with a fixed environment.
type gnuRCS struct {
	t   testing.TB
	dir string
}

func newGNU(t testing.TB) *gnuRCS {
	t.Helper()
	testpeer.Require(t, "ci", "apt-get install rcs")
	testpeer.Require(t, "rlog", "apt-get install rcs")
	return &gnuRCS{t: t, dir: t.TempDir()}
}

func (g *gnuRCS) run(args ...string) ([]byte, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = g.dir
	cmd.Env = append(os.Environ(), "TZ=UTC", "LOGNAME=tester", "USER=tester", "LC_ALL=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return out, nil
}

func (g *gnuRCS) must(args ...string) []byte {
	g.t.Helper()
	out, err := g.run(args...)
	if err != nil {
		g.t.Fatal(err)
	}
	return out
}

func (g *gnuRCS) path(name string) string { return filepath.Join(g.dir, name) }

// TestObservedFile builds the 3-revision file of rcs-cvs-observed.md §1
// with GNU ci and checks that netkit reads every revision, writes the
// same bytes back, and prints the same rlog output.
func TestObservedFile(t *testing.T) {
	g := newGNU(t)
	steps := []struct{ text, date, msg string }{
		{"alpha\nbravo\ncharlie\ndelta\necho\n", "2026/01/02 03:04:05", "msg"},
		{"alpha\nbravo\ndelta\necho\n", "2026/01/02 03:04:06", "delete charlie"},
		{"alpha\nbravo\nmail user@example.com (@@ two)\ndelta\nnew A\nnew B\necho\ntail without newline", "2026/01/02 03:04:07", "add lines; log has @ too"},
	}
	for i, s := range steps {
		os.WriteFile(g.path("f.txt"), []byte(s.text), 0o644)
		args := []string{"ci", "-q", "-d" + s.date, "-wtester", "-m" + s.msg}
		if i == 0 {
			args = append(args, "-t-desc")
		}
		g.must(append(args, "f.txt")...)
		if i < 2 {
			g.must("co", "-q", "-l", "f.txt")
		}
	}
	raw, _ := os.ReadFile(g.path("f.txt,v"))
	if len(raw) != 525 {
		t.Fatalf("GNU wrote %d bytes, the notes say 525", len(raw))
	}
	f, err := Parse("f.txt,v", raw)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range steps {
		got, err := f.Checkout("1." + strconv.Itoa(i+1))
		if err != nil || string(got) != s.text {
			t.Errorf("1.%d: %q, %v", i+1, got, err)
		}
	}
	if !bytes.Equal(f.Bytes(), raw) {
		t.Errorf("rewritten file differs:\n%s", f.Bytes())
	}
	want := g.must("rlog", "f.txt")
	if got := f.Log(LogOptions{Working: "f.txt"}); got != string(want) {
		t.Errorf("rlog differs:\n got %q\nwant %q", got, want)
	}
	// The same history through netkit's Checkin: byte-identical.
	nf := New("f.txt,v")
	for i, s := range steps {
		if i > 0 {
			nf.LockRev(nf.Head, "tester")
		}
		d, _ := time.Parse("2006/01/02 15:04:05", s.date)
		if _, err := nf.Checkin([]byte(s.text), CheckinOptions{Author: "tester", Date: d, Log: s.msg, Desc: "desc"}); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(nf.Bytes(), raw) {
		t.Errorf("netkit's check-ins differ from GNU's:\n%s", nf.Bytes())
	}
}

// history generates random contents with the features the issue names.
type history struct {
	r      *rand.Rand
	binary bool
}

func (h *history) line() string {
	r := h.r
	switch r.Intn(20) {
	case 0:
		return "mail someone@example.com @@ @\n"
	case 1:
		return strings.Repeat("long line ", 100+r.Intn(400)) + "\n"
	case 2:
		return "crlf line " + strconv.Itoa(r.Intn(10)) + "\r\n"
	case 3:
		return "\n"
	case 4:
		if h.binary {
			return string([]byte{0, 0xff, '@', byte(r.Intn(256)), '\r', '\n'})
		}
	}
	return "line " + strconv.Itoa(r.Intn(40)) + "\n"
}

func (h *history) first() []byte {
	var b strings.Builder
	for range h.r.Intn(30) {
		b.WriteString(h.line())
	}
	return []byte(b.String())
}

func (h *history) mutate(old []byte) []byte {
	r := h.r
	if r.Intn(25) == 0 {
		return nil // empty file
	}
	if r.Intn(25) == 0 {
		return h.first()
	}
	lines := strings.SplitAfter(string(old), "\n")
	var b strings.Builder
	for _, l := range lines {
		switch r.Intn(12) {
		case 0: // delete
		case 1: // change
			b.WriteString(h.line())
		case 2, 3: // insert
			b.WriteString(h.line())
			b.WriteString(l)
		default:
			b.WriteString(l)
		}
	}
	out := b.String()
	if r.Intn(6) == 0 {
		out = strings.TrimSuffix(out, "\n") // no final newline
	} else if out != "" && !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	return []byte(out)
}

func (h *history) logMsg(i int) string {
	switch h.r.Intn(6) {
	case 0:
		return ""
	case 1:
		return "  padded @ message " + strconv.Itoa(i) + "  \n\n"
	}
	return "rev " + strconv.Itoa(i) + " of the history\nsecond line"
}

// historyResult counts what one randomized history showed.
type historyResult struct {
	revs      int
	identical bool
}

// runHistory checks one randomized history of n revisions into GNU RCS and
// into netkit and compares everything.
func runHistory(t *testing.T, seed int64, n int, binary bool) historyResult {
	g := newGNU(t)
	h := &history{r: rand.New(rand.NewSource(seed)), binary: binary}
	name := "f.txt"
	if binary {
		name = "f.bin"
		g.must("rcs", "-q", "-i", "-kb", "-t-binary", name)
	}
	nk := New(filepath.Join(t.TempDir(), name+",v"))
	if binary {
		nk.Expand = "b"
		nk.Desc = "binary\n"
	}
	contents := map[string][]byte{}
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var revs []string
	for i := range n {
		var parent string
		var content []byte
		if i == 0 {
			content = h.first()
		} else {
			// Mostly the trunk head; sometimes a branch from an older
			// revision or the tip of an existing branch.
			parent = nk.Head
			if h.r.Intn(4) == 0 {
				parent = revs[h.r.Intn(len(revs))]
			}
			content = h.mutate(contents[parent])
		}
		date := base.Add(time.Duration(i) * time.Second)
		msg := h.logMsg(i)
		os.WriteFile(g.path(name), content, 0o644)
		args := []string{"ci", "-q", "-f", "-d" + date.Format("2006/01/02 15:04:05"), "-wtester", "-m" + msg}
		if i == 0 && !binary {
			args = append(args, "-t-history "+strconv.FormatInt(seed, 10))
		}
		if parent != "" {
			g.must("rcs", "-q", "-l"+parent, name)
		}
		g.must(append(args, name)...)
		if parent != "" {
			if err := nk.LockRev(parent, "tester"); err != nil {
				t.Fatal(err)
			}
		}
		desc := ""
		if i == 0 && !binary {
			desc = "history " + strconv.FormatInt(seed, 10)
		}
		rev, err := nk.Checkin(content, CheckinOptions{Author: "tester", Date: date, Log: msg, Desc: desc, Force: true})
		if err != nil {
			t.Fatalf("seed %d rev %d: %v", seed, i, err)
		}
		contents[rev] = content
		revs = append(revs, rev)
	}
	gnuRaw, _ := os.ReadFile(g.path(name + ",v"))
	gf, err := Parse(name+",v", gnuRaw)
	if err != nil {
		t.Fatalf("seed %d: netkit cannot parse GNU's file: %v", seed, err)
	}
	nkPath := g.path("nk_" + name + ",v")
	os.WriteFile(nkPath, nk.Bytes(), 0o444)
	for _, rev := range revs {
		got, err := gf.Checkout(rev)
		if err != nil || !bytes.Equal(got, contents[rev]) {
			t.Fatalf("seed %d: netkit's checkout of %s from GNU's file: %v\n got %q\nwant %q", seed, rev, err, got, contents[rev])
		}
		out := g.must("co", "-q", "-p", "-ko", "-r"+rev, "nk_"+name+",v")
		if !bytes.Equal(out, contents[rev]) {
			t.Fatalf("seed %d: GNU co of %s from netkit's file:\n got %q\nwant %q", seed, rev, out, contents[rev])
		}
	}
	if _, err := g.run("rlog", "nk_"+name+",v"); err != nil {
		t.Fatalf("seed %d: GNU rlog refuses netkit's file: %v", seed, err)
	}
	want := g.must("rlog", name)
	if got := gf.Log(LogOptions{Working: name}); got != string(want) {
		t.Errorf("seed %d: rlog differs:\n%s", seed, firstDiff(got, string(want)))
	}
	same := bytes.Equal(nk.Bytes(), gnuRaw)
	if !same && testing.Verbose() {
		t.Logf("seed %d binary %v: bytes differ %s", seed, binary, firstDiff(string(nk.Bytes()), string(gnuRaw)))
	}
	return historyResult{revs: n, identical: same}
}

func firstDiff(a, b string) string {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			lo := max(0, i-200)
			return fmt.Sprintf("at %d:\n got %q\nwant %q", i, a[lo:min(len(a), i+200)], b[lo:min(len(b), i+200)])
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(a), len(b))
}

// TestRandomHistories is the proof against GNU RCS: every revision of
// randomized histories (trunk and branches) read both ways, rlog equal,
// and the fraction of byte-identical ,v files reported.
// NETKIT_RCS_LONG=1 runs bigger histories.
func TestRandomHistories(t *testing.T) {
	seeds, n := []int64{1, 2, 3, 4, 5}, 40
	if testing.Short() {
		seeds, n = seeds[:2], 20
	}
	if os.Getenv("NETKIT_RCS_LONG") != "" {
		seeds, n = []int64{11, 12, 13, 14, 15, 16, 17, 18}, 300
	}
	same, total, revs := 0, 0, 0
	for _, seed := range seeds {
		for _, binary := range []bool{false, true} {
			res := runHistory(t, seed, n, binary)
			total++
			revs += res.revs
			if res.identical {
				same++
			}
		}
	}
	t.Logf("%d histories, %d revisions: %d of %d ,v files byte-identical to GNU RCS's", total, revs, same, total)
	if same != total {
		t.Errorf("%d of %d histories differ in bytes", total-same, total)
	}
}

// TestKeywordModes compares every keyword mode with GNU co -p -kMODE on
// the kw.c file of rcs-cvs-observed.md §4, locked and unlocked.
func TestKeywordModes(t *testing.T) {
	g := newGNU(t)
	kw := "/*\n * $Id$\n * $Header$\n * $Revision$\n * $Author$\n * $Date$\n * $Source$\n * $RCSfile$\n * $State$\n * $Locker$\n * $Name$\n * $Log$\n */\nxx-- $Log$\n$Id: stale $ $Revision: 9.9 $ $Nokeyword$ $Id\n/* $Log$ */\n\t$Log$\n$Log: old value $ trailing\n  /* $Log$\n$Date:$ $Author: $\nnoend $Log$"
	os.WriteFile(g.path("kw.c"), []byte(kw), 0o644)
	g.must("ci", "-q", "-d2026/01/02 03:04:05", "-wtester", "-mfirst log line\n\nthird log line", "-t-kw test", "kw.c")
	g.must("co", "-q", "-l", "kw.c")
	w, _ := os.ReadFile(g.path("kw.c"))
	os.WriteFile(g.path("kw.c"), append(w, "/* edit */\n"...), 0o644)
	g.must("ci", "-q", "-d2026/01/02 03:04:06", "-wtester", "-msecond rev", "kw.c")
	g.must("rcs", "-q", "-nREL_1:1.2", "-l1.2", "kw.c")
	f, err := Open(g.path("kw.c,v"))
	if err != nil {
		t.Fatal(err)
	}
	for _, rev := range []string{"1.1", "1.2", "REL_1"} {
		for _, mode := range []string{"kv", "kvl", "k", "v", "o", "b"} {
			want := g.must("co", "-q", "-p", "-k"+mode, "-r"+rev, "kw.c")
			r, err := f.Resolve(rev)
			if err != nil {
				t.Fatal(err)
			}
			text, err := f.Checkout(r)
			if err != nil {
				t.Fatal(err)
			}
			o := ExpandOptions{Mode: mode}
			if mode == ModeKVL {
				o.Locker = f.LockedBy(r)
			}
			if rev == "REL_1" {
				o.Name = rev
			}
			if got := f.ExpandKeywords(text, f.Delta(r), o); string(got) != string(want) {
				t.Errorf("-r%s -k%s: %s", rev, mode, firstDiff(string(got), string(want)))
			}
		}
	}
}

// TestLockInterplay: while netkit holds ",f.txt," GNU RCS refuses to
// write, and a ",f.txt," left by someone else makes netkit refuse too.
func TestLockInterplay(t *testing.T) {
	g := newGNU(t)
	os.WriteFile(g.path("f.txt"), []byte("one\n"), 0o644)
	g.must("ci", "-q", "-u", "-d2026/01/02 03:04:05", "-wtester", "-mfirst", "-t-x", "f.txt")
	_, err := Update(g.path("f.txt,v"), false, func(f *File) error {
		for _, args := range [][]string{{"co", "-l", "f.txt"}, {"rcs", "-nX:1.1", "f.txt"}} {
			_, err := g.run(args...)
			if err == nil || !strings.Contains(err.Error(), "RCS file f.txt,v is in use") {
				t.Errorf("%v while netkit holds the lock: %v", args, err)
			}
		}
		return f.LockRev("1.1", "tester")
	})
	if err != nil {
		t.Fatal(err)
	}
	if out := g.must("rlog", "-L", "-R", "f.txt"); string(out) != "f.txt,v\n" {
		t.Errorf("GNU rlog does not see netkit's lock: %q", out)
	}
	os.WriteFile(g.path(",f.txt,"), nil, 0o444)
	_, err = Update(g.path("f.txt,v"), false, func(f *File) error { return nil })
	if !errors.Is(err, ErrInUse) || err.Error() != "RCS file "+g.path("f.txt,v")+" is in use" {
		t.Errorf("with a stale ,f.txt,: %v", err)
	}
	if _, err := os.Stat(g.path(",f.txt,")); err != nil {
		t.Errorf("netkit removed a lock file it did not create: %v", err)
	}
	os.Remove(g.path(",f.txt,"))
	// GNU ci after netkit's lock: the lock is honoured.
	os.Chmod(g.path("f.txt"), 0o644)
	os.WriteFile(g.path("f.txt"), []byte("two\n"), 0o644)
	g.must("ci", "-q", "-d2026/01/02 03:04:06", "-wtester", "-msecond", "f.txt")
	f, err := Open(g.path("f.txt,v"))
	if err != nil || f.Head != "1.2" || len(f.Locks) != 0 {
		t.Fatalf("after GNU ci: %v %+v", err, f)
	}
}

// TestCheckinOnCVSImport: a check-in on the trunk of a file in CVS's import
// layout (default branch 1.1.1) gives the bytes GNU ci gives.
func TestCheckinOnCVSImport(t *testing.T) {
	g := newGNU(t)
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "rcs", "cvsimport.txt,v"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(g.path("g.txt,v"), raw, 0o644)
	content := []byte("hello\nworld!\nline3\nline4\n")
	g.must("rcs", "-q", "-l1.1", "g.txt")
	os.WriteFile(g.path("g.txt"), content, 0o644)
	g.must("ci", "-q", "-f", "-d2026/11/23 00:00:00", "-wtester", "-mchange", "g.txt")
	want, _ := os.ReadFile(g.path("g.txt,v"))

	f, err := Parse("g.txt,v", raw)
	if err != nil {
		t.Fatal(err)
	}
	f.LockRev("1.1", "tester")
	if _, err := f.Checkin(content, CheckinOptions{Author: "tester", Log: "change", Force: true, Date: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if got := f.Bytes(); !bytes.Equal(got, want) {
		t.Errorf("differs from GNU ci: %s", firstDiff(string(got), string(want)))
	}
}

// TestCommentLeaders: a new file gets GNU ci's comment leader for its
// suffix.
func TestCommentLeaders(t *testing.T) {
	g := newGNU(t)
	for _, name := range []string{"t.c", "t.C", "t.cpp", "t.hpp", "t.m", "t.ps", "t.a", "t.bat", "t.Lisp", "t.me", "t.for", "t.cs", "t.asm", "t.el", "t.tex", "t.txt", "noext", "t.py"} {
		os.WriteFile(g.path(name), []byte("x\n"), 0o644)
		g.must("ci", "-q", "-t-x", "-mx", name)
		raw, _ := os.ReadFile(g.path(name + ",v"))
		f, err := Parse(name+",v", raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := CommentLeader(name + ",v"); got != f.Comment {
			t.Errorf("%s: %q, GNU %q", name, got, f.Comment)
		}
	}
}

// TestGNUHoldsLock: GNU ci holds ",f.txt," while it waits for a log
// message on stdin; netkit refuses to write meanwhile and succeeds after.
func TestGNUHoldsLock(t *testing.T) {
	g := newGNU(t)
	os.WriteFile(g.path("f.txt"), []byte("one\n"), 0o644)
	g.must("ci", "-q", "-u", "-d2026/01/02 03:04:05", "-wtester", "-mfirst", "-t-x", "f.txt")
	g.must("co", "-q", "-l", "f.txt")
	os.WriteFile(g.path("f.txt"), []byte("one\ntwo\n"), 0o644)
	cmd := exec.Command("ci", "-q", "-d2026/01/02 03:04:06", "-wtester", "f.txt")
	cmd.Dir = g.dir
	cmd.Env = append(os.Environ(), "TZ=UTC", "LOGNAME=tester")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	for i := 0; ; i++ {
		if _, err := os.Stat(g.path(",f.txt,")); err == nil {
			break
		}
		if i == 1000 {
			t.Fatal("GNU ci never created ,f.txt,")
		}
		time.Sleep(10 * time.Millisecond)
	}
	_, err = Update(g.path("f.txt,v"), false, func(f *File) error { return f.LockRev("1.1", "other") })
	if !errors.Is(err, ErrInUse) {
		t.Errorf("while GNU ci holds the lock file: %v", err)
	}
	stdin.Write([]byte("second\n.\n"))
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("GNU ci: %v", err)
	}
	f, err := Update(g.path("f.txt,v"), false, func(f *File) error { return f.LockRev("1.2", "other") })
	if err != nil || f.Head != "1.2" || f.Delta("1.2").Log() != "second\n" {
		t.Fatalf("after GNU ci: %v", err)
	}
}

// TestSymbolsAndAccess: netkit's symbol and access-list edits give the
// bytes GNU rcs -n, -N and -a give.
func TestSymbolsAndAccess(t *testing.T) {
	g := newGNU(t)
	raw, _ := os.ReadFile(filepath.Join("..", "testdata", "rcs", "three.txt,v"))
	os.WriteFile(g.path("f.txt,v"), raw, 0o644)
	g.must("rcs", "-q", "-nA:1.1", "f.txt")
	g.must("rcs", "-q", "-nB:1.2", "-nC:1.3", "f.txt")
	g.must("rcs", "-q", "-NA:1.3", "-aalice,bob", "f.txt")
	g.must("rcs", "-q", "-acarol", "-nB", "f.txt")
	want, _ := os.ReadFile(g.path("f.txt,v"))
	f, err := Parse("f.txt,v", raw)
	if err != nil {
		t.Fatal(err)
	}
	f.SetSymbol("A", "1.1", false)
	f.SetSymbol("B", "1.2", false)
	f.SetSymbol("C", "1.3", false)
	if err := f.SetSymbol("A", "1.3", false); err == nil {
		t.Error("rebinding A without move")
	}
	f.SetSymbol("A", "1.3", true)
	f.AddAccess("alice", "bob")
	f.AddAccess("carol", "bob")
	f.DeleteSymbol("B")
	if got := f.Bytes(); !bytes.Equal(got, want) {
		t.Errorf("differs from GNU rcs: %s", firstDiff(string(got), string(want)))
	}
}

// TestSelectors: revision selectors (numbers, branches, names, magic
// branch numbers, the default branch) check out what GNU co -p does.
func TestSelectors(t *testing.T) {
	g := newGNU(t)
	for file, sels := range map[string][]string{
		"branchy.txt,v":   {"", "1.3", "1.2", "1.2.1", "1.2.2", "BRANCH", "REL1", "1.2.1.1", "1"},
		"cvsimport.txt,v": {"", "1.1", "vendor", "start", "1.1.1"},
	} {
		raw, _ := os.ReadFile(filepath.Join("..", "testdata", "rcs", file))
		os.WriteFile(g.path(file), raw, 0o644)
		g.must("rcs", "-q", "-nMAGIC:1.2.0.2", file)
		raw, _ = os.ReadFile(g.path(file))
		f, err := Parse(file, raw)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(file, "branchy") {
			// GNU co does not resolve CVS's magic branch numbers
			// ("revision 1.2.0 absent"); netkit takes them as CVS does.
			if rev, err := f.Resolve("MAGIC"); err != nil || rev != "1.2.2.1" {
				t.Errorf("MAGIC (1.2.0.2): %s, %v", rev, err)
			}
		}
		for _, sel := range sels {
			want := g.must("co", "-q", "-p", "-ko", "-r"+sel, file)
			rev, err := f.Resolve(sel)
			if err != nil {
				t.Errorf("%s -r%s: %v", file, sel, err)
				continue
			}
			if got, _ := f.Checkout(rev); !bytes.Equal(got, want) {
				t.Errorf("%s -r%s (%s): %q, GNU %q", file, sel, rev, got, want)
			}
		}
	}
}
