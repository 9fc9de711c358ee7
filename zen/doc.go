// Package zen is the Zen-of-Python question and answer service of chapter 7
// of Foundations of Python Network Programming ("Server Architecture"),
// written once as a [serve.Protocol] so that it runs unchanged under every
// server architecture of package serve, and its client.
//
// The wire, on TCP port 1060 by default:
//
//	client: Beautiful is better than?     a request is every byte up to and
//	server: Ugly.                         including the first '?'; the answer
//	client: Explicit is better than?      is ASCII text ending in '.', with
//	server: Implicit.                     no newline
//
// Several questions may arrive in one segment and one question in many; each
// is answered in order. A question the service does not know is answered
// "Error: unknown aphorism."; more than MaxRequest bytes without a '?' is a
// protocol error that closes that connection.
//
// Answering never allocates: every answer is a constant byte slice appended
// to the caller's buffer. A Protocol may carry a Delay, the book's
// time.sleep in get_answer, which simulates an expensive answer and makes the
// differences between architectures visible, and a [Stats] that counts what
// the server did (including how many answers were in flight at once).
package zen
