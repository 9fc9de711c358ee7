package diff

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/netkit-go/netkit/internal/testpeer"
)

// rcsDiff is what GNU `diff -an old new` prints.
func rcsDiff(old, new []byte) []byte {
	a, b := SplitLines(old), SplitLines(new)
	return AppendRCS(nil, a, b, Lines(a, b))
}

// The vectors of rcs-cvs-observed.md §1.7: the stored text of 1.1 is
// `diff -an new old`.
func TestObservedVectors(t *testing.T) {
	cases := []struct{ old, new, want string }{
		{"a\nb\na\nb\n", "a\nb\n", "a2 2\na\nb\n"},
		{"x\ny\nx\n", "x\n", "a1 2\ny\nx\n"},
		{"a\na\na\n", "a\n", "a1 2\na\na\n"},
		{"a\nb\nc\n", "c\nb\na\n", "d1 2\na3 2\nb\nc\n"},
		{"1\n2\n3\n4\n", "1\n3\n2\n4\n", "d2 1\na3 1\n3\n"},
		{"a\n", "a", "d1 1\na1 1\na\n"},
		{"a", "a\n", "d1 1\na1 1\na"},
		{"a\nb", "a\nc", "d2 1\na2 1\nb"},
		{"", "a\n", "d1 1\n"},
		{"a\n", "", "a0 1\na\n"},
	}
	for i, c := range cases {
		got := rcsDiff([]byte(c.new), []byte(c.old))
		if string(got) != c.want {
			t.Errorf("vector %d: got %q, want %q", i+1, got, c.want)
		}
	}
}

// randomText makes texts over a small alphabet of lines, so that many lines
// repeat and the heuristics of GNU diff matter.
func randomText(r *rand.Rand, n, alphabet int) []byte {
	var b bytes.Buffer
	for range n {
		fmt.Fprintf(&b, "l%d\n", r.Intn(alphabet))
	}
	if r.Intn(5) == 0 && b.Len() > 0 {
		b.Truncate(b.Len() - 1)
	}
	return b.Bytes()
}

func mutate(r *rand.Rand, text []byte, alphabet int) []byte {
	lines := SplitLines(text)
	var out [][]byte
	for _, l := range lines {
		switch r.Intn(10) {
		case 0:
		case 1:
			out = append(out, []byte(fmt.Sprintf("l%d\n", r.Intn(alphabet))), l)
		case 2:
			out = append(out, []byte(fmt.Sprintf("l%d\n", r.Intn(alphabet))))
		default:
			out = append(out, l)
		}
	}
	return bytes.Join(out, nil)
}

// TestAgainstGNUDiff compares the RCS-format output with GNU diff -an on
// random pairs, and the normal format with plain GNU diff.
func TestAgainstGNUDiff(t *testing.T) {
	gnu := testpeer.Require(t, "diff", "apt-get install diffutils")
	dir := t.TempDir()
	r := rand.New(rand.NewSource(1))
	n := 300
	if testing.Short() {
		n = 60
	}
	same := 0
	for i := range n {
		alphabet := []int{3, 10, 50, 1000}[i%4]
		old := randomText(r, r.Intn(200), alphabet)
		new := mutate(r, old, alphabet)
		if i%7 == 0 {
			new = randomText(r, r.Intn(200), alphabet)
		}
		pa, pb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		os.WriteFile(pa, old, 0o644)
		os.WriteFile(pb, new, 0o644)
		want, _ := exec.Command(gnu, "-an", pa, pb).Output()
		got := rcsDiff(old, new)
		if bytes.Equal(got, want) {
			same++
		} else if same < 5 || testing.Verbose() {
			t.Logf("case %d differs:\nold %q\nnew %q\ngot  %q\nwant %q", i, old, new, got, want)
		}
		wantN, _ := exec.Command(gnu, pa, pb).Output()
		a, b := SplitLines(old), SplitLines(new)
		gotN := AppendNormal(nil, a, b, Lines(a, b))
		if !bytes.Equal(gotN, wantN) && bytes.Equal(got, want) {
			t.Errorf("case %d: normal format differs:\ngot  %q\nwant %q", i, gotN, wantN)
		}
	}
	t.Logf("%d of %d random pairs give GNU diff's exact -n output", same, n)
	if same != n {
		t.Errorf("%d of %d differ", n-same, n)
	}
}

