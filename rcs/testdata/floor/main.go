// Command floor is the process floor of rcs's side-by-side benchmark: a
// Go program that does only the kernel's share of `co -p` (floor read
// FILE...) or of `ci` (floor rewrite FILE...) on each ,v file.
package main

import (
	"fmt"
	"os"

	"github.com/netkit-go/netkit/rcs/internal/floor"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: floor read|rewrite FILE,v...")
		os.Exit(2)
	}
	for _, path := range os.Args[2:] {
		var err error
		if os.Args[1] == "read" {
			_, err = floor.Read(path)
		} else {
			// The replaced files are freed at exit.
			_, err = floor.Rewrite(path)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
