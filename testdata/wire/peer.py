#!/usr/bin/env python3
"""Python peer for netkit's wire interop tests, after the course deck's
recvall, put_block/get_block, struct and zlib examples.

usage: peer.py compress | decompress | blocks | pack FORMAT VALUE... | unpack FORMAT HEX
  compress    zlib.compress(stdin) to stdout
  decompress  zlib.decompressobj().decompress(stdin) to stdout
  blocks      read length-prefixed blocks from stdin, write each back reversed
  pack        print struct.pack(FORMAT, *VALUES) in hex
  unpack      print struct.unpack(FORMAT, bytes.fromhex(HEX)) values, space separated
"""
import sys
import zlib
from struct import Struct, pack, unpack

header_struct = Struct('!I')


def recvall(f, length):
    blocks = []
    while length:
        block = f.read(length)
        if not block:
            raise EOFError('stream closed with {} bytes left in this block'.format(length))
        length -= len(block)
        blocks.append(block)
    return b''.join(blocks)


def get_block(f):
    data = recvall(f, header_struct.size)
    (block_length,) = header_struct.unpack(data)
    return recvall(f, block_length)


def put_block(f, message):
    f.write(header_struct.pack(len(message)))
    f.write(message)
    f.flush()


def main():
    cmd = sys.argv[1]
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    if cmd == 'compress':
        stdout.write(zlib.compress(stdin.read()))
    elif cmd == 'decompress':
        d = zlib.decompressobj()
        stdout.write(d.decompress(stdin.read()))
        stdout.write(d.flush())
    elif cmd == 'blocks':
        while True:
            try:
                block = get_block(stdin)
            except EOFError as e:
                if str(e).startswith('stream closed with 4 bytes'):
                    return  # clean end between blocks
                raise
            put_block(stdout, block[::-1])
    elif cmd == 'pack':
        print(pack(sys.argv[2], *[int(v) for v in sys.argv[3:]]).hex())
    elif cmd == 'unpack':
        print(' '.join(str(v) for v in unpack(sys.argv[2], bytes.fromhex(sys.argv[3]))))
    else:
        sys.exit('unknown command ' + cmd)


if __name__ == '__main__':
    main()
