// Package wire holds the framing and encoding primitives of the course deck,
// each made safe against a peer that lies or stops in the middle:
//
//   - [ReadExact] is the deck's recvall: exactly n bytes, or an error that
//     says how many were missing when the stream ended ([ShortReadError]).
//   - Blocks ([ReadBlock], [WriteBlock], [BlockReader], [SplitBlock]) are a
//     4-byte big-endian (network order) length, then that many bytes. The
//     maximum block size is checked on the header, before anything is
//     allocated, so a header announcing 4 GiB costs nothing.
//   - Delimited messages ([DelimReader], [SplitDelimited]) end with a
//     delimiter and may not grow past a maximum length.
//   - Byte order helpers ([Pack], [Unpack]) follow Python's struct module for
//     the standard sizes: Pack("!i", 1234) is 00 00 04 d2.
//   - zlib streams (RFC 1950; [Compress], [Decompress], [NewDecompressor])
//     interoperate with Python's zlib.compress and zlib.decompressobj, and
//     decompression stops with a [DecompressLimitError] once the output
//     passes a limit, against compression bombs.
//
// Nothing in this package keeps a reader or writer open or starts a
// goroutine; every function is safe for concurrent use on distinct streams.
package wire
