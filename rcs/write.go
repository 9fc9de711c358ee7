package rcs

import "unsafe"

// Bytes serializes the file in GNU RCS 5.10's layout: the bytes GNU RCS
// would write for the same content. Delta texts that were not changed are
// copied raw, without decoding.
func (f *File) Bytes() []byte {
	segs := f.segments()
	n := 0
	for _, seg := range segs {
		n += len(seg)
	}
	out := make([]byte, 0, n)
	for _, seg := range segs {
		out = append(out, seg...)
	}
	return out
}

// output is a serialized file as a list of segments: what is written anew
// is gathered in small pieces, while large runs of the file buffer (the
// untouched nodes and delta texts) and new delta texts are referenced, not
// copied, so that a writer can write them straight from where they are.
type output struct {
	segs [][]byte
	cur  []byte // the segment being gathered
}

// bigSegment is the size from which a slice is referenced, not copied.
const bigSegment = 4096

func (o *output) str(s string) { o.cur = append(o.cur, s...) }

func (o *output) byte(c byte) { o.cur = append(o.cur, c) }

func (o *output) bytes(b []byte) {
	if len(b) < bigSegment {
		o.cur = append(o.cur, b...)
		return
	}
	o.flush()
	o.segs = append(o.segs, b)
}

// flush ends the segment being gathered; what follows is gathered after
// it in the same memory.
func (o *output) flush() {
	if len(o.cur) > 0 {
		o.segs = append(o.segs, o.cur)
		o.cur = o.cur[len(o.cur):]
	}
}

// segments serializes the file as Bytes does, as a list of segments to
// write one after the other.
func (f *File) segments() [][]byte {
	f.settle()
	o := &output{cur: make([]byte, 0, 2048+len(f.Desc))}
	o.str("head\t")
	o.str(f.Head)
	o.str(";\n")
	if f.Branch != "" {
		o.str("branch\t" + f.Branch + ";\n")
	}
	o.str("access")
	for _, a := range f.Access {
		o.str("\n\t" + a)
	}
	o.str(";\nsymbols")
	for _, s := range f.Symbols {
		o.str("\n\t" + s.Name + ":" + s.Rev)
	}
	o.str(";\nlocks")
	for _, l := range f.Locks {
		o.str("\n\t" + l.Locker + ":" + l.Rev)
	}
	o.str(";")
	if f.Strict {
		o.str(" strict;")
	}
	o.str("\ncomment\t@")
	comment := f.Comment
	if !f.hasComment {
		comment = "# "
	}
	o.cur = quote(o.cur, []byte(comment))
	o.str("@;\n")
	if f.Expand != "" && f.Expand != ModeKV {
		o.str("expand\t@")
		o.cur = quote(o.cur, []byte(f.Expand))
		o.str("@;\n")
	}
	for _, x := range f.adminExtra {
		o.bytes(x)
		o.byte('\n')
	}
	o.byte('\n')
	f.writeTree(o, f.delta(f.Head))
	o.str("\n\ndesc\n@")
	o.cur = quote(o.cur, []byte(f.Desc))
	o.str("@")
	f.writeTexts(o)
	return o.segs
}

// writeTexts writes the delta text records. As GNU RCS does, a record
// that did not change is copied as it is in the file buffer, with the
// whitespace before it (CVS's import layout has an extra blank line after
// the desc); one that changed, or is new, is written in GNU's layout. The
// records not read yet (see parse) follow as they are; after the last
// record come the file's own last bytes, or GNU's newline.
func (f *File) writeTexts(o *output) {
	run := -1 // start of the buffer run being copied, -1 if none
	end := 0  // its end
	for _, d := range f.texts {
		if d.recEnd > 0 && d.log.off >= 0 && d.text.off >= 0 {
			if run < 0 || int(d.recStart) != end {
				f.copyRun(o, run, end)
				run = int(d.recStart)
			}
			end = int(d.recEnd)
			continue
		}
		f.copyRun(o, run, end)
		run = -1
		o.str("\n\n\n")
		o.str(d.Rev)
		o.str("\nlog\n@")
		o.bytes(d.log.raw)
		o.str("@\n")
		for _, x := range d.phrases().text {
			o.bytes(x)
			o.byte('\n')
		}
		o.str("text\n@")
		o.bytes(d.text.raw)
		o.str("@")
	}
	var tail []byte
	switch {
	case f.buf == nil:
	case f.textAt >= 0:
		tail = f.buf[f.textAt:]
	default:
		tail = f.buf[f.textsEnd:]
	}
	if run >= 0 && end == len(f.buf)-len(tail) {
		// The run reaches the tail: one segment.
		o.flush()
		o.segs = append(o.segs, f.buf[run:])
		return
	}
	f.copyRun(o, run, end)
	if len(tail) == 0 {
		tail = []byte("\n")
	}
	o.bytes(tail)
	o.flush()
}

