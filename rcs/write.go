package rcs

import (
	"bytes"
)

// Bytes serializes the file in GNU RCS 5.10's layout: the bytes GNU RCS
// would write for the same content. Delta texts that were not changed are
// copied raw, without decoding.
func (f *File) Bytes() []byte {
	head, tail := f.parts()
	return append(head, tail...)
}

// parts serializes the file as Bytes does, in two parts: what is written
// anew, and a tail of the file buffer copied verbatim (the untouched delta
// texts), so that a writer can write that tail without copying it.
func (f *File) parts() (head, tail []byte) {
	f.settle()
	var texts []*Delta
	size := f.descEnd + len(f.Desc) + 1024
	// As GNU RCS does, copy everything after desc verbatim when no text
	// changed (this keeps CVS's layout of the delta texts).
	allVerbatim := f.buf != nil && !f.textsChanged
	if allVerbatim {
		tail = f.buf[f.descEnd:]
	} else {
		texts, tail = f.verbatimTail()
		for _, d := range texts {
			size += len(d.Rev) + len(d.log.raw) + len(d.text.raw) + 32
		}
	}
	var b bytes.Buffer
	b.Grow(size)
	b.WriteString("head\t")
	b.WriteString(f.Head)
	b.WriteString(";\n")
	if f.Branch != "" {
		b.WriteString("branch\t" + f.Branch + ";\n")
	}
	b.WriteString("access")
	for _, a := range f.Access {
		b.WriteString("\n\t" + a)
	}
	b.WriteString(";\nsymbols")
	for _, s := range f.Symbols {
		b.WriteString("\n\t" + s.Name + ":" + s.Rev)
	}
	b.WriteString(";\nlocks")
	for _, l := range f.Locks {
		b.WriteString("\n\t" + l.Locker + ":" + l.Rev)
	}
	b.WriteString(";")
	if f.Strict {
		b.WriteString(" strict;")
	}
	b.WriteString("\ncomment\t@")
	comment := f.Comment
	if !f.hasComment {
		comment = "# "
	}
	b.Write(quote(nil, []byte(comment)))
	b.WriteString("@;\n")
	if f.Expand != "" && f.Expand != ModeKV {
		b.WriteString("expand\t@")
		b.Write(quote(nil, []byte(f.Expand)))
		b.WriteString("@;\n")
	}
	for _, x := range f.adminExtra {
		b.Write(x)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	f.writeTree(&b, f.deltas[f.Head])
	b.WriteString("\n\ndesc\n@")
	b.Write(quote(nil, []byte(f.Desc)))
	b.WriteString("@")
	if !allVerbatim {
		b.WriteString("\n")
	}
	for _, d := range texts {
		b.WriteString("\n\n")
		b.WriteString(d.Rev)
		b.WriteString("\nlog\n@")
		b.Write(d.log.raw)
		b.WriteString("@\n")
		for _, x := range d.phrases().text {
			b.Write(x)
			b.WriteByte('\n')
		}
		b.WriteString("text\n@")
		b.Write(d.text.raw)
		b.WriteString("@\n")
	}
	return b.Bytes(), tail
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
	f.textsChanged = true
	return err
}

// verbatimTail splits the delta texts into those to write and a tail of
// the file buffer that holds the rest exactly as they would be written:
// the longest run of unchanged texts, in GNU RCS's layout, that ends the
// file. After a trunk check-in that is every text but the first two.
func (f *File) verbatimTail() (write []*Delta, tail []byte) {
	// The records not read yet (see parse) are copied as they are.
	end := len(f.buf)
	if f.textAt >= 0 {
		end = f.textAt
	}
	i := len(f.texts)
	for ; i > 0; i-- {
		d := f.texts[i-1]
		if int(d.recEnd) != end || d.text.off < 0 || d.log.off < 0 {
			break
		}
		end = int(d.recStart)
	}
	return f.texts[:i], f.buf[end:]
}

// writeTree writes delta nodes in RCS's canonical order: a revision, the
// chain after it, then the branches of the chain's revisions, last first
// (puttree in GNU RCS). Nodes that the file buffer already holds as they
// would be written, one after the other, are copied as one run.
func (f *File) writeTree(b *bytes.Buffer, d *Delta) {
	var run nodeRun
	f.writeChain(b, d, &run)
	b.Write(f.buf[run.start:run.end])
}

// nodeRun is a run of nodes not yet written, f.buf[start:end].
type nodeRun struct{ start, end int }

// writeChain is writeTree for the chain from d.
func (f *File) writeChain(b *bytes.Buffer, d *Delta, run *nodeRun) {
	var chain []*Delta
	for ; d != nil; d = f.nextOf(d) {
		start, end, ok := f.rawNode(d)
		if !ok || start != run.end {
			b.Write(f.buf[run.start:run.end])
			*run = nodeRun{start, start}
		}
		if ok {
			run.end = end
		} else {
			f.writeNode(b, d)
		}
		if len(d.Branches) > 0 {
			chain = append(chain, d)
		}
		if d.Next == "" {
			break
		}
	}
	for i := len(chain) - 1; i >= 0; i-- {
		for _, br := range chain[i].Branches {
			f.writeChain(b, f.deltas[br], run)
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
	i := 1
	for _, fld := range [...]struct{ v, after string }{
		{d.Rev, "\ndate\t"}, {d.Date, ";\tauthor "}, {d.Author, ";\tstate "},
		{d.State, ";\nbranches;\nnext\t"}, {d.Next, ";\n"},
	} {
		j, k := i+len(fld.v), i+len(fld.v)+len(fld.after)
		if k > len(raw) || string(raw[i:j]) != fld.v || string(raw[j:k]) != fld.after {
			return 0, 0, false
		}
		i = k
	}
	return start, end, i == len(raw)
}

func (f *File) writeNode(b *bytes.Buffer, d *Delta) {
	for _, s := range [...]string{"\n", d.Rev, "\ndate\t", d.Date, ";\tauthor ", d.Author, ";\tstate ", d.State, ";\nbranches"} {
		b.WriteString(s)
	}
	for _, br := range d.Branches {
		b.WriteString("\n\t")
		b.WriteString(br)
	}
	b.WriteString(";\nnext\t")
	b.WriteString(d.Next)
	b.WriteString(";\n")
	if d.CommitID != "" {
		b.WriteString("commitid\t")
		b.WriteString(d.CommitID)
		b.WriteString(";\n")
	}
	for _, x := range d.phrases().node {
		b.Write(x)
		b.WriteByte('\n')
	}
}
