package main

// Random values for the oracle's "random" op (see oracle.go), made by
// reflection over any corpus type.

import (
	"math"
	"math/rand"
	"reflect"
	"strings"
	"time"
)

// oracleMaxDepth bounds nesting: at this depth pointer fields, slices, maps
// and interfaces stay nil, which ends every recursion.
const oracleMaxDepth = 4

var timeType = reflect.TypeOf(time.Time{})

type oracleRand struct {
	o *oracle
	r *rand.Rand
}

func (g *oracleRand) chance(n int) bool { return g.r.Intn(n) == 0 }

// fill sets v (settable, holding its zero value) to a random value of its
// type. Pointers are always non-nil here (gob rejects nil pointers in
// slices, arrays and maps and at top level); pointer struct fields may stay
// nil through field.
func (g *oracleRand) fill(v reflect.Value, depth int) {
	t := v.Type()
	if t == timeType {
		v.Set(reflect.ValueOf(g.time()))
		return
	}
	switch t.Kind() {
	case reflect.Bool:
		v.SetBool(g.r.Intn(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(g.int(t.Bits()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(g.uint(t.Bits()))
	case reflect.Float32:
		v.SetFloat(float64(g.float32()))
	case reflect.Float64:
		v.SetFloat(g.float64())
	case reflect.Complex64:
		v.SetComplex(complex(float64(g.float32()), float64(g.float32())))
	case reflect.Complex128:
		v.SetComplex(complex(g.float64(), g.float64()))
	case reflect.String:
		v.SetString(g.string())
	case reflect.Slice:
		g.slice(v, depth)
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			g.fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		g.mapValue(v, depth)
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		g.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := v.Field(i)
			if !isSentField(t.Field(i)) || !f.CanSet() || g.chance(4) {
				continue // unexported, func and chan fields stay zero
			}
			g.field(f, depth+1)
		}
	case reflect.Interface:
		g.iface(v, depth)
	}
	// func, chan and unsafe pointers stay zero; gob never sends them.
}

// field fills a struct field: a pointer (at any level) may stay nil.
func (g *oracleRand) field(v reflect.Value, depth int) {
	if v.Kind() != reflect.Pointer {
		g.fill(v, depth)
		return
	}
	if depth >= oracleMaxDepth || g.chance(3) {
		return
	}
	p := reflect.New(v.Type().Elem())
	g.field(p.Elem(), depth+1)
	v.Set(p)
}

func (g *oracleRand) slice(v reflect.Value, depth int) {
	if depth >= oracleMaxDepth {
		return
	}
	t := v.Type()
	var n int
	switch g.r.Intn(10) {
	case 0, 1:
		return // nil
	case 2, 3:
		n = 0
	default:
		n = 1 + g.r.Intn(4)
	}
	if t.Elem().Kind() == reflect.Uint8 { // a gob byte slice
		switch g.r.Intn(4) {
		case 0:
			n = 1 + g.r.Intn(8)
		case 1:
			n = 9 + g.r.Intn(120)
		case 2:
			n = 200 + g.r.Intn(1200)
		}
		s := reflect.MakeSlice(t, n, n)
		g.r.Read(s.Bytes())
		v.Set(s)
		return
	}
	s := reflect.MakeSlice(t, n, n)
	for i := 0; i < n; i++ {
		g.fill(s.Index(i), depth+1)
	}
	v.Set(s)
}

func (g *oracleRand) mapValue(v reflect.Value, depth int) {
	if depth >= oracleMaxDepth {
		return
	}
	t := v.Type()
	var n int
	switch g.r.Intn(10) {
	case 0, 1:
		return // nil
	case 2, 3:
		n = 0
	default:
		n = 1 + g.r.Intn(5)
	}
	m := reflect.MakeMapWithSize(t, n)
	for i := 0; i < n; i++ {
		k := reflect.New(t.Key()).Elem()
		g.fill(k, depth+1)
		if hasNaN(k) {
			continue // a NaN key can never be looked up again
		}
		e := reflect.New(t.Elem()).Elem()
		g.fill(e, depth+1)
		m.SetMapIndex(k, e)
	}
	v.Set(m)
}

// hasNaN reports whether a map key holds a NaN anywhere.
func hasNaN(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		return math.IsNaN(v.Float())
	case reflect.Complex64, reflect.Complex128:
		c := v.Complex()
		return math.IsNaN(real(c)) || math.IsNaN(imag(c))
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if hasNaN(v.Index(i)) {
				return true
			}
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if hasNaN(v.Field(i)) {
				return true
			}
		}
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && hasNaN(v.Elem())
	}
	return false
}

// iface sets an interface to nil or to a random value of one of the
// registered concrete types that implement it.
func (g *oracleRand) iface(v reflect.Value, depth int) {
	groups := g.o.implementations(v.Type())
	cands := groups[0] // the corpus's registered types, half of the time
	if len(cands) == 0 || len(groups[1]) > 0 && g.chance(2) {
		cands = groups[1]
	}
	if depth >= oracleMaxDepth || len(cands) == 0 || g.chance(4) {
		return
	}
	c := reflect.New(cands[g.r.Intn(len(cands))]).Elem()
	g.fill(c, depth+1)
	v.Set(c)
}

// int returns a random integer that fits in bits.
func (g *oracleRand) int(bits int) int64 {
	lo, hi := int64(-1)<<(bits-1), int64(uint64(1)<<(bits-1)-1)
	switch g.r.Intn(10) {
	case 0, 1:
		return 0
	case 2:
		return lo
	case 3:
		return hi
	case 4:
		return int64(g.r.Intn(257)) - 128
	case 5, 6: // around a power of two
		x := int64(uint64(1)<<g.r.Intn(bits)) + int64(g.r.Intn(3)-1)
		if g.chance(2) {
			x = -x
		}
		return max(lo, min(hi, x))
	default:
		return int64(g.r.Uint64()) >> (64 - bits)
	}
}

// uint returns a random unsigned integer that fits in bits.
func (g *oracleRand) uint(bits int) uint64 {
	mask := ^uint64(0) >> (64 - bits)
	switch g.r.Intn(10) {
	case 0, 1:
		return 0
	case 2:
		return 1
	case 3:
		return mask
	case 4:
		return uint64(g.r.Intn(257)) & mask
	case 5, 6:
		return (uint64(1)<<g.r.Intn(bits) + uint64(g.r.Intn(3)) - 1) & mask
	default:
		return g.r.Uint64() & mask
	}
}

func (g *oracleRand) float64() float64 {
	sign := 1.0
	if g.chance(2) {
		sign = -1
	}
	switch g.r.Intn(16) {
	case 0, 1, 2:
		return 0
	case 3:
		return math.Copysign(0, -1)
	case 4:
		return math.NaN()
	case 5:
		return math.Inf(1)
	case 6:
		return math.Inf(-1)
	case 7:
		return sign * math.SmallestNonzeroFloat64
	case 8: // subnormal
		return sign * math.Float64frombits(g.r.Uint64()&(1<<52-1))
	case 9:
		return sign * math.MaxFloat64
	case 10:
		return float64(g.r.Intn(2001) - 1000)
	case 11:
		return sign * float64(g.r.Intn(1000)) / 8
	case 12, 13: // any bit pattern, NaN payloads included
		return math.Float64frombits(g.r.Uint64())
	default:
		return g.r.NormFloat64() * math.Pow(10, float64(g.r.Intn(61)-30))
	}
}

func (g *oracleRand) float32() float32 {
	var sign float32 = 1
	if g.chance(2) {
		sign = -1
	}
	switch g.r.Intn(16) {
	case 0, 1, 2:
		return 0
	case 3:
		return float32(math.Copysign(0, -1))
	case 4:
		return float32(math.NaN())
	case 5:
		return float32(math.Inf(1))
	case 6:
		return float32(math.Inf(-1))
	case 7:
		return sign * math.SmallestNonzeroFloat32
	case 8: // subnormal
		return sign * math.Float32frombits(g.r.Uint32()&(1<<23-1))
	case 9:
		return sign * math.MaxFloat32
	case 10:
		return float32(g.r.Intn(2001) - 1000)
	case 11:
		return sign * float32(g.r.Intn(1000)) / 8
	case 12, 13:
		return math.Float32frombits(g.r.Uint32())
	default:
		return float32(g.r.NormFloat64() * math.Pow(10, float64(g.r.Intn(21)-10)))
	}
}

var oracleStrings = []string{
	"a", "hello", "Alice", "日本語 🎉 ñ", "ñ", "über", "🎉", "é", "Ω≈ç√",
	"nul\x00", "nl\n", "quote\"", `back\slash`, "\t\r", "\u2028\u2029", "\x7f", "\ufeff", "\uffff",
}

// oracleRunes are ranges of runes for random strings (all valid UTF-8).
var oracleRunes = [][2]rune{
	{0x20, 0x7e}, {0x20, 0x7e}, {0x00, 0x1f}, {0x80, 0x2ff}, {0x370, 0x3ff},
	{0x3040, 0x30ff}, {0x4e00, 0x9fff}, {0xe000, 0xfffd}, {0x1f300, 0x1f64f}, {0x10000, 0x10ffff},
}

func (g *oracleRand) string() string {
	switch g.r.Intn(6) {
	case 0, 1:
		return ""
	case 2:
		return oracleStrings[g.r.Intn(len(oracleStrings))]
	case 3:
		s := oracleStrings[g.r.Intn(len(oracleStrings))]
		return strings.Repeat(s, 1+300/len(s)) // long: a multi-byte length
	default:
		var b strings.Builder
		for n := 1 + g.r.Intn(12); n > 0; n-- {
			rg := oracleRunes[g.r.Intn(len(oracleRunes))]
			b.WriteRune(rg[0] + rune(g.r.Intn(int(rg[1]-rg[0]+1))))
		}
		return b.String()
	}
}

// time returns a time.Time gob can encode: the zero time, instants in UTC
// and with zones whose offsets are whole minutes or not.
func (g *oracleRand) time() time.Time {
	instant := func() time.Time {
		switch g.r.Intn(3) {
		case 0:
			return time.Unix(g.r.Int63n(4e9)-1e9, g.r.Int63n(1e9))
		case 1:
			return time.Unix(g.r.Int63n(1<<40)-1<<39, g.r.Int63n(1e9))
		default:
			return time.Unix(g.r.Int63n(4e9), 0)
		}
	}
	switch g.r.Intn(8) {
	case 0, 1:
		return time.Time{}
	case 2:
		return time.Time{}.In(time.FixedZone("Z", 3600)) // zero instant, not the zero Time
	case 3:
		return time.Unix(0, 0).UTC()
	case 4: // whole minutes
		return instant().In(time.FixedZone("M", (g.r.Intn(1681)-840)*60))
	case 5: // seconds (an offset of -1 minute would not marshal)
		return instant().In(time.FixedZone("", 120+g.r.Intn(50000)))
	default:
		return instant().UTC()
	}
}
