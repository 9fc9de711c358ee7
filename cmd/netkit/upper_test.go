package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUpperServeEveryArch runs `netkit upper serve --arch A` for every
// architecture it offers and talks to it with `netkit upper send`, over
// TCP and UDP.
func TestUpperServeEveryArch(t *testing.T) {
	for _, arch := range upperArchs() {
		t.Run(arch, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			addrFile := filepath.Join(t.TempDir(), "addr")
			done := make(chan error, 1)
			go func() {
				done <- runUpperServe(ctx, upperServeOptions{
					addr: "127.0.0.1:0", arch: arch, maxDatagram: 65507, addrFile: addrFile,
				}, io.Discard)
			}()
			defer func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("serve: %v", err)
				}
			}()
			var addr string
			for deadline := time.Now().Add(10 * time.Second); addr == ""; time.Sleep(10 * time.Millisecond) {
				if b, err := os.ReadFile(addrFile); err == nil {
					addr = strings.TrimSpace(string(b))
				} else if time.Now().After(deadline) {
					t.Fatal("the server did not write its address")
				}
			}
			for _, udp := range []bool{false, true} {
				var stdout, stderr bytes.Buffer
				err := runUpperSend(context.Background(), upperSendOptions{udp: udp, timeout: 5 * time.Second}, addr, "straße ﬁ", &stdout, &stderr)
				if err != nil || stdout.String() != "STRASSE FI\n" {
					t.Errorf("send (udp %v): %q, %v; stderr %q", udp, stdout.String(), err, stderr.String())
				}
			}
		})
	}
}

func TestUpperAddr(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{in: "localhost", want: "localhost:1234"},
		{in: "localhost:99", want: "localhost:99"},
		{in: "127.0.0.1", want: "127.0.0.1:1234"},
		{in: "::1", want: "[::1]:1234"},
		{in: "[::1]", want: "[::1]:1234"},
		{in: "[::1]:5", want: "[::1]:5"},
		{in: ":99", err: "no host"},
		{in: "localhost:0", err: "not a number from 1 to 65535"},
		{in: "localhost:http", err: "not a number"},
		{in: "localhost:", err: "not a number"},
	} {
		got, err := upperAddr(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("upperAddr(%q) = %q, %v; want error %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("upperAddr(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}
