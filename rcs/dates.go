package rcs

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDate reads a date as GNU RCS's -d options do (its partime), in the
// forms people type: "2026/01/02 03:04:05", ISO "2026-01-02 03:04:05" or
// "2026-01-02T03:04:05Z", "Jan 2 2026 03:04", "2 Jan 2026" (a two-digit
// year, 26/01/02, is in the current century, as GNU takes it); the time may
// be "hh", "hh:mm", "hh:mm:ss" or have a fraction (ignored) and is
// midnight when left out. A zone may follow: "Z", "UTC", "GMT", "LT"
// (local time, from $TZ), "+09", "+0900", "+09:00", "-05:00" or a US zone
// name (EST, PDT...). Without one the date is UTC, as in GNU RCS.
func ParseDate(s string) (time.Time, error) {
	bad := func() (time.Time, error) { return time.Time{}, fmt.Errorf("unknown date/time: %s", s) }
	toks := dateTokens(s)
	var year, month, day = -1, -1, -1
	hour, minute, sec := 0, 0, 0
	loc := time.UTC
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case strings.Count(t, "/") == 2 || strings.Count(t, "-") == 2 && t[0] != '-':
			sep := "/"
			if strings.Contains(t, "-") {
				sep = "-"
			}
			p := strings.Split(t, sep)
			if year >= 0 || len(p[0]) != 4 && len(p[0]) != 2 || len(p[1]) != 2 || len(p[2]) != 2 {
				return bad()
			}
			year, month, day = atoiOr(p[0]), atoiOr(p[1]), atoiOr(p[2])
			if len(p[0]) == 2 && year >= 0 {
				year += time.Now().Year() / 100 * 100 // GNU: the current century
			}
		case strings.Contains(t, ":") && t[0] >= '0' && t[0] <= '9':
			if i := strings.IndexByte(t, '.'); i >= 0 {
				t = t[:i] // a fraction of a second
			}
			p := strings.Split(t, ":")
			if len(p) < 2 || len(p) > 3 {
				return bad()
			}
			for _, f := range p {
				if len(f) != 2 || !isDigits(f) {
					return bad()
				}
			}
			hour, minute = atoiOr(p[0]), atoiOr(p[1])
			if len(p) == 3 {
				sec = atoiOr(p[2])
			}
		case t[0] == '+' || t[0] == '-':
			off, ok := zoneOffset(t[1:])
			if !ok {
				return bad()
			}
			if t[0] == '-' {
				off = -off
			}
			loc = time.FixedZone(t, off)
		case monthOf(t) > 0:
			if month >= 0 {
				return bad()
			}
			month = monthOf(t)
		case isDigits(t):
			n := atoiOr(t)
			switch {
			case len(t) == 4 && year < 0:
				year = n
			case len(t) <= 2 && day < 0 && month >= 0 || len(t) <= 2 && day < 0 && i+1 < len(toks) && monthOf(toks[i+1]) > 0:
				day = n
			case len(t) <= 2 && year >= 0 && day >= 0:
				hour = n // "2026/01/04 12": an hour alone
			default:
				return bad()
			}
		default:
			z, ok := zoneNames[strings.ToUpper(t)]
			if !ok {
				return bad()
			}
			loc = z
			if strings.EqualFold(t, "LT") {
				loc = time.Local
			}
		}
	}
	if year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return bad()
	}
	d := time.Date(year, time.Month(month), day, hour, minute, sec, 0, loc)
	if d.Day() != day {
		return bad()
	}
	return d.UTC(), nil
}

// dateTokens splits a date into words: runs of digits and punctuation of
// one number, and letters; "T" between a date and a time is a space.
func dateTokens(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' }) {
		// 2026-01-02T03:04:05Z and 03:04:05+09: cut before T, Z and a
		// sign after a time.
		for f != "" {
			cut := len(f)
			for i := 1; i < len(f); i++ {
				c := f[i]
				if (c == 'T' || c == 'Z') && isDigit(f[i-1]) || (c == '+' || c == '-') && strings.Contains(f[:i], ":") {
					cut = i
					break
				}
			}
			tok := f[:cut]
			if tok != "T" {
				out = append(out, tok)
			}
			f = f[cut:]
			f = strings.TrimPrefix(f, "T")
		}
	}
	return out
}

// zoneNames are the zone names ParseDate knows.
var zoneNames = map[string]*time.Location{
	"Z": time.UTC, "UTC": time.UTC, "GMT": time.UTC, "UT": time.UTC, "LT": time.Local,
	"EST": time.FixedZone("EST", -5*3600), "EDT": time.FixedZone("EDT", -4*3600),
	"CST": time.FixedZone("CST", -6*3600), "CDT": time.FixedZone("CDT", -5*3600),
	"MST": time.FixedZone("MST", -7*3600), "MDT": time.FixedZone("MDT", -6*3600),
	"PST": time.FixedZone("PST", -8*3600), "PDT": time.FixedZone("PDT", -7*3600),
}

// zoneOffset reads hh, hhmm or hh:mm.
func zoneOffset(s string) (int, bool) {
	s = strings.Replace(s, ":", "", 1)
	if !isDigits(s) || (len(s) != 2 && len(s) != 4) {
		return 0, false
	}
	h, m := atoiOr(s[:2]), 0
	if len(s) == 4 {
		m = atoiOr(s[2:])
	}
	return h*3600 + m*60, h <= 24 && m < 60
}

func monthOf(s string) int {
	s = strings.ToLower(strings.TrimSuffix(s, "."))
	if len(s) < 3 {
		return 0
	}
	i := strings.Index("janfebmaraprmayjunjulaugsepoctnovdec", s[:3])
	if i < 0 || i%3 != 0 {
		return 0
	}
	return i/3 + 1
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// atoiOr converts digits; anything else gives -1.
func atoiOr(s string) int {
	if !isDigits(s) || len(s) > 9 {
		return -1
	}
	n, _ := strconv.Atoi(s)
	return n
}

// deltaTime is a delta's date as a time.
func deltaTime(d *Delta) time.Time {
	p := strings.Split(d.Date, ".")
	if len(p) != 6 {
		return time.Time{}
	}
	n := make([]int, 6)
	for i, s := range p {
		n[i] = atoiOr(s)
	}
	if len(p[0]) == 2 {
		n[0] += 1900
	}
	return time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], 0, time.UTC)
}

// ParseZone reads the zone of rlog's -z option: "LT" (local time, from
// $TZ), "UTC", "GMT", "Z", a US zone name, or an offset "+09", "+0930",
// "-05:00".
func ParseZone(s string) (*time.Location, error) {
	if z, ok := zoneNames[strings.ToUpper(s)]; ok {
		if strings.EqualFold(s, "LT") {
			return time.Local, nil
		}
		return z, nil
	}
	if len(s) > 1 && (s[0] == '+' || s[0] == '-') {
		if off, ok := zoneOffset(s[1:]); ok {
			if s[0] == '-' {
				off = -off
			}
			return time.FixedZone(s, off), nil
		}
	}
	return nil, fmt.Errorf("unknown time zone: %s", s)
}

// zoneDate formats a stored date as rlog -z does: ISO 8601 in zone loc,
// with the offset in hours ("+09") or hours and minutes ("+05:30").
func zoneDate(stored string, loc *time.Location) string {
	t := deltaTime(&Delta{Date: stored}).In(loc)
	_, off := t.Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	z := fmt.Sprintf("%s%02d", sign, off/3600)
	if m := off % 3600 / 60; m != 0 {
		z += fmt.Sprintf(":%02d", m)
	}
	return t.Format("2006-01-02 15:04:05") + z
}
