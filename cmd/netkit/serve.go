package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/netkit-go/netkit/serve"
	"github.com/spf13/cobra"
)

// A service is one of netkit's servers as `netkit serve` starts it.
type service struct {
	// name is what the user sees, for example "zen" or "upper/udp".
	name string
	// start begins serving and returns where it listens. The service stops
	// when ctx ends; done then receives nil, or earlier the error that
	// stopped it.
	start func(ctx context.Context, log *slog.Logger) (where string, done <-chan error, err error)
}

// services lists every service `netkit serve` starts, each on its default
// loopback address.
func services() []service {
	return []service{
		zenService(),
		upperUDPService(), upperTCPService(),
	}
}

// serveOptions are the flags of `netkit serve`.
type serveOptions struct {
	quiet bool
}

func newServeCommand() *cobra.Command {
	var opts serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run every netkit service on its default loopback port",
		Long: `Run every netkit service on its default loopback address, print one line
per service with where it listens, and stop them all cleanly on Ctrl-C
(SIGINT) or SIGTERM. Connection logs go to stderr.`,
		Example: `  netkit serve
  netkit serve --quiet    # no connection logs`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runServe(cmd.Context(), opts, cmd)
		},
	}
	cmd.Flags().BoolVarP(&opts.quiet, "quiet", "q", false, "do not log connections")
	return cmd
}

func runServe(ctx context.Context, opts serveOptions, cmd *cobra.Command) error {
	level := slog.LevelInfo
	if opts.quiet {
		level = slog.LevelError
	}
	log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type running struct {
		name string
		done <-chan error
	}
	var all []running
	for _, s := range services() {
		where, done, err := s.start(ctx, log.With("service", s.name))
		if err != nil {
			cancel()
			for _, r := range all {
				<-r.done
			}
			return fmt.Errorf("start %s: %w (is another netkit serve running?)", s.name, err)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%-12s %s\n", s.name, where)
		all = append(all, running{s.name, done})
	}
	if len(all) == 0 {
		return errors.New("no services are built into this netkit")
	}
	fmt.Fprintf(cmd.OutOrStdout(), "serving %d services; press Ctrl-C to stop\n", len(all))

	// Wait for a signal or for one service to fail, then stop the others.
	failed := make(chan error, len(all))
	for _, r := range all {
		go func() {
			if err := <-r.done; err != nil {
				failed <- fmt.Errorf("%s: %w", r.name, err)
				return
			}
			failed <- nil
		}()
	}
	var firstErr error
	select {
	case <-ctx.Done():
	case firstErr = <-failed:
	}
	cancel()
	stopped := 1
	if firstErr == nil {
		stopped = 0
	}
	timeout := time.After(10 * time.Second)
	for ; stopped < len(all); stopped++ {
		select {
		case err := <-failed:
			if firstErr == nil {
				firstErr = err
			}
		case <-timeout:
			fmt.Fprintln(os.Stderr, "netkit: services did not stop within 10s")
			return errors.New("shutdown timed out")
		}
	}
	if firstErr != nil {
		return firstErr
	}
	fmt.Fprintf(cmd.OutOrStdout(), "stopped %d services\n", len(all))
	return nil
}

// streamService is a stream protocol as `netkit serve` starts it: perconn
// on addr, stopped gracefully when the context ends.
func streamService(name string, proto serve.Protocol, addr string) service {
	return service{
		name: name,
		start: func(ctx context.Context, log *slog.Logger) (string, <-chan error, error) {
			srv, err := serve.New(proto, serve.Config{Arch: serve.PerConn, Addr: addr, Logger: log})
			if err != nil {
				return "", nil, err
			}
			if err := srv.Listen(); err != nil {
				return "", nil, err
			}
			done := make(chan error, 1)
			go func() { done <- serveUntilDone(ctx, srv) }()
			return "tcp " + srv.Addr().String(), done, nil
		},
	}
}
