package upper

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netkit-go/netkit/dgram"
	"github.com/netkit-go/netkit/internal/testpeer"
)

// The interop tests run the course deck's Python clients and servers
// (testdata/upper) against netkit's servers and clients.

func script(name string) string { return filepath.Join("..", "testdata", "upper", name) }

// runPy runs a Python peer to completion and returns its stdout and stderr.
func runPy(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	py := testpeer.Python(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// startPy starts a Python server, waits for its "server ready PORT" line
// and returns the port. The server is killed when the test ends.
func startPy(t *testing.T, args ...string) int {
	t.Helper()
	py := testpeer.Python(t)
	cmd := exec.Command(py, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Scan()
		line <- sc.Text()
	}()
	select {
	case l := <-line:
		f := strings.Fields(l)
		if len(f) != 3 || f[0] != "server" {
			t.Fatalf("python server said %q; stderr: %s", l, stderr.String())
		}
		port, err := strconv.Atoi(f[2])
		if err != nil {
			t.Fatal(err)
		}
		return port
	case <-time.After(10 * time.Second):
		t.Fatalf("python server did not start; stderr: %s", stderr.String())
	}
	return 0
}

const sample = "hello, straße été ﬁ ΐ 𐐨 日本"

func want(t *testing.T) string {
	s, err := UpperString(sample)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPythonUDPClientToNetkit(t *testing.T) {
	s := startServer(t, Config{})
	port := strconv.Itoa(s.UDPAddr().(*net.UDPAddr).Port)
	out, stderr, err := runPy(t, script("udp_client.py"), "127.0.0.1", port, sample)
	if err != nil || strings.TrimRight(out, "\n") != want(t) {
		t.Fatalf("python client: %q, %v; stderr %s", out, err, stderr)
	}
}

func TestPythonUDPClientRetriesAgainstDrops(t *testing.T) {
	t.Parallel()
	s := startServer(t, Config{Drop: 0.5, Seed: 3})
	port := strconv.Itoa(s.UDPAddr().(*net.UDPAddr).Port)
	retried := 0
	for range 6 {
		out, stderr, err := runPy(t, script("udp_client.py"), "127.0.0.1", port, "again")
		if err != nil || out != "AGAIN\n" {
			t.Fatalf("python client against drops: %q, %v; stderr %s", out, err, stderr)
		}
		if !strings.Contains(stderr, "tries: 1\n") {
			retried++
		}
	}
	if retried == 0 {
		t.Fatal("python client never retried: drops are not exercised")
	}
}

func TestPythonUDPClientNoServer(t *testing.T) {
	t.Parallel()
	_, stderr, err := runPy(t, script("udp_client.py"), "127.0.0.1", strings.Split(freeUDPPort(t), ":")[1], "x")
	if err == nil || !strings.Contains(stderr, "server seems down") {
		t.Fatalf("python client with no server: %v, %s", err, stderr)
	}
}

func TestNetkitUDPClientToPython(t *testing.T) {
	port := startPy(t, script("udp_server.py"), "127.0.0.1", "0")
	r, err := SendUDP(context.Background(), "127.0.0.1:"+strconv.Itoa(port), []byte(sample), dgram.Retry{})
	if err != nil || string(r.Data) != want(t) {
		t.Fatalf("netkit client: %q, %v", r.Data, err)
	}
}

func TestPythonTCPClientToNetkit(t *testing.T) {
	for _, arch := range streamArchs(t) {
		t.Run(string(arch), func(t *testing.T) {
			addr := startTCP(t, arch)
			port := strings.Split(addr, ":")[1]
			out, stderr, err := runPy(t, script("tcp_client.py"), "127.0.0.1", port, sample)
			if err != nil || strings.TrimRight(out, "\n") != want(t) {
				t.Fatalf("python client: %q, %v; stderr %s", out, err, stderr)
			}
			// One byte per segment: characters are split across reads.
			out, stderr, err = runPy(t, script("tcp_client.py"), "127.0.0.1", port, sample, "0.002")
			if err != nil || strings.TrimRight(out, "\n") != want(t) {
				t.Fatalf("python client, byte by byte: %q, %v; stderr %s", out, err, stderr)
			}
		})
	}
}

func TestNetkitTCPClientToPython(t *testing.T) {
	port := startPy(t, script("tcp_server.py"), "127.0.0.1", "0")
	got, err := SendTCP(context.Background(), "127.0.0.1:"+strconv.Itoa(port), []byte(sample), 10*time.Second)
	if err != nil || string(got) != want(t) {
		t.Fatalf("netkit client: %q, %v", got, err)
	}
}

// TestBroadcastMixed puts a netkit server and the deck's Python server on
// one port of 0.0.0.0; a broadcast to 127.255.255.255 reaches both, from
// netkit's client and from the deck's broadcast client.
func TestBroadcastMixed(t *testing.T) {
	t.Parallel()
	a := startServer(t, Config{Addr: "0.0.0.0:0", Reuse: true})
	port := a.UDPAddr().(*net.UDPAddr).Port
	startPy(t, script("udp_server.py"), "--reuse", "", strconv.Itoa(port))

	replies, err := Discover(context.Background(), "127.255.255.255:"+strconv.Itoa(port), []byte("ping"), time.Second, nil)
	if err != nil || len(replies) != 2 {
		t.Fatalf("netkit broadcast: %d replies, %v", len(replies), err)
	}
	out, stderr, err := runPy(t, script("broadcast_client.py"), "127.255.255.255", strconv.Itoa(port), "ping", "1")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	sort.Strings(lines)
	wantLine := "127.0.0.1:" + strconv.Itoa(port) + " PING"
	if err != nil || len(lines) != 2 || lines[0] != wantLine || lines[1] != wantLine {
		t.Fatalf("python broadcast client: %q, %v; stderr %s", out, err, stderr)
	}
}