// TestContextFormatsAgainstGNUDiff compares the unified and context
// formats (context 0 to 3) with GNU diff -u/-U and -c/-C on random pairs,
// header lines aside.
func TestContextFormatsAgainstGNUDiff(t *testing.T) {
	gnu := testpeer.Require(t, "diff", "apt-get install diffutils")
	dir := t.TempDir()
	r := rand.New(rand.NewSource(2))
	n := 200
	if testing.Short() {
		n = 40
	}
	same, total := 0, 0
	for i := range n {
		alphabet := []int{3, 10, 50, 1000}[i%4]
		old := randomText(r, r.Intn(120), alphabet)
		new := mutate(r, old, alphabet)
		if i%9 == 0 {
			new = randomText(r, r.Intn(50), alphabet)
		}
		pa, pb := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		os.WriteFile(pa, old, 0o644)
		os.WriteFile(pb, new, 0o644)
		a, b := SplitLines(old), SplitLines(new)
		ctx := i % 4
		hs := LinesContext(a, b, ctx)
		for _, style := range []string{"U", "C"} {
			out, _ := exec.Command(gnu, "-a", fmt.Sprintf("-%s%d", style, ctx), "--label=a", "--label=b", pa, pb).Output()
			var want []byte
			if len(out) > 0 {
				want = out[bytes.IndexByte(out[bytes.IndexByte(out, '\n')+1:], '\n')+bytes.IndexByte(out, '\n')+2:]
			}
			var got []byte
			if style == "U" {
				got = AppendUnified(nil, a, b, hs, ctx)
			} else {
				got = AppendContext(nil, a, b, hs, ctx)
			}
			total++
			if bytes.Equal(got, want) {
				same++
			} else if same+5 > total || testing.Verbose() {
				t.Logf("case %d -%s%d differs:\nold %q\nnew %q\ngot  %q\nwant %q", i, style, ctx, old, new, got, want)
			}
		}
	}
	t.Logf("%d of %d random pairs give GNU diff's exact -u/-c output", same, total)
	if same != total {
		t.Errorf("%d of %d differ", total-same, total)
	}
}

// FuzzContextFormats: the hunks LinesContext finds turn a into b, and the
// unified output's hunk headers count the lines that follow them.
func FuzzContextFormats(f *testing.F) {
	f.Add([]byte("a\nb\nc\n"), []byte("c\nb\na\n"), uint8(3))
	f.Add([]byte("x\nx\ny"), []byte("x\ny\n"), uint8(1))
	f.Add([]byte(""), []byte("a"), uint8(0))
	f.Fuzz(func(t *testing.T, old, new []byte, ctx uint8) {
		if len(old)+len(new) > 1<<14 {
			return
		}
		context := int(ctx % 5)
		a, b := SplitLines(old), SplitLines(new)
		hs := LinesContext(a, b, context)
		var got []byte
		pos := 0
		for _, h := range hs {
			if h.A0 < pos || h.A1 < h.A0 || h.B1 < h.B0 || h.A1 > len(a) || h.B1 > len(b) {
				t.Fatalf("bad hunk %+v after line %d", h, pos)
			}
			got = append(got, bytes.Join(a[pos:h.A0], nil)...)
			got = append(got, bytes.Join(b[h.B0:h.B1], nil)...)
			pos = h.A1
		}
		got = append(got, bytes.Join(a[pos:], nil)...)
		if !bytes.Equal(got, new) {
			t.Fatalf("hunks %+v give %q, want %q", hs, got, new)
		}
		out := AppendUnified(nil, a, b, hs, context)
		AppendContext(nil, a, b, hs, context)
		var wantOld, wantNew, haveOld, haveNew int
		for _, l := range bytes.SplitAfter(out, []byte("\n")) {
			switch {
			case bytes.HasPrefix(l, []byte("@@ -")):
				if haveOld != wantOld || haveNew != wantNew {
					t.Fatalf("hunk has %d/%d lines, header says %d/%d:\n%s", haveOld, haveNew, wantOld, wantNew, out)
				}
				wantOld, wantNew, haveOld, haveNew = headerCounts(l), headerCounts(l[bytes.IndexByte(l, '+'):]), 0, 0
			case len(l) == 0 || l[0] == '\\':
			case l[0] == ' ':
				haveOld++
				haveNew++
			case l[0] == '-':
				haveOld++
			case l[0] == '+':
				haveNew++
			}
		}
		if haveOld != wantOld || haveNew != wantNew {
			t.Fatalf("last hunk has %d/%d lines, header says %d/%d:\n%s", haveOld, haveNew, wantOld, wantNew, out)
		}
	})
}

// headerCounts reads the line count of "-l,n" or "+l,n" (n is 1 when
// left out) at the start of a unified hunk header part.
func headerCounts(s []byte) int {
	s = bytes.TrimPrefix(s, []byte("@@ "))
	f := bytes.Fields(s)[0]
	if i := bytes.IndexByte(f, ','); i >= 0 {
		n := 0
		fmt.Sscan(string(f[i+1:]), &n)
		return n
	}
	return 1
}
