# Python's own xmlrpc.client against a netkit server (the URL is argv[1]):
# the deck's four calls, introspection, a multicall mixing results and
# faults, every value type, a gzip-encoded request and a 10 MB array.
# Prints one "ok NAME" line per check and exits 1 on the first mismatch.
import sys, datetime, gzip, http.client, urllib.parse
from xmlrpc.client import ServerProxy, MultiCall, Fault, Binary, DateTime, Transport

url = sys.argv[1]
failed = False

def check(name, got, want):
    global failed
    if got != want:
        print("FAIL %s: got %r, want %r" % (name, got, want))
        failed = True
    else:
        print("ok", name)

p = ServerProxy(url, allow_none=True, use_builtin_types=True)

# The deck's four calls; quadratic gives the true roots.
check("addtogether xyz", p.addtogether('x', 'y', 'z'), 'xyz')
check("addtogether 15", p.addtogether(1, 2, 3, 4, 5), 15)
check("quadratic 2,-4,0", p.quadratic(2, -4, 0), [0.0, 2.0])
check("quadratic 1,2,1", p.quadratic(1, 2, 1), [-1.0])

# Introspection.
methods = p.system.listMethods()
check("listMethods", [m for m in methods if m in ('addtogether', 'quadratic', 'system.multicall')], ['addtogether', 'quadratic', 'system.multicall'])
check("methodHelp", 'roots' in p.system.methodHelp('quadratic'), True)
check("methodSignature", p.system.methodSignature('quadratic'), [['array', 'double', 'double', 'double']])

# Faults.
try:
    p.nosuchmethod()
    check("unknown method", "no fault", "fault")
except Fault as f:
    check("unknown method", 'nosuchmethod' in f.faultString, True)
try:
    p.addtogether(1, 'x')
    check("mixed types", "no fault", "fault")
except Fault as f:
    check("mixed types", f.faultString, "unsupported operand type(s) for +: 'int' and 'string'")

# A multicall mixing results and faults.
mc = MultiCall(p)
mc.addtogether(1, 2)
mc.quadratic(0, 0, 1)
mc.nosuchmethod()
mc.addtogether('a', 'b')
res = mc()
check("multicall 0", res[0], 3)
try:
    res[1]
    check("multicall 1", "no fault", "fault")
except Fault as f:
    check("multicall 1 fault", f.faultCode, 1)
try:
    res[2]
    check("multicall 2", "no fault", "fault")
except Fault as f:
    check("multicall 2 fault", 'nosuchmethod' in f.faultString, True)
check("multicall 3", res[3], 'ab')

# Every value type, echoed through addtogether(v).
values = [
    ("int", 7), ("int min", -2**31), ("int max", 2**31 - 1), ("bool", True),
    ("double", 1.5), ("double 1e16", 1e16), ("double tiny", 5e-324),
    ("string <&>", "a<b&c>d"), ("string non-ASCII", "\u00e9\u65e5\U0001F600"),
("bytes", b"\x00\x01\xffhello"), ("bytes empty", b""),
    ("datetime", datetime.datetime(2026, 1, 2, 3, 4, 5)),
    ("None", None), ("empty list", []), ("empty struct", {}),
    ("nested", {"k": [1, {"z": [True, 2.5, None]}], "e": [], "s": "x"}),
]
for name, v in values:
    check("echo " + name, p.addtogether(v), v)
# 64-bit ints come back as <i8>.
check("i8 sum", p.addtogether(2**30, 2**30, 2**30, 2**30), 2**32)
# Python's client writes CR raw; the XML parser turns it into LF.
check("echo string CR", p.addtogether("a\rb"), "a\nb")

# A gzip-encoded request (and a gzip response, which is over 1400 bytes).
t = Transport(use_builtin_types=True)
t.encode_threshold = 0
pz = ServerProxy(url, transport=t, allow_none=True)
check("gzip request", pz.addtogether('x' * 3000, 'y'), 'x' * 3000 + 'y')

# A 10 MB array: 1,000,000 ints.
big = list(range(1000000))
r = p.addtogether(big, [1])
check("10 MB array", (len(r), r[0], r[-2], r[-1]), (1000001, 0, 999999, 1))

# Keep-alive: one proxy, several calls over one connection.
conn = http.client.HTTPConnection(urllib.parse.urlsplit(url).netloc)
body = b"<?xml version='1.0'?>\n<methodCall>\n<methodName>addtogether</methodName>\n<params>\n<param>\n<value><int>1</int></value>\n</param>\n</params>\n</methodCall>\n"
for i in range(3):
    conn.request("POST", urllib.parse.urlsplit(url).path or "/RPC2", body, {"Content-Type": "text/xml"})
    resp = conn.getresponse()
    data = resp.read()
    check("keep-alive call %d" % i, (resp.status, b"<int>1</int>" in data, resp.getheader("Connection")), (200, True, None))
conn.close()

sys.exit(1 if failed else 0)
