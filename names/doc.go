// Package names answers the course deck's name questions: this host's name
// and fully qualified name, the IPv4 and IPv6 addresses of a host, the names
// of an address, and getaddrinfo-style rows (family, socket type, protocol,
// address) for a host and a service.
//
// Every lookup goes through a [Resolver], which *net.Resolver satisfies, so
// that tests can answer without a network. A name that does not exist gives
// a *[NotFoundError] ("this host does not seem to exist"), as the deck's
// gaierror example prints. Names under the special-use domain "invalid."
// (RFC 6761) never exist and are answered without asking DNS.
package names
