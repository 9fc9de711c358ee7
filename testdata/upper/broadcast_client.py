#!/usr/bin/env python3
"""The course deck's UDP broadcast client, collecting every reply until a
timeout (the deck's version reads only the first).

usage: broadcast_client.py BROADCAST_ADDR PORT TEXT TIMEOUT
Prints 'SENDER_IP:PORT REPLY' per reply.
"""

import sys
import time
from socket import *

broadcastAddr = sys.argv[1]
serverPort = int(sys.argv[2])
clientSocket = socket(AF_INET, SOCK_DGRAM)
clientSocket.setsockopt(SOL_SOCKET, SO_BROADCAST, 1)
message = sys.argv[3].encode('utf-8')
clientSocket.sendto(message, (broadcastAddr, serverPort))
end = time.monotonic() + float(sys.argv[4])
while True:
    left = end - time.monotonic()
    if left <= 0:
        break
    clientSocket.settimeout(left)
    try:
        modifiedMessage, serverAddress = clientSocket.recvfrom(65535)
    except timeout:
        break
    print('%s:%d %s' % (serverAddress[0], serverAddress[1], modifiedMessage.decode('utf-8')), flush=True)
clientSocket.close()
