package wire

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/netkit-go/netkit/internal/testpeer"
)

// peer runs testdata/wire/peer.py with args, stdin as input, and returns its
// standard output.
func peer(t *testing.T, stdin []byte, args ...string) []byte {
	t.Helper()
	py := testpeer.Python(t)
	script := filepath.Join("..", "testdata", "wire", "peer.py")
	cmd := exec.Command(py, append([]string{script}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("peer.py %v: %v\n%s", args, err, stderr.Bytes())
	}
	return out
}

func samples() [][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 200000)
	for i := range random {
		random[i] = byte(rng.IntN(256))
	}
	return [][]byte{
		{},
		[]byte("A very long test string to evaluate compression and how much it improves bandwidth usage"),
		bytes.Repeat([]byte("straße été ﬁ "), 10000),
		random,
	}
}

// TestZlibPythonToGo decompresses what Python's zlib.compress made.
func TestZlibPythonToGo(t *testing.T) {
	for i, s := range samples() {
		c := peer(t, s, "compress")
		got, err := Decompress(c, int64(len(s)))
		if err != nil || !bytes.Equal(got, s) {
			t.Errorf("sample %d: Go could not decompress Python's stream: %v", i, err)
		}
	}
}

// TestZlibGoToPython has Python's zlib.decompressobj read Go's streams.
func TestZlibGoToPython(t *testing.T) {
	for i, s := range samples() {
		got := peer(t, Compress(s), "decompress")
		if !bytes.Equal(got, s) {
			t.Errorf("sample %d: Python decompressed %d bytes, want %d", i, len(got), len(s))
		}
	}
}

// TestBlocksPython sends blocks to the deck's get_block/put_block, which
// answers each reversed; Go reads the answers back.
func TestBlocksPython(t *testing.T) {
	msgs := [][]byte{[]byte("hello"), {}, bytes.Repeat([]byte("xy"), 100000), []byte("héllo")}
	var in bytes.Buffer
	for _, m := range msgs {
		if err := WriteBlock(&in, m, 1<<20); err != nil {
			t.Fatal(err)
		}
	}
	out := bytes.NewReader(peer(t, in.Bytes(), "blocks"))
	for _, m := range msgs {
		got, err := ReadBlock(out, 1<<20)
		want := bytes.Clone(m)
		for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
			want[i], want[j] = want[j], want[i]
		}
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("block %q: got %q, %v", m, got, err)
		}
	}
	if out.Len() != 0 {
		t.Fatalf("%d bytes left over", out.Len())
	}
}

// TestPackPython compares Pack and Unpack with Python's struct module.
func TestPackPython(t *testing.T) {
	for _, c := range []struct {
		format string
		values []int64
	}{
		{"!i", []int64{1234}},
		{"<i", []int64{1234}},
		{">i", []int64{-1234}},
		{"!IHBb", []int64{4294967295, 65535, 255, -128}},
		{"<3hx2q", []int64{1, -2, 3, -9223372036854775808, 9223372036854775807}},
		{"!Q", []int64{1 << 62}},
		{"=l", []int64{-7}},
	} {
		var args []string
		for _, v := range c.values {
			args = append(args, strconv.FormatInt(v, 10))
		}
		want := strings.TrimSpace(string(peer(t, nil, append([]string{"pack", c.format}, args...)...)))
		got, err := Pack(c.format, c.values...)
		if err != nil || hex.EncodeToString(got) != want {
			t.Errorf("Pack(%q, %v) = %x, %v; Python says %s", c.format, c.values, got, err, want)
		}
		back := strings.TrimSpace(string(peer(t, nil, "unpack", c.format, want)))
		if back != strings.Join(args, " ") {
			t.Errorf("Python unpack of %s = %s", want, back)
		}
	}
}
