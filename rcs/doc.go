// Package rcs reads and writes RCS ,v files exactly as GNU RCS 5.10 does.
//
// A ,v file holds the newest trunk revision (the head) in full and every
// other revision as an ed-like edit script ("dL N" deletes N lines from
// line L, "aL N" adds the N lines that follow after line L):
//
//	trunk:    head (full text) --next--> older --next--> oldest
//	          each older text = edit script turning the newer one into it
//	branches: base --branches--> b.1 --next--> b.2 ...
//	          each branch text = edit script turning its predecessor into it
//
// Checkout of revision R:
//
//	path := head, trunk revisions down to R's branch point, then R's branch
//	lines := head text cut into lines (offsets into the file buffer)
//	for each delta d on path after the head:
//	    lines = apply(d.script, lines)   // in place when no added line would
//	                                     // overwrite an unread one, else one
//	                                     // copying pass over 8-byte line refs
//	return lines joined, with @@ turned back into @
//
// Check-in of a new trunk head N over the old head H:
//
//	H.text = diff(N, H) in GNU diff -n form (a reverse delta)
//	N.text = N's full content; N.next = H
//
// and of a branch revision B after P: B.text = diff(P, B) (a forward delta).
// The diff is package rcs/diff, a port of GNU diff's algorithm, so that the
// bytes written match GNU RCS's. Writes go to the lock file ",name," created
// with O_EXCL, then rename over name,v; an existing ",name," means the file
// is in use.
package rcs
