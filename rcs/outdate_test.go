package rcs

import (
	"bytes"
	"math/rand"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// outdateHistory checks a randomized history (trunk and branches, the
// generator of TestRandomHistories) in with netkit and returns the file
// and every revision's content.
func outdateHistory(t *testing.T, seed int64, n int, binary bool) (*File, map[string][]byte) {
	t.Helper()
	h := &history{r: rand.New(rand.NewSource(seed)), binary: binary}
	f := New("f,v")
	if binary {
		f.Expand = "b"
	}
	contents := map[string][]byte{}
	var revs []string
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range n {
		content := h.first()
		if i > 0 {
			parent := f.Head
			if h.r.Intn(4) == 0 {
				parent = revs[h.r.Intn(len(revs))]
			}
			content = h.mutate(contents[parent])
			if err := f.LockRev(parent, "tester"); err != nil {
				t.Fatal(err)
			}
		}
		rev, err := f.Checkin(content, CheckinOptions{Author: "tester", Date: base.Add(time.Duration(i) * time.Second), Log: h.logMsg(i), Desc: "outdate", Force: true})
		if err != nil {
			t.Fatalf("seed %d rev %d: %v", seed, i, err)
		}
		contents[rev] = content
		revs = append(revs, rev)
	}
	return f, contents
}

// outdateRanges picks -o ranges of every form on f's trunk and branches.
func outdateRanges(r *rand.Rand, f *File) []string {
	var trunk []string
	branches := map[string][]string{}
	for _, d := range f.Deltas() {
		if len(fields(d.Rev)) == 2 {
			trunk = append(trunk, d.Rev)
		} else {
			branches[branchOf(d.Rev)] = append(branches[branchOf(d.Rev)], d.Rev)
		}
	}
	lines := [][]string{trunk}
	for _, b := range branches {
		lines = append(lines, b)
	}
	slices.SortFunc(lines[1:], func(a, b []string) int { return cmpRev(a[0], b[0]) })
	var out []string
	for range 8 {
		l := lines[r.Intn(len(lines))]
		a, b := l[r.Intn(len(l))], l[r.Intn(len(l))]
		switch r.Intn(5) {
		case 0:
			if r.Intn(4) == 0 { // not in the file
				a = branchOf(a) + ".99"
			}
			out = append(out, a)
		case 1:
			if r.Intn(3) == 0 { // a number not in the file: the one below
				b = branchOf(b) + ".99"
			}
			out = append(out, a+":"+b)
		case 2:
			out = append(out, ":"+a)
		case 3:
			out = append(out, a+":")
		default:
			if len(l) > 2 { // one in the middle, the usual case
				out = append(out, l[1+r.Intn(len(l)-2)])
			} else {
				out = append(out, branchOf(a))
			}
		}
	}
	return out
}

// TestOutdateAgainstGNU is the proof of rcs -o: on randomized histories,
// netkit's -o and GNU rcs -o accept and refuse the same ranges; after
// netkit's, GNU co reads every remaining revision with its original
// content and GNU rlog accepts the file; and it reports how many files
// are byte-identical to GNU's. NETKIT_RCS_LONG=1 runs bigger histories.
func TestOutdateAgainstGNU(t *testing.T) {
	g := newGNU(t)
	seeds, n := []int64{1, 2, 3, 4}, 25
	if testing.Short() {
		seeds, n = seeds[:1], 12
	}
	if os.Getenv("NETKIT_RCS_LONG") != "" {
		seeds, n = []int64{11, 12, 13, 14, 15, 16, 17, 18}, 80
	}
	same, total, refused := 0, 0, 0
	for _, seed := range seeds {
		for _, binary := range []bool{false, true} {
			f, contents := outdateHistory(t, seed, n, binary)
			r := rand.New(rand.NewSource(seed))
			if binary { // a lock GNU refuses to delete
				ds := f.Deltas()
				if err := f.LockRev(ds[r.Intn(len(ds))].Rev, "tester"); err != nil {
					t.Fatal(err)
				}
			}
			orig := f.Bytes()
			for _, rng := range outdateRanges(r, f) {
				gnuPath, nkPath := g.path("gnu,v"), g.path("nk,v")
				os.WriteFile(gnuPath, orig, 0o444)
				os.WriteFile(nkPath, orig, 0o444)
				_, gnuErr := g.run("rcs", "-q", "-o"+rng, "gnu,v")
				var deleted []string
				_, nkErr := Update(nkPath, false, func(f *File) error {
					// rcs -q: every revision may go.
					report, err := f.Admin(AdminOptions{Outdate: rng, OutdateAll: true})
					for _, l := range report {
						deleted = append(deleted, strings.TrimPrefix(l, "deleting revision "))
					}
					return err
				})
				if (gnuErr == nil) != (nkErr == nil) {
					t.Fatalf("seed %d -o%s: GNU: %v; netkit: %v", seed, rng, gnuErr, nkErr)
				}
				if nkErr != nil {
					_, msg, _ := strings.Cut(nkErr.Error(), ",v: ")
					if !strings.Contains(gnuErr.Error(), "gnu,v: "+msg+"\n") {
						t.Errorf("seed %d -o%s: netkit says %q, GNU %v", seed, rng, msg, gnuErr)
					}
					refused++
					continue
				}
				total++
				for rev, want := range contents {
					if slices.Contains(deleted, rev) {
						continue
					}
					got, err := g.run("co", "-q", "-p", "-ko", "-r"+rev, "nk,v")
					if err != nil || !bytes.Equal(got, want) {
						t.Fatalf("seed %d -o%s: GNU co -r%s: %v\n got %q\nwant %q", seed, rng, rev, err, got, want)
					}
				}
				if _, err := g.run("rlog", "nk,v"); err != nil {
					t.Fatalf("seed %d -o%s: GNU rlog refuses netkit's file: %v", seed, rng, err)
				}
				nkRaw, _ := os.ReadFile(nkPath)
				gnuRaw, _ := os.ReadFile(gnuPath)
				if bytes.Equal(nkRaw, gnuRaw) {
					same++
				} else if testing.Verbose() {
					t.Logf("seed %d -o%s: bytes differ %s", seed, rng, firstDiff(string(nkRaw), string(gnuRaw)))
				}
			}
		}
	}
	t.Logf("%d -o runs (and %d refused by both): %d of %d ,v files byte-identical to GNU rcs -o's", total, refused, same, total)
	if total == 0 {
		t.Error("no range was accepted")
	}
}

// TestOutdateRefusals checks GNU's refusals: a locked revision, a branch
// point, every revision; and that a symbolic name is kept.
func TestOutdateRefusals(t *testing.T) {
	f := New("f,v")
	for i := range 4 {
		if i > 0 {
			f.LockRev(f.Head, "me")
		}
		if _, err := f.Checkin([]byte(strings.Repeat("x\n", i+1)), CheckinOptions{Author: "me", Log: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	f.LockRev("1.2", "me")
	if _, err := f.Checkin([]byte("branch\n"), CheckinOptions{Author: "me", Rev: "1.2.1"}); err != nil {
		t.Fatal(err)
	}
	f.LockRev("1.3", "me")
	if err := f.SetSymbol("REL", "1.1", false); err != nil {
		t.Fatal(err)
	}
	for rng, want := range map[string]string{
		"1.3":         "can't remove locked revision 1.3",
		"1.2":         "can't remove branch point 1.2",
		"1.1:1.4":     "can't remove locked revision 1.3",
		"1.9":         "Revision 1.9 doesn't exist.",
		"1.2:1.1.1.1": "invalid revision range",
	} {
		if _, err := f.Outdate(rng); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("-o%s: %v, want %q", rng, err, want)
		}
	}
	if revs, err := f.Outdate("REL"); err != nil || !slices.Equal(revs, []string{"1.1"}) {
		t.Fatalf("-oREL: %v %v", revs, err)
	}
	if rev, ok := f.symbolRev("REL"); !ok || rev != "1.1" {
		t.Errorf("REL = %q, %v; GNU keeps the name", rev, ok)
	}
	g := New("g,v")
	g.Checkin([]byte("one\n"), CheckinOptions{Author: "me"})
	if _, err := g.Outdate("1.1"); err == nil || !strings.Contains(err.Error(), "No revision deleted") {
		t.Errorf("deleting every revision: %v", err)
	}
	if _, err := g.Admin(AdminOptions{Outdate: "1.1", OutdateAll: true}); err != nil || g.Head != "" {
		t.Errorf("rcs -q -o1.1 of the only revision: %v, head %q", err, g.Head)
	}
	// -m of a revision -o deletes is lost, as with GNU rcs.
	if _, err := f.Admin(AdminOptions{Logs: []LogEdit{{"1.4", "lost"}}, Outdate: "1.4"}); err != nil {
		t.Fatal(err)
	}
	if f.Delta("1.3").Log() == "lost" || f.Delta("1.1") != nil || f.Delta("1.4") != nil {
		t.Error("-m1.4:lost -o1.4 changed another revision's log")
	}
}
