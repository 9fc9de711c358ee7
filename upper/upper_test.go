package upper

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/netkit-go/netkit/internal/testpeer"
)

func TestUpperExamples(t *testing.T) {
	for in, want := range map[string]string{
		"hello, world": "HELLO, WORLD",
		"straße":       "STRASSE",
		"été":          "ÉTÉ",
		"ﬁ":            "FI",
		"ΐ":            "\u0399\u0308\u0301",
		"ŉ":            "ʼN",
		"":             "",
		"日本語 ok":       "日本語 OK",
	} {
		got, err := UpperString(in)
		if err != nil || got != want {
			t.Errorf("UpperString(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := Upper([]byte("ab\xffcd"))
	if err == nil || err.Error() != "invalid UTF-8 at byte 2" {
		t.Errorf("invalid UTF-8: %v", err)
	}
}

// TestUpperMatchesPython compares the upper-case form of every Unicode code
// point (surrogates excepted), and of random mixed strings, with python3's
// str.upper().
func TestUpperMatchesPython(t *testing.T) {
	t.Parallel()
	py := testpeer.Python(t)
	const script = `
import sys
out = sys.stdout
for r in range(0x110000):
    if 0xD800 <= r <= 0xDFFF:
        continue
    out.write('%x %s\n' % (r, chr(r).upper().encode('utf-8').hex()))
for line in sys.stdin:
    s = bytes.fromhex(line.strip()).decode('utf-8')
    out.write('s %s\n' % s.upper().encode('utf-8').hex())
`
	// Random strings mixing ASCII, Latin, Greek, ligatures and others.
	rng := rand.New(rand.NewPCG(7, 7))
	pools := []string{"abcxyz ", "ßéàçœŉǰ", "αβγΐΰςσ", "ﬀﬁﬂﬃﬄﬅﬆ", "ǅǈǋ", "ıİ", "ᾀᾳῳ\u0345", "ⓐⓩ𐐨𞤢", "日本"}
	var strs []string
	var stdin bytes.Buffer
	for range 2000 {
		var b strings.Builder
		for range rng.IntN(12) {
			p := []rune(pools[rng.IntN(len(pools))])
			b.WriteRune(p[rng.IntN(len(p))])
		}
		strs = append(strs, b.String())
		fmt.Fprintf(&stdin, "%x\n", b.String())
	}
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = &stdin
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	c := NewCaser()
	sc := bufio.NewScanner(bytes.NewReader(out))
	checked, mismatches := 0, 0
	var buf []byte
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		if !sc.Scan() {
			t.Fatalf("python3 output ended at %U", r)
		}
		buf, _ = c.Append(buf[:0], []byte(string(r)))
		if want := fmt.Sprintf("%x %x", r, buf); sc.Text() != want {
			if mismatches++; mismatches < 20 {
				t.Errorf("%U: python %q, netkit %q", r, sc.Text(), want)
			}
		}
		checked++
	}
	for _, s := range strs {
		if !sc.Scan() {
			t.Fatal("python3 output ended early")
		}
		buf, _ = c.Append(buf[:0], []byte(s))
		if want := fmt.Sprintf("s %x", buf); sc.Text() != want {
			t.Errorf("%q: python %q, netkit %q", s, sc.Text(), want)
		}
	}
	t.Logf("compared %d code points and %d strings with python3", checked, len(strs))
}

func TestIncompleteTail(t *testing.T) {
	for _, s := range []string{"a", "é", "日", "𐐨", "aé日𐐨"} {
		b := []byte(s)
		last, _ := utf8.DecodeLastRune(b)
		size := utf8.RuneLen(last)
		for cut := 1; cut < size; cut++ {
			if got := incompleteTail(b[:len(b)-size+cut]); got != cut {
				t.Errorf("%q cut to %d bytes of its last char: tail %d", s, cut, got)
			}
		}
		if got := incompleteTail(b); got != 0 {
			t.Errorf("%q complete: tail %d", s, got)
		}
	}
	// Invalid bytes are not held back.
	for _, b := range [][]byte{{0xff}, {0x80}, {'a', 0xc3, 'b'}, {0xf4, 0x90}} {
		if got := incompleteTail(b); got != 0 {
			t.Errorf("% x: tail %d, want 0", b, got)
		}
	}
}

// TestSplitEveryCut feeds a text to a session in two parts cut at every
// byte, as two reads would deliver it, and checks the answer.
func TestSplitEveryCut(t *testing.T) {
	text := []byte("straße été ﬁ ΐ 𐐨 日本")
	want, _ := Upper(text)
	var p Protocol
	for cut := 0; cut <= len(text); cut++ {
		s := p.NewSession(nil)
		var out, buf []byte
		for _, part := range [][]byte{text[:cut], text[cut:]} {
			buf = append(buf, part...)
			n, err := p.Split(buf)
			if err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				out, err = s.Serve(buf[:n], out)
				if err != nil {
					t.Fatalf("cut %d: %v", cut, err)
				}
				buf = buf[n:]
			}
		}
		if len(buf) != 0 || !bytes.Equal(out, want) {
			t.Errorf("cut %d: %q (left %q), want %q", cut, out, buf, want)
		}
	}
}
