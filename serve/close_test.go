package serve

import (
	"bufio"
	"io"
	"strings"
	"testing"
)

// TestErrCloseEndsNormally checks, under every in-process architecture,
// that a session returning ErrClose gets its answer sent, the connection
// closed, and the end reported as clean to the session and in the log.
func TestErrCloseEndsNormally(t *testing.T) {
	for _, arch := range []Arch{Single, Pool, PerConn, Poll, Reactor} {
		t.Run(string(arch), func(t *testing.T) {
			p := newBigProto()
			ls := startLoop(t, p, Config{Arch: arch})
			c := ls.dial(t)
			io.WriteString(c, "hello\nclose\nnever answered\n")
			r := bufio.NewReader(c)
			readLine(t, r, "ok:hello\n")
			readLine(t, r, "bye\n")
			if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
				t.Fatalf("after the closing answer: %q, %v; want EOF", rest, err)
			}
			if err := p.nextClose(t); err != nil {
				t.Errorf("Session.Close got %v, want nil", err)
			}
			ls.waitLog(t, "closed normally")
			if strings.Contains(ls.log.String(), "level=ERROR") {
				t.Errorf("log reports an error:\n%s", ls.log.String())
			}
		})
	}
}
