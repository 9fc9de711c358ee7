//go:build linux

package serve

import "runtime"

// The reactor architecture: reactorLoops(cfg) event loops of the poll kind,
// each serving its share of the connections, and one more that accepts
// (see pickLoop).
func init() {
	engines[Reactor] = func(p Protocol, cfg Config) engine {
		return newLoopEngine(p, cfg, reactorLoops(cfg))
	}
}

// reactorLoops is the number of serving loops of the reactor: Config.Workers
// when it is positive, otherwise one per CPU. (Server.New fills a zero
// Workers with DefaultWorkers, so the CPU count applies only to a Config
// that reaches the engine unfilled.)
func reactorLoops(cfg Config) int {
	if cfg.Workers > 0 {
		return cfg.Workers
	}
	return runtime.NumCPU()
}

// pickLoop returns the index of the serving loop that gets the next
// connection. Only the acceptor calls it.
//
// The reactor is the poll loop times N: the same loop type, each on its own
// locked OS thread with its own epoll set, read buffer and timers. One more
// loop of that type owns the listener, serves nothing, and hands every
// accepted connection to the serving loops in turn (round-robin, through a
// mutex-guarded queue and the target's coalesced eventfd): the main/sub
// reactor split of Netty or gnet. Two alternatives were not taken:
//
//   - The listener registered in every loop with EPOLLEXCLUSIVE. The kernel
//     wakes the first loop in the listener's wait queue that is blocked in
//     epoll_wait, which under light load is the same loop again and again,
//     so a handful of connections all land on one loop (and the reactor
//     then serializes them like poll).
//   - One of the serving loops also accepting. A session that blocks its
//     loop (a slow answer, zen's --delay) would then stop all accepting.
//
// The hand-off spreads any n connections evenly across the loops, at the
// price of one queue operation and at most one eventfd write per
// connection, nothing per request.
func (e *loopEngine) pickLoop() int {
	i := e.next
	e.next = (e.next + 1) % e.n
	return i
}
