package rcs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// checkinBoth checks content in over raw twice: eagerly (Parse, Checkin,
// Bytes) and through Update, which reads only the delta text records the
// check-in needs. It returns both results.
func checkinBoth(t *testing.T, raw, content []byte, o CheckinOptions) (eager, lazy []byte, err error) {
	t.Helper()
	f, err := Parse("f.txt,v", raw)
	if err != nil {
		return nil, nil, err
	}
	if _, err := f.Checkin(content, o); err != nil {
		return nil, nil, err
	}
	eager = f.Bytes()
	path := filepath.Join(t.TempDir(), "f.txt,v")
	if err := os.WriteFile(path, raw, 0o444); err != nil {
		t.Fatal(err)
	}
	if _, err := Update(path, false, func(f *File) error {
		_, err := f.Checkin(content, o)
		return err
	}); err != nil {
		return eager, nil, err
	}
	lazy, err = os.ReadFile(path)
	return eager, lazy, err
}

// TestLazyCheckin: a check-in through Update, which leaves the delta text
// records it does not need unread and copies them as they are, writes the
// bytes a full parse writes, on the trunk and on branches.
func TestLazyCheckin(t *testing.T) {
	raw, _ := synthFile(30, 40, 3)
	f, err := Parse("f.txt,v", raw)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := f.Checkout(f.Head)
	date := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, rev := range []string{"", "1.30.1", "1.12.1", "1.1.1"} {
		o := CheckinOptions{Rev: rev, Author: "tester", Date: date, Log: "lazy " + rev}
		raw := bytes.Replace(raw, []byte("strict;"), nil, 1)
		eager, lazy, err := checkinBoth(t, raw, append(head, "one more line @ with an at\n"...), o)
		if err != nil {
			t.Fatalf("check-in %q: %v", rev, err)
		}
		if !bytes.Equal(eager, lazy) {
			t.Errorf("check-in %q: lazy differs from eager %s", rev, firstDiff(string(lazy), string(eager)))
		}
		if _, err := Parse("f.txt,v", lazy); err != nil {
			t.Errorf("check-in %q: result does not parse: %v", rev, err)
		}
	}
}

// TestLazyDamage: a damaged delta text record that a check-in does not
// read is copied as it is (as GNU ci copies it), and every reader that
// reaches it reports it with the file and the offset: Open, a checkout
// through Update, rlog, and a later full parse of the new file.
func TestLazyDamage(t *testing.T) {
	raw, _ := synthFile(30, 40, 3)
	raw = bytes.Replace(raw, []byte("strict;"), nil, 1)
	cases := []struct {
		name, old, new, want string
	}{
		{"unbalanced @", "\nlog\n@rev 10\n@\ntext\n@", "\nlog\n@rev 10\n\ntext\n@", "unexpected ','"},
		{"missing text", "\n\n1.10\nlog\n@rev 10\n@\ntext\n@", "\n\n1.10\nlog\n@rev 10\n@\nfoo\n@", "unexpected end of file"},
		{"unknown revision", "\n\n1.10\nlog\n@rev 10", "\n\n1.99\nlog\n@rev 10", "not in the delta list"},
		{"truncated", "", "", "unbalanced @"},
	}
	for _, c := range cases {
		bad := bytes.Replace(raw, []byte(c.old), []byte(c.new), 1)
		if c.old == "" {
			bad = raw[:len(raw)-len(raw)/4]
		}
		if bytes.Equal(bad, raw) {
			t.Fatalf("%s: no change", c.name)
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "f.txt,v")
		os.WriteFile(path, bad, 0o444)
		isParseError := func(what string, err error) {
			t.Helper()
			var pe *ParseError
			if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), path+": offset ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %s: %v, want a ParseError with %q", c.name, what, err, c.want)
			}
		}
		_, err := Open(path)
		isParseError("Open", err)
		// A checkout of 1.1 inside Update reads every record: it fails,
		// and the file is not written.
		_, err = Update(path, false, func(f *File) error {
			_, err := f.Checkout("1.1")
			return err
		})
		isParseError("checkout in Update", err)
		_, err = Update(path, false, func(f *File) error {
			if got := f.Delta("1.2").Log(); got != "" {
				t.Errorf("%s: log of 1.2 in a damaged file: %q", c.name, got)
			}
			return f.loadTexts()
		})
		isParseError("loadTexts", err)
		// A check-in reads only the head's record: it succeeds, as GNU
		// ci does, and the damage is still there for the next reader.
		head, _ := synthFileHead(raw)
		_, err = Update(path, false, func(f *File) error {
			_, err := f.Checkin(head, CheckinOptions{Author: "tester", Force: true, Date: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
			return err
		})
		if err != nil {
			t.Errorf("%s: check-in: %v", c.name, err)
			continue
		}
		_, err = Open(path)
		isParseError("Open after the check-in", err)
	}
}

