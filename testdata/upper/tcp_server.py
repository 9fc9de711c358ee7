#!/usr/bin/env python3
"""The course deck's sequential TCP server (handle_client), with two fixes:
it stops reading when the client closes, and it decodes the stream with an
incremental decoder, so that a character split across two recv calls is
upper-cased whole.

usage: tcp_server.py HOST PORT
Prints 'server ready PORT' once listening (port 0 picks one).
"""
import codecs
import sys
from socket import *


def handle_client(clientSocket):
    decoder = codecs.getincrementaldecoder('utf-8')()
    while True:
        received = clientSocket.recv(4096)
        if not received:
            clientSocket.close()
            return
        to_send = decoder.decode(received).upper().encode('utf-8')
        clientSocket.sendall(to_send)


serverSocket = socket(AF_INET, SOCK_STREAM)
serverSocket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
serverSocket.bind((sys.argv[1], int(sys.argv[2])))
serverSocket.listen(1)
print('server ready', serverSocket.getsockname()[1], flush=True)
while True:
    connectionSocket, address = serverSocket.accept()
    handle_client(connectionSocket)
