package rcs

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "rcs", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTestdataFiles reads the files GNU RCS and CVS wrote: every revision,
// rlog output against GNU rlog, and an unchanged rewrite.
func TestTestdataFiles(t *testing.T) {
	for _, name := range []string{"three.txt,v", "branchy.txt,v", "cvsimport.txt,v", "nested.txt,v", "nested2.txt,v", "nested3.txt,v", "empty.txt,v"} {
		raw := readTestdata(t, name)
		f, err := Parse(name, raw)
		if err != nil {
			t.Fatal(err)
		}
		want := raw
		if name == "cvsimport.txt,v" {
			// GNU RCS rewrites CVS's import layout in its own layout and
			// copies what follows desc: compare with its rewrite.
			want = gnuRewrite(t, raw)
		}
		if want != nil && !bytes.Equal(f.Bytes(), want) {
			t.Errorf("%s: a rewrite differs from GNU's %s", name, firstDiff(string(f.Bytes()), string(want)))
		}
		for _, d := range f.Deltas() {
			if _, err := f.Checkout(d.Rev); err != nil {
				t.Errorf("%s: %s: %v", name, d.Rev, err)
			}
		}
		if _, err := exec.LookPath("rlog"); err != nil {
			continue
		}
		cmd := exec.Command("rlog", name)
		cmd.Dir = filepath.Join("..", "testdata", "rcs")
		cmd.Env = append(os.Environ(), "TZ=UTC")
		wantLog, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Log(LogOptions{Working: strings.TrimSuffix(name, ",v")}); got != string(wantLog) {
			t.Errorf("%s: rlog differs %s", name, firstDiff(got, string(wantLog)))
		}
	}
}

// gnuRewrite has GNU rcs rewrite a file without changing it (add and
// delete a symbol); nil without GNU RCS.
func gnuRewrite(t *testing.T, raw []byte) []byte {
	if _, err := exec.LookPath("rcs"); err != nil {
		return nil
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x,v"), raw, 0o644)
	for _, arg := range []string{"-nX:1.1", "-nX"} {
		cmd := exec.Command("rcs", "-q", arg, "x,v")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("rcs %s: %v %s", arg, err, out)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "x,v"))
	return b
}

// TestBadInput: malformed files give a *ParseError or *DeltaError naming
// the file and an offset, never a panic or a hang.
func TestBadInput(t *testing.T) {
	good := readTestdata(t, "three.txt,v")
	// Every truncation is an error.
	for n := 0; n < len(good)-1; n++ {
		_, err := Parse("t,v", good[:n])
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), "t,v: offset ") {
			t.Fatalf("truncated at %d: %v", n, err)
		}
	}
	edit := func(old, new string) []byte {
		if !bytes.Contains(good, []byte(old)) {
			t.Fatalf("%q not in the file", old)
		}
		return bytes.Replace(good, []byte(old), []byte(new), 1)
	}
	cases := []struct {
		name string
		raw  []byte
		want string
	}{
		{"unbalanced @", edit("charlie\n@\n", "charlie\n\n"), "unbalanced"},
		{"unbalanced @ in desc", edit("@desc\n@", "@desc\n"), ""},
		{"next points nowhere", edit("next\t1.1;", "next\t1.9;"), "next 1.9 is not in the delta list"},
		{"head points nowhere", edit("head\t1.3;", "head\t2.1;"), "head 2.1"},
		{"cycle in next", edit("next\t;", "next\t1.3;"), "cycle"},
		{"bad revision", edit("\n1.1\ndate", "\n1.x\ndate"), ""},
		{"revision twice", edit("\n1.1\ndate", "\n1.2\ndate"), "revision 1.2 appears twice"},
		{"missing text", edit("\n\n\n1.1\nlog\n@msg\n@\ntext\n@a2 1\ncharlie\n@\n", "\n"), "no delta text"},
	}
	for _, c := range cases {
		_, err := Parse("t,v", c.raw)
		if err == nil || !strings.HasPrefix(err.Error(), "t,v: offset ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// Delta commands past the end of the text fail at checkout.
	for _, script := range []string{"d3 1\nd5 2\nd9 1\n", "d3 1\nd5 2\nd8 2\n", "a99 1\nx\n", "d5 1\nd3 1\n", "x1 1\n", "a1 3\nonly one\n"} {
		raw := edit("d3 1\nd5 2\nd8 1\n", script)
		f, err := Parse("t,v", raw)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Checkout("1.1")
		var de *DeltaError
		if !errors.As(err, &de) || !strings.HasPrefix(err.Error(), "t,v: offset ") {
			t.Errorf("script %q: %v", script, err)
		}
	}
}

// TestHugeFile: a file larger than MaxFileSize (a 2 GB line, sparse on
// disk) is refused before anything is read.
func TestHugeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge,v")
	head := readTestdata(t, "three.txt,v")
	if err := os.WriteFile(path, head[:bytes.Index(head, []byte("text\n@"))+6], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 2<<30); err != nil {
		t.Skip("cannot make a sparse file:", err)
	}
	_, err := Open(path)
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("2 GB file: %v", err)
	}
}

