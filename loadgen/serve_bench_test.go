package loadgen

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

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
				srv, err := serve.New(&zen.Protocol{}, serve.Config{Arch: arch, Addr: "127.0.0.1:0"})
				if err != nil {
					b.Fatal(err)
				}
				if err := srv.Listen(); err != nil {
					b.Fatal(err)
				}
				go srv.Serve()
				defer srv.Close()
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
