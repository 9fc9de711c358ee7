package rcs

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	want := time.Date(2026, 1, 4, 12, 0, 0, 0, time.UTC)
	for _, s := range []string{
		"2026/01/04 12:00:00", "2026-01-04 12:00:00", "2026-01-04T12:00:00Z", "2026/01/04 12:00",
		"2026/01/04 12", "2026-01-04 21:00:00+09", "2026/01/04 21:00:00 +0900", "2026-01-04 07:00:00-05:00",
		"2026-01-04 07:00:00 EST", "Jan 4 2026 12:00", "4 Jan 2026 12:00:00", "2026-01-04 12:00:00 UTC",
		"2026/01/04 12:00:00.75", "  2026/01/04 12:00:00  ",
	} {
		if got, err := ParseDate(s); err != nil || !got.Equal(want) {
			t.Errorf("ParseDate(%q) = %v, %v", s, got, err)
		}
	}
	if got, _ := ParseDate("99/01/04"); got.Year()%100 != 99 || got.Year()/100 != time.Now().Year()/100 {
		t.Errorf("a two-digit year is in this century: %v", got)
	}
	if got, _ := ParseDate("2026/01/04"); !got.Equal(time.Date(2026, 1, 4, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("a date alone is midnight: %v", got)
	}
	for _, s := range []string{"", "garbage", "2026/13/01", "2026/02/30", "2026/1/4 12:0:0", "2026.01.04.12.00.00", "now", "2026/01/04 25:00", "2026-01-02 03:04:60", "2026/01/04 12:00:00 +99", "Jan Feb 2026"} {
		if got, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", s, got)
		}
	}
}

// TestSelectedAgainstRlog compares rlog selections (-r ranges and
// branches, -d dates and ranges, -b) on randomized histories with
// branches of branches, checked in with GNU ci, with GNU rlog.
func TestSelectedAgainstRlog(t *testing.T) {
	seeds, n, tries := []int64{21, 22}, 40, 40
	if testing.Short() {
		seeds, tries = seeds[:1], 20
	}
	checked := 0
	for _, seed := range seeds {
		gh := buildGNUHistory(t, seed, n, false)
		raw, err := os.ReadFile(gh.g.path(gh.name + ",v"))
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(gh.name+",v", raw)
		if err != nil {
			t.Fatal(err)
		}
		base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		date := func() string {
			return base.Add(time.Duration(gh.r.Intn(n+4)-2) * time.Second).Format("2006/01/02 15:04:05")
		}
		rev := func() string { return gh.revs[gh.r.Intn(len(gh.revs))] }
		for range tries {
			var args []string
			var s Selection
			switch gh.r.Intn(8) {
			case 0:
				s.Revs = []string{rev()}
			case 1:
				s.Revs = []string{branchOf(rev())}
			case 2:
				s.Revs = []string{rev() + ":"}
			case 3:
				s.Revs = []string{":" + rev()}
			case 4:
				a := rev()
				s.Revs = []string{a + ":" + branchOf(a) + "." + fmt.Sprint(gh.r.Intn(5)+1)}
			case 5:
				s.Dates = []string{date()}
			case 6:
				s.Dates = []string{date() + []string{"<", "<=", ">", ">="}[gh.r.Intn(4)] + date()}
			case 7:
				s.Dates = []string{date() + ";" + date()}
				s.Branch = true
			}
			for _, r := range s.Revs {
				args = append(args, "-r"+r)
			}
			for _, d := range s.Dates {
				args = append(args, "-d"+d)
			}
			if s.Branch {
				args = append(args, "-b")
			}
			want, err := gh.g.run(append(append([]string{"rlog"}, args...), gh.name)...)
			sel, serr := f.Selected(s)
			if err != nil || serr != nil {
				if (err == nil) != (serr == nil) {
					t.Errorf("seed %d %q: GNU %v, netkit %v", seed, args, err, serr)
				}
				continue
			}
			checked++
			if got := f.Log(LogOptions{Working: gh.name, Selected: sel}); got != string(want) {
				t.Errorf("seed %d rlog %q differs: %s", seed, strings.Join(args, " "), firstDiff(got, string(want)))
			}
		}
	}
	t.Logf("%d selections equal to GNU rlog's", checked)
}

// FuzzDateSpec: dates and -d lists never panic, and a date that parses
// is in UTC.
func FuzzDateSpec(f *testing.F) {
	for _, s := range []string{"2026/01/04 12:00:00", "2026-01-04T12:00:00Z", "Jan 4 2026", "<2026/01/02;>=2026/01/05 10:00",
		"2026/01/03 <= 2026/01/04", ">", ";;", "2026-01-04 07:00:00-05:00", "4 Jan 2026 12:00:00.5 EST", "2026/01/04 12"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := ParseDate(s); err == nil && d.Location() != time.UTC {
			t.Errorf("ParseDate(%q) is not UTC: %v", s, d)
		}
		parseDateSpec(s)
	})
}

// FuzzSelect: any -r, -d, -s and -w arguments on a file with branches
// and names give a selection or an error, never a panic.
func FuzzSelect(f *testing.F) {
	raw, err := os.ReadFile("../testdata/rcs/branchy.txt,v")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"1.2:1.3", ":1.2", "1.2.1.", "REL1:", "BRANCH", "1.2.1:1.2.2", "1", "", "1.2.0.2", ".", ":", "1.2:1.2.1.1"} {
		f.Add(s, "2026/01/02<2026/01/03")
	}
	f.Fuzz(func(t *testing.T, revs, dates string) {
		file, err := Parse("branchy.txt,v", raw)
		if err != nil {
			t.Fatal(err)
		}
		sel, err := file.Selected(Selection{Revs: []string{revs}, Dates: []string{dates}, States: []string{"Exp"}})
		if err == nil {
			file.Log(LogOptions{Working: "branchy.txt", Selected: sel})
		}
		file.ResolveFilter(revs, Filter{State: "Exp"})
	})
}