// FuzzParse: any input parses or fails cleanly; what parses checks out,
// logs and rewrites without panicking, and the rewrite parses again.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"three.txt,v", "branchy.txt,v", "cvsimport.txt,v", "nested.txt,v", "nested2.txt,v", "nested3.txt,v", "empty.txt,v"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		rf, err := Parse("fuzz,v", raw)
		if err != nil {
			return
		}
		for _, d := range rf.Deltas() {
			rf.Checkout(d.Rev)
		}
		rf.Log(LogOptions{})
		if _, err := Parse("again,v", rf.Bytes()); err != nil {
			t.Fatalf("rewrite does not parse: %v", err)
		}
		// After a check-in, copying the untouched nodes and texts
		// verbatim gives what writing them anew gives.
		if rf.Head == "" {
			return
		}
		head, err := rf.Checkout(rf.Head)
		if err != nil {
			return
		}
		rf.Strict, rf.Locks = false, nil
		if _, err := rf.Checkin(append(head, "fuzz\n"...), CheckinOptions{Author: "fuzz", Force: true, Date: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			return
		}
		// In another layout (CVS's), the copied records keep theirs: the
		// copy then holds the same revisions as writing everything.
		fast := rf.Bytes()
		slow := writtenAnew(rf)
		if !bytes.Equal(fast, slow) {
			if pf, err := Parse("fuzz,v", raw); err == nil && bytes.Equal(writtenAnew(pf), raw) {
				t.Fatalf("a file in GNU's layout: verbatim copy differs from writing everything %s", firstDiff(string(fast), string(slow)))
			}
			sameRevisions(t, fast, slow)
		}
	})
}

// sameRevisions checks that the ,v files a and b parse and hold the same
// revisions: the same texts and logs.
func sameRevisions(t *testing.T, a, b []byte) {
	t.Helper()
	fa, err := Parse("a,v", a)
	if err != nil {
		t.Fatalf("%v\n%q", err, a)
	}
	fb, err := Parse("b,v", b)
	if err != nil {
		t.Fatalf("%v\n%q", err, b)
	}
	if len(fa.Deltas()) != len(fb.Deltas()) {
		t.Fatalf("%d revisions in\n%q\n%d in\n%q", len(fa.Deltas()), a, len(fb.Deltas()), b)
	}
	for _, db := range fb.Deltas() {
		da := fa.Delta(db.Rev)
		if da == nil || da.Log() != db.Log() {
			t.Fatalf("revision %s: not the same log in\n%q\nand\n%q", db.Rev, a, b)
		}
		ta, errA := fa.Checkout(db.Rev)
		tb, errB := fb.Checkout(db.Rev)
		if (errA == nil) != (errB == nil) || !bytes.Equal(ta, tb) {
			t.Fatalf("revision %s: not the same text in\n%q\nand\n%q", db.Rev, a, b)
		}
	}
}

// writtenAnew serializes f with nothing copied from its buffer.
func writtenAnew(f *File) []byte {
	for _, d := range f.allNodes() {
		d.recEnd, d.nodeEnd = 0, 0
	}
	return f.Bytes()
}

// FuzzApply: an arbitrary edit script as the delta text of 1.1 fails
// cleanly or yields a text.
func FuzzApply(f *testing.F) {
	f.Add([]byte("d3 1\nd5 2\nd8 1\n"))
	f.Add([]byte("a2 1\ncharlie\n"))
	f.Add([]byte("d1 1\na1 1\nx"))
	f.Add([]byte("a0 2\n@@\n"))
	f.Add([]byte("d1 1\na1 2\nx\ny\nd4 2\na6 1\nz\n"))
	f.Add([]byte("a1 1\nx\nd2 1\n"))
	good := readTestdata(f, "three.txt,v")
	f.Fuzz(func(t *testing.T, script []byte) {
		raw := bytes.Replace(good, []byte("d3 1\nd5 2\nd8 1\n"), quote(nil, script), 1)
		rf, err := Parse("fuzz,v", raw)
		if err != nil {
			t.Fatalf("quoted script does not parse: %v", err)
		}
		rf.Checkout("1.1")
		// Both ways of applying agree.
		head := rf.Delta("1.3")
		lines := splitSpans(nil, head.text.raw, uint32(head.text.off))
		edits, adds, err := rf.parseScript(nil, nil, rf.Delta("1.2"), len(lines))
		if err != nil {
			return
		}
		want := applyCopy(nil, lines, edits, adds)
		if applyInPlace(&lines, edits, adds) && !slices.Equal(lines, want) {
			t.Fatalf("in place %v, copying %v", lines, want)
		}
	})
}

