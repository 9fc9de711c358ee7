package zen_test

import (
	"context"
	"fmt"
	"time"

	"github.com/netkit-go/netkit/serve"
	"github.com/netkit-go/netkit/zen"
)

// Serve the Zen service on a free loopback port and ask it a question.
func Example() {
	srv, err := serve.New(&zen.Protocol{}, serve.Config{Arch: serve.PerConn, Addr: "127.0.0.1:0"})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := srv.Listen(); err != nil {
		fmt.Println(err)
		return
	}
	go srv.Serve()
	defer srv.Close()

	ex, err := zen.Ask(context.Background(), srv.Addr().String(),
		[]string{"Beautiful is better than?", "Flat is better than?"}, 5*time.Second)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range ex {
		fmt.Println(e.Question, e.Answer)
	}
	// Output:
	// Beautiful is better than? Ugly.
	// Flat is better than? Nested.
}
