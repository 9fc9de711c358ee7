package rcs

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteSynthFiles writes synthetic ,v files for measuring netkit rcs
// as a process (scripts/rcsproc.py): with NETKIT_SYNTH_DIR=DIR it writes
// DIR/r1000/f00.txt,v ... f49.txt,v (1000 revisions) and
// DIR/r10000/f00.txt,v ... f09.txt,v (10,000 revisions). Without it, it
// is skipped.
func TestWriteSynthFiles(t *testing.T) {
	dir := os.Getenv("NETKIT_SYNTH_DIR")
	if dir == "" {
		t.Skip("NETKIT_SYNTH_DIR not set")
	}
	for _, set := range []struct{ revs, n int }{{1000, 50}, {10000, 10}} {
		raw, _ := synthFile(set.revs, 2000, 5)
		sub := filepath.Join(dir, fmt.Sprintf("r%d", set.revs))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range set.n {
			p := filepath.Join(sub, fmt.Sprintf("f%02d.txt,v", i))
			os.Remove(p)
			if err := os.WriteFile(p, raw, 0o444); err != nil {
				t.Fatal(err)
			}
		}
	}
}
