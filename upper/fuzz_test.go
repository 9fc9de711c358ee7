package upper

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/netkit-go/netkit/dgram"
	"github.com/netkit-go/netkit/serve"
)

// FuzzStream feeds a TCP stream to the protocol in reads of a fuzzed size,
// as a server would: valid UTF-8 comes back exactly upper-cased whatever the
// cuts; anything else ends with an error line, never a panic.
func FuzzStream(f *testing.F) {
	for _, s := range []string{"hello", "straße été ﬁ", "ΐ 𐐨 日本", "ab\xffcd", "ok \xe6\x97", "\xf0\x90\x90", "\xc3"} {
		f.Add([]byte(s), uint8(1))
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, step uint8) {
		chunk := int(step%16) + 1
		p := Protocol{}
		sess := p.NewSession(nil)
		var buf, out []byte
		var err error
		for i := 0; i < len(data) && err == nil; i += chunk {
			buf = append(buf, data[i:min(i+chunk, len(data))]...)
			n, serr := p.Split(buf)
			if serr != nil {
				t.Fatalf("Split: %v", serr)
			}
			if n < 0 || n > len(buf) || len(buf)-n > utf8.UTFMax-1 {
				t.Fatalf("Split(%q) = %d", buf, n)
			}
			if n > 0 {
				out, err = sess.Serve(buf[:n], out)
				buf = buf[n:]
			}
		}
		if err == nil {
			out, err = sess.(serve.Flusher).Flush(buf, out)
		}
		sess.Close(err)
		if utf8.Valid(data) {
			want, _ := Upper(data)
			if err != nil || !bytes.Equal(out, want) {
				t.Fatalf("%q: got %q, %v; want %q", data, out, err, want)
			}
			return
		}
		if err == nil || !strings.Contains(string(out), "\n"+ErrorPrefix) && !strings.HasPrefix(string(out), ErrorPrefix) {
			t.Fatalf("%q: invalid UTF-8 gave %q, %v", data, out, err)
		}
	})
}

// FuzzDatagram checks that every datagram gets a reply that fits one
// datagram: its upper-case form, or an error reply.
func FuzzDatagram(f *testing.F) {
	for _, s := range []string{"hello", "straße", "ab\xffcd", "", "ΐΐΐΐ"} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, truncated bool) {
		h := &Handler{MaxDatagram: 64}
		if len(data) > 64 {
			data, truncated = data[:64], true
		}
		out, err := h.ServeDatagram(dgram.Datagram{Data: data, Truncated: truncated}, nil)
		if len(out) > dgram.MaxPayload {
			t.Fatalf("reply of %d bytes", len(out))
		}
		if _, isErr := IsErrorReply(out); isErr != (err != nil) {
			t.Fatalf("%q: reply %q with error %v", data, out, err)
		}
		if err == nil {
			if want, _ := Upper(data); !bytes.Equal(out, want) {
				t.Fatalf("%q: got %q, want %q", data, out, want)
			}
		}
	})
}
