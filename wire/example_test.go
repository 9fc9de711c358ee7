package wire_test

import (
	"bytes"
	"fmt"

	"github.com/netkit-go/netkit/wire"
)

func Example() {
	b, _ := wire.Pack("!i", 1234)
	fmt.Printf("% x\n", b)

	var stream bytes.Buffer
	wire.WriteBlock(&stream, []byte("hello"), 1024)
	block, _ := wire.ReadBlock(&stream, 1024)
	fmt.Printf("%s\n", block)

	_, err := wire.ReadBlock(bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff}), 1024)
	fmt.Println(err)
	// Output:
	// 00 00 04 d2
	// hello
	// block of 4294967295 bytes exceeds the maximum of 1024 bytes
}
