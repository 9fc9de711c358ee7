package loadgen

import (
	"testing"
	"time"

	"github.com/netkit-go/netkit/zen"
)

func TestOpenIdle(t *testing.T) {
	var st zen.Stats
	addr := startZen(t, &st)
	ic, err := OpenIdle(addr, 50, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer ic.Close()
	if ic.Len() != 50 {
		t.Errorf("Len = %d", ic.Len())
	}
	waitFor(t, func() bool { return st.Sessions.Load() == 50 })
	ic.Close()
	waitFor(t, func() bool { return st.Clean.Load() == 50 })
}
