package main

import (
	"net"
	"os"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// scriptCmds are the extra commands of the testscripts.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"waitfile": waitFile,
}

// waitFile implements "waitfile FILE VAR": wait (10 s at most) until FILE
// exists and is not empty, as a server started in the background writes it
// with --addr-file, then set the environment variable VAR to its content
// without surrounding space and, when that is HOST:PORT, VAR_PORT to the
// port.
func waitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitfile FILE VAR")
	}
	name := ts.MkAbs(args[0])
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(name)
		if err == nil && len(data) > 0 {
			addr := strings.TrimSpace(string(data))
			ts.Setenv(args[1], addr)
			if _, port, err := net.SplitHostPort(addr); err == nil {
				ts.Setenv(args[1]+"_PORT", port)
			}
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s was not written within 10 s", args[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
}