func synthFileHead(raw []byte) ([]byte, error) {
	f, err := Parse("f.txt,v", raw)
	if err != nil {
		return nil, err
	}
	return f.Checkout(f.Head)
}

// TestLazySetLog: a log message set on a delta whose record was not read
// yet is written (the records are read first, the new message kept).
func TestLazySetLog(t *testing.T) {
	raw, _ := synthFile(10, 20, 2)
	path := filepath.Join(t.TempDir(), "f.txt,v")
	os.WriteFile(path, raw, 0o444)
	_, err := Update(path, false, func(f *File) error {
		d := f.Delta("1.3")
		if d.hasText {
			return fmt.Errorf("1.3's record was read")
		}
		d.log = quoted([]byte("new message\n"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Delta("1.3").Log(); got != "new message\n" {
		t.Errorf("log of 1.3: %q", got)
	}
	if got := f.Delta("1.4").Log(); got != "rev 4\n" {
		t.Errorf("log of 1.4: %q", got)
	}
}

// FuzzLazyCheckin: on any file that parses, a check-in on a lazily read
// file (as Update does) gives a file that parses and holds the same
// revisions as the check-in on a fully read one.
func FuzzLazyCheckin(f *testing.F) {
	for _, name := range []string{"three.txt,v", "branchy.txt,v", "cvsimport.txt,v", "nested.txt,v", "nested2.txt,v", "nested3.txt,v", "empty.txt,v"} {
		f.Add(readTestdata(f, name), "")
	}
	raw, _ := synthFile(12, 10, 2)
	f.Add(raw, "1.5.1")
	f.Fuzz(func(t *testing.T, raw []byte, rev string) {
		eager, err := Parse("fuzz,v", raw)
		if err != nil || eager.Head == "" {
			return
		}
		lazy, err := parse("fuzz,v", raw, true)
		if err != nil {
			t.Fatalf("lazy parse fails where a full parse does not: %v", err)
		}
		head, err := eager.Checkout(eager.Head)
		if err != nil {
			return
		}
		o := CheckinOptions{Rev: rev, Author: "fuzz", Force: true, Date: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)}
		var revs [2]string
		for i, rf := range []*File{eager, lazy} {
			rf.Strict, rf.Locks = false, nil
			if revs[i], err = rf.Checkin(append(head, "fuzz\n"...), o); err != nil {
				return
			}
		}
		a, err := Parse("eager,v", eager.Bytes())
		if err != nil {
			t.Fatalf("eager rewrite does not parse: %v", err)
		}
		b, err := Parse("lazy,v", lazy.Bytes())
		if err != nil {
			t.Fatalf("lazy rewrite does not parse: %v", err)
		}
		if revs[0] != revs[1] || len(a.nodes) != len(b.nodes) {
			t.Fatalf("revisions differ: %s %d, %s %d", revs[0], len(a.nodes), revs[1], len(b.nodes))
		}
		for _, d := range a.nodes {
			x, errA := a.Checkout(d.Rev)
			y, errB := b.Checkout(d.Rev)
			if (errA == nil) != (errB == nil) || !bytes.Equal(x, y) || a.Delta(d.Rev).Log() != b.Delta(d.Rev).Log() {
				t.Fatalf("revision %s differs: %v %v", d.Rev, errA, errB)
			}
		}
	})
}

// TestUpdateKeepsMode: as GNU RCS does, a rewritten ,v file keeps the
// old one's permissions without the write bits.
func TestUpdateKeepsMode(t *testing.T) {
	raw, _ := synthFile(3, 5, 1)
	path := filepath.Join(t.TempDir(), "f.txt,v")
	for _, c := range []struct{ old, want os.FileMode }{{0o444, 0o444}, {0o640, 0o440}, {0o755, 0o555}, {0o400, 0o400}} {
		os.Remove(path)
		os.WriteFile(path, raw, 0o600)
		os.Chmod(path, c.old)
		if _, err := Update(path, false, func(f *File) error {
			if err := f.LockRev("1.3", "tester"); err != nil {
				return err
			}
			f.Checkout("1.1")
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != c.want {
			t.Errorf("mode %o: after Update %v, want %o (%v)", c.old, fi.Mode().Perm(), c.want, err)
		}
	}
}

// TestLazyAfterUpdate: the File Update returns reads the records it had
// not read when asked (as `co -l` checks out after locking), and two
// check-ins in one Update give what they give on a fully read file.
func TestLazyAfterUpdate(t *testing.T) {
	raw, oldest := synthFile(20, 30, 2)
	path := filepath.Join(t.TempDir(), "f.txt,v")
	os.WriteFile(path, raw, 0o444)
	f, err := Update(path, false, func(f *File) error { return f.LockRev("1.20", "tester") })
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.Checkout("1.1"); err != nil || !bytes.Equal(got, oldest) {
		t.Fatalf("checkout of 1.1 after a lazy Update: %v", err)
	}
	date := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	twice := func(f *File) error {
		for i, text := range []string{"one\n", "two\n"} {
			if _, err := f.Checkin([]byte(text), CheckinOptions{Author: "tester", Lock: true, Date: date.Add(time.Duration(i) * time.Second)}); err != nil {
				return err
			}
		}
		return nil
	}
	eager, err := Parse(path, raw)
	if err != nil {
		t.Fatal(err)
	}
	eager.LockRev("1.20", "tester")
	if err := twice(eager); err != nil {
		t.Fatal(err)
	}
	if _, err := Update(path, false, twice); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if want := eager.Bytes(); !bytes.Equal(got, want) {
		t.Errorf("two check-ins: lazy differs from eager %s", firstDiff(string(got), string(want)))
	}
}

// TestRawNodeChanged: a node is copied verbatim only while its fields
// hold what the file holds, whether they are still the parser's
// substrings or equal copies.
func TestRawNodeChanged(t *testing.T) {
	raw, _ := synthFile(5, 5, 1)
	f, err := Parse("f.txt,v", raw)
	if err != nil {
		t.Fatal(err)
	}
	d := f.Delta("1.3")
	if _, _, ok := f.rawNode(d); !ok {
		t.Fatal("unchanged node is not copied")
	}
	d.Author = strings.Clone(d.Author)
	if _, _, ok := f.rawNode(d); !ok {
		t.Fatal("node with an equal copy of its author is not copied")
	}
	for _, change := range []func(){
		func() { d.State = "Rel" },
		func() { d.State = d.State[:1] },
		func() { d.Next = "" },
		func() { d.Date = d.Date[:len(d.Date)-1] + "9" },
	} {
		f, _ := Parse("f.txt,v", raw)
		d = f.Delta("1.3")
		change()
		if _, _, ok := f.rawNode(d); ok {
			t.Errorf("changed node (%s %s %s %s) is copied", d.Date, d.Author, d.State, d.Next)
		}
	}
}

// TestLazyCopiesAsGNU: a delta text record in a layout GNU RCS does not
// write, after the records a check-in touches, is copied as it is by GNU
// ci and by Update alike: the files are byte-identical.
func TestLazyCopiesAsGNU(t *testing.T) {
	g := newGNU(t)
	for i := 1; i <= 3; i++ {
		os.WriteFile(g.path("a.txt"), []byte(strings.Repeat("line\n", i)), 0o644)
		g.must("ci", "-q", "-l", fmt.Sprintf("-d2026/01/0%d", i), fmt.Sprintf("-mrev %d", i), "-t-desc", "a.txt")
	}
	raw, _ := os.ReadFile(g.path("a.txt,v"))
	i := bytes.Index(raw, []byte("\n\n1.1\nlog\n"))
	j := i + bytes.Index(raw[i:], []byte("text\n@"))
	raw = append(raw[:j:j], append([]byte("\n"), raw[j:]...)...) // a blank line before "text"
	os.WriteFile(g.path("a.txt,v"), raw, 0o644)
	os.WriteFile(g.path("b.txt,v"), raw, 0o644)
	content := []byte("line\nline\nline\nline 4\n")
	os.WriteFile(g.path("a.txt"), content, 0o644)
	g.must("ci", "-q", "-f", "-d2026/01/05", "-mrev 4", "a.txt")
	_, err := Update(g.path("b.txt,v"), false, func(f *File) error {
		_, err := f.Checkin(content, CheckinOptions{Author: "tester", Log: "rev 4", Date: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(g.path("a.txt,v"))
	got, _ := os.ReadFile(g.path("b.txt,v"))
	if !bytes.Equal(got, want) {
		t.Errorf("differs from GNU ci %s", firstDiff(string(got), string(want)))
	}
}
