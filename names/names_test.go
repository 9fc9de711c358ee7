package names

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netkit-go/netkit/internal/testpeer"
)

// fake answers from maps, without a network.
type fake struct {
	hosts map[string][]string
	ptr   map[string][]string
}

func (f fake) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	addrs, ok := f.hosts[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []net.IPAddr
	for _, a := range addrs {
		out = append(out, net.IPAddr{IP: net.ParseIP(a)})
	}
	return out, nil
}

func (f fake) LookupAddr(_ context.Context, addr string) ([]string, error) {
	names, ok := f.ptr[addr]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: addr, IsNotFound: true}
	}
	return names, nil
}

func (f fake) LookupPort(ctx context.Context, network, service string) (int, error) {
	return net.DefaultResolver.LookupPort(ctx, network, service)
}

var deck = fake{
	hosts: map[string][]string{
		"lip6.fr":   {"132.227.104.15"},
		"both":      {"::1", "127.0.0.1"},
		"postetix4": {"132.227.84.244"},
		"plain":     {"10.0.0.1"},
	},
	ptr: map[string][]string{
		"132.227.104.15": {"ww.lip6.fr.", "15.104.227.132.in-addr.arpa."},
		"132.227.84.244": {"postetixeuil4", "postetixeuil4.rsr.lip6.fr."},
		"10.0.0.1":       {"plain", "alias"},
	},
}

func TestLookupAndReverse(t *testing.T) {
	ctx := context.Background()
	addrs, err := Lookup(ctx, deck, "both")
	if err != nil || len(addrs) != 2 || addrs[0].String() != "127.0.0.1" || addrs[1].String() != "::1" {
		t.Fatalf("Lookup(both) = %v, %v (want IPv4 first)", addrs, err)
	}
	names, err := Reverse(ctx, deck, netip.MustParseAddr("132.227.104.15"))
	if err != nil || names[0] != "ww.lip6.fr" {
		t.Fatalf("Reverse = %v, %v", names, err)
	}
	for _, h := range []string{"nonexistent.com", "nosuchhost.invalid", "x.INVALID."} {
		_, err := Lookup(ctx, deck, h)
		var nf *NotFoundError
		if !errors.As(err, &nf) || !strings.Contains(err.Error(), "this host does not seem to exist") {
			t.Errorf("Lookup(%s) = %v", h, err)
		}
	}
}

func TestFQDN(t *testing.T) {
	ctx := context.Background()
	for host, want := range map[string]string{
		"postetix4": "postetixeuil4.rsr.lip6.fr", // first name with a dot
		"plain":     "plain",                     // no dot: the primary name
		"lip6.fr":   "ww.lip6.fr",
		"nowhere":   "nowhere", // lookup fails: unchanged
	} {
		if got := FQDN(ctx, deck, host); got != want {
			t.Errorf("FQDN(%s) = %q, want %q", host, got, want)
		}
	}
}

func TestAddrInfos(t *testing.T) {
	ctx := context.Background()
	rows, err := AddrInfos(ctx, deck, "lip6.fr", "80")
	if err != nil || len(rows) != 3 {
		t.Fatalf("rows %v, %v", rows, err)
	}
	if got := rows[0].String(); got != "AF_INET  SOCK_STREAM 6  132.227.104.15:80" {
		t.Errorf("row %q", got)
	}
	if _, err := AddrInfos(ctx, deck, "lip6.fr", "no-such-service"); err == nil {
		t.Error("unknown service accepted")
	}
}

func TestLocalhost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addrs, err := Lookup(ctx, net.DefaultResolver, "localhost")
	if err != nil || !slices.Contains(addrs, netip.MustParseAddr("127.0.0.1")) {
		t.Fatalf("Lookup(localhost) = %v, %v", addrs, err)
	}
	names, err := Reverse(ctx, net.DefaultResolver, netip.MustParseAddr("127.0.0.1"))
	if err != nil || len(names) == 0 {
		t.Fatalf("Reverse(127.0.0.1) = %v, %v", names, err)
	}
	if h, err := Hostname(); err != nil || h == "" {
		t.Fatalf("Hostname = %q, %v", h, err)
	}
}

// TestAddrInfosMatchPython compares the rows with Python's
// socket.getaddrinfo (glibc) for localhost and literal addresses.
func TestAddrInfosMatchPython(t *testing.T) {
	py := testpeer.Python(t)
	for _, c := range []struct{ host, service string }{
		{"localhost", "http"},
		{"localhost", "domain"},
		{"localhost", ""},
		{"127.0.0.1", "80"},
		{"::1", ""},
		{"::1", "1234"},
	} {
		svc := "None"
		if c.service != "" {
			svc = "'" + c.service + "'"
		}
		script := `import socket
for f, t, p, _, a in socket.getaddrinfo('` + c.host + `', ` + svc + `):
    print(f.name, t.name, p, a[0], a[1])`
		out, err := exec.Command(py, "-c", script).Output()
		if err != nil {
			t.Fatalf("python3: %v", err)
		}
		want := strings.Split(strings.TrimSpace(string(out)), "\n")
		rows, err := AddrInfos(context.Background(), net.DefaultResolver, c.host, c.service)
		if err != nil {
			t.Fatalf("AddrInfos(%s, %s): %v", c.host, c.service, err)
		}
		var got []string
		for _, r := range rows {
			got = append(got, strings.Join([]string{r.Family.String(), r.SockType.String(), strconv.Itoa(r.Proto), r.Addr.Addr().String(), strconv.Itoa(int(r.Addr.Port()))}, " "))
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("getaddrinfo(%s, %s):\nnetkit %q\npython %q", c.host, c.service, got, want)
		}
	}
}
