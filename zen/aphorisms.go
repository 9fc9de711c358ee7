package zen

// DefaultPort is the TCP port of the Zen service.
const DefaultPort = 1060

// An Aphorism is one question of the service and its answer, both as sent
// on the wire: the question ends in '?' and the answer in '.'.
type Aphorism struct {
	Question string
	Answer   string
}

// unknownAnswer is the answer to a question the service does not know.
var unknownAnswer = []byte("Error: unknown aphorism.")

// UnknownAnswer is the answer to any question the service does not know.
const UnknownAnswer = "Error: unknown aphorism."

// book is the table of the book's zen_utils.py, in its order.
var book = []Aphorism{
	{"Beautiful is better than?", "Ugly."},
	{"Explicit is better than?", "Implicit."},
	{"Simple is better than?", "Complex."},
}

// more are the other "X is better than Y." lines of the Zen of Python.
var more = []Aphorism{
	{"Complex is better than?", "Complicated."},
	{"Flat is better than?", "Nested."},
	{"Sparse is better than?", "Dense."},
	{"Now is better than?", "Never."},
}

// answers maps each known question to its answer, as constant byte slices
// that Serve appends without allocating.
var answers = func() map[string][]byte {
	m := make(map[string][]byte, len(book)+len(more))
	for _, a := range append(append([]Aphorism(nil), book...), more...) {
		m[a.Question] = []byte(a.Answer)
	}
	return m
}()

// Book returns the three aphorisms of the book's zen_utils.py, in its
// order: the ones its client asks.
func Book() []Aphorism {
	return append([]Aphorism(nil), book...)
}

// All returns every aphorism the service knows: the book's three first.
func All() []Aphorism {
	return append(Book(), more...)
}

// Answer returns the answer to question (a complete request, including its
// '?'), or UnknownAnswer. The result is shared and must not be modified.
// Answer does not allocate.
func Answer(question []byte) []byte {
	a, _ := lookup(question)
	return a
}

// lookup returns the answer to question and whether the question is known.
func lookup(question []byte) ([]byte, bool) {
	if a, ok := answers[string(question)]; ok {
		return a, true
	}
	return unknownAnswer, false
}
