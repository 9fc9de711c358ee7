#!/usr/bin/env python3
"""The course deck's TCP client, with sendall and a read until the server
closes (the deck's single recv(2048) would stop at the first segment).

usage: tcp_client.py HOST PORT TEXT [CHUNK_DELAY]
With CHUNK_DELAY (seconds) the text is sent one byte at a time, so that
multi-byte characters are split across segments.
"""
import codecs
import sys
import time
from socket import *

serverName = sys.argv[1]
serverPort = int(sys.argv[2])
message = sys.argv[3].encode('utf-8')
clientSocket = socket(AF_INET, SOCK_STREAM)
clientSocket.connect((serverName, serverPort))
clientSocket.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)
if len(sys.argv) > 4:
    for i in range(len(message)):
        clientSocket.sendall(message[i:i + 1])
        time.sleep(float(sys.argv[4]))
else:
    clientSocket.sendall(message)
clientSocket.shutdown(SHUT_WR)
decoder = codecs.getincrementaldecoder('utf-8')()
modifiedMessage = ''
while True:
    data = clientSocket.recv(2048)
    if not data:
        break
    modifiedMessage += decoder.decode(data)
modifiedMessage += decoder.decode(b'', final=True)
print(modifiedMessage)
clientSocket.close()
