package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestCommandsTable checks that every entry of commands builds the command
// it is named after.
func TestCommandsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range commands {
		if got := c.build().Name(); got != c.name {
			t.Errorf("commands entry %q builds %q", c.name, got)
		}
		if seen[c.name] {
			t.Errorf("commands lists %q twice", c.name)
		}
		seen[c.name] = true
	}
}

// TestRootForGivesSameHelp checks that the pruned tree run builds for a
// command line shows, for every command, the same help as the whole tree.
func TestRootForGivesSameHelp(t *testing.T) {
	help := func(root *cobra.Command, args []string) string {
		var out bytes.Buffer
		root.SetArgs(args)
		root.SetOut(&out)
		root.SetErr(&out)
		if err := root.Execute(); err != nil {
			t.Errorf("%s: %v", strings.Join(args, " "), err)
		}
		return out.String()
	}
	checked := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			checked++
			args := append(strings.Fields(sub.CommandPath())[1:], "--help")
			if want, got := help(newRootCommand(), args), help(newRootFor(args), args); got != want {
				t.Errorf("netkit %s: help differs in the pruned tree:\n%s\nwant:\n%s", strings.Join(args, " "), got, want)
			}
			walk(sub)
		}
	}
	walk(newRootCommand())
	if checked < 2*len(commands) {
		t.Errorf("checked the help of %d commands only", checked)
	}
	t.Logf("%d commands checked", checked)
	if n := len(newRootFor([]string{"rcs", "co", "-p"}).Commands()); n != 1 {
		t.Errorf("the tree for netkit rcs has %d top-level commands, want 1", n)
	}
	if n := len(newRootFor([]string{"help", "rcs"}).Commands()); n != len(commands) {
		t.Errorf("the tree for netkit help has %d top-level commands, want %d", n, len(commands))
	}
}
