// Command zen-netpoll serves the Zen question/answer protocol on
// github.com/cloudwego/netpoll: a peer for `netkit bench zen --compare`,
// built in its own module so that netpoll is not linked into netkit.
//
// Usage: zen-netpoll [-addr 127.0.0.1:1060]
package main

import (
	"context"
	"flag"
	"log"
	"time"

	"github.com/cloudwego/netpoll"
)

var (
	unknown = []byte("Error: unknown aphorism.")
	answers = map[string][]byte{
		"Beautiful is better than?": []byte("Ugly."),
		"Explicit is better than?":  []byte("Implicit."),
		"Simple is better than?":    []byte("Complex."),
	}
)

func main() {
	addr := flag.String("addr", "127.0.0.1:1060", "TCP address to listen on")
	flag.Parse()
	ln, err := netpoll.CreateListener("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	loop, err := netpoll.NewEventLoop(handle, netpoll.WithIdleTimeout(5*time.Minute))
	if err != nil {
		log.Fatal(err)
	}
	if err := loop.Serve(ln); err != nil {
		log.Fatal(err)
	}
}

// handle answers every question buffered on c, in one write. Until waits
// for the rest of a question that arrived in part: netpoll calls handle
// again and again while input is left unread, so it must consume it all.
func handle(ctx context.Context, c netpoll.Connection) error {
	r, w := c.Reader(), c.Writer()
	for r.Len() > 0 {
		q, err := r.Until('?')
		if err != nil {
			c.Close()
			return err
		}
		a, ok := answers[string(q)]
		if !ok {
			a = unknown
		}
		if _, err := w.WriteBinary(a); err != nil {
			return err
		}
	}
	if err := r.Release(); err != nil {
		return err
	}
	return w.Flush()
}
