//go:build linux

package serve

import "runtime"

func init() {
	engines[Reactor] = func(p Protocol, cfg Config) engine {
		return newLoopEngine(p, cfg, reactorLoops(cfg))
	}
}

// reactorLoops is the number of event loops of the reactor: Config.Workers
// when it is positive, otherwise one per CPU.
func reactorLoops(cfg Config) int {
	if cfg.Workers > 0 {
		return cfg.Workers
	}
	return runtime.NumCPU()
}

// pickLoop returns the index of the loop that gets the next connection.
// Only loop 0, which accepts, calls it.
//
// The reactor is the poll loop times N: the same loop type, each on its own
// locked OS thread with its own epoll set, read buffer and timers. Loop 0
// alone owns the listener and hands every accepted connection to the loops
// in turn (round-robin, through a mutex-guarded queue and the target's
// eventfd). The alternative, registering the listener in every loop with
// EPOLLEXCLUSIVE, was not taken: the kernel then wakes whichever waiter is
// first in the listener's wait queue, which under light load is the same
// recently idle loop again and again, so a handful of connections can all
// land on one loop (and the reactor then serializes them like poll). The
// hand-off spreads any n connections evenly across the loops, at the price
// of one queue operation and at most one coalesced eventfd write per
// connection, nothing per request.
func (e *loopEngine) pickLoop() int {
	i := e.next
	e.next = (e.next + 1) % e.n
	return i
}