// FuzzDiffRoundTrip: checking in b over a and checking out the old
// revision gives a back (the diff and the applier agree).
func FuzzDiffRoundTrip(f *testing.F) {
	f.Add([]byte("a\nb\nc\n"), []byte("c\nb\na\n"))
	f.Add([]byte("x\n@\ny"), []byte("@@\nx\n"))
	f.Add([]byte(""), []byte("a"))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		if len(a)+len(b) > 1<<14 {
			return // large inputs only slow the search (the diff is O(ND))
		}
		rf := New("fuzz,v")
		if _, err := rf.Checkin(a, CheckinOptions{Author: "t"}); err != nil {
			t.Fatal(err)
		}
		rf.LockRev("1.1", "t")
		if _, err := rf.Checkin(b, CheckinOptions{Author: "t", Force: true}); err != nil {
			t.Fatal(err)
		}
		for rev, want := range map[string][]byte{"1.1": a, "1.2": b} {
			got, err := rf.Checkout(rev)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%s: %q, %v; want %q", rev, got, err, want)
			}
		}
	})
}

func TestAccessList(t *testing.T) {
	f, err := Parse("branchy.txt,v", readTestdata(t, "branchy.txt,v"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.CheckAccess("bob"); err != nil {
		t.Error(err)
	}
	if err := f.CheckAccess("carol"); err == nil || err.Error() != "branchy.txt,v: user carol not on the access list" {
		t.Errorf("carol: %v", err)
	}
	if got := f.LockedBy("1.2.1.2"); got != "tester" {
		t.Errorf("lock of 1.2.1.2: %q", got)
	}
	if err := f.LockRev("1.2.1.2", "bob"); err == nil {
		t.Error("bob took tester's lock")
	}
}

// FuzzExpand: keyword expansion of any text in any mode does not panic,
// and collapsing the expansion's keywords is idempotent.
func FuzzExpand(f *testing.F) {
	f.Add([]byte("/* $Log$ */\n$Id$ $Revision: 1 $ $Log: x $ tail"), uint8(0))
	f.Add([]byte("  /* $Log$"), uint8(3))
	f.Add([]byte("$Id"), uint8(1))
	rf, err := Parse("kw.c,v", readTestdata(f, "three.txt,v"))
	if err != nil {
		f.Fatal(err)
	}
	modes := []string{ModeKV, ModeKVL, ModeK, ModeV, ModeO, ModeB}
	f.Fuzz(func(t *testing.T, text []byte, m uint8) {
		mode := modes[int(m)%len(modes)]
		out := rf.ExpandKeywords(text, rf.Delta("1.3"), ExpandOptions{Mode: mode, Locker: "me", Name: "N"})
		if (mode == ModeO || mode == ModeB) && !bytes.Equal(out, text) {
			t.Fatalf("-k%s changed the text", mode)
		}
		c := collapseKeywords(out)
		if !bytes.Equal(collapseKeywords(c), c) {
			t.Fatalf("collapse is not idempotent on %q", out)
		}
	})
}

// TestDateBytes checks the word-at-a-time date check of fastHeader against
// the byte classes: it accepts a byte in every position exactly when the
// byte is a digit, '.' or '/', all of which may appear in an id.
func TestDateBytes(t *testing.T) {
	date := []byte("2026.01.02.00.00.01")
	if !dateBytes(date) {
		t.Fatalf("%s refused", date)
	}
	for i := range date {
		for c := 0; c < 256; c++ {
			s := bytes.Clone(date)
			s[i] = byte(c)
			want := c >= '.' && c <= '9'
			if got := dateBytes(s); got != want {
				t.Fatalf("byte %#x at %d: got %v, want %v", c, i, got, want)
			}
			if want && !isIDChar(byte(c)) {
				t.Fatalf("byte %#x accepted but not an id character", c)
			}
		}
	}
	if dateBytes(date[:18]) {
		t.Fatal("18 bytes accepted")
	}
}
