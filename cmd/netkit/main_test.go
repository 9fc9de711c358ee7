package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain puts the real netkit command on the scripts' PATH.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"netkit": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

var update = os.Getenv("UPDATE_SCRIPTS") == "1"

// TestScripts runs the scripts in testdata/script: each runs netkit commands
// and compares their output. UPDATE_SCRIPTS=1 rewrites expected output.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: update,
		Cmds:          scriptCmds,
	})
}
