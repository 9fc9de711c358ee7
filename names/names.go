package names

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
)

// A Resolver looks names up; *net.Resolver (and net.DefaultResolver)
// satisfies it.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
	LookupPort(ctx context.Context, network, service string) (int, error)
}

// NotFoundError reports a host name that does not exist.
type NotFoundError struct {
	Host string
	Err  error // the resolver's error, if any
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s: this host does not seem to exist", e.Host)
}

func (e *NotFoundError) Unwrap() error { return e.Err }

// UnknownServiceError reports a service name that is neither a port number
// nor known to the resolver (on Linux, listed in /etc/services).
type UnknownServiceError struct {
	Service string
}

func (e *UnknownServiceError) Error() string {
	return fmt.Sprintf("service %q is not known (see /etc/services, or give a port number)", e.Service)
}

// Hostname returns this host's name, as Python's gethostname().
func Hostname() (string, error) {
	h, err := os.Hostname()
	if err != nil {
		return "", fmt.Errorf("hostname: %w", err)
	}
	return h, nil
}

// FQDN returns the fully qualified name of host (this host's name when host
// is empty), as Python's getfqdn() finds it: look the name up, take the
// names of its first address, and return the first that contains a dot, or
// else the address's primary name. When a lookup fails it returns host
// unchanged.
func FQDN(ctx context.Context, r Resolver, host string) string {
	if host == "" || host == "0.0.0.0" {
		h, err := Hostname()
		if err != nil {
			return host
		}
		host = h
	}
	addrs, err := Lookup(ctx, r, host)
	if err != nil || len(addrs) == 0 {
		return host
	}
	names, err := Reverse(ctx, r, addrs[0])
	if err != nil || len(names) == 0 {
		return host
	}
	for _, n := range names {
		if strings.Contains(n, ".") {
			return n
		}
	}
	return names[0]
}

// isInvalid reports whether host is under the special-use domain
// "invalid." that RFC 6761 reserves for names that never exist.
func isInvalid(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h == "invalid" || strings.HasSuffix(h, ".invalid")
}

// Lookup returns the addresses of host, IPv4 first then IPv6, each group in
// the resolver's order. A literal address is returned as it is. A name that
// does not exist gives a *NotFoundError.
func Lookup(ctx context.Context, r Resolver, host string) ([]netip.Addr, error) {
	if host == "" {
		return nil, errors.New("look up: empty host name")
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	if isInvalid(host) {
		return nil, &NotFoundError{Host: host}
	}
	ips, err := r.LookupIPAddr(ctx, host)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return nil, &NotFoundError{Host: host, Err: err}
		}
		return nil, fmt.Errorf("look up %s: %w", host, err)
	}
	var v4, v6 []netip.Addr
	for _, ip := range ips {
		a, ok := netip.AddrFromSlice(ip.IP)
		if !ok {
			continue
		}
		if a.Unmap().Is4() {
			v4 = append(v4, a.Unmap())
		} else {
			v6 = append(v6, a)
		}
	}
	if len(v4)+len(v6) == 0 {
		return nil, &NotFoundError{Host: host}
	}
	return append(v4, v6...), nil
}

// Reverse returns the names of addr (the first is its primary name), as
// Python's gethostbyaddr. An address without names gives a *NotFoundError.
func Reverse(ctx context.Context, r Resolver, addr netip.Addr) ([]string, error) {
	names, err := r.LookupAddr(ctx, addr.String())
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return nil, &NotFoundError{Host: addr.String(), Err: err}
		}
		return nil, fmt.Errorf("reverse look up %s: %w", addr, err)
	}
	if len(names) == 0 {
		return nil, &NotFoundError{Host: addr.String()}
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, strings.TrimSuffix(n, "."))
	}
	return slices.Compact(out), nil
}

// Family is an address family.
type Family int

// The address families, with Linux's numbers.
const (
	INET  Family = 2
	INET6 Family = 10
)

func (f Family) String() string {
	switch f {
	case INET:
		return "AF_INET"
	case INET6:
		return "AF_INET6"
	}
	return "AF_" + strconv.Itoa(int(f))
}

// SockType is a socket type.
type SockType int

// The socket types getaddrinfo returns, with Linux's numbers.
const (
	Stream SockType = 1
	Dgram  SockType = 2
	Raw    SockType = 3
)

func (s SockType) String() string {
	switch s {
	case Stream:
		return "SOCK_STREAM"
	case Dgram:
		return "SOCK_DGRAM"
	case Raw:
		return "SOCK_RAW"
	}
	return "SOCK_" + strconv.Itoa(int(s))
}

// Protocol numbers of the rows.
const (
	ProtoTCP = 6
	ProtoUDP = 17
)

// An AddrInfo is one getaddrinfo row: how to open a socket to one address.
type AddrInfo struct {
	Family   Family
	SockType SockType
	Proto    int
	Addr     netip.AddrPort
}

func (a AddrInfo) String() string {
	return fmt.Sprintf("%-8s %-11s %-2d %s", a.Family, a.SockType, a.Proto, a.Addr)
}

// AddrInfos returns the getaddrinfo rows for host and service, as glibc's
// getaddrinfo (and Python's socket.getaddrinfo) with no hints: for every
// address of host, a SOCK_STREAM/tcp and a SOCK_DGRAM/udp row for each
// protocol the service is defined for. A numeric or empty service (port 0)
// is defined for both, and then also gets a SOCK_RAW row.
func AddrInfos(ctx context.Context, r Resolver, host, service string) ([]AddrInfo, error) {
	addrs, err := Lookup(ctx, r, host)
	if err != nil {
		return nil, err
	}
	type kind struct {
		st    SockType
		proto int
		port  int
	}
	var kinds []kind
	if n, err := strconv.ParseUint(service, 10, 16); err == nil || service == "" {
		p := int(n)
		kinds = []kind{{Stream, ProtoTCP, p}, {Dgram, ProtoUDP, p}, {Raw, 0, p}}
	} else {
		if p, err := r.LookupPort(ctx, "tcp", service); err == nil {
			kinds = append(kinds, kind{Stream, ProtoTCP, p})
		}
		if p, err := r.LookupPort(ctx, "udp", service); err == nil {
			kinds = append(kinds, kind{Dgram, ProtoUDP, p})
		}
		if len(kinds) == 0 {
			return nil, &UnknownServiceError{Service: service}
		}
	}
	var out []AddrInfo
	for _, a := range addrs {
		fam := INET
		if !a.Is4() {
			fam = INET6
		}
		for _, k := range kinds {
			out = append(out, AddrInfo{Family: fam, SockType: k.st, Proto: k.proto, Addr: netip.AddrPortFrom(a, uint16(k.port))})
		}
	}
	return out, nil
}
