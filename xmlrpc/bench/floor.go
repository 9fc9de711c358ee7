package bench

import (
	"bytes"
	"fmt"
	"net"

	"github.com/netkit-go/netkit/serve"
)

// floorBody is the response body netkit's server sends for the deck's
// addtogether(1,2,3,4,5).
const floorBody = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><int>15</int></value>\n</param>\n</params>\n</methodResponse>\n"

// floorHead is the head of netkit's answer to it, with a fixed date.
const floorHead = "HTTP/1.1 200 OK\r\nServer: netkit-xmlrpc\r\nDate: Wed, 02 Dec 2026 01:55:59 GMT\r\n"

// floorKeep and floorClose are the whole answers, keeping the connection
// and closing it. They are constants, not built at package initialisation,
// which would run at every netkit start; 122 is len(floorBody), and
// TestFloorMatchesServer compares them with the real server's answers.
const (
	floorKeep  = floorHead + "Content-Type: text/xml\r\nContent-Length: 122\r\n\r\n" + floorBody
	floorClose = floorHead + "Connection: close\r\nContent-Type: text/xml\r\nContent-Length: 122\r\n\r\n" + floorBody
)

// FloorProtocol is the benchmark's floor: a serve.Protocol that frames
// HTTP requests as netkit's XML-RPC server does (head, then a body of
// Content-Length bytes) and answers every one with the same precomputed
// bytes netkit's server sends for addtogether(1,2,3,4,5), without parsing
// the head's other fields or the XML. Run on a serve engine, it costs what
// the engine and the kernel cost for one call; the difference to the real
// server is the server's own HTTP and XML-RPC work. A request with
// "Connection: close" is answered with that header and the connection is
// closed, as the real server does.
type FloorProtocol struct{}

// MaxRequest is the largest request FloorProtocol frames.
const MaxRequest = 64 << 10

// Split returns the length of the request at the start of buf, or 0 while
// it is incomplete.
func (FloorProtocol) Split(buf []byte) (int, error) {
	i := bytes.Index(buf, []byte("\r\n\r\n"))
	if i < 0 {
		if len(buf) > MaxRequest {
			return 0, fmt.Errorf("request head exceeds %d bytes", MaxRequest)
		}
		return 0, nil
	}
	cl := contentLength(buf[:i+4])
	if cl < 0 || cl > MaxRequest {
		return 0, fmt.Errorf("bad or missing Content-Length")
	}
	if len(buf) < i+4+cl {
		return 0, nil
	}
	return i + 4 + cl, nil
}

// NewSession returns the (stateless) session of a connection.
func (FloorProtocol) NewSession(net.Addr) serve.Session { return floorSession{} }

type floorSession struct{}

// Serve appends the fixed answer.
func (floorSession) Serve(req, out []byte) ([]byte, error) {
	i := bytes.Index(req, []byte("\r\n\r\n"))
	if bytes.Contains(req[:i], []byte("\r\nConnection: close")) {
		return append(out, floorClose...), serve.ErrClose
	}
	return append(out, floorKeep...), nil
}

// Close does nothing.
func (floorSession) Close(error) {}
