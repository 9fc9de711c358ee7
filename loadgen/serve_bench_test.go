package loadgen

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/netkit-go/netkit/internal/servetest"
	"github.com/netkit-go/netkit/serve"
	"github.com/netkit-go/netkit/zen"
)

// BenchmarkServe runs every in-process architecture of this build under the
// loads of `netkit bench zen --compare`, server and load generator in one
// process: run it with -cpuprofile to see where a server spends its time
// (the generator's own frames are under package loadgen). b.N is the number
// of answers.
func BenchmarkServe(b *testing.B) {
	skip := []serve.Arch{serve.Prefork, serve.InetdNowait, serve.InetdWait, serve.Systemd}
	loads := []Load{{Conns: 16, Depth: 1}, {Conns: 128, Depth: 1}, {Conns: 16, Depth: 16}}
	for _, arch := range serve.Architectures() {
		if slices.Contains(skip, arch) {
			continue
		}
		for _, l := range loads {
			name := fmt.Sprintf("%s/c=%d/depth=%d", arch, l.Conns, l.Depth)
			b.Run(name, func(b *testing.B) {
				srv := servetest.Start(b, &zen.Protocol{}, serve.Config{Arch: arch})
				b.ReportAllocs()
				b.ResetTimer()
				res, err := Run(context.Background(), Config{
					Addr: srv.Addr().String(), Conns: l.Conns, Depth: l.Depth,
					Count: int64(b.N), Duration: time.Minute,
				})
				if err != nil {
					b.Fatal(err)
				}
				if res.Errors > 0 {
					b.Fatalf("%d errors: %s", res.Errors, res.FirstError)
				}
				b.ReportMetric(res.PerSecond(), "answers/s")
				b.ReportMetric(float64(res.Latency.Quantile(0.99))/1e3, "p99-µs")
			})
		}
	}
}

// BenchmarkIdleHeap measures the live Go heap per idle connection of every
// in-process architecture (after a GC, so without the garbage that RSS also
// counts): where `netkit bench zen --idle` finds a server's RSS per
// connection, this says how much of it is live data. b.N is ignored beyond
// repeating the measurement; run it with -benchtime 1x.
func BenchmarkIdleHeap(b *testing.B) {
	const conns = 2000
	skip := []serve.Arch{serve.Prefork, serve.InetdNowait, serve.InetdWait, serve.Systemd, serve.Single}
	if _, err := RaiseFileLimit(2*conns + 256); err != nil {
		b.Fatal(err)
	}
	for _, arch := range serve.Architectures() {
		if slices.Contains(skip, arch) || arch == "pool" {
			continue
		}
		b.Run(string(arch), func(b *testing.B) {
			var st zen.Stats
			srv := servetest.Start(b, &zen.Protocol{Stats: &st}, serve.Config{Arch: arch})
			for b.Loop() {
				before := liveHeap()
				base := st.Sessions.Load()
				ic, err := OpenIdle(srv.Addr().String(), conns, time.Minute)
				if err != nil {
					b.Fatal(err)
				}
				for deadline := time.Now().Add(10 * time.Second); st.Sessions.Load() < base+conns && time.Now().Before(deadline); {
					time.Sleep(10 * time.Millisecond)
				}
				time.Sleep(100 * time.Millisecond) // let every loop adopt its connections
				after := liveHeap()
				ic.Close()
				b.ReportMetric(float64(after-before)/conns, "heap-B/conn")
			}
		})
	}
}

// liveHeap returns the bytes of live heap objects after a full GC.
func liveHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
