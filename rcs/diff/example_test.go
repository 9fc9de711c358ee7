package diff_test

import (
	"fmt"

	"github.com/netkit-go/netkit/rcs/diff"
)

// The delta GNU diff -n (and so GNU ci) would write.
func ExampleAppendRCS() {
	a := diff.SplitLines([]byte("a\nb\nc\n"))
	b := diff.SplitLines([]byte("c\nb\na\n"))
	fmt.Printf("%s", diff.AppendRCS(nil, a, b, diff.Lines(a, b)))
	// Output:
	// d1 2
	// a3 2
	// b
	// a
}
