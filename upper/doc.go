// Package upper is the course deck's uppercase service, over UDP and TCP on
// the same port (1234 by default).
//
// Text is upper-cased exactly as Python's str.upper() does it: the full
// Unicode case mapping, where one character may become several ("straße" ->
// "STRASSE", "ﬁ" -> "FI", U+0390 "ΐ" -> U+0399 U+0308 U+0301). [Upper] and [AppendUpper] do it with
// golang.org/x/text/cases; the tests compare every Unicode code point with
// python3.
//
// Over UDP ([Handler], run by package dgram) each datagram is answered with
// its upper-case form. A datagram that is not UTF-8, is longer than the
// server's maximum, or whose upper-case form would not fit one datagram is
// answered with an error datagram: text that starts with "error: ", which no
// upper-case reply can start with since "e" always upper-cases to "E".
//
// Over TCP ([Protocol], run by package serve under any architecture) the
// stream is upper-cased as it arrives and sent back on the connection until
// the client closes. Split cuts the stream only at character boundaries, so
// a character split across two reads is carried over and upper-cased whole.
// A stream that ends inside a character is answered with an error line, as
// is invalid UTF-8, after which the server closes the connection.
package upper
