package rcs_test

import (
	"fmt"
	"time"

	"github.com/netkit-go/netkit/rcs"
	"github.com/netkit-go/netkit/rcs/diff"
)

// Three revisions, a name and a state set as GNU's rcs command does, then
// rlog's selection by date and the unified diff rcsdiff prints.
func ExampleFile_Selected() {
	f := rcs.New("notes.txt,v")
	day := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	for i, text := range []string{"one\n", "one\ntwo\n", "one\n2\n"} {
		if i > 0 {
			f.LockRev(f.Head, "tester")
		}
		f.Checkin([]byte(text), rcs.CheckinOptions{Author: "tester", Date: day.AddDate(0, 0, i), Log: fmt.Sprint("version ", i+1)})
	}
	f.Admin(rcs.AdminOptions{Symbols: []rcs.SymbolEdit{{Name: "REL_1", Rev: "1.2"}}, States: []rcs.StateEdit{{State: "Stable", Rev: "REL_1"}}})
	sel, _ := f.Selected(rcs.Selection{Dates: []string{"2026/01/02 00:00<"}, States: []string{"Stable"}})
	fmt.Println(sel)
	out, _ := f.Diff("1.2", "1.3", nil, time.Time{}, rcs.DiffOptions{Style: diff.Unified, Context: 3, Working: "notes.txt"})
	fmt.Printf("%s", out)
	// Output:
	// map[1.2:true]
	// --- notes.txt	2026/01/02 10:00:00	1.2
	// +++ notes.txt	2026/01/03 10:00:00	1.3
	// @@ -1,2 +1,2 @@
	//  one
	// -two
	// +2
}
