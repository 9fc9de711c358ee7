package rcs

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netkit-go/netkit/rcs/diff"
)

// TestDiffAgainstRCSDiff compares (*File).Diff with GNU rcsdiff (-u, -c,
// -U1 and the normal format) on randomized histories checked in with GNU
// ci (the generator of TestRandomHistories, text and binary): each
// revision against its predecessor and against a random other one. Where
// the output differs, netkit's unified diff must still turn the old text
// into the new one; the fraction of identical outputs is reported.
func TestDiffAgainstRCSDiff(t *testing.T) {
	seeds, n := []int64{1, 2}, 30
	if testing.Short() {
		seeds, n = seeds[:1], 15
	}
	same, total := 0, 0
	for _, seed := range seeds {
		for _, binary := range []bool{false, true} {
			s, tot := diffHistory(t, seed, n, binary)
			same += s
			total += tot
		}
	}
	t.Logf("%d of %d rcsdiff outputs byte-identical to GNU rcsdiff's", same, total)
	if same != total {
		t.Errorf("%d of %d outputs differ (each still applies)", total-same, total)
	}
}

// gnuHistory is a randomized history checked in with GNU ci.
type gnuHistory struct {
	g        *gnuRCS
	name     string
	revs     []string // in the order of check-in
	parents  map[string]string
	contents map[string][]byte
	r        *rand.Rand
}

// buildGNUHistory checks in n revisions made by TestRandomHistories'
// generator with GNU ci: mostly on the trunk, sometimes a branch from an
// older revision or the tip of a branch, one second apart from
// 2026/01/02 03:04:05.
func buildGNUHistory(t *testing.T, seed int64, n int, binary bool) *gnuHistory {
	g := newGNU(t)
	h := &history{r: rand.New(rand.NewSource(seed)), binary: binary}
	gh := &gnuHistory{g: g, name: "f.txt", parents: map[string]string{}, contents: map[string][]byte{}, r: h.r}
	name := gh.name
	if binary {
		name = "f.bin"
		gh.name = name
		g.must("rcs", "-q", "-i", "-kb", "-t-binary", name)
	}
	head := ""
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range n {
		parent := head
		if i > 0 && h.r.Intn(4) == 0 {
			parent = gh.revs[h.r.Intn(len(gh.revs))]
		}
		content := h.first()
		if parent != "" {
			content = h.mutate(gh.contents[parent])
			g.must("rcs", "-q", "-l"+parent, name)
		}
		os.WriteFile(g.path(name), content, 0o644)
		args := []string{"ci", "-q", "-f", "-d" + base.Add(time.Duration(i)*time.Second).Format("2006/01/02 15:04:05"), "-wtester", "-mr" + strconv.Itoa(i)}
		if i == 0 && !binary {
			args = append(args, "-t-diffs")
		}
		g.must(append(args, name)...)
		f, err := Open(g.path(name + ",v"))
		if err != nil {
			t.Fatal(err)
		}
		rev := newestSince(f, gh.revs)
		if len(fields(rev)) == 2 {
			head = rev
		}
		gh.parents[rev] = parent
		gh.contents[rev] = content
		gh.revs = append(gh.revs, rev)
	}
	return gh
}

// diffHistory builds one GNU history and compares the diffs of its
// revisions; it returns how many outputs were identical, of how many.
func diffHistory(t *testing.T, seed int64, n int, binary bool) (same, total int) {
	gh := buildGNUHistory(t, seed, n, binary)
	g, name, revs, parents, contents, h := gh.g, gh.name, gh.revs, gh.parents, gh.contents, gh
	f, err := Open(g.path(name + ",v"))
	if err != nil {
		t.Fatal(err)
	}
	for i, rev := range revs[1:] {
		others := []string{parents[rev], revs[h.r.Intn(i+1)]}
		for _, other := range others {
			for _, style := range []struct {
				flag  string
				style diff.Style
				ctx   int
			}{{"-u", diff.Unified, 3}, {"-c", diff.Context, 3}, {"-U1", diff.Unified, 1}, {"", diff.Normal, 0}} {
				args := []string{"rcsdiff", "-q"}
				if style.flag != "" {
					args = append(args, style.flag)
				}
				want, err := g.run(append(args, "-r"+other, "-r"+rev, name)...)
				if err != nil && !strings.Contains(err.Error(), "exit status 1") {
					t.Fatal(err)
				}
				got, err := f.Diff(other, rev, nil, time.Time{}, DiffOptions{Style: style.style, Context: style.ctx, Working: name})
				if err != nil {
					t.Fatal(err)
				}
				total++
				if style.style == diff.Unified && !binary && got != nil {
					if out, err := applyUnified(contents[other], got); err != nil || !bytes.Equal(out, contents[rev]) {
						t.Errorf("seed %d %s -r%s -r%s: netkit's diff does not apply: %v", seed, style.flag, other, rev, err)
					}
				}
				if bytes.Equal(got, want) {
					same++
				} else if testing.Verbose() {
					t.Logf("seed %d %s -r%s -r%s differs: %s", seed, style.flag, other, rev, firstDiff(string(got), string(want)))
				}
			}
		}
	}
	return same, total
}

// newestSince returns the revision of f that is not in known.
func newestSince(f *File, known []string) string {
	for _, d := range f.Deltas() {
		found := false
		for _, k := range known {
			found = found || k == d.Rev
		}
		if !found {
			return d.Rev
		}
	}
	return ""
}

// applyUnified applies a unified diff (with its ---/+++ lines) to old.
func applyUnified(old, patch []byte) ([]byte, error) {
	a := diff.SplitLines(old)
	lines := diff.SplitLines(patch)
	if len(lines) < 2 {
		return nil, errors.New("no header")
	}
	var out []byte
	pos := 0
	var last *[]byte // the output of the line before a "\ No newline"
	for i := 2; i < len(lines); i++ {
		l := lines[i]
		switch {
		case bytes.HasPrefix(l, []byte("@@ -")):
			var start int
			fmt.Sscanf(string(l), "@@ -%d", &start)
			if start > 0 && !bytes.Contains(l[:bytes.IndexByte(l[3:], ' ')+3], []byte(",0")) {
				start--
			}
			for ; pos < start; pos++ {
				out = append(out, a[pos]...)
			}
		case bytes.HasPrefix(l, []byte(`\ `)):
			if last != nil && len(out) > 0 && out[len(out)-1] == '\n' {
				out = out[:len(out)-1]
			}
		case l[0] == ' ', l[0] == '-':
			if pos >= len(a) || !bytes.Equal(bytes.TrimSuffix(a[pos], []byte("\n")), bytes.TrimSuffix(l[1:], []byte("\n"))) {
				return nil, fmt.Errorf("line %d does not match", pos+1)
			}
			if l[0] == ' ' {
				out = append(out, l[1:]...)
				last = &out
			} else {
				last = nil
			}
			pos++
		case l[0] == '+':
			out = append(out, l[1:]...)
			last = &out
		}
	}
	return append(out, bytes.Join(a[pos:], nil)...), nil
}
