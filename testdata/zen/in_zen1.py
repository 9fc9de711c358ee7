#!/usr/bin/env python3
# Foundations of Python Network Programming, Third Edition
# https://github.com/brandon-rhodes/fopnp/blob/m/py3/chapter07/in_zen1.py
# Single-shot server for an inetd "nowait" service: the connection is fd 0.
# Re-typed for netkit's interop tests; behaviour unchanged except that the
# log file may be named in ZEN_LOG (the book writes /tmp/zen.log).

import os, socket, sys, zen_utils

if __name__ == '__main__':
    sock = socket.socket(fileno=0)
    sys.stdin = open('/dev/null', 'r')
    sys.stdout = sys.stderr = open(os.environ.get('ZEN_LOG', '/tmp/zen.log'), 'a', buffering=1)
    address = sock.getpeername()
    print('Accepted connection from {}'.format(address))
    zen_utils.handle_conversation(sock, address)
