package rcs_test

import (
	"fmt"
	"time"

	"github.com/netkit-go/netkit/rcs"
)

// Two revisions in memory: the old one comes back from the reverse delta.
func Example() {
	f := rcs.New("notes.txt,v")
	day := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Checkin([]byte("alpha\nbravo\n"), rcs.CheckinOptions{Author: "tester", Date: day, Log: "first", Desc: "notes"})
	f.LockRev("1.1", "tester")
	f.Checkin([]byte("alpha\nBRAVO\ncharlie\n"), rcs.CheckinOptions{Author: "tester", Date: day.Add(time.Second), Log: "second"})
	old, _ := f.Checkout("1.1")
	fmt.Printf("head %s, 1.1 is %q\n", f.Head, old)
	fmt.Printf("%s", f.Bytes()[:len("head\t1.2;\naccess;\nsymbols;\nlocks; strict;\n")])
	// Output:
	// head 1.2, 1.1 is "alpha\nbravo\n"
	// head	1.2;
	// access;
	// symbols;
	// locks; strict;
}
