// Command netkit runs the network services and tools of the netkit toolkit:
// the course deck's uppercase service and primitives, the Zen service under
// every server architecture, XML-RPC, and pdist's RPC, file tree and RCS.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the process exit status.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootFor(args)
	ctx := context.Background()
	if c, _, err := root.Find(args); err != nil || !noSignals(c) {
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "netkit: %v\n", err)
	return exitCode(err)
}

// Exit statuses, shown in --help.
const (
	exitOK      = 0
	exitFailure = 1 // the operation failed (a self-test failed, a server is down, ...)
	exitUsage   = 2 // bad arguments, or a name that does not exist
)

// exitError carries an exit status chosen by a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withExit wraps err so that netkit exits with code.
func withExit(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// exitCode maps an error to netkit's exit status. It is the one place that
// does so.
func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitFailure
}

const exitHelp = `
Exit status: 0 on success, 1 when the operation failed, 2 for bad arguments
or a host or file that does not exist.`

// commands are netkit's top-level commands: each one's name (its Use) and
// the function that builds it with its subcommands and flags.
var commands = []struct {
	name  string
	build func() *cobra.Command
}{
	{"version", newVersionCommand},
	{"serve", newServeCommand},
	{"zen", newZenCommand},
	{"upper", newUpperCommand}, {"names", newNamesCommand}, {"wire", newWireCommand},
	{"xmlrpc", newXMLRPCCommand},
	{"rcs", newRCSCommand},
	{"bench", newBenchCommand},
}

// newRootCommand returns netkit's whole command tree.
func newRootCommand() *cobra.Command {
	return newRoot("")
}

// newRootFor returns the command tree run needs for args. When args[0] is
// the name of a top-level command, the root has only that command: the
// others cannot run, and building their subcommands and flags would be most
// of a short command's start-up work. Otherwise (help, completion, a flag,
// an unknown name) it is the whole tree.
func newRootFor(args []string) *cobra.Command {
	for _, c := range commands {
		if len(args) > 0 && args[0] == c.name {
			return newRoot(c.name)
		}
	}
	return newRoot("")
}

// newRoot returns the root command with the top-level command named only,
// or with all of them when only is "".
func newRoot(only string) *cobra.Command {
	root := &cobra.Command{
		Use:   "netkit",
		Short: "Classic network services and tools, re-created in Go",
		Long: `netkit re-creates the classic network systems of the course deck, the
"Server Architecture" chapter and Python's pdist demo as real software: the
uppercase service, name lookups, the Zen service under every server
architecture, XML-RPC, and a native RCS library.`,
		Example: `  netkit serve                       # every service on its loopback port
  netkit upper send --udp localhost hello
  netkit version`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return withExit(exitUsage, fmt.Errorf("%w (run '%s --help' for usage)", err, c.CommandPath()))
	})
	for _, c := range commands {
		if only == "" || c.name == only {
			root.AddCommand(c.build())
		}
	}
	groupCommands(root)
	addExitHelp(root)
	return root
}

// commandGroups sorts the top-level commands for `netkit --help`: the
// services a user runs, the clients and tools, and the rest.
var commandGroups = []struct {
	group    cobra.Group
	commands []string
}{
	{cobra.Group{ID: "services", Title: "Services and their clients:"}, []string{"serve", "upper", "zen", "xmlrpc"}},
	{cobra.Group{ID: "tools", Title: "Tools:"}, []string{"names", "wire", "rcs", "bench"}},
}

// groupCommands puts root's commands into commandGroups; the others (version,
// help, completion) stay under "Additional Commands".
func groupCommands(root *cobra.Command) {
	for _, g := range commandGroups {
		root.AddGroup(&g.group)
		for _, c := range root.Commands() {
			if slices.Contains(g.commands, c.Name()) {
				c.GroupID = g.group.ID
			}
		}
	}
}

// addExitHelp appends the exit statuses to the help of every command under c.
func addExitHelp(c *cobra.Command) {
	for _, sub := range c.Commands() {
		if sub.Long == "" {
			sub.Long = sub.Short
		}
		sub.Long += "\n" + exitHelp
		addExitHelp(sub)
	}
}

// noSignalContext is the annotation of commands (with their subcommands)
// that never wait on their context. run gives them context.Background()
// instead of a context that SIGINT and SIGTERM cancel: Ctrl-C then ends them
// as it ends any program (a signal context would swallow it), and the
// process starts no signal-handling thread (a good part of a short
// command's start).
const noSignalContext = "netkit:no-signal-context"

// noSignals reports whether c or a command above it is marked
// noSignalContext.
func noSignals(c *cobra.Command) bool {
	for ; c != nil; c = c.Parent() {
		if c.Annotations[noSignalContext] != "" {
			return true
		}
	}
	return false
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:         "version",
		Short:       "Print netkit's version",
		Long:        "Print netkit's version and the Go toolchain it was built with.",
		Example:     "  netkit version",
		Args:        cobra.NoArgs,
		Annotations: map[string]string{noSignalContext: "yes"},
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "netkit %s (%s)\n", version, runtime.Version())
			return nil
		},
	}
}
