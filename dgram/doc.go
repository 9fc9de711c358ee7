// Package dgram is netkit's UDP engine: a serve loop for a datagram handler
// and a client that retries with exponential back-off, after the course
// deck's UDP server, "UDP packet drops" client and broadcast examples.
//
// The server ([Server]) reads one datagram at a time into a buffer of
// Config.MaxDatagram+1 bytes, so a longer datagram is noticed (and reported
// to the handler as truncated) without ever allocating more. It can drop a
// fraction of datagrams at random ([Config].Drop, seedable) to exercise
// clients' retries.
//
// The client ([Exchange]) uses a connected UDP socket, so that datagrams
// from anyone but the server are ignored, and retries as the deck does:
//
//	delay = 0.1 s
//	loop:
//	    send the request
//	    wait up to delay for a reply -> done
//	    delay = delay * 2
//	    if delay > limit (2.0 s): fail "server seems down"
//
// A reply that arrives for an earlier try is still accepted, since the
// services it is meant for are idempotent. [Broadcast] sends one datagram
// with SO_BROADCAST set and collects every reply, with its sender, until a
// timeout.
package dgram
