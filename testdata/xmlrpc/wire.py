# Prints the exact bytes Python's xmlrpc.client writes for a call that
# carries every value type, for a fault response and for a result, so that
# netkit's encoder can be compared byte for byte. Sections are separated by
# a line "=====".
import sys, datetime
from xmlrpc.client import dumps, Fault, Binary

args = (
    0, -1, 2**31 - 1, -2**31, True, False,
    1.5, 0.1, 1.0, -0.0, 1e16, 123456789012345680.0, 1e300, 1e-300, 5e-324,
    0.0001, 0.00001, 10000000000.0, float("inf"), float("-inf"), float("nan"),
    "", "a<b&c>d", "q\"'q", "]]>", "\u00e9\u65e5\U0001F600", "a\tb\nc", "  x  ",
    b"\x00\x01\xffhello", b"", bytes(range(60)),
    datetime.datetime(2026, 1, 2, 3, 4, 5), datetime.datetime(99, 1, 2, 3, 4, 5),
    {"a": 1, "b<": "c"}, {}, [], [1, "a"],
    {"e": [], "k": [1, {"z": [True, 2.5]}]},
)
out = sys.stdout.buffer
out.write(dumps(args, "addtogether").encode())
out.write(b"=====\n")
out.write(dumps(Fault(1, "<class 'Exception'>:method \"nosuchmethod\" is not supported"), methodresponse=True).encode())
out.write(b"=====\n")
out.write(dumps(([0.0, 8.0],), methodresponse=True).encode())
out.write(b"=====\n")
out.write(dumps((None,), "addtogether", allow_none=True).encode())
