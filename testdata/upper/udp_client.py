#!/usr/bin/env python3
"""The course deck's UDP client with the "UDP packet drops" back-off.

usage: udp_client.py HOST PORT TEXT
Prints the upper-case reply, or exits 1 with 'server seems down'.
"""
import socket
import sys
from socket import AF_INET, SOCK_DGRAM

serverName = sys.argv[1]
serverPort = int(sys.argv[2])
clientSocket = socket.socket(AF_INET, SOCK_DGRAM)
message = sys.argv[3].encode('utf-8')
delay = 0.1  # sec
tries = 0
while True:
    clientSocket.sendto(message, (serverName, serverPort))
    tries += 1
    clientSocket.settimeout(delay)
    try:
        modifiedMessage, serverAddress = clientSocket.recvfrom(65535)
    except socket.timeout:
        delay *= 2
        if delay > 2.0:
            print('server seems down after %d tries' % tries, file=sys.stderr)
            sys.exit(1)
    else:
        break
print(modifiedMessage.decode('utf-8'))
print('tries: %d' % tries, file=sys.stderr)
clientSocket.close()
