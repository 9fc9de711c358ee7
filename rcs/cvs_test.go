package rcs

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netkit-go/netkit/internal/testpeer"
)

// TestCVSRepository reads every ,v file a real CVS writes (init, import,
// commits, a tag): every revision equals GNU co -p, rlog output equals GNU
// rlog, and a rewrite equals GNU RCS's rewrite.
func TestCVSRepository(t *testing.T) {
	testpeer.Require(t, "cvs", "apt-get install cvs")
	g := newGNU(t)
	root := g.path("repo")
	env := append(os.Environ(), "TZ=UTC", "CVSROOT="+root, "LOGNAME=tester", "CVS_RSH=false")
	run := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("cvs", args...)
		cmd.Dir, cmd.Env = dir, env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("cvs %v: %v\n%s", args, err, out)
		}
	}
	run(g.dir, "-d", root, "init")
	src := g.path("src")
	os.MkdirAll(filepath.Join(src, "sub"), 0o755)
	os.WriteFile(filepath.Join(src, "hello.txt"), []byte("hello\nworld\nline3\nline4\n"), 0o644)
	os.WriteFile(filepath.Join(src, "sub", "x.txt"), []byte("sub file\n"), 0o644)
	run(src, "import", "-m", "initial import", "mod", "vendor", "start")
	run(g.dir, "checkout", "mod")
	wc := g.path("mod")
	os.WriteFile(filepath.Join(wc, "hello.txt"), []byte("hello\nWORLD @ cvs\nline3\nline4\nline5\n"), 0o644)
	run(wc, "commit", "-m", "change line 2")
	run(wc, "tag", "REL_A")
	os.WriteFile(filepath.Join(wc, "hello.txt"), []byte("hello\nWORLD @ cvs\nline4\nline5\n"), 0o644)
	run(wc, "commit", "-m", "drop line 3")

	n := 0
	filepath.Walk(root, func(path string, fi os.FileInfo, err error) error {
		if err != nil || !strings.HasSuffix(path, ",v") {
			return err
		}
		n++
		raw, _ := os.ReadFile(path)
		f, err := Parse(path, raw)
		if err != nil {
			t.Errorf("%v", err)
			return nil
		}
		dir, base := filepath.Split(path)
		for _, d := range f.Deltas() {
			got, err := f.Checkout(d.Rev)
			cmd := exec.Command("co", "-q", "-p", "-ko", "-r"+d.Rev, base)
			cmd.Dir = dir
			want, werr := cmd.Output()
			if err != nil || werr != nil || !bytes.Equal(got, want) {
				t.Errorf("%s %s: %v %v\n got %q\nwant %q", path, d.Rev, err, werr, got, want)
			}
		}
		cmd := exec.Command("rlog", base)
		cmd.Dir, cmd.Env = dir, env
		want, err := cmd.Output()
		f.Name = base
		if got := f.Log(LogOptions{Working: strings.TrimSuffix(base, ",v")}); err != nil || got != string(want) {
			t.Errorf("%s: rlog: %v %s", path, err, firstDiff(got, string(want)))
		}
		if gw := gnuRewrite(t, raw); gw != nil && !bytes.Equal(f.Bytes(), gw) {
			t.Errorf("%s: rewrite differs from GNU's %s", path, firstDiff(string(f.Bytes()), string(gw)))
		}
		return nil
	})
	if n < 10 {
		t.Errorf("only %d ,v files in the CVS repository", n)
	}
	t.Logf("%d ,v files written by CVS read, logged and rewritten as GNU RCS does", n)
}
