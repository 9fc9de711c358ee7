#!/usr/bin/env python3
# Foundations of Python Network Programming, Third Edition
# https://github.com/brandon-rhodes/fopnp/blob/m/py3/chapter07/in_zen2.py
# Server for an inetd "wait" service: the listening socket is fd 0; exit
# after 8 seconds without a new connection.
# Re-typed for netkit's interop tests; behaviour unchanged except that the
# log file may be named in ZEN_LOG (the book writes /tmp/zen.log).

import os, socket, sys, zen_utils

if __name__ == '__main__':
    listener = socket.socket(fileno=0)
    sys.stdin = open('/dev/null', 'r')
    sys.stdout = sys.stderr = open(os.environ.get('ZEN_LOG', '/tmp/zen.log'), 'a', buffering=1)
    listener.settimeout(8.0)
    try:
        zen_utils.accept_connections_forever(listener)
    except socket.timeout:
        print('Waited 8 seconds with no further connections; shutting down')
