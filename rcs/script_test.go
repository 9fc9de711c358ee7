package rcs

import (
	"bytes"
	"testing"

	"github.com/netkit-go/netkit/rcs/diff"
)

// fullScript is editScript without its shortcut: every line split and
// given to diff.Lines.
func fullScript(a, b []byte) []byte {
	al, bl := diff.SplitLines(a), diff.SplitLines(b)
	return diff.AppendRCS(nil, al, bl, diff.Lines(al, bl))
}

var scriptCases = [][2]string{
	{"", ""}, {"", "a\n"}, {"a\n", ""}, {"a", "a\n"}, {"a\n", "a"}, {"a\nb", "a\nb\n"},
	{"x\n", "x\ny\n"}, {"x\ny\n", "y\n"}, {"a\nb\nc\n", "a\nB\nc\n"}, {"a\nb\nc\n", "a\nb\nc\n"},
	{"a\nb\nc", "a\nb\nc"}, {"ab\nc\n", "a\nbc\n"}, {"a\na\na\n", "a\na\n"}, {"a\na\n", "a\na\na\n"},
	{"p\nq\nr\ns\n", "p\nr\ns\n"}, {"same\nline\n", "same\nline\nsame\nline\n"}, {"x\nyz\n", "xy\nz\n"},
	{"a\nb\n", "a\nc\nb\n"}, {"1\n2\n3\n", "1\n2\n3"}, {"1\n2\n3", "1\n2\n3\n"}, {"\n\n\n", "\n\n"},
}

// TestEditScript: editScript writes what splitting and comparing every
// line writes.
func TestEditScript(t *testing.T) {
	for _, c := range scriptCases {
		a, b := []byte(c[0]), []byte(c[1])
		if got, want := editScript(a, b), fullScript(a, b); !bytes.Equal(got, want) {
			t.Errorf("editScript(%q, %q) = %q, want %q", a, b, got, want)
		}
	}
	raw, _ := synthFile(3, 3000, 40)
	f, err := Parse("f,v", raw)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := f.Checkout("1.1")
	b, _ := f.Checkout("1.3")
	if got, want := editScript(a, b), fullScript(a, b); !bytes.Equal(got, want) {
		t.Errorf("1.1 to 1.3: editScript differs from the full comparison")
	}
}

// FuzzEditScript: editScript writes what splitting and comparing every
// line writes. Texts of few distinct bytes make identical lines likely.
func FuzzEditScript(f *testing.F) {
	for _, c := range scriptCases {
		f.Add([]byte(c[0]), []byte(c[1]))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		if got, want := editScript(a, b), fullScript(a, b); !bytes.Equal(got, want) {
			t.Fatalf("editScript(%q, %q) = %q, want %q", a, b, got, want)
		}
	})
}
