#!/usr/bin/env python3
"""The course deck's UDP server (also its broadcast server).

usage: udp_server.py [--reuse] HOST PORT
Binds HOST:PORT (port 0 picks one), prints 'server ready PORT', then answers
every datagram with its upper-case form. With --reuse it sets SO_REUSEADDR so
that several servers can share the port and each gets every broadcast.
"""
import sys
from socket import *

args = sys.argv[1:]
reuse = args[:1] == ['--reuse']
if reuse:
    args = args[1:]
serverSocket = socket(AF_INET, SOCK_DGRAM)
if reuse:
    serverSocket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
serverSocket.bind((args[0], int(args[1])))
print('server ready', serverSocket.getsockname()[1], flush=True)
while True:
    message, clientAddress = serverSocket.recvfrom(65535)
    modifiedMessage = message.decode('utf-8').upper()
    serverSocket.sendto(modifiedMessage.encode('utf-8'), clientAddress)
