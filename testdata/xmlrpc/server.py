# The course deck's XML-RPC server, with nil allowed, on a free loopback
# port. It prints "port N" once it listens. With --http11 it keeps
# connections alive (protocol_version HTTP/1.1), otherwise it answers
# HTTP/1.0 and closes after every call, as the deck's server does.
# With --deck it returns the deck's own quadratic roots ((-b±d)/2.0*a).
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

def echo(*things):
    return list(things)

def boom():
    raise ValueError("boom")

class Handler(SimpleXMLRPCRequestHandler):
    def log_message(self, *args):
        pass

if "--http11" in sys.argv:
    Handler.protocol_version = "HTTP/1.1"

server = SimpleXMLRPCServer(("127.0.0.1", 0), requestHandler=Handler, allow_none=True, logRequests=False)
server.register_introspection_functions()
server.register_multicall_functions()
server.register_function(addtogether)
server.register_function(quadratic)
server.register_function(echo)
server.register_function(boom)
print("port", server.server_address[1], flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    pass
