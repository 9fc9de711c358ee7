package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/netkit-go/netkit/names"
)

// namesOptions are the flags of `netkit names`.
type namesOptions struct {
	timeout time.Duration
}

// AddFlags registers the options on fs.
func (o *namesOptions) AddFlags(fs *pflag.FlagSet) {
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "limit for all the lookups together")
}

func newNamesCommand() *cobra.Command {
	var opts namesOptions
	cmd := &cobra.Command{
		Use:   "names [HOST [SERVICE]]",
		Short: "Show this host's names, and look up a host and a service",
		Long: `Answer the course deck's name questions, one per line as "key value":

  hostname   this host's name (Python's gethostname())
  fqdn       its fully qualified name (Python's getfqdn())

With HOST, also every address of HOST, IPv4 first then IPv6 (a literal
address stands for itself), and the names of each address:

  address    ADDRESS
  name       ADDRESS NAME...     (Python's gethostbyaddr(); "-" for none)

With SERVICE (a name from /etc/services or a port number), also the
getaddrinfo rows for HOST and SERVICE, as Python's getaddrinfo(HOST, SERVICE):

  addrinfo   FAMILY SOCKTYPE PROTO ADDRESS:PORT

A host or service that does not exist is reported on stderr ("this host does
not seem to exist") with exit status 2.`,
		Example: `  netkit names
  netkit names localhost
  netkit names 127.0.0.1
  netkit names localhost http
  netkit names ::1 1234`,
		Args: usageArgs(cobra.MaximumNArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runNames(cmd.Context(), opts, args, cmd.OutOrStdout())
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runNames(ctx context.Context, opts namesOptions, args []string, stdout io.Writer) error {
	if opts.timeout <= 0 {
		return withExit(exitUsage, fmt.Errorf("--timeout %v: must be positive", opts.timeout))
	}
	ctx, cancel := context.WithTimeout(ctx, opts.timeout)
	defer cancel()
	r := net.DefaultResolver

	host, err := names.Hostname()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-10s %s\n", "hostname", host)
	fmt.Fprintf(stdout, "%-10s %s\n", "fqdn", names.FQDN(ctx, r, ""))
	if len(args) == 0 {
		return nil
	}

	addrs, err := names.Lookup(ctx, r, args[0])
	if err != nil {
		return lookupError(err)
	}
	for _, a := range addrs {
		fmt.Fprintf(stdout, "%-10s %s\n", "address", a)
	}
	for _, a := range addrs {
		found, err := names.Reverse(ctx, r, a)
		var nf *names.NotFoundError
		switch {
		case errors.As(err, &nf):
			found = []string{"-"}
		case err != nil:
			return err
		}
		fmt.Fprintf(stdout, "%-10s %s %s\n", "name", a, strings.Join(found, " "))
	}
	if len(args) < 2 {
		return nil
	}

	rows, err := names.AddrInfos(ctx, r, args[0], args[1])
	if err != nil {
		return lookupError(err)
	}
	for _, row := range rows {
		fmt.Fprintf(stdout, "%-10s %s\n", "addrinfo", row)
	}
	return nil
}

// lookupError gives a host or service that does not exist exit status 2,
// with the deck's message for a host.
func lookupError(err error) error {
	var nf *names.NotFoundError
	var us *names.UnknownServiceError
	var dns *net.DNSError
	switch {
	case errors.As(err, &nf) || errors.As(err, &us):
		return withExit(exitUsage, err)
	case errors.As(err, &dns) && dns.IsNotFound:
		return withExit(exitUsage, &names.NotFoundError{Host: dns.Name, Err: err})
	}
	return err
}
