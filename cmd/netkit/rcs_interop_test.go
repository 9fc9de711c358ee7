package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/netkit-go/netkit/internal/testpeer"
)

// TestRCSCommandsWithGNU alternates `netkit rcs` and GNU RCS commands on
// the same files: each tool checks in after the other's lock, and the
// outputs of log/rlog, diff/rcsdiff and co -p agree.
func TestRCSCommandsWithGNU(t *testing.T) {
	testpeer.Require(t, "ci", "apt-get install rcs")
	t.Chdir(t.TempDir())
	t.Setenv("LOGNAME", "tester")
	t.Setenv("TZ", "UTC")
	os.Mkdir("RCS", 0o755)
	netkit := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := run(append([]string{"rcs"}, args...), &out, &errb)
		return out.String(), errb.String(), code
	}
	mustNetkit := func(args ...string) string {
		t.Helper()
		out, errs, code := netkit(args...)
		if code != 0 {
			t.Fatalf("netkit rcs %v: exit %d: %s", args, code, errs)
		}
		return out
	}
	gnu := func(args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return out.String(), errb.String(), err
	}
	mustGNU := func(args ...string) string {
		t.Helper()
		out, errs, err := gnu(args...)
		if err != nil {
			t.Fatalf("%v: %v: %s", args, err, errs)
		}
		return out
	}
	write := func(text string) {
		os.Remove("f.txt")
		if err := os.WriteFile("f.txt", []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	versions := []string{"one\ntwo\nthree\n", "one\n2\nthree\nfour\n", "zero\none\n2\nthree\nfour", "one\n2\n@three@\n"}
	write(versions[0])
	mustNetkit("ci", "-q", "-d2026/01/02 03:04:05", "-wtester", "-mfirst", "-t-shared file", "f.txt")
	mustGNU("co", "-q", "-l", "f.txt")
	write(versions[1])
	mustGNU("ci", "-q", "-d2026/01/02 03:04:06", "-wtester", "-msecond by GNU", "f.txt")
	mustNetkit("co", "-q", "-l", "f.txt")
	write(versions[2])
	mustNetkit("ci", "-q", "-d2026/01/02 03:04:07", "-wtester", "-mthird by netkit", "f.txt")
	mustGNU("co", "-q", "-l1.2", "f.txt")
	write(versions[3])
	mustGNU("ci", "-q", "-d2026/01/02 03:04:08", "-wtester", "-mbranch by GNU", "f.txt")

	for rev, want := range map[string]string{"1.1": versions[0], "1.2": versions[1], "1.3": versions[2], "1.2.1.1": versions[3]} {
		if got := mustGNU("co", "-q", "-p", "-r"+rev, "f.txt"); got != want {
			t.Errorf("GNU co -r%s: %q, want %q", rev, got, want)
		}
		if got := mustNetkit("co", "-q", "-p", "-r"+rev, "f.txt"); got != want {
			t.Errorf("netkit co -r%s: %q, want %q", rev, got, want)
		}
	}
	for _, args := range [][]string{{"f.txt"}, {"-h", "f.txt"}, {"-r1.2", "RCS/f.txt,v"}, {"-r1.2.1", "f.txt"}, {"-L", "-R", "f.txt"}} {
		want := mustGNU(append([]string{"rlog"}, args...)...)
		if got := mustNetkit(append([]string{"log"}, args...)...); got != want {
			t.Errorf("log %v:\n got %q\nwant %q", args, got, want)
		}
	}
	// diff: exit 1 and the same output when the revisions differ.
	want, wantErr, _ := gnu("rcsdiff", "-r1.1", "-r1.3", "f.txt")
	got, gotErr, code := netkit("diff", "-r1.1", "-r1.3", "f.txt")
	if code != 1 || got != want || !bytes.HasPrefix([]byte(gotErr), []byte(wantErr)) {
		t.Errorf("diff: exit %d\n got %q %q\nwant %q %q", code, got, gotErr, want, wantErr)
	}
	// An unchanged check-in creates no revision.
	mustNetkit("co", "-q", "-l", "f.txt")
	if _, errs, code := netkit("ci", "-q", "-mnothing", "f.txt"); code != 0 || !bytes.Contains([]byte(errs), []byte("unchanged")) {
		t.Errorf("unchanged ci: exit %d: %s", code, errs)
	}
	if out := mustGNU("rlog", "-h", "f.txt"); !bytes.Contains([]byte(out), []byte("head: 1.3\n")) || !bytes.Contains([]byte(out), []byte("locks: strict\naccess")) {
		t.Errorf("after an unchanged ci:\n%s", out)
	}
}

// rcsPeers runs netkit rcs in-process and GNU RCS commands in the current
// directory, for the interop tests.
type rcsPeers struct{ t *testing.T }

func (p rcsPeers) netkit(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := run(append([]string{"rcs"}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

func (p rcsPeers) gnu(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		p.t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// TestRCSDiffWithGNU: netkit rcs diff -u/-c/-C1/-n and the normal format
// print what GNU rcsdiff prints, header lines (stderr) and labels with
// dates included, between revisions and against the working file, with
// the same exit statuses.
func TestRCSDiffWithGNU(t *testing.T) {
	testpeer.Require(t, "rcsdiff", "apt-get install rcs")
	t.Chdir(t.TempDir())
	t.Setenv("LOGNAME", "tester")
	t.Setenv("TZ", "UTC")
	p := rcsPeers{t}
	steps := []string{"alpha\nbravo\ncharlie\ndelta\necho\n", "alpha\nbravo\ndelta\necho\n", "alpha\nbravo\nmail user@example.com (@@ two)\ndelta\nnew A\nnew B\necho\ntail without newline"}
	for i, text := range steps {
		os.WriteFile("f.txt", []byte(text), 0o644)
		p.gnu("ci", "-q", "-l", "-d2026/01/02 03:04:0"+string(rune('5'+i)), "-mstep", "-t-desc", "f.txt")
	}
	os.WriteFile("f.txt", []byte("alpha\nBRAVO\ndelta\n"), 0o644)
	os.Chtimes("f.txt", time.Date(2026, 11, 22, 3, 4, 26, 0, time.UTC), time.Date(2026, 11, 22, 3, 4, 26, 0, time.UTC))
	cases := [][]string{
		{"-u", "-r1.2", "-r1.3"}, {"-c", "-r1.1", "-r1.2"}, {"-c", "-r1.1", "-r1.3"}, {"-C1", "-r1.1", "-r1.3"},
		{"-U0", "-r1.3", "-r1.1"}, {"-n", "-r1.3", "-r1.2"}, {"-r1.1", "-r1.3"}, {"-u", "-r1.3", "-r1.3"},
		{"-u"}, {"-c", "-r1.1"}, {"-q", "-u", "-r1.1", "-r1.2"}, {"-u", "-ko", "-r1.2", "-r1.1"},
	}
	for _, args := range cases {
		args = append(args, "f.txt")
		want, wantErr, wantCode := p.gnu(append([]string{"rcsdiff"}, args...)...)
		got, gotErr, code := p.netkit(append([]string{"diff"}, args...)...)
		if got != want || code != wantCode || !strings.HasPrefix(gotErr, wantErr) {
			t.Errorf("diff %v: exit %d, GNU %d\n got %q\n     %q\nwant %q\n     %q", args, code, wantCode, got, gotErr, want, wantErr)
		}
	}
	// Several files: one header each, exit 1 when any differs.
	os.WriteFile("g.txt", []byte("same\n"), 0o644)
	p.gnu("ci", "-q", "-u", "-d2026/01/03 00:00:00", "-mg", "-t-g", "g.txt")
	for _, args := range [][]string{{"-u", "f.txt", "g.txt"}, {"g.txt"}, {"-r1.1", "g.txt", "f.txt"}} {
		want, wantErr, wantCode := p.gnu(append([]string{"rcsdiff"}, args...)...)
		got, gotErr, code := p.netkit(append([]string{"diff"}, args...)...)
		if got != want || code != wantCode || !strings.HasPrefix(gotErr, wantErr) {
			t.Errorf("diff %v: exit %d, GNU %d\n got %q\n     %q\nwant %q\n     %q", args, code, wantCode, got, gotErr, want, wantErr)
		}
	}
	// Keywords are expanded before comparing, in the mode asked for.
	for i, text := range []string{"$Id$\n$Revision$\nx\n", "$Id$\n$Revision$\ny\n"} {
		os.WriteFile("k.txt", []byte(text), 0o644)
		p.gnu("ci", "-q", "-l", fmt.Sprintf("-d2026/01/04 00:00:0%d", i), "-mk", "-t-k", "k.txt")
	}
	for _, args := range [][]string{{"-u", "-r1.1", "-r1.2", "k.txt"}, {"-kk", "-r1.1", "-r1.2", "k.txt"}, {"-c", "k.txt"}, {"-kkvl", "-r1.1", "k.txt"}} {
		want, wantErr, wantCode := p.gnu(append([]string{"rcsdiff"}, args...)...)
		got, gotErr, code := p.netkit(append([]string{"diff"}, args...)...)
		if got != want || code != wantCode || !strings.HasPrefix(gotErr, wantErr) {
			t.Errorf("diff %v: exit %d, GNU %d\n got %q\n     %q\nwant %q\n     %q", args, code, wantCode, got, gotErr, want, wantErr)
		}
	}
	// A file that does not exist, a revision that does not exist: 2.
	for _, args := range [][]string{{"-u", "nosuch.txt"}, {"-r1.1", "-r9.9", "f.txt"}} {
		_, _, wantCode := p.gnu(append([]string{"rcsdiff"}, args...)...)
		if _, _, code := p.netkit(append([]string{"diff"}, args...)...); code != 2 || wantCode != 2 {
			t.Errorf("diff %v: exit %d, GNU %d", args, code, wantCode)
		}
	}
}

// selectionFile builds, with GNU RCS, a file with dates, states and
// authors to select from: trunk 1.1-1.6 (1.2 Rel, 1.5 Stab, 1.4 by
// alice), branch 1.3.1 (two revisions by bob), branch 1.2.1 (carol), two
// locks and two names.
func selectionFile(t *testing.T, p rcsPeers) {
	t.Helper()
	must := func(args ...string) {
		t.Helper()
		if _, errs, code := p.gnu(args...); code != 0 {
			t.Fatalf("%v: %s", args, errs)
		}
	}
	text := ""
	for i := 1; i <= 6; i++ {
		text += fmt.Sprintf("line %d\n", i)
		os.WriteFile("f.txt", []byte(text), 0o644)
		author, state := "tester", "Exp"
		if i == 4 {
			author = "alice"
		}
		if i == 2 {
			state = "Rel"
		}
		if i == 5 {
			state = "Stab"
		}
		if i > 1 {
			must("rcs", "-q", "-l", "f.txt")
		}
		must("ci", "-q", "-f", fmt.Sprintf("-d2026/01/0%d 10:00:00", i), "-w"+author, "-s"+state, fmt.Sprintf("-mrev %d", i), "-t-desc", "f.txt")
	}
	for j, parent := range []string{"1.3", "1.3.1.1", "1.2"} {
		os.WriteFile("f.txt", []byte(fmt.Sprintf("branch %d\n", j)), 0o644)
		must("rcs", "-q", "-l"+parent, "f.txt")
		date, author := fmt.Sprintf("-d2026/01/0%d 12:00:00", j+3), "-wbob"
		if j == 2 {
			date, author = "-d2026/01/03 09:00:00", "-wcarol"
		}
		must("ci", "-q", "-f", date, author, "-mbranch", "f.txt")
	}
	must("rcs", "-q", "-l1.3.1.2", "-nREL:1.3", "-nBR:1.3.1", "f.txt")
	t.Setenv("LOGNAME", "alice")
	must("rcs", "-q", "-l1.4", "f.txt")
	t.Setenv("LOGNAME", "tester")
}

// TestRCSLogSelectWithGNU: netkit rcs log prints what GNU rlog prints for
// the same -r ranges, -d dates, -s, -w, -l, -b, -N and -t, and netkit rcs
// co -d/-s/-w check out the revision GNU co does.
func TestRCSLogSelectWithGNU(t *testing.T) {
	testpeer.Require(t, "rlog", "apt-get install rcs")
	t.Chdir(t.TempDir())
	t.Setenv("TZ", "UTC")
	p := rcsPeers{t}
	selectionFile(t, p)
	for _, args := range [][]string{
		{"-r1.2:1.5"}, {"-r:1.3"}, {"-r1.3:"}, {"-r1.3.1"}, {"-r1.3.1."}, {"-r"}, {"-r1"}, {"-r1.2,1.4"},
		{"-r1.3.1.1:"}, {"-r:1.3.1.2"}, {"-r1.5:1.2"}, {"-r1.9"}, {"-r2"}, {"-r1.2", "-r1.4"}, {"-rREL:"},
		{"-rBR"}, {"-rBR."}, {"-r:REL"}, {"-r1.3.1:1.3.2"},
		{"-sExp"}, {"-sRel,Stab"}, {"-walice"}, {"-w"}, {"-wbob,carol"}, {"-b"}, {"-l"}, {"-lalice"}, {"-N"}, {"-t"},
		{"-r1.3.1", "-wtester"}, {"-l", "-r1.3.1"},
		{"-d2026/01/03 10:00:00<2026/01/05 10:00:00"}, {"-d2026/01/03 10:00:00<=2026/01/05 10:00:00"},
		{"-d<2026/01/03 10:00:00"}, {"-d<=2026/01/03 10:00:00"}, {"-d2026/01/03 10:00:00<"}, {"-d>2026/01/03 10:00:00"},
		{"-d>=2026/01/03 10:00:00"}, {"-d2026/01/03 10:00:00>"}, {"-d2026/01/05 10:00:00>2026/01/03 10:00:00"},
		{"-d2026/01/04"}, {"-d2026/01/02"}, {"-d2026-01-04 11:00:00"}, {"-d2026/01/02;2026/01/05 10:00"},
		{"-d2026-01-03T10:00:00Z"}, {"-d2026-01-03 19:00:00+09"}, {"-d<2026/01/02 10:00:00;>2026/01/05 10:00:00"},
		{"-d2026/01/03 <= 2026/01/04"}, {"-dJan 4 2026"}, {"-d4 Jan 2026 12:00"}, {"-d2026-01-04 12:00:00 EST"},
		{"-d<"}, {"-d>"}, {"-d2026/01/04 12:00:00", "-r1.2:1.4"}, {"-d>2026/01/02", "-sExp", "-wtester"},
		{"-d2026/01/04 12:00:00", "-d2026/01/03 11:00:00"},
		{"-z+09"}, {"-z+05:30", "-r1.3.1"}, {"-z-0800"}, {"-zUTC"}, {"-z"},
	} {
		args = append(args, "f.txt")
		want, _, wantCode := p.gnu(append([]string{"rlog"}, args...)...)
		got, errs, code := p.netkit(append([]string{"log"}, args...)...)
		if got != want || code != wantCode {
			t.Errorf("log %q: exit %d (GNU %d) %s\n%s", args, code, wantCode, errs, lineDiff(got, want))
		}
	}
	// Errors: exit 2 where GNU fails.
	for _, args := range [][]string{{"-dgarbage"}, {"-rNOPE"}, {"-r1.2.1:1.3.1"}, {"-d"}} {
		args = append(args, "f.txt")
		_, _, wantCode := p.gnu(append([]string{"rlog"}, args...)...)
		if _, _, code := p.netkit(append([]string{"log"}, args...)...); code != 2 || wantCode == 0 {
			t.Errorf("log %q: exit %d, GNU %d", args, code, wantCode)
		}
	}
	for _, args := range [][]string{
		{"-d2026/01/04"}, {"-d2026/01/03 11:00"}, {"-sRel"}, {"-sStab"}, {"-walice"}, {"-r1.3.1", "-d2026/01/04"},
		{"-r1", "-sRel"}, {"-rBR", "-d2026/01/04"}, {"-rREL", "-sExp"}, {"-sRel", "-wtester"}, {"-w"},
		{"-wbob"}, {"-r1.3", "-d2026/01/01"}, {"-r1.3.1", "-sNope"}, {"-d2025/01/01"},
		{"-r1.3.1."}, {"-rBR."}, {"-r1.3."}, {"-rBR.", "-d2026/01/04"},
		{"-r1.9"}, {"-r1.3.1.9"}, {"-r1.2.1.5"}, {"-r1.0"}, {"-r2.5"}, {"-r1.3.2.1"}, {"-r1.9", "-sRel"},
	} {
		args = append([]string{"-q", "-p"}, append(args, "f.txt")...)
		want, _, wantCode := p.gnu(append([]string{"co"}, args...)...)
		got, errs, code := p.netkit(append([]string{"co"}, args...)...)
		if got != want || (code == 0) != (wantCode == 0) {
			t.Errorf("co %q: exit %d (GNU %d) %s\n got %q\nwant %q", args, code, wantCode, errs, got, want)
		}
	}
}

// lineDiff shows the first differing line of two outputs.
func lineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got %q\nwant %q", i+1, gl, wl)
		}
	}
	return "same"
}

// TestRCSAdminWithGNU: netkit rcs admin with the options of GNU rcs
// writes the bytes GNU rcs writes (and GNU rlog reads them), exits as it
// does, and prints the same diagnostics.
func TestRCSAdminWithGNU(t *testing.T) {
	testpeer.Require(t, "rcs", "apt-get install rcs")
	// A file in CVS's import layout (space-padded), whose texts rcs -m
	// must keep as they are.
	cvs, err := os.ReadFile("../../testdata/rcs/cvsimport.txt,v")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	t.Setenv("TZ", "UTC")
	t.Setenv("LOGNAME", "tester")
	p := rcsPeers{t}
	for _, dir := range []string{"gnu", "netkit"} {
		os.Mkdir(dir, 0o755)
	}
	// The base file: 1.1, 1.2, a branch 1.1.1.1 with a @ in its log, a
	// CVS-style magic branch name.
	for i, text := range []string{"a\n", "a\nb\n", "a\nbranch\n"} {
		os.WriteFile("f.txt", []byte(text), 0o644)
		if i > 0 {
			p.gnu("rcs", "-q", "-l1.1", "f.txt")
		}
		if _, errs, code := p.gnu("ci", "-q", "-f", fmt.Sprintf("-d2026/01/02 03:04:0%d", i+5), fmt.Sprintf("-mrev %d @", i), "-t-desc", "f.txt"); code != 0 {
			t.Fatal(errs)
		}
	}
	base, err := os.ReadFile("f.txt,v")
	if err != nil {
		t.Fatal(err)
	}
	locked := func() []byte {
		os.WriteFile("l.txt,v", base, 0o644)
		p.gnu("rcs", "-q", "-l1.1", "l.txt")
		b, _ := os.ReadFile("l.txt,v")
		return b
	}()
	inDir := func(dir string, f func() (string, string, int)) (string, int) {
		t.Helper()
		wd, _ := os.Getwd()
		os.Chdir(dir)
		defer os.Chdir(wd)
		_, errs, code := f()
		return errs, code
	}
	for _, c := range []struct {
		file []byte
		args []string
	}{
		{base, []string{"-nREL:1.1"}}, {base, []string{"-nREL:1.1", "-nB:1.2"}}, {base, []string{"-nX:"}},
		{base, []string{"-NREL:1.2"}}, {base, []string{"-nMAGIC:1.2.0.2"}}, {base, []string{"-nBR:1.1.1"}},
		{base, []string{"-nREL:1.1", "-NREL:1.2", "-nREL"}}, {base, []string{"-nREL:1.1", "-nREL:1.2"}},
		{base, []string{"-aalice,bob", "-acarol"}}, {base, []string{"-aalice,bob,carol", "-ebob"}}, {base, []string{"-aalice", "-e"}},
		{base, []string{"-sRel:1.1"}}, {base, []string{"-sStab"}}, {base, []string{"-sX:1.1.1.1"}}, {base, []string{"-sX:1.7"}}, {base, []string{"-m1.5:x"}}, {base, []string{"-sX:1.1.1"}},
		{base, []string{"-m1.1:  new log @ here  "}}, {base, []string{"-m1.1.1.1:branch log"}}, {base, []string{"-m1.2:"}},
		{base, []string{"-t-  new desc @ "}}, {base, []string{"-l"}}, {base, []string{"-l1.1"}}, {base, []string{"-l1.1", "-l1.2"}},
		{base, []string{"-l1.1.1"}}, {base, []string{"-u"}}, {base, []string{"-l1.1", "-u1.1"}}, {base, []string{"-U"}},
		{base, []string{"-U", "-L"}}, {base, []string{"-kb"}}, {base, []string{"-kkv"}}, {base, []string{"-b1.1.1"}},
		{base, []string{"-b1.1.1", "-b"}}, {base, []string{"-c// "}},
		{locked, []string{"-u"}}, {locked, []string{"-u1.1"}}, {locked, []string{"-u1.2"}}, {locked, []string{"-l1.2", "-u1.1"}},
		{base, []string{"-nA:1.1", "-NA:1.2", "-aalice", "-sX:1.2", "-m1.2:changed", "-t-new", "-l1.1", "-U", "-kk"}},
		{base, []string{"-o1.2"}}, {base, []string{"-o1.1.1.1"}}, {base, []string{"-o1.1"}}, {base, []string{"-o1.1.1"}},
		{base, []string{"-o1.2:"}}, {base, []string{"-o:1.1.1.1"}}, {base, []string{"-o1.1.1.1:1.1.1.9"}}, {base, []string{"-o1.9"}},
		{base, []string{"-m1.2:lost", "-o1.2", "-nX:1.2"}}, {locked, []string{"-o1.1.1.1"}}, {locked, []string{"-l1.2", "-o1.2"}},
		{base, []string{"-q", "-o1.1.1.1:"}}, {cvs, []string{"-o1.1"}}, {cvs, []string{"-o1.1.1.1"}},
		{cvs, []string{"-m1.1:new message"}}, {cvs, []string{"-nX:1.1", "-sY:1.1", "-m1.1.1.1:new @ message", "-m1.1:x", "-aalice", "-t-d"}},
	} {
		for _, dir := range []string{"gnu", "netkit"} {
			os.WriteFile(dir+"/f.txt,v", c.file, 0o644)
		}
		args := append(c.args, "f.txt")
		wantErr, wantCode := inDir("gnu", func() (string, string, int) { return p.gnu(append([]string{"rcs"}, args...)...) })
		gotErr, code := inDir("netkit", func() (string, string, int) { return p.netkit(append([]string{"admin"}, args...)...) })
		want, _ := os.ReadFile("gnu/f.txt,v")
		got, _ := os.ReadFile("netkit/f.txt,v")
		if !bytes.Equal(got, want) || (code == 0) != (wantCode == 0) {
			t.Errorf("admin %q: exit %d (GNU %d) %s\n%s", c.args, code, wantCode, gotErr, lineDiff(string(got), string(want)))
		}
		// (GNU's warnings about repeated options are not repeated.)
		if wantCode == 0 && !strings.HasPrefix(wantErr, "rcs: warning") && gotErr != wantErr {
			t.Errorf("admin %q: stderr %q, GNU %q", c.args, gotErr, wantErr)
		}
		if wantCode == 0 {
			if _, errs, code := p.gnu("rlog", "netkit/f.txt,v"); code != 0 {
				t.Errorf("admin %q: GNU rlog: %s", c.args, errs)
			}
		}
	}
	// rcs -i: a new, empty file, the same bytes for the same options.
	for _, args := range [][]string{{"-t-the desc"}, {"-U", "-kb", "-aalice", "-t-y"}, {}} {
		for _, name := range []string{"g.c", "h.txt", "noext"} {
			var files [2][]byte
			for i, dir := range []string{"gnu", "netkit"} {
				os.Remove(dir + "/" + name + ",v")
				all := append(append([]string{"-q", "-i"}, args...), name)
				if dir == "gnu" {
					cmd := exec.Command("rcs", all...)
					cmd.Dir, cmd.Stdin = dir, strings.NewReader("")
					if out, err := cmd.CombinedOutput(); err != nil {
						t.Fatalf("rcs %q: %v %s", all, err, out)
					}
				} else if _, code := inDir(dir, func() (string, string, int) { return p.netkit(append([]string{"admin"}, all...)...) }); code != 0 {
					t.Fatalf("admin %q: exit %d", all, code)
				}
				files[i], _ = os.ReadFile(dir + "/" + name + ",v")
			}
			if !bytes.Equal(files[0], files[1]) {
				t.Errorf("admin -i %q %s:\n%s", args, name, lineDiff(string(files[1]), string(files[0])))
			}
		}
	}
	if _, code := inDir("netkit", func() (string, string, int) { return p.netkit("admin", "-q", "-i", "-t-x", "g.c") }); code != 1 {
		t.Errorf("admin -i on an existing file: exit %d", code)
	}
}

// TestRCSCheckinNamesWithGNU: ci -nNAME and -NNAME name the new revision
// as GNU ci does (the same bytes; a name bound elsewhere refuses the
// check-in without -N).
func TestRCSCheckinNamesWithGNU(t *testing.T) {
	testpeer.Require(t, "ci", "apt-get install rcs")
	t.Chdir(t.TempDir())
	t.Setenv("TZ", "UTC")
	t.Setenv("LOGNAME", "tester")
	p := rcsPeers{t}
	steps := [][]string{
		{"-nREL_1", "-d2026/01/02 03:04:05", "-ma", "-t-d"},
		{"-nREL_1", "-d2026/01/02 03:04:06", "-mb"},
		{"-NREL_1", "-nX", "-d2026/01/02 03:04:06", "-mb"},
	}
	var files [2][]byte
	for i, dir := range []string{"gnu", "netkit"} {
		os.Mkdir(dir, 0o755)
		text := ""
		for k, args := range steps {
			text += "line\n"
			os.WriteFile(dir+"/f.txt", []byte(text), 0o644)
			all := append([]string{"-q", "-l"}, append(args, dir+"/f.txt")...)
			var code int
			if dir == "gnu" {
				_, _, code = p.gnu(append([]string{"ci"}, all...)...)
			} else {
				_, _, code = p.netkit(append([]string{"ci"}, all...)...)
			}
			if (code == 0) != (k != 1) {
				t.Errorf("%s ci %q: exit %d", dir, args, code)
			}
		}
		files[i], _ = os.ReadFile(dir + "/f.txt,v")
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Errorf("ci -n/-N:\n%s", lineDiff(string(files[1]), string(files[0])))
	}
}
