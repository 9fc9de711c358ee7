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
