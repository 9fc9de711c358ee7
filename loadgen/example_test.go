package loadgen_test

import (
	"context"
	"fmt"
	"time"

	"github.com/netkit-go/netkit/loadgen"
	"github.com/netkit-go/netkit/serve"
	"github.com/netkit-go/netkit/zen"
)

// Load a Zen server with 4 connections, 8 questions in flight on each,
// until 10,000 answers have come back, and check them all.
func Example() {
	srv, _ := serve.New(&zen.Protocol{}, serve.Config{Addr: "127.0.0.1:0"})
	srv.Listen()
	go srv.Serve()
	defer srv.Close()

	res, err := loadgen.Run(context.Background(), loadgen.Config{
		Addr:     srv.Addr().String(),
		Conns:    4,
		Depth:    8,
		Count:    10000,
		Duration: 30 * time.Second,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("answers:", res.Answers, "errors:", res.Errors)
	fmt.Println("every connection answered:", res.ConnsAnswered == 4)
	fmt.Println("p99 at least p50:", res.Latency.Quantile(0.99) >= res.Latency.Quantile(0.5))
	// Output:
	// answers: 10000 errors: 0
	// every connection answered: true
	// p99 at least p50: true
}
