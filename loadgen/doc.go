// Package loadgen drives a Zen server with load and measures it: answers per
// second, latency percentiles, errors, and its own CPU share, so that a
// benchmark can tell the server's cost from the client's.
//
// The generator is one epoll loop on one locked OS thread over non-blocking
// sockets (the same design as the servers it measures): no goroutine per
// connection and no allocation per request. Every answer is checked byte by
// byte against the answer the question must get. Three shapes of load:
//
//	lockstep    each connection sends a question and waits for its answer
//	pipelined   each connection keeps Depth questions in flight
//	reconnect   each connection asks 3 distinct questions, closes and
//	            connects again: the book's client
//
// With a Rate the questions are sent on a fixed schedule and latency is
// counted from the time each question was due, so a slow server cannot hide
// its queueing (no coordinated omission).
//
// A run is bounded by a Duration and optionally by a Count of answers.
package loadgen