// copyRun writes the run of the file buffer from run to end, if any.
func (f *File) copyRun(o *output, run, end int) {
	if run >= 0 {
		o.bytes(f.buf[run:end])
	}
}

// settle reads every delta text record if a delta whose record was not
// read yet (see parse) had its log or text set, keeping what was set, so
// that the record is written anew instead of copied. It returns the error
// reading met.
func (f *File) settle() error {
	if f.textAt < 0 {
		return f.textErr
	}
	type set struct {
		d         *Delta
		log, text atString
	}
	var sets []set
	// The nodes a lazy parse did not parse (see trunkNodes) cannot have
	// been changed.
	for _, d := range f.nodes {
		if !d.hasText && (d.log.raw != nil || d.text.raw != nil) {
			sets = append(sets, set{d, d.log, d.text})
		}
	}
	if sets == nil {
		return nil
	}
	err := f.loadTexts()
	for _, s := range sets {
		if s.log.raw != nil {
			s.d.log = s.log
		}
		if s.text.raw != nil {
			s.d.text = s.text
		}
	}
	return err
}

// writeTree writes delta nodes in RCS's canonical order: a revision, the
// chain after it, then the branches of the chain's revisions, last first
// (puttree in GNU RCS). Nodes that the file buffer already holds as they
// would be written, one after the other, are copied as one run.
func (f *File) writeTree(o *output, d *Delta) {
	var run nodeRun
	f.writeChain(o, d, &run)
	o.bytes(f.buf[run.start:run.end])
}

// nodeRun is a run of nodes not yet written, f.buf[start:end].
type nodeRun struct{ start, end int }

// writeChain is writeTree for the chain from d.
func (f *File) writeChain(o *output, d *Delta, run *nodeRun) {
	var chain []*Delta
	for ; d != nil; d = f.nextOf(d) {
		start, end, ok := f.rawNode(d)
		if !ok || start != run.end {
			o.bytes(f.buf[run.start:run.end])
			*run = nodeRun{start, start}
		}
		if ok {
			run.end = end
		} else {
			f.writeNode(o, d)
		}
		if len(d.Branches) > 0 {
			chain = append(chain, d)
		}
		if d.Next == "" {
			break
		}
		if f.restEnd != 0 && d == f.nodes[0] && d.Next == f.restFirst {
			// The nodes a lazy parse left unparsed follow (see
			// trunkNodes): they end the chain, unchanged.
			if run.end != f.restStart {
				o.bytes(f.buf[run.start:run.end])
				*run = nodeRun{f.restStart, f.restStart}
			}
			run.end = f.restEnd
			break
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		for _, br := range chain[i].Branches {
			f.writeChain(o, f.delta(br), run)
		}
	}
}

// rawNode reports where the file buffer holds exactly what writeNode
// would write for d: the node was parsed in GNU RCS's layout and its
// fields still have the values read.
func (f *File) rawNode(d *Delta) (start, end int, ok bool) {
	if d.nodeEnd == 0 || len(d.Branches) > 0 || d.CommitID != "" || d.unknown != nil {
		return 0, 0, false
	}
	start, end = int(d.nodeStart), int(d.nodeEnd)
	raw := f.buf[start:end]
	fields := [...]struct{ v, after string }{
		{d.Rev, "\ndate\t"}, {d.Date, ";\tauthor "}, {d.Author, ";\tstate "},
		{d.State, ";\nbranches;\nnext\t"}, {d.Next, ";\n"},
	}
	// Fields not changed since parsing are still the substrings of the
	// buffer the parser took, each where the node holds it: then the node
	// is unchanged without comparing bytes.
	i, same := 1, true
	for _, fld := range fields {
		if i+len(fld.v) > len(raw) || len(fld.v) > 0 && unsafe.StringData(fld.v) != &raw[i] {
			same = false
			break
		}
		i += len(fld.v) + len(fld.after)
	}
	if same && i == len(raw) {
		return start, end, true
	}
	i = 1
	for _, fld := range fields {
		j, k := i+len(fld.v), i+len(fld.v)+len(fld.after)
		if k > len(raw) || string(raw[i:j]) != fld.v || string(raw[j:k]) != fld.after {
			return 0, 0, false
		}
		i = k
	}
	return start, end, i == len(raw)
}

func (f *File) writeNode(o *output, d *Delta) {
	for _, s := range [...]string{"\n", d.Rev, "\ndate\t", d.Date, ";\tauthor ", d.Author, ";\tstate ", d.State, ";\nbranches"} {
		o.str(s)
	}
	for _, br := range d.Branches {
		o.str("\n\t")
		o.str(br)
	}
	o.str(";\nnext\t")
	o.str(d.Next)
	o.str(";\n")
	if d.CommitID != "" {
		o.str("commitid\t")
		o.str(d.CommitID)
		o.str(";\n")
	}
	for _, x := range d.phrases().node {
		o.bytes(x)
		o.byte('\n')
	}
}
