# The course deck's XML-RPC server on a free loopback port, for the
# benchmark. It prints "port N" once it listens. With --http11 the handler
# answers HTTP/1.1 and keeps connections alive; otherwise it is the deck's
# server as it is (HTTP/1.0, one call per connection). Without --log it logs
# nothing.
import sys
from operator import add
from math import sqrt
from functools import reduce
from xmlrpc.server import SimpleXMLRPCServer, SimpleXMLRPCRequestHandler

def addtogether(*things):
    return reduce(add, things)

def quadratic(a, b, c):
    b24ac = sqrt(b*b - 4.0*a*c)
    return list((set([(-b-b24ac)/2.0*a, (-b+b24ac)/2.0*a])))

class Handler(SimpleXMLRPCRequestHandler):
    pass

# --log keeps the deck's default: one log line per request on stderr.
log = "--log" in sys.argv
if not log:
    Handler.log_message = lambda self, *args: None

if "--http11" in sys.argv:
    Handler.protocol_version = "HTTP/1.1"

server = SimpleXMLRPCServer(("127.0.0.1", 0), requestHandler=Handler, logRequests=log)
server.register_introspection_functions()
server.register_multicall_functions()
server.register_function(addtogether)
server.register_function(quadratic)
print("port", server.server_address[1], flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    pass
