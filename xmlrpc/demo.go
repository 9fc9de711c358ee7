package xmlrpc

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
)

// NewDemoServer returns the course deck's server: addtogether and quadratic
// with introspection and multicall, nil allowed (as Python's allow_none).
func NewDemoServer(opts ServerOptions) *Server {
	opts.AllowNil = true
	s := NewServer(opts)
	s.RegisterMethod("addtogether", AddTogether,
		"addtogether(*things) => things[0] + things[1] + ...\n\nAdds numbers, concatenates strings or arrays.")
	s.setSignature("addtogether", []any{[]any{"int", "int"}, []any{"double", "double"}, []any{"string", "string"}, []any{"array", "array"}})
	if err := s.Register("quadratic", Quadratic,
		"quadratic(a, b, c) => the distinct real roots of a*x*x + b*x + c, sorted."); err != nil {
		panic(err) // a programming error in this file
	}
	return s
}

// AddTogether folds + over its arguments as Python's reduce(operator.add)
// does: numbers add (booleans count as 0 and 1), strings and arrays
// concatenate. No arguments or mixed types are an error that says why.
func AddTogether(ctx context.Context, things []any) (any, error) {
	if len(things) == 0 {
		return nil, errors.New("addtogether needs at least one argument")
	}
	acc := things[0]
	for _, t := range things[1:] {
		var err error
		if acc, err = add(acc, t); err != nil {
			return nil, err
		}
	}
	return acc, nil
}

func add(a, b any) (any, error) {
	switch x := a.(type) {
	case int, bool:
		xi := asInt(x)
		switch y := b.(type) {
		case int, bool:
			yi := asInt(y)
			s := xi + yi
			if (s > xi) != (yi > 0) {
				return nil, errors.New("integer overflow")
			}
			return s, nil
		case float64:
			return float64(xi) + y, nil
		}
	case float64:
		switch y := b.(type) {
		case int, bool:
			return x + float64(asInt(y)), nil
		case float64:
			return x + y, nil
		}
	case string:
		if y, ok := b.(string); ok {
			return x + y, nil
		}
	case []any:
		if y, ok := b.([]any); ok {
			return append(append(make([]any, 0, len(x)+len(y)), x...), y...), nil
		}
	}
	return nil, fmt.Errorf("unsupported operand type(s) for +: '%s' and '%s'", TypeName(a), TypeName(b))
}

func asInt(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case bool:
		if x {
			return 1
		}
	}
	return 0
}

// Quadratic returns the distinct real roots of a·x²+b·x+c, sorted: none
// when there are no real roots, the linear root when a = 0, and an error
// when a = b = 0. (The deck's Python divides by 2.0 and then multiplies by
// a; these are the true roots.)
func Quadratic(a, b, c float64) ([]float64, error) {
	if a == 0 {
		if b == 0 {
			return nil, errors.New("not an equation in x: a and b are both 0")
		}
		return []float64{-c/b + 0}, nil
	}
	d := b*b - 4*a*c
	switch {
	case d < 0:
		return []float64{}, nil
	case d == 0:
		return []float64{-b/(2*a) + 0}, nil
	}
	sq := math.Sqrt(d)
	// The stable form: q has no cancellation; the roots are q/a and c/q.
	q := -0.5 * (b + math.Copysign(sq, b))
	r := []float64{q/a + 0, c/q + 0}
	sort.Float64s(r)
	if r[0] == r[1] {
		r = r[:1]
	}
	return r, nil
}
