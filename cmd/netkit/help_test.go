package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestEveryCommandHasHelp walks the whole command tree: every command a
// user can run has a short description, an example that runs netkit, and
// the exit statuses in its help; every top-level command is in a group.
func TestEveryCommandHasHelp(t *testing.T) {
	root := newRootCommand()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" || sub.Name() == "completion" {
				continue
			}
			path := sub.CommandPath()
			if sub.Short == "" {
				t.Errorf("%s: no short description", path)
			}
			if !strings.Contains(sub.Example, "netkit ") {
				t.Errorf("%s: no example in its help", path)
			}
			if !strings.Contains(sub.Long, "Exit status") {
				t.Errorf("%s: no exit statuses in its help", path)
			}
			if c == root && sub.GroupID == "" && sub.Name() != "version" {
				t.Errorf("%s: in no command group of netkit --help", path)
			}
			walk(sub)
		}
	}
	walk(root)
}
