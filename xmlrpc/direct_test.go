package xmlrpc

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// Named function types, which direct does not know: Register calls them
// by reflection.
type (
	intInt      func(int, int) int
	floatFloat  func(float64, float64) (float64, error)
	threeFloats func(float64, float64, float64) ([]float64, error)
	oneString   func(string) string
	manyInts    func(...int) int
	manyFloats  func(...float64) float64
)

// TestDirectMatchesReflection checks that the functions Register calls
// without reflection answer every call, fitting or not, with the bytes the
// reflective path sends.
func TestDirectMatchesReflection(t *testing.T) {
	sum := func(xs ...int) int {
		n := 0
		for _, x := range xs {
			n += x
		}
		return n
	}
	fsum := func(xs ...float64) float64 {
		n := 0.0
		for _, x := range xs {
			n += x
		}
		return n
	}
	div := func(a, b float64) (float64, error) {
		if b == 0 {
			return 0, errors.New("division by zero")
		}
		return a / b, nil
	}
	roots := func(a, b, c float64) ([]float64, error) {
		if a == 0 {
			return nil, &Fault{Code: 7, String: "not quadratic"}
		}
		if b == 0 {
			return nil, nil
		}
		return []float64{-c / b, a}, nil
	}
	fns := map[string][2]any{
		"sub":   {func(a, b int) int { return a - b }, intInt(func(a, b int) int { return a - b })},
		"div":   {div, floatFloat(div)},
		"roots": {roots, threeFloats(roots)},
		"upper": {strings.ToUpper, oneString(strings.ToUpper)},
		"sum":   {sum, manyInts(sum)},
		"fsum":  {fsum, manyFloats(fsum)},
	}
	s := NewServer(ServerOptions{AllowNil: true})
	for name, f := range fns {
		if direct(f[0]) == nil || direct(f[1]) != nil {
			t.Fatalf("%s: direct does not tell the plain type from the named one", name)
		}
		if err := s.Register(name, f[0], ""); err != nil {
			t.Fatal(err)
		}
		if err := s.Register(name+".reflect", f[1], ""); err != nil {
			t.Fatal(err)
		}
	}
	argLists := [][]any{
		nil, {}, {1}, {1, 2}, {1, 2, 3}, {1.5, 2.5}, {1.5, 0.0}, {1, 2.5}, {1.0, 0.0, 3.0}, {2.0, 4.0, 6.0},
		{0.0, 1.0, 1.0}, {"abc"}, {"abc", "d"}, {nil}, {true}, {[]any{1}}, {1 << 40, 1}, {2.5, "x"},
	}
	for name := range fns {
		for _, args := range argLists {
			body, err := AppendCall(nil, name, args, EncodeOptions{AllowNil: true, AllowI8: true})
			if err != nil {
				t.Fatal(err)
			}
			got := string(s.Dispatch(context.Background(), body, nil))
			body, _ = AppendCall(nil, name+".reflect", args, EncodeOptions{AllowNil: true, AllowI8: true})
			want := string(s.Dispatch(context.Background(), body, nil))
			want = strings.ReplaceAll(want, name+".reflect", name) // the name in faults
			if got != want {
				t.Errorf("%s%v:\n got %q\nwant %q", name, args, got, want)
			}
		}
	}
}

// BenchmarkDispatchQuadratic is Dispatch of a function given to Register,
// the deck's quadratic(1, -3, 2).
func BenchmarkDispatchQuadratic(b *testing.B) {
	s := NewDemoServer(ServerOptions{})
	body, _ := AppendCall(nil, "quadratic", []any{1.0, -3.0, 2.0}, EncodeOptions{})
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		out = s.Dispatch(context.Background(), body, out[:0])
	}
}
