package xmlrpc

// A directFunc calls a registered function without reflection. It reports
// ok false, having called nothing, when the arguments are not exactly of
// the function's parameter types in number and type; Register's reflective
// path then converts them (or faults) as usual. When it calls, it returns
// what that path would: the result as an interface, or the error.
type directFunc func(params []any) (res any, ok bool, err error)

// direct returns a directFunc for fn when fn has one of the common
// signatures below, nil otherwise.
func direct(fn any) directFunc {
	switch f := fn.(type) {
	case func(int, int) int:
		return direct2(func(a, b int) (int, error) { return f(a, b), nil })
	case func(int, int) (int, error):
		return direct2(f)
	case func(float64, float64) float64:
		return direct2(func(a, b float64) (float64, error) { return f(a, b), nil })
	case func(float64, float64) (float64, error):
		return direct2(f)
	case func(float64, float64, float64) []float64:
		return direct3(func(a, b, c float64) ([]float64, error) { return f(a, b, c), nil })
	case func(float64, float64, float64) ([]float64, error):
		return direct3(f)
	case func(string) string:
		return direct1(func(a string) (string, error) { return f(a), nil })
	case func(string) (string, error):
		return direct1(f)
	case func(...int) int:
		return directVariadic(func(xs ...int) (int, error) { return f(xs...), nil })
	case func(...int) (int, error):
		return directVariadic(f)
	case func(...float64) float64:
		return directVariadic(func(xs ...float64) (float64, error) { return f(xs...), nil })
	case func(...float64) (float64, error):
		return directVariadic(f)
	}
	return nil
}

// result is a call's result as the reflective path returns it.
func result[R any](r R, err error) (any, bool, error) {
	if err != nil {
		return nil, true, err
	}
	return r, true, nil
}

func direct1[A, R any](f func(A) (R, error)) directFunc {
	return func(params []any) (any, bool, error) {
		if len(params) != 1 {
			return nil, false, nil
		}
		a, ok := params[0].(A)
		if !ok {
			return nil, false, nil
		}
		return result(f(a))
	}
}

func direct2[A, B, R any](f func(A, B) (R, error)) directFunc {
	return func(params []any) (any, bool, error) {
		if len(params) != 2 {
			return nil, false, nil
		}
		a, ok1 := params[0].(A)
		b, ok2 := params[1].(B)
		if !ok1 || !ok2 {
			return nil, false, nil
		}
		return result(f(a, b))
	}
}

func direct3[A, B, C, R any](f func(A, B, C) (R, error)) directFunc {
	return func(params []any) (any, bool, error) {
		if len(params) != 3 {
			return nil, false, nil
		}
		a, ok1 := params[0].(A)
		b, ok2 := params[1].(B)
		c, ok3 := params[2].(C)
		if !ok1 || !ok2 || !ok3 {
			return nil, false, nil
		}
		return result(f(a, b, c))
	}
}

func directVariadic[A, R any](f func(...A) (R, error)) directFunc {
	return func(params []any) (any, bool, error) {
		for _, p := range params {
			if _, ok := p.(A); !ok {
				return nil, false, nil
			}
		}
		xs := make([]A, len(params))
		for i, p := range params {
			xs[i] = p.(A)
		}
		return result(f(xs...))
	}
}
