package upper

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/netkit-go/netkit/serve"
	"github.com/netkit-go/netkit/wire"
)

// echoProtocol is a test protocol framed by one of wire's splitters that
// echoes each request, as the services built on the foundation will frame
// theirs.
type echoProtocol struct {
	split func([]byte) (int, error)
}

func (p echoProtocol) Split(buf []byte) (int, error)      { return p.split(buf) }
func (p echoProtocol) NewSession(net.Addr) serve.Session  { return echoSession{} }
func (echoSession) Serve(req, out []byte) ([]byte, error) { return append(out, req...), nil }
func (echoSession) Close(error)                           {}

type echoSession struct{}

// logBuffer collects a server's log lines; safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestFramingBadInput runs block and delimiter framing under every
// in-process architecture: a block header announcing 4 GiB, a delimiter
// that never comes within the message limit, and one that never comes
// within the server's request limit each close that connection with a log
// line saying why, and the next client is served.
func TestFramingBadInput(t *testing.T) {
	block := echoProtocol{split: func(b []byte) (int, error) { return wire.SplitBlock(b, 1024) }}
	line := echoProtocol{split: func(b []byte) (int, error) { return wire.SplitDelimited(b, []byte("\n"), 64) }}
	longLine := echoProtocol{split: func(b []byte) (int, error) { return wire.SplitDelimited(b, []byte("\n"), 1<<20) }}
	cases := []struct {
		name  string
		proto serve.Protocol
		bad   []byte
		log   string // in the server's log
		good  []byte
	}{
		{"4 GiB block header", block, []byte{0xff, 0xff, 0xff, 0xff}, "block of 4294967295 bytes exceeds the maximum of 1024 bytes", append(wire.PutU32(2), "ok"...)},
		{"delimiter never comes", line, bytes.Repeat([]byte("x"), 200), "within the maximum message length of 64 bytes", []byte("ok\n")},
		{"request past the server's limit", longLine, bytes.Repeat([]byte("x"), 5000), "request exceeds the maximum of 4096 bytes", []byte("ok\n")},
	}
	for _, arch := range streamArchs(t) {
		for _, c := range cases {
			t.Run(string(arch)+"/"+c.name, func(t *testing.T) {
				var logs logBuffer
				addr := startStream(t, c.proto, serve.Config{Arch: arch, MaxRequest: 4096,
					Logger: slog.New(slog.NewTextHandler(&logs, nil))})

				// The bad client is cut off without an answer.
				bad := dial(t, addr)
				bad.Write(c.bad)
				if got, _ := io.ReadAll(bad); len(got) != 0 {
					t.Errorf("bad input answered with %q", got)
				}
				bad.Close()

				// The next client is served.
				good := dial(t, addr)
				good.Write(c.good)
				expect(t, good, string(c.good))
				good.Close()

				if !strings.Contains(logs.String(), c.log) || !strings.Contains(logs.String(), "level=ERROR") && !strings.Contains(logs.String(), "level=WARN") {
					t.Errorf("server log:\n%s", logs.String())
				}
			})
		}
	}
}
