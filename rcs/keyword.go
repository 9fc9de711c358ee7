package rcs

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
)

// Keyword modes, as given to co -k.
const (
	ModeKV  = "kv"  // $Keyword: value $ (the default)
	ModeKVL = "kvl" // as kv, and the locker always shown when locked
	ModeK   = "k"   // $Keyword$ (the $Log$ history is still inserted)
	ModeV   = "v"   // value only
	ModeO   = "o"   // the stored text untouched
	ModeB   = "b"   // binary: the stored text untouched
)

// ValidMode reports whether m is a keyword mode co -k accepts.
func ValidMode(m string) bool {
	switch m {
	case ModeKV, ModeKVL, ModeK, ModeV, ModeO, ModeB:
		return true
	}
	return false
}

var keywords = []string{"Author", "Date", "Header", "Id", "Locker", "Log", "Name", "RCSfile", "Revision", "Source", "State"}

// ExpandOptions says how to expand keywords in one checkout.
type ExpandOptions struct {
	Mode   string // keyword mode; "" means the file's default
	Locker string // who locks the revision, if it is to be shown ("" = none)
	Name   string // the symbolic name the revision was selected by, for $Name$
}

// RCSDate turns a stored date (2026.01.02.03.04.05, or 99.12.31.23.59.59)
// into RCS's display form 2026/01/02 03:04:05.
func RCSDate(stored string) string {
	p := strings.Split(stored, ".")
	if len(p) != 6 {
		return stored
	}
	if len(p[0]) == 2 {
		p[0] = "19" + p[0]
	}
	return fmt.Sprintf("%s/%s/%s %s:%s:%s", p[0], p[1], p[2], p[3], p[4], p[5])
}

// ExpandKeywords returns text with the RCS keywords expanded for revision d.
func (f *File) ExpandKeywords(text []byte, d *Delta, o ExpandOptions) []byte {
	mode := o.Mode
	if mode == "" {
		mode = f.Keyword()
	}
	if mode == ModeO || mode == ModeB || bytes.IndexByte(text, '$') < 0 {
		return text
	}
	base := filepath.Base(f.Name)
	abs, err := filepath.Abs(f.Name)
	if err != nil {
		abs = f.Name
	}
	date := RCSDate(d.Date)
	idValue := func(name string) string {
		v := fmt.Sprintf("%s %s %s %s %s", name, d.Rev, date, d.Author, d.State)
		if o.Locker != "" {
			v += " " + o.Locker
		}
		return v
	}
	value := func(kw string) string {
		switch kw {
		case "Author":
			return d.Author
		case "Date":
			return date
		case "Header":
			return idValue(abs)
		case "Id":
			return idValue(base)
		case "Locker":
			return o.Locker
		case "Log", "RCSfile":
			return base
		case "Name":
			return o.Name
		case "Revision":
			return d.Rev
		case "Source":
			return abs
		case "State":
			return d.State
		}
		return ""
	}
	return scanKeywords(text, len(text)+256, func(out []byte, kw string, start, end int) ([]byte, int) {
		v := value(kw)
		switch mode {
		case ModeK:
			out = append(out, '$')
			out = append(out, kw...)
			out = append(out, '$')
		case ModeV:
			out = append(out, v...)
		default:
			out = append(out, '$')
			out = append(out, kw...)
			out = append(out, ": "...)
			out = append(out, v...)
			out = append(out, " $"...)
		}
		if kw != "Log" {
			return out, end
		}
		// The log entry goes on the lines after the keyword, each led by
		// what came before $Log$ on its line; what followed the keyword
		// ends the entry's last line.
		nl := bytes.IndexByte(text[end:], '\n')
		rest := text[end:]
		if nl >= 0 {
			rest = text[end : end+nl+1]
		}
		ls := bytes.LastIndexByte(text[:start], '\n') + 1
		out = append(out, '\n')
		out = appendLog(out, text[ls:start], rest, d)
		return out, end + len(rest)
	})
}

// scanKeywords copies text, calling emit for each keyword found at
// text[start:end]; emit appends the replacement and says where to go on.
func scanKeywords(text []byte, size int, emit func(out []byte, kw string, start, end int) ([]byte, int)) []byte {
	out := make([]byte, 0, size)
	i := 0
	for {
		j := bytes.IndexByte(text[i:], '$')
		if j < 0 {
			return append(out, text[i:]...)
		}
		j += i
		out = append(out, text[i:j]...)
		kw, end := matchKeyword(text, j)
		if kw == "" {
			out = append(out, '$')
			i = j + 1
			continue
		}
		out, i = emit(out, kw, j, end)
	}
}

// appendLog appends the $Log$ entry of d, each line led by prefix (with a
// a "/*" after leading white space shown as " *", as GNU co does), and then rest after the
// prefix with its trailing white space removed.
func appendLog(out, prefix, rest []byte, d *Delta) []byte {
	if ws := len(prefix) - len(bytes.TrimLeft(prefix, " \t")); bytes.HasPrefix(prefix[ws:], []byte("/*")) {
		prefix = append(append(append([]byte(nil), prefix[:ws]...), " *"...), prefix[ws+2:]...)
	}
	trimmed := bytes.TrimRight(prefix, " \t")
	out = append(out, prefix...)
	out = fmt.Appendf(out, "Revision %s  %s  %s\n", d.Rev, RCSDate(d.Date), d.Author)
	log := d.logText()
	log = bytes.TrimSuffix(log, []byte{'\n'})
	for _, l := range bytes.Split(log, []byte{'\n'}) {
		if len(l) == 0 {
			out = append(out, trimmed...)
		} else {
			out = append(out, prefix...)
			out = append(out, l...)
		}
		out = append(out, '\n')
	}
	out = append(out, trimmed...)
	return append(out, rest...)
}

// matchKeyword looks for a keyword at text[j] (a '$'). It returns the
// keyword and the offset after its closing '$', or "" if there is none.
func matchKeyword(text []byte, j int) (string, int) {
	k := j + 1
	for k < len(text) && (text[k] >= 'A' && text[k] <= 'Z' || text[k] >= 'a' && text[k] <= 'z') {
		k++
	}
	name := string(text[j+1 : k])
	known := false
	for _, kw := range keywords {
		if kw == name {
			known = true
			break
		}
	}
	if !known || k >= len(text) {
		return "", 0
	}
	switch text[k] {
	case '$':
		return name, k + 1
	case ':':
		for m := k + 1; m < len(text); m++ {
			switch text[m] {
			case '$':
				return name, m + 1
			case '\n':
				return "", 0
			}
		}
	}
	return "", 0
}

// collapseKeywords turns every "$Keyword: value $" into "$Keyword$", so
// that texts that differ only in keyword values compare equal (as GNU ci's
// unchanged test does).
func collapseKeywords(text []byte) []byte {
	if bytes.IndexByte(text, '$') < 0 {
		return text
	}
	return scanKeywords(text, len(text), func(out []byte, kw string, _, end int) ([]byte, int) {
		out = append(out, '$')
		out = append(out, kw...)
		return append(out, '$'), end
	})
}
