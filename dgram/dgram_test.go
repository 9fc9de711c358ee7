package dgram

import (
	"context"
	"errors"
	"net"
	"reflect"
	"testing"
	"time"
)

func TestRetryDelays(t *testing.T) {
	ms := time.Millisecond
	if got, want := (Retry{}).Delays(), []time.Duration{100 * ms, 200 * ms, 400 * ms, 800 * ms, 1600 * ms}; !reflect.DeepEqual(got, want) {
		t.Errorf("default delays %v, want %v", got, want)
	}
	if got := (Retry{Initial: 50 * ms, Max: 200 * ms}).Delays(); len(got) != 3 {
		t.Errorf("delays %v", got)
	}
}

func TestNewServerChecks(t *testing.T) {
	h := HandlerFunc(func(d Datagram, out []byte) ([]byte, error) { return out, nil })
	if _, err := NewServer(h, Config{Drop: 1.5}); err == nil {
		t.Error("drop 1.5 accepted")
	}
	if _, err := NewServer(h, Config{MaxDatagram: 70000}); err == nil {
		t.Error("max datagram 70000 accepted")
	}
}

func start(t *testing.T, h Handler, cfg Config) net.Addr {
	t.Helper()
	s, err := NewServer(h, cfg)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := Listen(context.Background(), "127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(pc) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve = %v", err)
		}
	})
	return pc.LocalAddr()
}

func TestServerSurvivesPanic(t *testing.T) {
	addr := start(t, HandlerFunc(func(d Datagram, out []byte) ([]byte, error) {
		if string(d.Data) == "boom" {
			panic("boom")
		}
		return append(out, d.Data...), nil
	}), Config{})
	// The panicking request gets an empty reply; the next one is served.
	if r, err := Exchange(context.Background(), addr.String(), []byte("boom"), Retry{}, 0); err != nil || len(r.Data) != 0 {
		t.Fatalf("boom: %q, %v", r.Data, err)
	}
	if r, err := Exchange(context.Background(), addr.String(), []byte("echo"), Retry{}, 0); err != nil || string(r.Data) != "echo" {
		t.Fatalf("echo: %q, %v", r.Data, err)
	}
}

func TestExchangeCancel(t *testing.T) {
	pc, _ := net.ListenPacket("udp", "127.0.0.1:0") // never answers
	defer pc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	_, err := Exchange(ctx, pc.LocalAddr().String(), []byte("x"), Retry{}, 0)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestBroadcastNoReply(t *testing.T) {
	pc, _ := net.ListenPacket("udp", "127.0.0.1:0")
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()
	replies, err := Broadcast(context.Background(), (&net.UDPAddr{IP: net.IPv4(127, 255, 255, 255), Port: port}).String(), []byte("x"), 100*time.Millisecond, nil)
	if err != nil || len(replies) != 0 {
		t.Fatalf("%v, %v", replies, err)
	}
}
