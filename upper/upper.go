package upper

import (
	"fmt"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
	"golang.org/x/text/transform"
)

// DefaultPort is the uppercase service's port, TCP and UDP.
const DefaultPort = 1234

// DefaultAddr is where the service listens by default: loopback only.
const DefaultAddr = "127.0.0.1:1234"

// ErrorPrefix starts every error reply. No upper-case text can start with
// it, so clients tell errors from answers by this prefix.
const ErrorPrefix = "error: "

// A Caser upper-cases text as Python's str.upper() does. The zero value is
// not ready; use NewCaser. A Caser is not safe for concurrent use.
type Caser struct {
	c cases.Caser
}

// NewCaser returns a Caser.
func NewCaser() *Caser {
	return &Caser{c: cases.Upper(language.Und)}
}

// Append appends the upper-case form of the valid UTF-8 text s to dst.
// It fails with an *InvalidUTF8Error if s is not valid UTF-8, having
// appended the upper-case form of the valid text before the bad byte.
func (c *Caser) Append(dst, s []byte) ([]byte, error) {
	valid := s
	var bad error
	if !utf8.Valid(s) {
		off := invalidOffset(s)
		valid, bad = s[:off], &InvalidUTF8Error{Offset: off}
	}
	out, _, err := transform.Append(c.c, dst, valid)
	if err != nil {
		return dst, fmt.Errorf("upper-case: %w", err)
	}
	return out, bad
}

// Upper returns the upper-case form of s, as Python's s.upper() does, or an
// *InvalidUTF8Error if s is not valid UTF-8.
func Upper(s []byte) ([]byte, error) {
	return NewCaser().Append(nil, s)
}

// UpperString is Upper for a string.
func UpperString(s string) (string, error) {
	b, err := Upper([]byte(s))
	return string(b), err
}

// InvalidUTF8Error reports the offset of the first byte that is not part of
// a valid UTF-8 character.
type InvalidUTF8Error struct {
	Offset int
}

func (e *InvalidUTF8Error) Error() string {
	return fmt.Sprintf("invalid UTF-8 at byte %d", e.Offset)
}

// invalidOffset returns the offset of the first invalid byte of s.
func invalidOffset(s []byte) int {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(s)
}

// incompleteTail returns how many bytes at the end of b are the start of a
// UTF-8 character that more bytes could complete (0 to 3).
func incompleteTail(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax+1; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return len(b) - i
			}
			return 0
		}
	}
	return 0
}
